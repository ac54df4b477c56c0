"""pytest plugin for nbval: numbers in stored outputs are compared to 6 significant digits.

nbval compares a cell's outputs with ``!=`` after regex sanitizing, and its sanitizer only sees strings.
A table's data payload (``application/vnd.csat-analysis.table+json``) is a JSON object whose numbers
change in their last bits with the BLAS library and the CPU (``42.4030455957918`` stored,
``42.403045595791966`` computed on another machine). This plugin rounds every number inside JSON
outputs to :data:`DIGITS` significant digits on both sides before nbval compares them; strings still go
through the regexes of ``tests/nbval_sanitize.cfg``.

Loaded by the Makefile's nbval run: ``pytest -p tests.nbval_tolerance --nbval-lax ... notebooks``.
"""

from __future__ import annotations

from typing import Any

from nbval.plugin import IPyNbCell

#: significant digits kept when comparing numbers in stored outputs
DIGITS = 6


def round_numbers(value: Any, digits: int = DIGITS) -> Any:
    """``value`` with every float inside it (dicts and lists, at any depth) rounded to ``digits`` significant digits."""
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: round_numbers(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [round_numbers(v, digits) for v in value]
    return value


_sanitize_text = IPyNbCell.sanitize


def _sanitize(self, s):
    if isinstance(s, (dict, list)):
        return round_numbers(s)
    return _sanitize_text(self, s)


IPyNbCell.sanitize = _sanitize
