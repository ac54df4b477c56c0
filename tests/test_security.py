"""Issue 18: safe to run on a schedule and to share (parameters, privacy, outputs, interrupts, labels).

Each test here failed on the code before the fix it guards.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from csat_analysis import render as rep
from csat_analysis.config import NOTEBOOK_DIR, REPORT_NOTEBOOKS, SAMPLE_DATA, SAMPLE_SCHEMA_FILE
from csat_analysis.datasets import SAMPLE_SCHEMA, make_sample
from csat_analysis.exceptions import ParameterError

from .conftest import run_cli as run

CSAT_REPORT = str(Path(sys.executable).parent / "csat-report")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """1,200 sample rows plus a segment 'Tiny' of three respondents with telling answers."""
    folder = tmp_path_factory.mktemp("tiny")
    frame = make_sample(1200, random_state=3)
    secret = frame.iloc[:3].copy()
    secret["region"] = "Tiny"
    secret["submitted"] = ["2024-03-07", "2024-03-08", "2024-03-09"]
    secret["comment"] = ["SECRET-COMMENT-ONE", "SECRET-COMMENT-TWO", "SECRET-COMMENT-THREE"]
    secret["response_id"] = ["T1", "T2", "T3"]
    frame = pd.concat([frame, secret], ignore_index=True)
    frame.to_csv(folder / "tiny.csv", index=False)
    (folder / "tiny.yml").write_text(yaml.safe_dump(SAMPLE_SCHEMA))
    return folder / "tiny.csv", folder / "tiny.yml"


# --------------------------------------------------------------------------- 1. -p values are plain


@pytest.mark.parametrize("value", [
    '!!pairs [a"+str(__import__("os").system("touch {marker}"))+": 1]',
    "!!binary aGVsbG8=",
    "{a: 1}",
    "!!set {a, b}",
    "[[1, 2]]",
])
def test_parameter_values_must_be_plain(capsys, tmp_path, value):
    marker = tmp_path / "pwned"
    code, _, err = run(capsys, "run", "overview", "--data", str(SAMPLE_DATA), "--schema", str(SAMPLE_SCHEMA_FILE),
                       "--out", str(tmp_path / "out"), "-p", "title", value.replace("{marker}", str(marker)))
    assert code == 2, err
    assert "Parameter 'title' must be text, a number" in err and err.count("\n") == 1
    assert not marker.exists()
    assert not (tmp_path / "out" / "overview.html").exists(), "no kernel was started"


@pytest.mark.parametrize("value, message", [("1.0e+999", "not a usable number"),
                                            ("123456789012345678901234567890", "too large")])
def test_huge_numeric_parameters_are_one_line_errors(capsys, tmp_path, value, message):
    code, _, err = run(capsys, "run", "overview", "--data", str(SAMPLE_DATA), "--out", str(tmp_path),
                       "-p", "min_n", value)
    assert code == 2 and message in err and "Traceback" not in err


def test_plain_parameters_keep_scalars_and_make_dates_iso():
    import datetime as dt

    got = rep.plain_parameters({"start": dt.date(2021, 7, 1), "segment": None, "alpha": 0.1, "min_n": 50,
                                "x": True, "drivers": ["a", "b"], "title": '"); import os #'})
    assert got == {"start": "2021-07-01", "segment": None, "alpha": 0.1, "min_n": 50, "x": True,
                   "drivers": ["a", "b"], "title": '"); import os #'}
    with pytest.raises(ParameterError, match="a tuple was given"):
        rep.plain_parameters({"title": ("a", "b")})
    with pytest.raises(ParameterError, match="bytes"):
        rep.run_report("overview", parameters={"title": b"x"})


# --------------------------------------------------------------------------- 2. small selections


def test_tiny_segment_report_says_only_that_it_is_too_small(tmp_path, tiny):
    data, schema = tiny
    for notebook in REPORT_NOTEBOOKS:
        if not (NOTEBOOK_DIR / f"{notebook}.ipynb").is_file():
            continue
        result = rep.run_report(notebook, data=data, schema=schema, out=tmp_path, name=f"{notebook}-tiny",
                                parameters={"segment_column": "region", "segment": "Tiny"})
        assert result.ok, result.error
        assert result.note and "fewer than 5 responses" in result.note
        text = result.html.read_text()
        assert "fewer than 5 responses" in text
        for leak in ("SECRET-COMMENT", "07 Mar 2024", "2024-03-07", "T1", "n = 1", "n = 3", "<img"):
            assert leak not in text, (notebook, leak)
        executed = result.ipynb.read_text()
        assert "SECRET-COMMENT" not in executed and "image/png" not in executed
        assert not result.headline


@pytest.mark.slow
def test_batch_with_a_tiny_segment_keeps_it_out(tmp_path, tiny):
    data, schema = tiny
    results = rep.run_batch("overview", data=data, schema=schema, by="region", out=tmp_path, workers=2,
                            progress=False)
    tiny_result = next(r for r in results if r.label == "Tiny")
    assert tiny_result.ok and "fewer than 5" in tiny_result.note
    assert "SECRET-COMMENT" not in tiny_result.html.read_text()
    index = (tmp_path / "index.html").read_text()
    assert "fewer than 5 responses" in index


def test_trend_hides_small_periods_and_changes_against_them(responses):
    import csat_analysis as ca

    frame = responses[(responses["date"] < "2024-03-01") | (responses["date"] >= "2024-04-01")]
    march = responses[(responses["date"] >= "2024-03-01") & (responses["date"] < "2024-04-01")].iloc[:2]
    frame = pd.concat([frame, march]).sort_values("date", ignore_index=True)
    open_table = ca.trend(frame, metric="csat", freq="M")
    assert open_table.set_index("period").loc["2024-04", "change"] == pytest.approx(
        open_table.set_index("period").loc["2024-04", "score"] - open_table.set_index("period").loc["2024-03", "score"])
    table = ca.trend(frame, metric="csat", freq="M", privacy_min_n=5).set_index("period")
    assert np.isnan(table.loc["2024-03", "score"]) and np.isnan(table.loc["2024-03", "change"])
    assert np.isnan(table.loc["2024-04", "change"]), "a change against a suppressed month reveals it"
    assert not np.isnan(table.loc["2024-05", "change"])
    report = ca.trend_report(frame, metric="csat", freq="M", privacy_min_n=5)
    assert not any(re.search(r"n = 2\b|2024-03", s) for s in report.sentences())


# --------------------------------------------------------------------------- 3. unique batch file names


def test_report_names_are_unique_readable_and_short():
    values = ["東京", "大阪", "North", "north", "A/B", "A B", "Île-de-France", "x" * 240, "", "."]
    names = [rep.report_name("overview", v) for v in values]
    assert len(set(names)) == len(values)
    assert names[6].startswith("overview-ile-de-france-")
    assert all(len(n.encode()) <= 100 and "/" not in n and not n.startswith(".") for n in names)
    assert rep.report_name("overview", "North") == names[2], "stable"


@pytest.mark.slow
def test_batch_on_colliding_values_writes_one_report_each(tmp_path):
    frame = make_sample(800, random_state=5)
    labels = ["東京", "大阪", "North", "north", "A/B", "A B"]
    frame["region"] = [labels[i % len(labels)] for i in range(len(frame))]
    frame.to_csv(tmp_path / "x.csv", index=False)
    (tmp_path / "x.yml").write_text(yaml.safe_dump(SAMPLE_SCHEMA))
    results = rep.run_batch("overview", data=tmp_path / "x.csv", schema=tmp_path / "x.yml", by="region",
                            out=tmp_path / "out", workers=2, progress=False)
    assert len({r.html for r in results}) == len(labels) and all(r.ok for r in results)
    assert len(list((tmp_path / "out").glob("overview-*.html"))) == len(labels)
    index = (tmp_path / "out" / "index.html").read_text()
    for r in results:  # each index row links the report of its own segment
        assert f'<a href="{r.html.name}">{r.label}</a>' in index
        assert f"Segment: {r.label}" in r.html.read_text()  # the header writes parameters in words (issue 28)
    assert not list((tmp_path / "out").glob(".*partial*")), "no temporary files left"


# --------------------------------------------------------------------------- 6. outputs: names, symlinks, overwrite


def test_name_cannot_escape_out(capsys, tmp_path):
    for bad in ("../../x", "a/b", ".hidden", "x" * 150):
        code, _, err = run(capsys, "run", "overview", "--data", str(SAMPLE_DATA), "--out", str(tmp_path / "out"),
                           "--name", bad)
        assert code == 2 and "plain file name" in err, (bad, err)
    assert not (tmp_path / "x.html").exists()


def test_sample_does_not_overwrite_without_force(capsys, tmp_path):
    target = tmp_path / "s.csv"
    target.write_text("precious\n")
    code, _, err = run(capsys, "sample", "--rows", "20", "--out", str(target))
    assert code == 2 and "--force" in err and target.read_text() == "precious\n"
    code, _, _ = run(capsys, "sample", "--rows", "20", "--out", str(target), "--force")
    assert code == 0 and len(pd.read_csv(target)) == 20


def test_out_under_a_file_is_a_one_line_error(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for command in (["run", "overview"], ["batch", "overview", "--by", "region"]):
        code, _, err = run(capsys, *command, "--data", str(SAMPLE_DATA), "--schema", str(SAMPLE_SCHEMA_FILE),
                           "--out", str(blocker / "reports"))
        assert code == 2 and "Cannot write reports to" in err and "Traceback" not in err, err
    code, _, err = run(capsys, "sample", "--rows", "10", "--out", str(blocker / "s.csv"))
    assert code == 2 and "Traceback" not in err


def test_existing_symlink_is_replaced_not_followed(tmp_path, tiny):
    data, schema = tiny
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch")
    out = tmp_path / "out"
    out.mkdir()
    (out / "overview.html").symlink_to(victim)
    result = rep.run_report("overview", data=data, schema=schema, out=out)
    assert victim.read_text() == "do not touch"
    assert not result.html.is_symlink() and "Customer experience overview" in result.html.read_text()


def test_failed_report_shows_the_message_not_a_traceback(tmp_path, tiny):
    data, schema = tiny
    nb = nbformat.read(NOTEBOOK_DIR / "overview.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("def _deep():\n    raise ValueError('broken on purpose')\n_deep()"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    result = rep.run_report(broken, data=data, schema=schema, out=tmp_path)
    assert not result.ok and "broken on purpose" in result.error
    text = result.html.read_text()
    assert "broken on purpose" in text
    assert "_deep" not in text and "Traceback" not in text and str(tmp_path) not in text


@pytest.mark.slow
def test_interrupted_batch_keeps_complete_reports_and_writes_the_index(tmp_path, tiny):
    data, schema = tiny
    out = tmp_path / "out"
    first = rep.run_batch("overview", data=data, schema=schema, by="channel", out=out, workers=1, progress=False)
    before = {r.html.name: r.html.read_text() for r in first}
    quick = first[0].label  # the batch's first report finishes; the next one is interrupted while it runs
    nb = nbformat.read(NOTEBOOK_DIR / "overview.ipynb", as_version=4)
    nb.cells.insert(5, nbformat.v4.new_code_cell(f"import time\nif segment != {quick!r}:\n    time.sleep(20)"))
    slow = tmp_path / "overview.ipynb"
    nbformat.write(nb, slow)
    proc = subprocess.Popen([CSAT_REPORT, "batch", str(slow), "--data", str(data), "--schema", str(schema),
                             "--by", "channel", "--out", str(out), "--workers", "1", "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    phone = next(r.html for r in first if r.label == quick)
    deadline = time.time() + 120
    while time.time() < deadline and phone.read_text() == before[phone.name]:
        time.sleep(0.5)
    time.sleep(3)  # the next report is now running
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    for r in first:
        if r.label != quick:  # not finished: the earlier complete report is untouched
            assert r.html.read_text() == before[r.html.name]
            assert nbformat.read(r.ipynb, as_version=4).metadata["papermill"]["exception"] in (None, False)
    index = (out / "index.html").read_text()
    assert "interrupted" in index and "not finished" in index
    assert not list(out.glob(".*partial*"))


# --------------------------------------------------------------------------- 7. labels drawn as typed


@pytest.mark.parametrize("label", ["Premium $$", "Cost $5 vs $10", "a_b^c $x$"])
def test_dollar_signs_in_labels_are_text_not_mathtext(label):
    import matplotlib.pyplot as plt

    from csat_analysis.plots import plot_scores

    table = pd.DataFrame({"region": [label, "Other"], "metric": "csat", "n": [50, 60], "score": [70.0, 60.0],
                          "ci_low": [60.0, 50.0], "ci_high": [80.0, 70.0], "low_n": False})
    ax = plot_scores(table, metric="csat", by="region")
    ax.figure.canvas.draw()  # mathtext would raise here (or garble "$5 vs $")
    assert any(t.get_text().startswith(label) for t in ax.get_yticklabels())
    assert all(not t._parse_math for t in ax.get_yticklabels())
    plt.close(ax.figure)


def test_parameter_alias_bomb_is_refused(capsys, tmp_path):
    nested = "&a [x,x,x,x,x,x,x,x,x,x]"  # eight levels of ten aliases each: 10^8 values once expanded
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        nested = f"[{nested}, &{level} [{', '.join(['*' + previous] * 10)}]]"
    code, _, err = run(capsys, "run", "overview", "--data", str(SAMPLE_DATA), "--out", str(tmp_path),
                       "-p", "title", nested)
    assert code == 2 and "alias" in err and "Traceback" not in err


@pytest.mark.slow
def test_batch_workers_do_not_inherit_a_lock_held_in_this_process(tmp_path, tiny):
    """Batch workers come from a fork server: a lock another thread of this process holds (here the HTML
    exporter's, as while it warms up; tqdm's monitor and jupyter_core's loop thread are the same case) is not
    copied into them.  With plain fork the workers waited for it forever."""
    import threading

    from csat_analysis.render import output

    data, schema = tiny
    held, release = threading.Event(), threading.Event()

    def hold():
        with output._EXPORTER_LOCK:
            held.set()
            release.wait(300)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    held.wait(10)
    done = {}
    batch = threading.Thread(target=lambda: done.setdefault("results", rep.run_batch(
        "overview", data=data, schema=schema, by="channel", out=tmp_path, workers=1, progress=False)), daemon=True)
    try:
        batch.start()
        batch.join(240)
    finally:
        release.set()
        holder.join(10)
    assert not batch.is_alive(), "the batch's workers waited for a lock held in the parent"
    assert done["results"] and all(r.ok for r in done["results"])
