"""The csat-report command line: exit statuses and one-sentence errors, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from csat_analysis.config import SAMPLE_DATA, SAMPLE_SCHEMA_FILE

from .conftest import run_cli as run


@pytest.mark.parametrize("rows", ["-5", "0", "ten"])
def test_sample_bad_rows(capsys, tmp_path, rows):
    code, out, err = run(capsys, "sample", "--rows", rows, "--out", str(tmp_path / "x.csv"))
    assert code == 2
    assert "Traceback" not in err and "--rows" in err and err.count("\n") == 1


def test_sample_writes_data_schema_and_truth(capsys, tmp_path):
    code, out, _ = run(capsys, "sample", "--rows", "200", "--out", str(tmp_path / "s.csv"))
    assert code == 0
    assert len(pd.read_csv(tmp_path / "s.csv")) == 200
    truth = json.loads((tmp_path / "s_truth.json").read_text())
    assert truth["campaign"] == "spring_promo"
    code, out, _ = run(capsys, "validate", "--data", str(tmp_path / "s.csv"),
                       "--schema", str(tmp_path / "s_schema.yml"))
    assert code == 0 and "200 rows read, 200 kept" in out


def test_sample_bad_suffix(capsys, tmp_path):
    code, _, err = run(capsys, "sample", "--rows", "10", "--out", str(tmp_path / "x.txt"))
    assert code == 2 and "must end in .csv" in err


def test_validate_json_and_exit_codes(capsys, tmp_path):
    code, out, _ = run(capsys, "validate", "--data", str(SAMPLE_DATA), "--schema", str(SAMPLE_SCHEMA_FILE), "--json")
    data = json.loads(out)
    assert code == 0 and data["rows_read"] == data["rows_kept"] + data["rows_excluded"] == 20000
    bad = tmp_path / "bad.csv"
    bad.write_text("csat\n-3\n0\n")
    code, out, err = run(capsys, "validate", "--data", str(bad), "--json")
    assert code == 1 and json.loads(out)["excluded"]["out_of_range"]["count"] == 2
    assert "no usable rows" in err
    schema = tmp_path / "s.yml"
    schema.write_text("metrics:\n  csat: {column: CSAT}\n")
    code, _, err = run(capsys, "validate", "--data", str(bad), "--schema", str(schema))
    assert code == 2 and "Did you mean 'csat'" in err
    code, _, err = run(capsys, "validate", "--data", str(tmp_path / "missing.csv"))
    assert code == 1 and "does not exist" in err


def test_validate_prints_inferred_schema(capsys, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,nps,region\n1,10,N\n2,3,S\n3,8,N\n")
    code, out, _ = run(capsys, "validate", "--data", str(path))
    assert code == 0 and "Inferred schema" in out and "column: nps" in out


def test_run_rejects_bad_arguments_before_any_kernel(capsys, tmp_path):
    code, _, err = run(capsys, "run", "overveiw", "--data", str(SAMPLE_DATA))
    assert code == 2 and "Did you mean 'overview'" in err
    code, _, err = run(capsys, "run", "overview", "--data", str(tmp_path / "nope.csv"))
    assert code == 1 and "does not exist" in err
    code, _, err = run(capsys, "run", "overview", "--data", str(SAMPLE_DATA), "--schema", str(SAMPLE_SCHEMA_FILE),
                       "-p", "min_nn", "3")
    assert code == 2 and "no parameter 'min_nn'" in err and "Did you mean 'min_n'" in err
    code, _, err = run(capsys, "run", "overview", "--data", str(SAMPLE_DATA), "--schema", str(SAMPLE_SCHEMA_FILE),
                       "-p", "segment", "Atlantis")
    assert code == 2 and "'Atlantis' does not occur in column 'region'" in err


def test_console_script_has_no_traceback(tmp_path):
    exe = __import__("pathlib").Path(sys.executable).parent / "csat-report"
    proc = subprocess.run([str(exe), "sample", "--rows", "-5", "--out", str(tmp_path / "x.csv")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [
    ["-p", "no_such_parameter", "1"],  # not declared by the notebook
    ["-p", "start", "!!binary aGVsbG8="],  # not a plain value
])
def test_a_bad_parameter_is_refused_before_pandas_loads(args):
    """Issue 16: a wrong parameter took 9-11 s, then ~1.3 s (render imported pandas first); the checks now read
    only the notebook's JSON, so nothing heavy is imported before the error."""
    code = ("import sys; from csat_analysis.cli import main; "
            f"rc = main(['run', 'overview', '--data', {str(SAMPLE_DATA)!r}] + {args!r}); "
            "print(rc, sorted(m for m in ('pandas', 'numpy', 'papermill', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "2 []", out.stdout + out.stderr
    assert "error:" in out.stderr
