"""The ``csat-analysis`` Jupyter kernel: its registration, and a kernel started ahead of a report.

``python -m csat_analysis.kernel`` installs the kernel spec into the
environment (``--sys-prefix``) so that papermill, nbval and JupyterLab run the
notebooks with this environment's Python, and silences ipykernel's TCP
warning, which would otherwise end up in every executed notebook.

:class:`ReportKernel` starts the kernel of one report as early as possible and
asks it, in a *silent* request (no execution count, no history, no output, no
name left in the notebook's namespace), to import the modules the notebook is
going to use (:func:`preload_modules`).  The kernel then spends the seconds
that pandas, matplotlib, seaborn and scipy take to import while the parent
process checks the data and loads papermill and nbconvert, instead of after.
Importing a module early changes nothing the notebook sees: modules are
imported once per process anyway, and a module that fails to import is left
for the notebook's own cell to report.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._exports import EXPORTS, MODULES
from .config import KERNEL_NAME, KERNEL_PRELOAD

__all__ = ["install_kernel", "preload_modules", "preload_code", "ReportKernel", "KERNEL_ARGUMENTS"]

#: Arguments of every kernel the package starts itself (nbclient's default for the kernels it starts).
KERNEL_ARGUMENTS = ("--HistoryManager.hist_file=:memory:",)


def install_kernel() -> Path:
    """Install (or refresh) the kernel spec and return its folder."""
    from ipykernel.kernelspec import install

    folder = Path(install(kernel_name=KERNEL_NAME, display_name="Python (csat-analysis)", prefix=sys.prefix))
    spec_file = folder / "kernel.json"
    spec = json.loads(spec_file.read_text())
    flag = "--IPKernelApp.log_level=ERROR"
    if flag not in spec["argv"]:
        spec["argv"].append(flag)
    spec_file.write_text(json.dumps(spec, indent=1))
    return folder


_PACKAGE = "csat_analysis"
# ``ca.overview(...)``, ``csat_analysis.plots``, ``from csat_analysis import render as rep``, ``rep.section(...)``
_ATTRIBUTE = re.compile(r"\b(?:ca|csat_analysis)\.([A-Za-z_]\w*)")
_FROM_IMPORT = re.compile(r"^\s*from\s+csat_analysis(?:\.([A-Za-z_]\w*))?\s+import\s+([^\n#]+)", re.MULTILINE)
_RENDER_ALIAS = re.compile(r"\brep\.[A-Za-z_]")


def preload_modules(notebook: str | Path) -> list[str]:
    """The modules to import in a report's kernel before it runs ``notebook``.

    The package attributes the notebook's code cells use (``ca.overview`` ->
    ``csat_analysis.overview``, ``rep.header`` -> ``csat_analysis.render``;
    only names of the package's lazy-export table) and, when any is used,
    the fixed list :data:`csat_analysis.config.KERNEL_PRELOAD` first.  Nothing
    else the notebook names is imported early; an unreadable notebook
    preloads nothing.
    """
    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
        sources = [c.get("source", "") for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
        source = "\n".join("".join(s) if isinstance(s, list) else str(s) for s in sources)
    except (OSError, ValueError, AttributeError):
        return []
    known = set(EXPORTS) | set(MODULES)
    names: list[str] = []

    def add(attr: str | None) -> None:
        # kept as the attribute the notebook uses: ``ca.overview`` is a function, the module of the same
        # name must not be imported directly (that would make the package attribute the module)
        if attr in known and f"{_PACKAGE}.{attr}" not in names:
            names.append(f"{_PACKAGE}.{attr}")

    for match in _FROM_IMPORT.finditer(source):
        if match.group(1):
            add(match.group(1))
        for item in match.group(2).replace("(", " ").replace(")", " ").split(","):
            add(item.split()[0] if item.split() else None)
    for attr in _ATTRIBUTE.findall(source):
        add(attr)
    if _RENDER_ALIAS.search(source):
        add("render")
    if not names:
        return []
    return [*dict.fromkeys([*KERNEL_PRELOAD, *names])]


_PRELOAD = """\
def _csat_preload(names):
    import importlib
    for name in names:
        try:
            if name.startswith("csat_analysis."):  # through the package's lazy attributes, as the notebook does
                getattr(importlib.import_module("csat_analysis"), name.split(".", 1)[1])
            else:
                importlib.import_module(name)
        except Exception:  # left for the notebook's own cell to report
            pass
