"""Report notebooks' parameters: which notebook, which parameters it declares, and plain values for them.

Everything here reads the notebook as JSON and its ``parameters`` cell with
:mod:`ast` (papermill's rule: the first code cell tagged ``parameters``,
literals only), and imports neither pandas nor papermill, so that
``csat-report run`` refuses a wrong parameter in a fraction of a second,
before any kernel starts.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import config
from ._utils import nearest
from .exceptions import ParameterError

__all__ = ["resolve_notebook", "notebook_parameters", "check_parameters", "check_domains", "plain_parameters"]


def resolve_notebook(notebook: str | Path) -> Path:
    """A notebook name from ``notebooks/`` (``overview``) or a path to an ``.ipynb``."""
    path = Path(notebook)
    if path.suffix == ".ipynb":
        if not path.is_file():
            raise ParameterError(f"Notebook file {str(path)!r} does not exist.")
        return path.resolve()
    candidate = config.NOTEBOOK_DIR / f"{notebook}.ipynb"
    if candidate.is_file():
        return candidate
    names = sorted(p.stem for p in config.NOTEBOOK_DIR.glob("*.ipynb"))
    raise ParameterError(f"There is no report notebook named {str(notebook)!r}; choose one of "
                         f"{names}.{nearest(str(notebook), names)}")


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The parameters a notebook declares in its ``parameters`` cell, with their defaults.

    Read with :mod:`json` and :mod:`ast` (papermill's rule: the first code cell
    tagged ``parameters``; literals only), so that checking parameters costs
    no papermill or nbformat import before a kernel is needed.
    """
    import ast
    import json

    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ParameterError(f"Notebook {str(path)!r} cannot be read as a notebook ({exc}).") from None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            out: dict[str, Any] = {}
            for node in ast.parse("".join(source) if isinstance(source, list) else source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    try:
                        out[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        out[node.targets[0].id] = ast.unparse(node.value)
            return out
    return {}


def check_parameters(path: Path, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Reject parameters the notebook does not declare, or values outside their domain; return the defaults.

    Values of parameters with a known domain (:func:`check_domains`: ``freq``,
    ``alpha``, ``ci``, ``min_n``, ``privacy_min_n``, ``start``, ``end``) are
    checked here too, so that ``-p freq fortnightly`` fails before any kernel
    starts, with the allowed values in the message.
    """
    declared = notebook_parameters(path)
    for name in parameters:
        if name not in declared:
            raise ParameterError(
                f"Notebook {path.stem!r} has no parameter {name!r}; it declares {sorted(declared)}."
                f"{nearest(name, declared)}"
            )
    check_domains(parameters)
    return declared


#: parameters with a known domain: the periods (see :func:`csat_analysis.cells.choose_freq`)
FREQ_VALUES = {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "Y": "yearly"}


def _date(name: str, value: Any) -> _dt.date | None:
    if value is None:
        return None
    text = str(value).strip()
    try:
        return _dt.datetime.fromisoformat(text).date() if len(text) > 10 else _dt.date.fromisoformat(text)
    except ValueError:
        raise ParameterError(f"Parameter {name!r} = {value!r} is not a date; give it as YYYY-MM-DD "
                             f"(e.g. -p {name} 2025-01-31), or null for no limit.") from None


def check_domains(parameters: Mapping[str, Any]) -> None:
    """Check the values of parameters with a known domain; raise :class:`ParameterError` naming what is allowed.

    ``freq``: null (chosen from the dates), D, W, M, Q or Y (False: none, where a
    notebook allows it); ``alpha`` and ``ci``: a number strictly between 0 and 1;
    ``min_n`` and ``privacy_min_n``: a whole number of at least 1; ``start`` and
    ``end``: a date (YYYY-MM-DD) or null, ``start`` not after ``end``.

    Examples
    --------
    >>> check_domains({"freq": "W", "alpha": 0.1, "start": "2024-01-01"})
    >>> check_domains({"freq": "D2"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    csat_analysis.exceptions.ParameterError: Parameter 'freq' = 'D2' is not a period; use one of D (daily), ...
    """
    for name, value in parameters.items():
        if name == "freq" and value is not None and value is not False and value not in FREQ_VALUES:
            allowed = ", ".join(f"{k} ({v})" for k, v in FREQ_VALUES.items())
            raise ParameterError(f"Parameter 'freq' = {value!r} is not a period; use one of {allowed}, or null to "
                                 "choose it from the dates.")
        if name in ("alpha", "ci") and value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
                example = "0.05" if name == "alpha" else "0.95"
                raise ParameterError(f"Parameter {name!r} = {value!r} must be a number between 0 and 1 (exclusive), "
                                     f"e.g. -p {name} {example}.")
        if name in ("min_n", "privacy_min_n") and value is not None:
            whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            if isinstance(value, bool) or not whole or value < 1:
                raise ParameterError(f"Parameter {name!r} = {value!r} must be a whole number of at least 1 "
                                     f"(a number of answers), e.g. -p {name} 30.")
    start, end = _date("start", parameters.get("start")), _date("end", parameters.get("end"))
    if start is not None and end is not None and start > end:
        raise ParameterError(f"Parameter 'start' ({start}) is after 'end' ({end}); swap them, or leave one out.")


def plain_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Check that every parameter value is a plain scalar or a list of them; dates become ISO text.

    Papermill writes parameter values into a code cell; only values whose
    Python literal is safe to write reach it: str, int, float, bool, None,
    an ISO date (as ``"YYYY-MM-DD"``) and lists of these.  Anything else (a
    YAML ``!!pairs`` or ``!!binary`` value, a dict, bytes) is a
    :class:`ParameterError`, raised before any kernel starts.

    Examples
    --------
    >>> plain_parameters({"start": __import__("datetime").date(2021, 7, 1), "min_n": 50})
    {'start': '2021-07-01', 'min_n': 50}
    """

    def plain(name: str, value: Any, nested: bool = False) -> Any:
        if value is None or isinstance(value, (str, bool)):
            return value
        if isinstance(value, _dt.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, _dt.date):
            return value.isoformat()
        if isinstance(value, int):
            if abs(value) > 2**53:
                raise ParameterError(f"Parameter {name!r} = {value} is too large; use a number below 2**53.")
            return value
        if isinstance(value, float):
            if not math.isfinite(value) or abs(value) > 1e15:
                raise ParameterError(f"Parameter {name!r} = {value} is not a usable number; use a finite number "
                                     "below 1e15.")
            return value
        if isinstance(value, list) and not nested:
            return [plain(name, v, nested=True) for v in value]
        raise ParameterError(
            f"Parameter {name!r} must be text, a number, true/false, null, a date or a list of these; "
            f"a {type(value).__name__} was given. Quote the value to pass it as text."
        )

    return {str(name): plain(str(name), value) for name, value in parameters.items()}
