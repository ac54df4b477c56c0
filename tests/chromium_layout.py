"""Measure a rendered report's layout in headless Chromium through the DevTools protocol (issue 28 §1).

The page is opened as a file; the check runs as a DevTools ``Runtime.evaluate``
call, so the page's Content-Security-Policy (no scripts) stays as it is.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

#: what overflows: the page's scroll width, and every table, figure, list or box that sticks out of
#: its container (or of the window) without being a scroll box of its own
LAYOUT_JS = r"""
(() => {
  const W = window.innerWidth;
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const out = {width: W, scrollWidth: document.documentElement.scrollWidth, overflow: [], scrollBoxes: []};
  const items = document.querySelectorAll('table, img, svg, pre, dl, .csat-summary, .csat-note, h1, h2, p, ul');
  for (const el of items) {
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    let box = el.parentElement;
    while (box && box !== document.body && !scrolls(box)) box = box.parentElement;
    const limit = box && box !== document.body ? Math.min(W, box.getBoundingClientRect().right) : W;
    const inScroll = box && box !== document.body;
    if (!inScroll && r.right > limit + 1) {
      out.overflow.push({tag: el.tagName, cls: el.className && el.className.baseVal === undefined ? el.className : '',
                         right: Math.round(r.right), limit: Math.round(limit),
                         text: (el.innerText || el.getAttribute('alt') || '').slice(0, 80)});
    }
    if (el.tagName === 'TABLE') {
      const sbox = scrolls(el) ? el : (inScroll ? box : null);
      if (sbox && sbox.scrollWidth > sbox.clientWidth + 1) {
        const first = el.querySelector('tbody tr > :first-child');
        out.scrollBoxes.push({sticky: first ? getComputedStyle(first).position === 'sticky' : false,
                              right: Math.round(sbox.getBoundingClientRect().right)});
        if (sbox.getBoundingClientRect().right > W + 1) {
          out.overflow.push({tag: 'SCROLLBOX', cls: sbox.className, limit: W, text: '',
                             right: Math.round(sbox.getBoundingClientRect().right)});
        }
      }
    }
  }
  return out;
})()
"""


class Chromium:
    """A headless Chromium with a DevTools port; ``measure(path)`` opens a page and runs :data:`LAYOUT_JS`."""

    def __init__(self, width: int = 1300, height: int = 2000) -> None:
        self.width, self.height = width, height
        self._ids = itertools.count(1)
        self.profile = tempfile.mkdtemp(prefix="csat-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", "--disable-extensions", f"--user-data-dir={self.profile}",
             "--remote-debugging-port=0", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 120
        while not port_file.is_file() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.2)
        self.port = int(port_file.read_text().split()[0])

    def _call(self, ws, method: str, params: dict | None = None):
        msg_id = next(self._ids)
        ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}}))
        while True:
            reply = json.loads(ws.recv())
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def measure(self, page: Path, *, media: str = "screen", width: int | None = None) -> dict:
        """Load ``page`` at ``width`` px (or as printed, ``media="print"``) and return the layout facts."""
        from websocket import create_connection

        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        target = json.loads(urllib.request.urlopen(req, timeout=60).read())
        ws = create_connection(target["webSocketDebuggerUrl"], timeout=120, suppress_origin=True)
        try:
            self._call(ws, "Page.enable")
            self._call(ws, "Emulation.setDeviceMetricsOverride",
                       {"width": width or self.width, "height": self.height, "deviceScaleFactor": 1,
                        "mobile": False})
            self._call(ws, "Emulation.setEmulatedMedia", {"media": media})
            self._call(ws, "Page.navigate", {"url": Path(page).resolve().as_uri()})
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                state = self._call(ws, "Runtime.evaluate", {"expression": "document.readyState",
                                                            "returnByValue": True})
                if state["result"].get("value") == "complete":
                    break
                time.sleep(0.2)
            result = self._call(ws, "Runtime.evaluate", {"expression": LAYOUT_JS, "returnByValue": True})
            return result["result"]["value"]
        finally:
            ws.close()
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/close/{target['id']}", timeout=30).read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
