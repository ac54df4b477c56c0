"""Exceptions raised by csat_analysis.

Every error a user can cause derives from :class:`CsatAnalysisError`, so a
caller (or the command line) can catch one class and print a one-sentence
message instead of a traceback.
"""

from __future__ import annotations

__all__ = [
    "CsatAnalysisError",
    "SchemaError",
    "DataError",
    "ParameterError",
    "ReportError",
]


class CsatAnalysisError(Exception):
    """Base class for every error caused by user input."""

    #: exit status used by the command line for this kind of error
    exit_code = 1


class SchemaError(CsatAnalysisError):
    """The schema file is invalid (unknown key, missing column, impossible scale)."""

    exit_code = 2


class DataError(CsatAnalysisError):
    """The data cannot be read, or nothing usable remains after loading."""

    exit_code = 1


class ParameterError(CsatAnalysisError, ValueError):
    """A function or command-line argument has a value that is not allowed."""

    exit_code = 2


class ReportError(CsatAnalysisError):
    """A report notebook could not be executed or rendered."""

    exit_code = 1
