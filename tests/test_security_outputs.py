"""Output names and the batch index (issue 30, §5)."""

from __future__ import annotations

import multiprocessing
import re

import pytest

from csat_analysis import render as rep
from csat_analysis.exceptions import ParameterError
from csat_analysis.render.output import ReportResult, write_index


@pytest.mark.parametrize("name", ["over\nview", "over\tview", "\u202elmth.exe", "a\u200bb", "x\x1b[31m"])
def test_name_refuses_control_and_bidi_characters(name, tmp_path):
    with pytest.raises(ParameterError, match="control or text-direction characters"):
        rep.run_report("overview", data=None, out=tmp_path, name=name)  # refused before any kernel starts


def _results(tmp_path, prefix: str, k: int) -> list[ReportResult]:
    out = []
    for i in range(k):
        html = tmp_path / f"{prefix}-{i}.html"
        html.write_text("<html></html>")
        out.append(ReportResult(name=f"{prefix}-{i}", notebook="overview", ipynb=tmp_path / f"{prefix}-{i}.ipynb",
                                html=html, ok=True, seconds=1.0, headline={"Responses": str(10 + i)},
                                label=f"{prefix} {i}"))
    return out


def _listed(tmp_path) -> set[str]:
    return set(re.findall(r'<a href="([^"]+)\.html"', (tmp_path / "index.html").read_text()))


def test_two_batches_into_one_folder_keep_every_entry(tmp_path):
    write_index(_results(tmp_path, "region", 3), tmp_path, title="By region")
    write_index(_results(tmp_path, "plan", 4), tmp_path, title="By plan")
    assert _listed(tmp_path) == {f"region-{i}" for i in range(3)} | {f"plan-{i}" for i in range(4)}
    # a report written again replaces its own entry, not the others
    again = _results(tmp_path, "plan", 1)
    again[0].headline = {"Responses": "99"}
    write_index(again, tmp_path, title="By plan")
    text = (tmp_path / "index.html").read_text()
    assert len(_listed(tmp_path)) == 7 and "99" in text


def _batch(args):
    folder, prefix, k = args
    from pathlib import Path

    write_index(_results(Path(folder), prefix, k), Path(folder), title=prefix)


def test_concurrent_batches_merge_under_a_lock(tmp_path):
    jobs = [(str(tmp_path), f"b{j}", 3) for j in range(4)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_batch, jobs)
    assert _listed(tmp_path) == {f"b{j}-{i}" for j in range(4) for i in range(3)}
