"""The decorator that keeps a report figure's text inside it (matplotlib loads only when a figure is drawn)."""

from __future__ import annotations

import functools

__all__ = ["fitted"]


def fitted(method):
    """Decorator for a report's ``plot_*`` method: the figure it returns is fitted.

    See :func:`csat_analysis.plots.fit_figure`: long tick labels wrapped, titles
    wrapped to their axes, every text inside the figure.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        out = method(*args, **kwargs)
        if out is not None:
            from ..plots import figure_of, fit_figure

            fig = figure_of(out)
            if fig is not None:
                fit_figure(fig)
        return out

    return wrapper