_csat_preload({names!r})
del _csat_preload
"""


def preload_code(modules: Sequence[str]) -> str:
    """Code that imports ``modules`` and leaves no name behind (run silently in the kernel).

    ``csat_analysis.NAME`` means the package attribute ``NAME`` (a lazily
    imported module or function), anything else a module to import.
    """
    names = [m for m in modules if re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", m)
             and (not m.startswith(f"{_PACKAGE}.") or m.count(".") == 1)]
    return _PRELOAD.format(names=names)


class ReportKernel:
    """A ``csat-analysis`` kernel started now in ``cwd``, importing ``preload`` in the background.

    ``km`` is the :class:`jupyter_client.AsyncKernelManager` to hand to papermill, which then
    does not start a kernel of its own and talks to this one exactly as to the kernels it starts
    (asynchronous clients, no helper thread that a later ``fork`` would lose).  Call
    :meth:`wait_preloaded` before executing the notebook, :meth:`close_clients` after, and
    :meth:`shutdown` (or :meth:`request_shutdown` then :meth:`shutdown`) at the end.
    """

    def __init__(self, cwd: str | Path, preload: Sequence[str] = ()) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        class _Manager(AsyncKernelManager):
            """Remembers the clients it makes, so that :meth:`ReportKernel.close_clients` can stop them."""

            def client(self, **kwargs):
                kc = super().client(**kwargs)
                clients.append(kc)
                return kc

        clients: list = []
        self._clients = clients
        self._sync = run_sync
        self._requested = False
        self.km = _Manager(kernel_name=KERNEL_NAME)
        # what nbclient passes to a kernel it starts itself: no IPython history file on disk
        run_sync(self.km.start_kernel)(cwd=str(cwd), extra_arguments=list(KERNEL_ARGUMENTS))
        self._kc = None
        self._msg_id = None
        if preload:
            try:
                from jupyter_client.blocking import BlockingKernelClient

                kc = BlockingKernelClient(connection_file=self.km.connection_file)
                kc.load_connection_file()
                kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
                # zmq queues the request until the kernel listens; it runs before anything papermill sends
                self._msg_id = kc.execute(preload_code(preload), silent=True, store_history=False,
                                          allow_stdin=False)
                self._kc = kc
            except Exception:  # preloading is an optimisation only
                self._close_client()

    def _close_client(self) -> None:
        kc, self._kc = self._kc, None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:  # pragma: no cover
                pass

    def is_alive(self) -> bool:
        return bool(self._sync(self.km.is_alive)())

    def wait_preloaded(self, timeout: float = 300.0) -> None:
        """Wait until the kernel has run the preload request (or died, or ``timeout`` seconds passed)."""
        kc = self._kc
        if kc is None:
            return
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and self.is_alive():
                try:
                    msg = kc.get_shell_msg(timeout=0.2)
                except Exception:  # queue.Empty: not yet
                    continue
                if msg.get("parent_header", {}).get("msg_id") == self._msg_id:
                    break
        finally:
            self._close_client()

    def close_clients(self) -> None:
        """Stop the channels of the clients papermill made (it leaves them open on a kernel it did not start)."""
        while self._clients:
            kc = self._clients.pop()
            try:
                kc.stop_channels()
            except Exception:  # pragma: no cover
                pass

    def request_shutdown(self) -> None:
        """Ask the kernel to shut down and return at once (:meth:`shutdown` then waits for it)."""
        self._close_client()
        self.close_clients()
        try:
            if self.km.has_kernel:
                self._sync(self.km.request_shutdown)()
                self._requested = True
        except Exception:  # pragma: no cover - it is killed by shutdown()
            pass

    def shutdown(self, now: bool = False, grace: float = 0.1) -> None:
        """Stop the kernel: after :meth:`request_shutdown`, wait up to ``grace`` seconds for it to exit, then
        kill it; with ``now`` (or no request), kill it at once.

        The notebook is complete when this is called and its kernel keeps nothing worth a clean exit
        (history in memory), so an exit that takes longer than ``grace`` is not waited for.
        """
        self._close_client()
        self.close_clients()
        km = self.km
        try:
            if not km.has_kernel:
                return
            if self._requested and not now:
                self._sync(km.finish_shutdown)(waittime=grace)
                self._sync(km.cleanup_resources)()
            else:
                self._sync(km.shutdown_kernel)(now=now)
        except Exception:  # pragma: no cover - last resort
            try:
                self._sync(km.shutdown_kernel)(now=True)
            except Exception:
                pass


if __name__ == "__main__":  # pragma: no cover
    print(f"Installed kernel {KERNEL_NAME!r} in {install_kernel()}")
