"""The plotly.js library every HTML report inlines, and the trace types charts in a report use.

Reports inline the official plotly.js *basic* partial bundle (npm ``plotly.js-basic-dist-min``,
same plotly.js version as the installed plotly.py bundles), vendored as package data in
``valuecase/reporting/assets`` with its MIT licence. It is about a quarter of the full library
(1.2 MB instead of 4.8 MB), which keeps a self-contained report under 1.5 MB; in exchange it
draws only the ``bar``, ``pie`` and ``scatter`` trace types
(:data:`~valuecase.present.trace_types.BUNDLE_TRACE_TYPES`), so the figure builders in
:mod:`valuecase.present` use only those. :func:`trace_types` lists what a rendered report asks
for, so a test can check that the bundle draws all of it.

Examples
--------
>>> "plotly.js (basic - minified) v4.1.1" in bundle_js()[:200]
True
>>> trace_types('Plotly.newPlot("fig-1", [{"type": "bar", "y": [1]}], {}, {})')
{'bar'}
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from valuecase.present.trace_types import BUNDLE_NAME, BUNDLE_TRACE_TYPES, check_trace_types

__all__ = [
    "BUNDLE_FILE",
    "BUNDLE_NAME",
    "BUNDLE_TRACE_TYPES",
    "bundle_js",
    "check_trace_types",
    "trace_types",
]

BUNDLE_FILE = "plotly-basic-4.1.1.min.js"
"""File name of the vendored bundle in ``valuecase/reporting/assets``."""

# Plotly.newPlot("div-id", [traces...], layout, config) as written by plotly.py's to_html
# (valuecase.present.display.figure_bundle): the traces are the JSON array after the id.
_NEW_PLOT = re.compile(r"""Plotly\.newPlot\(\s*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*,\s*""")


@lru_cache(maxsize=1)
def bundle_js() -> str:
    """Text of the vendored plotly.js bundle, to inline in a ``<script>`` of a report.

    Returns
    -------
    str
        The minified plotly.js basic bundle (read once, then cached).

    Examples
    --------
    >>> js = bundle_js()
    >>> len(js) < 1_250_000 and "window.Plotly = Plotly" in js
    True
    """
    path = resources.files("valuecase.reporting").joinpath("assets", BUNDLE_FILE)
    return path.read_text(encoding="utf-8")


def trace_types(html: str) -> set[str]:
    """Trace types of all plotly figures embedded in a rendered report.

    Each ``Plotly.newPlot(id, traces, ...)`` call has its trace array JSON-decoded, so the
    trace defaults of the layout template (which name every trace type) are not counted.
    Calls whose second argument is not a JSON array (e.g. inside plotly.js itself) are skipped.

    Parameters
    ----------
    html : str
        Text of an HTML report or fragment.

    Returns
    -------
    set of str
        The ``type`` of every trace (``"scatter"`` where a trace omits it, as plotly.js does).

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> from valuecase.present.display import figure_bundle
    >>> fig = go.Figure([go.Bar(y=[1]), go.Scatter(y=[2])])
    >>> sorted(trace_types(figure_bundle(fig, "fig-1")["text/html"]))
    ['bar', 'scatter']
    """
    decoder = json.JSONDecoder()
    found: set[str] = set()
    for match in _NEW_PLOT.finditer(html):
        try:
            traces, _ = decoder.raw_decode(html, match.end())
        except json.JSONDecodeError:
            continue
        if not isinstance(traces, list):
            continue
        found.update(
            str(t.get("type", "scatter")) for t in traces if isinstance(t, dict)
        )
    return found
