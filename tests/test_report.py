"""Report notebooks executed with papermill, the batch runner, and the shared HTML."""

from __future__ import annotations

import re
import shutil
import subprocess

import nbformat
import pytest

from csat_analysis import render as rep
from csat_analysis.config import NOTEBOOK_DIR, REPORT_NOTEBOOKS
from csat_analysis.datasets import SAMPLE_SCHEMA, make_sample

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small sample export (1,500 rows) with a hostile segment name, and its schema."""
    import yaml

    folder = tmp_path_factory.mktemp("small")
    frame = make_sample(1500, random_state=9)
    frame.loc[frame["region"] == "West", "region"] = XSS
    frame.to_csv(folder / "small.csv", index=False)
    (folder / "small.yml").write_text(yaml.safe_dump(SAMPLE_SCHEMA))
    return folder / "small.csv", folder / "small.yml"


def _notebooks():
    return [n for n in REPORT_NOTEBOOKS if (NOTEBOOK_DIR / f"{n}.ipynb").is_file()]


def check_shared_html(text: str) -> None:
    assert not re.search(r"<script[^>]+src=", text), "no external scripts"
    assert not re.search(r"""(?:src|href)=["']https?://""", text), "no requests to other hosts"
    assert "cdn" not in text.lower() or "cdnjs" not in text.lower()
    assert XSS not in text
    assert "customer_email" not in text and "@example.com" not in text
    assert "injected-parameters" not in text
    assert "import csat_analysis" not in text, "no code cells"
    code_cells = re.findall(r'<div class="jp-Cell jp-CodeCell[^"]*"', text)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells)


@pytest.mark.parametrize("notebook", _notebooks())
def test_notebook_renders_on_small_data(tmp_path, small, notebook):
    data, schema = small
    result = rep.run_report(notebook, data=data, schema=schema, out=tmp_path)
    assert result.ok, result.error
    text = result.html.read_text()
    check_shared_html(text)
    assert "Summary" in text and "small.csv" in text
    assert result.headline
    assert result.ipynb.is_file()
    nb = nbformat.read(result.ipynb, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    if notebook == "campaign_effects":  # every chart is shown, not only the first (rc_context reset `interactive`)
        images = {c.source: any("image/png" in o.get("data", {}) for o in c.outputs)
                  for c in nb.cells if c.cell_type == "code" and c.source.startswith("result.plot_")}
        assert images == {"result.plot_forest();": True, "result.plot_balance();": True,
                          "result.plot_event_study();": True, "result.plot_its();": True}, images


def test_plot_helpers_leave_the_backend_settings_alone():
    """A figure made inside a plot helper may switch the inline backend on; that must survive the helper."""
    import matplotlib.pyplot as plt

    from csat_analysis.plots import _plain_text

    @_plain_text
    def draw():
        assert plt.rcParams["text.parse_math"] is False
        plt.rcParams["interactive"] = True  # what matplotlib-inline does when the first figure is made

    before = dict(plt.rcParams)
    try:
        plt.rcParams["interactive"] = False
        draw()
        assert plt.rcParams["interactive"] is True
        assert plt.rcParams["text.parse_math"] == before["text.parse_math"]
    finally:
        plt.rcParams["interactive"] = before["interactive"]


@pytest.mark.parametrize("notebook", _notebooks())
def test_notebook_with_no_matching_rows_says_so(tmp_path, small, notebook):
    data, schema = small
    result = rep.run_report(notebook, data=data, schema=schema, out=tmp_path,
                            parameters={"start": "2030-01-01"})
    assert result.ok, result.error
    assert "No responses match this selection" in result.html.read_text()


def test_hostile_segment_is_escaped(tmp_path, small):
    data, schema = small
    result = rep.run_report("overview", data=data, schema=schema, out=tmp_path)
    text = result.html.read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert XSS not in text


def test_batch_isolates_failures_and_writes_index(tmp_path, small):
    data, schema = small
    nb = nbformat.read(NOTEBOOK_DIR / "overview.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell('assert segment != "South", "South fails on purpose"'))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    results = rep.run_batch(broken, data=data, schema=schema, by="channel", out=tmp_path / "out",
                            workers=2, progress=False)
    assert [r.label for r in results] == ["Phone", "Store", "Web"]
    assert all(r.ok for r in results)
    results = rep.run_batch(broken, data=data, schema=schema, by="region", out=tmp_path / "out2",
                            workers=2, progress=False)
    status = {r.label: r for r in results}
    assert not status["South"].ok and "South fails on purpose" in status["South"].error
    executed = nbformat.read(status["South"].ipynb, as_version=4)
    assert "fails on purpose" in executed.cells[status["South"].failed_cell - 1].source
    assert all(r.ok for k, r in status.items() if k != "South")
    index = (tmp_path / "out2" / "index.html").read_text()
    assert "failed" in index and "South fails on purpose" in index
    assert f"cell {status['South'].failed_cell}:" in index
    assert "&lt;script&gt;" in index and XSS not in index
    for r in results:
        if r.ok:
            assert r.headline["Responses"] in index


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed")
def test_report_renders_in_offline_chromium(tmp_path, small):
    data, schema = small
    result = rep.run_report("overview", data=data, schema=schema, out=tmp_path)
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         f"--user-data-dir={tmp_path / 'profile'}", "--proxy-server=127.0.0.1:9", "--dump-dom",
         result.html.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "Customer experience overview" in dom and "Summary" in dom
    assert dom.count("<img") >= 2  # figures embedded as data URIs render without any network
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    f"--user-data-dir={tmp_path / 'profile2'}", "--proxy-server=127.0.0.1:9",
                    "--window-size=1280,2000", f"--screenshot={shot}", result.html.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 20_000
