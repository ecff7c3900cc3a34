"""The plotly trace types reports can draw, and the check that a figure uses no others.

Reports inline the official plotly.js *basic* partial bundle (``plotly.js-basic-dist-min``,
vendored in ``valuecase/reporting/assets``), which registers the ``bar``, ``pie`` and
``scatter`` trace modules only; a chart of any other type would be an empty box in the report.
:func:`valuecase.present.display.show` calls :func:`check_trace_types`, so a notebook fails at
the cell that builds such a chart. This module reads nothing; the test of
:mod:`valuecase.reporting.plotlyjs` checks :data:`BUNDLE_TRACE_TYPES` against the bundle text.

Examples
--------
>>> sorted(BUNDLE_TRACE_TYPES)
['bar', 'pie', 'scatter']
>>> check_trace_types({"bar", "scatter"})
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["BUNDLE_NAME", "BUNDLE_TRACE_TYPES", "check_trace_types"]

BUNDLE_NAME = "plotly.js-basic-dist-min 4.1.1"
"""npm package and version of the vendored plotly.js bundle."""

BUNDLE_TRACE_TYPES: frozenset[str] = frozenset({"bar", "pie", "scatter"})
"""Trace types the vendored plotly.js bundle registers."""


def check_trace_types(types: Iterable[str]) -> None:
    """Raise when a trace type is not drawn by the plotly.js bundle the reports inline.

    Parameters
    ----------
    types : iterable of str
        Trace types, e.g. ``{t.type for t in fig.data}``.

    Raises
    ------
    ValueError
        Naming the unsupported types, the bundle and the types it supports.

    Examples
    --------
    >>> check_trace_types(["scatter", "bar"])
    >>> check_trace_types({"sankey"})
    Traceback (most recent call last):
    ...
    ValueError: trace type(s) 'sankey' cannot be drawn in reports: the inlined plotly.js \
bundle (plotly.js-basic-dist-min 4.1.1) registers only 'bar', 'pie', 'scatter'; \
express the chart with those traces
    """
    unsupported = sorted(set(types) - BUNDLE_TRACE_TYPES)
    if unsupported:
        raise ValueError(
            f"trace type(s) {', '.join(map(repr, unsupported))} cannot be drawn in reports: "
            f"the inlined plotly.js bundle ({BUNDLE_NAME}) registers only "
            f"{', '.join(map(repr, sorted(BUNDLE_TRACE_TYPES)))}; "
            "express the chart with those traces"
        )
