"""The metric registry is the one place a metric is defined; every module reads it."""

from __future__ import annotations

import pytest

from csat_analysis import registry
from csat_analysis.exceptions import ParameterError


def test_every_metric_is_complete():
    for name, m in registry.METRICS.items():
        assert m.name == name
        assert m.column in registry.SCORES
        assert m.kind in registry.KINDS
        assert m.label and m.short and m.unit and m.change_unit
        assert (m.target_range is None) == (m.kind == "mean")
        assert m.score is registry.SCORES[m.column]
    for column, s in registry.SCORES.items():
        assert s.column == column
        lo, hi = s.scale
        assert lo < s.top_box <= hi


def test_unknown_names_suggest_the_nearest():
    with pytest.raises(ParameterError, match="Did you mean 'ces_top'"):
        registry.metric("ces_tob")
    with pytest.raises(ParameterError, match="Did you mean 'nps'"):
        registry.score("npss")
    assert registry.metric_label("sentiment") == "sentiment"


def test_modules_read_the_registry():
    from csat_analysis import metrics, narrative

    assert metrics.METRICS is registry.METRICS
    assert narrative.DECIMALS == {name: m.decimals for name, m in registry.METRICS.items()}
    assert narrative.fmt_change("ces_top", 1.23) == "+1.2 pp"
    assert narrative.fmt_score("nps", 1.0) == "+1.0"
