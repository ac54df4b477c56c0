"""Issue 28 §6 and §4: `-p` values checked before a kernel starts; files readable under the user's umask."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from csat_analysis.cli import main


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything starts a kernel or loads data."""
    import csat_analysis.kernel as kernel

    def refuse(*args, **kwargs):
        raise AssertionError("a kernel was started for a parameter the notebook could have refused")

    monkeypatch.setattr(kernel, "ReportKernel", refuse)


@pytest.mark.parametrize("name, value, allowed", [
    ("freq", "D2", "D (daily), W (weekly), M (monthly), Q (quarterly), Y (yearly)"),
    ("freq", "fortnight", "null to choose it from the dates"),
    ("alpha", "5", "between 0 and 1"),
    ("min_n", "0", "whole number of at least 1"),
    ("privacy_min_n", "2.5", "whole number of at least 1"),
    ("start", "31/01/2025", "YYYY-MM-DD"),
])
def test_values_with_a_known_domain_are_refused_before_a_kernel_starts(capsys, tmp_path, no_kernel, name, value,
                                                                        allowed):
    data = tmp_path / "d.csv"
    pd.DataFrame({"csat": [4, 5], "date": ["2024-01-01", "2024-01-02"]}).to_csv(data, index=False)
    code = main(["run", "trends", "--data", str(data), "-p", name, value, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"Parameter {name!r}" in err and allowed in err
    assert not (tmp_path / "out").exists()


def test_daily_periods_are_accepted_and_start_after_end_is_refused(capsys, tmp_path, no_kernel):
    from csat_analysis.params import check_domains

    check_domains({"freq": "D", "alpha": 0.01, "ci": 0.9, "min_n": 30, "start": "2024-01-01", "end": None})
    data = tmp_path / "d.csv"
    pd.DataFrame({"csat": [4, 5]}).to_csv(data, index=False)
    code = main(["run", "trends", "--data", str(data), "-p", "start", "2025-02-01", "-p", "end", "2025-01-01"])
    assert code == 2 and "is after 'end'" in capsys.readouterr().err


def test_written_files_follow_the_umask(tmp_path):
    from csat_analysis.export import write_csv, write_workbook

    old = os.umask(0o022)
    try:
        paths = [write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv"),
                 write_workbook({"t": pd.DataFrame({"a": [1]})}, tmp_path / "t.xlsx")]
    finally:
        os.umask(old)
    assert [stat.S_IMODE(p.stat().st_mode) for p in paths] == [0o644, 0o644]  # were 0600 (mkstemp)


def test_run_all_renders_what_the_data_supports_and_names_what_the_rest_need(capsys, tmp_path):
    """`run all` on an export with one score and dates: overview and trends; the others say what they need."""
    import numpy as np

    rng = np.random.default_rng(3)
    days = pd.date_range("2017-03-01", "2017-03-09")
    data = tmp_path / "d.csv"
    pd.DataFrame({"When": rng.choice(days, 300).astype("datetime64[ns]"),
                  "Overall satisfaction with the service": rng.integers(1, 6, 300)}).to_csv(data, index=False)
    schema = tmp_path / "s.yml"
    schema.write_text("columns:\n  date: When\nmetrics:\n  csat:\n    column: Overall satisfaction with the service\n"
                      "    scale: [1, 5]\n    top_box: 4\n", encoding="utf-8")
    code = main(["run", "all", "--data", str(data), "--schema", str(schema), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert (tmp_path / "out" / "overview.html").is_file() and (tmp_path / "out" / "trends.html").is_file()
    assert "skipped drivers: needs columns.ratings" in out
    assert "skipped campaign_effects: needs campaigns" in out
    assert "skipped health: needs columns.customer_id" in out
    assert "skipped comments: needs columns.comment" in out
    assert "skipped correlations: needs two rated items" in out
    # no segment to draw panels by, no outside benchmarks
    assert "trends: 2 of 4 sections; needs benchmarks, columns.segments" in out
    overview = next(line for line in out.splitlines() if "overview: " in line)
    assert "sections; needs " in overview and "population" in overview and "benchmarks" in overview
    for name in ("overview.html", "overview.ipynb", "trends.html"):
        assert stat.S_IMODE((tmp_path / "out" / name).stat().st_mode) & 0o044  # readable by the group (umask 022)


def test_warnings_name_the_actual_cause():
    """Too few answers is not 'many gaps'; no segments is not 'no segment differs'."""
    import numpy as np

    import csat_analysis as ca
    from csat_analysis.keydrivers import drivers

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"q{i}": rng.integers(1, 6, 57) for i in range(6)}).assign(csat=rng.integers(1, 6, 57))
    with pytest.raises(ca.DataError) as err:
        drivers(frame, outcome="csat", drivers=[f"q{i}" for i in range(6)])
    assert "many gaps" not in str(err.value) and "only 57 responses here (none with a gap)" in str(err.value)
    gappy = frame.astype(float)
    gappy.loc[:30, "q2"] = np.nan
    with pytest.raises(ca.DataError, match="many gaps .*'q2', unanswered in 31 of 57"):
        drivers(gappy, outcome="csat", drivers=[f"q{i}" for i in range(6)])
    ov = ca.overview(frame.assign(date=pd.Timestamp("2024-01-01")), metrics=["csat"])
    assert "There are no segments to compare" in " ".join(ov.sentences())
    assert "No segment differs" not in " ".join(ov.sentences())
