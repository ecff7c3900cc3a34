"""One look for every figure of every report: palette, plotly template, axis layout, and the
titled empty figure builders return for empty input.

Examples
--------
>>> import plotly.graph_objects as go
>>> fig = themed(go.Figure(), "Title", "x", "y")
>>> fig.layout.template.layout.font.family == TEMPLATE.layout.font.family
True
>>> no_data_figure("Nothing").layout.annotations[0].text
'No data for this chart'
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from valuecase.present.currency import with_symbol

PALETTE = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#7f7f7f")
"""Colours in the order traces use them (dark blue, red, green, purple, teal, orange, grey)."""

TEMPLATE = go.layout.Template(pio.templates["plotly_white"])
# Only the defaults of trace types the reports' plotly.js bundle draws (bar, pie, scatter): the
# template travels with every figure, and ~50 unused trace defaults would add ~4 KB to each.
TEMPLATE.data = {kind: getattr(TEMPLATE.data, kind) for kind in ("bar", "pie", "scatter")}
TEMPLATE.layout.colorway = list(PALETTE)
TEMPLATE.layout.font = dict(family="system-ui, -apple-system, 'Segoe UI', sans-serif", size=13)
TEMPLATE.layout.margin = dict(l=60, r=20, t=60, b=50)
TEMPLATE.layout.legend = dict(orientation="h", y=-0.2)
pio.templates["valuecase"] = TEMPLATE

__all__ = ["PALETTE", "TEMPLATE", "no_data_figure", "themed"]


def themed(fig: go.Figure, title: str, x: str = "", y: str = "", height: int = 420
           ) -> go.Figure:
    """Apply the valuecase template, title and axis titles to ``fig`` (returned); a ``($)``
    in a title reads in the report's currency (:func:`valuecase.present.currency.with_symbol`).
    """
    fig.update_layout(title=with_symbol(title), xaxis_title=with_symbol(x),
                      yaxis_title=with_symbol(y), template=TEMPLATE,
                      height=height)
    return fig


def no_data_figure(title: str, message: str = "No data for this chart") -> go.Figure:
    """An empty chart that says why it is empty (builders return it for empty input)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper",
                       yref="paper", font=dict(size=16))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return themed(fig, title)
