"""``csat-report run`` starts the report's kernel before it imports pandas and the renderer (the kernel then
starts while this process imports them), and leaves no kernel behind, also when the run fails."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from csat_analysis.config import SAMPLE_DATA, SAMPLE_SCHEMA_FILE

_RUN = """
import sys, psutil
from csat_analysis import kernel
started = []
original = kernel.ReportKernel.__init__
def init(self, *args, **kwargs):
    started.append("pandas" in sys.modules)
    original(self, *args, **kwargs)
kernel.ReportKernel.__init__ = init
from csat_analysis.cli import main
status = main(["run", "overview", "--data", {data!r}, "--schema", {schema!r}, "--out", {out!r}{extra}])
alive = [p.pid for p in psutil.Process().children(recursive=True) if p.is_running()
         and p.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(p.cmdline())]
print(status, started, alive)
"""


def _run(tmp_path, extra: str = "") -> str:
    code = textwrap.dedent(_RUN.format(data=str(SAMPLE_DATA), schema=str(SAMPLE_SCHEMA_FILE), out=str(tmp_path),
                                       extra=extra))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    return proc.stdout.strip().splitlines()[-1] + "\n" + proc.stderr


def test_run_starts_the_kernel_before_pandas_and_leaves_none(tmp_path):
    out = _run(tmp_path)
    assert out.startswith("0 [False] []"), out
    assert (tmp_path / "overview.html").is_file()


def test_a_bad_name_after_the_kernel_started_leaves_no_kernel(tmp_path):
    out = _run(tmp_path, extra=', "--name", "../escape"')
    assert out.startswith("2 [False] []"), out
    assert "--name '../escape' must be a plain file name" in out
