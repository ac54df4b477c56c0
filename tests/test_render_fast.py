"""The fast report path: the kernel started early with a silent preload, the cached HTML exporter, and a
clean kernel shutdown on every path (no timed assertions: see benchmarks/bench_report.py)."""

from __future__ import annotations

import json

import nbformat
import psutil
import pytest

from csat_analysis import render as rep
from csat_analysis.config import (
    NOTEBOOK_DIR,
    REPORT_NOTEBOOKS,
    SAMPLE_DATA,
    SAMPLE_SCHEMA_FILE,
    TEMPLATE_DIR,
)
from csat_analysis.exceptions import ParameterError
from csat_analysis.kernel import ReportKernel, preload_code, preload_modules
from csat_analysis.render.output import _strip_noise


def _kernels() -> set[int]:
    """Live kernel processes below this one (a zombie, killed but not yet reaped, is not a live kernel)."""
    out = set()
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(p.cmdline()):
                out.add(p.pid)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return out


@pytest.mark.parametrize("notebook", [n for n in REPORT_NOTEBOOKS if (NOTEBOOK_DIR / f"{n}.ipynb").is_file()])
def test_preload_names_only_package_attributes(notebook):
    names = preload_modules(NOTEBOOK_DIR / f"{notebook}.ipynb")
    assert "csat_analysis.render" in names  # rep.load / rep.header ...
    assert any(n.endswith(("_report", ".overview")) for n in names), names  # the report's own function
    assert all(n.startswith("csat_analysis.") or n in ("pandas", "matplotlib.pyplot") for n in names)


def test_preload_ignores_what_the_notebook_names_otherwise(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os, subprocess\nimport csat_analysis as ca\nca.nope(); ca.__class__\n"
                                  "from csat_analysis import overview, evil\nx = ca.trend_report"),
    ])
    path = tmp_path / "custom.ipynb"
    nbformat.write(nb, str(path))
    names = preload_modules(path)
    assert "csat_analysis.overview" in names and "csat_analysis.trend_report" in names
    assert not any(n.endswith(("nope", "__class__", "evil")) or n in ("os", "subprocess") for n in names)
    (tmp_path / "plain.ipynb").write_text(json.dumps(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import pandas as pd")])))
    assert preload_modules(tmp_path / "plain.ipynb") == []
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert preload_modules(tmp_path / "broken.ipynb") == []


def test_preload_code_leaves_no_name_and_keeps_lazy_functions():
    code = preload_code(["csat_analysis.overview", "csat_analysis.render", "no_such_module_xyz", "bad name; rm",
                         "csat_analysis.a.b"])
    assert "bad name" not in code and "csat_analysis.a.b" not in code
    namespace: dict = {}
    exec(code, namespace)
    assert set(namespace) == {"__builtins__"}
    import csat_analysis as ca

    assert callable(ca.overview), "ca.overview is the function, not the module of the same name"


def test_report_kernel_preloads_silently():
    kernel = ReportKernel(NOTEBOOK_DIR, ["csat_analysis.render", "csat_analysis.overview"])
    try:
        kernel.wait_preloaded(timeout=120)
        kc = kernel.km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            outputs = []
            reply = kc.execute_interactive(
                "import sys\nprint(sorted(k for k in dir() if not k.startswith('_') and k not in "
                "('In', 'Out', 'exit', 'quit', 'get_ipython', 'open')), 'csat_analysis.render' in sys.modules)",
                timeout=60, output_hook=outputs.append)
            assert reply["content"]["execution_count"] == 1, "the preload took no execution count"
            text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
            assert text.strip() == "['sys'] True"
        finally:
            kc.stop_channels()
    finally:
        pid = kernel.km.provisioner.pid if kernel.km.provisioner else None
        kernel.request_shutdown()
        kernel.shutdown()
    assert pid is None or not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_failed_check_after_kernel_start_leaves_no_kernel(tmp_path):
    before = _kernels()
    with pytest.raises(ParameterError, match="does not occur"):
        rep.run_report("overview", data=SAMPLE_DATA, schema=SAMPLE_SCHEMA_FILE, out=tmp_path,
                       parameters={"segment_column": "region", "segment": "Atlantis"})
    assert _kernels() <= before
    assert not list(tmp_path.glob(".*.partial.*"))


def test_cached_exporter_matches_a_fresh_nbconvert_export(tmp_path):
    """The exporter built once (no re-validation after each preprocessor) writes the same HTML."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title <b>x</b>"),
        nbformat.v4.new_code_cell("p = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("p = 2", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("show()", execution_count=3, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="hello\n"),
            nbformat.v4.new_output("stream", name="stderr", text="stderr-noise-7\n"),
            nbformat.v4.new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>",
                                                         "text/plain": "t"}),
            nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        ]),
        nbformat.v4.new_code_cell("1/0", execution_count=4, outputs=[
            nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                   traceback=["Traceback", "/secret/path.py line 1"])]),
    ])
    nb.metadata["csat_title"] = "A <title>"
    fast = rep.to_html(nb, tmp_path / "fast.html").read_text()

    exporter = HTMLExporter(template_name="csat", extra_template_basedirs=[str(TEMPLATE_DIR)])
    exporter.exclude_input = exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    exporter.register_preprocessor(TagRemovePreprocessor(
        remove_cell_tags={"injected-parameters", "parameters", "remove", "papermill-error-cell-tag"}, enabled=True),
        enabled=True)
    plain, _ = exporter.from_notebook_node(_strip_noise(nb), resources={"metadata": {"name": "A <title>"}})
    assert fast == plain
    assert "Content-Security-Policy" in fast and "/secret/path.py" not in fast and "stderr-noise-7" not in fast
    assert rep.to_html(nb, tmp_path / "again.html").read_text() == fast, "the cached exporter is reusable"
