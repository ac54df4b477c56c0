"""Renamed parameters and attributes keep working for one release, with a :class:`DeprecationWarning`.

One name per idea across the API: ``random_state`` (not ``seed``),
``n_boot`` for a number of bootstrap draws, ``breakdown`` for the segment
columns of a report, ``weights`` only for survey weights.  Old names are
accepted by :func:`renamed_parameters` (functions) and
:func:`renamed_attribute` (result attributes) until the next release.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from .exceptions import ParameterError

__all__ = ["renamed_parameters", "renamed_attribute", "warn_renamed"]


def warn_renamed(old: str, new: str, where: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` (of ``where``) is now ``new``."""
    warnings.warn(f"`{old}` of {where} is renamed `{new}`; `{old}` keeps working until the next release. "
                  f"Use `{new}`.", DeprecationWarning, stacklevel=stacklevel)


def renamed_parameters(**renames: str) -> Callable:
    """Decorator: accept each old keyword (``old="new"``) for the new one, with a DeprecationWarning.

    Passing both names is a :class:`~csat_analysis.exceptions.ParameterError`.

    Examples
    --------
    >>> @renamed_parameters(seed="random_state")
    ... def draw(*, random_state=0):
    ...     return random_state
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = draw(seed=3)
    >>> value, caught[0].category.__name__
    (3, 'DeprecationWarning')
    """

    def decorate(func: Callable) -> Callable:
        where = f"{func.__name__}()"

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise ParameterError(f"{where} got both `{old}=` and `{new}=`; `{old}` is the old name of "
                                             f"`{new}`: pass only `{new}=`.")
                    warn_renamed(f"{old}=", f"{new}=", where)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.renamed_parameters = dict(renames)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def renamed_attribute(old: str, new: str, convert: Callable[[Any], Any] | None = None) -> property:
    """A read-only property ``old`` that warns and returns attribute ``new`` (through ``convert``, if given).

    Examples
    --------
    >>> class R:
    ...     warnings = ["Learned from the ratings."]
    ...     reason = renamed_attribute("reason", "warnings", " ".join)
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     R().reason
    'Learned from the ratings.'
    """

    def get(self: Any) -> Any:
        warn_renamed(f".{old}", f".{new}", type(self).__name__)
        value = getattr(self, new)
        return convert(value) if convert is not None else value

    return property(get, doc=f"Deprecated: the old name of :attr:`{new}`.")
