"""Plotly builders for the value case: data in, ``go.Figure`` out; no I/O.

Every builder takes what an ROI function returned (a tornado table, Monte Carlo draws, a monthly
projection, a ledger table), labels axes and units, and handles empty input with an empty,
titled figure. Partner names are put in the figure as data; HTML-escaping is the caller's job.

Examples
--------
>>> import pandas as pd
>>> fig = cumulative_net_figure(pd.DataFrame({"net_savings": [-10.0, 4.0, 8.0]},
...                                          index=pd.RangeIndex(1, 4, name="month")))
>>> [t.name for t in fig.data]
['Cumulative net savings', 'Payback (month 3)']
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from valuecase.present.currency import symbol
from valuecase.present.formatting import money
from valuecase.present.theme import PALETTE, themed
from valuecase.value.arithmetic import payback_month

__all__ = ["cumulative_net_figure", "ledger_figure", "net_savings_histogram", "tornado_figure"]




def _money_axis(fig: go.Figure, axis: str) -> go.Figure:
    """Tick labels of ``axis`` ("x" or "y") in the report's currency: ``-$1.5M``, ``$500k``
    (d3's own ``$`` for US dollars; the symbol as a prefix otherwise, ``A$-1.5M``)."""
    if symbol() == "$":
        fig.update_layout({f"{axis}axis_tickformat": "$,.3~s"})
    else:
        fig.update_layout({f"{axis}axis_tickformat": ",.3~s",
                           f"{axis}axis_tickprefix": symbol()})
    return fig


def _hover_money(field: str, decimals: int = 0) -> str:
    """A plotly hover-template placeholder showing ``field`` in the report's currency."""
    if symbol() == "$":
        return f"%{{{field}:$,.{decimals}f}}"
    return f"{symbol()}%{{{field}:,.{decimals}f}}"


def tornado_figure(table: pd.DataFrame, title: str = "One-way sensitivity of net savings",
                   metric_label: str = "Net savings ($)") -> go.Figure:
    """Tornado chart from :func:`valuecase.value.uncertainty.tornado` (largest swing on top).

    Examples
    --------
    >>> t = pd.DataFrame({"label": ["a", "b"], "low": [0, 1], "high": [1, 2],
    ...                   "at_low": [-5.0, 1.0], "at_high": [5.0, 2.0], "base_value": [1.5, 1.5],
    ...                   "swing": [10.0, 1.0]})
    >>> [t.name for t in tornado_figure(t).data]
    ['Input at low', 'Input at high']
    """
    fig = go.Figure()
    if table.empty:
        return themed(fig, title + " (no uncertain inputs)", metric_label, "")
    t = table.sort_values("swing", ascending=True)  # plotly draws the first bar at the bottom
    base = float(t["base_value"].iloc[0])
    for col, name, color in (("at_low", "Input at low", PALETTE[1]),
                             ("at_high", "Input at high", PALETTE[0])):
        fig.add_trace(go.Bar(
            y=[html.escape(str(v)) for v in t["label"]], x=t[col] - base, base=base,
            orientation="h", name=name, marker_color=color,
            customdata=np.c_[t["low" if col == "at_low" else "high"], t[col]],
            hovertemplate="%{y}: input %{customdata[0]:,.4~f} → "
                          + _hover_money("customdata[1]") + "<extra></extra>"))
    fig.add_vline(x=base, line_dash="dash", line_color="#444",
                  annotation_text=f"Base {money(base)}")
    fig.update_layout(barmode="overlay")
    return _money_axis(themed(fig, title, metric_label, ""), "x")


def _nice_edges(x: np.ndarray, bins: int) -> np.ndarray:
    """About ``bins`` equal bins over ``x`` of a round width (1, 2, 2.5 or 5 x 10^k), one edge
    at 0 (as plotly's own histogram binning would choose)."""
    lo, hi = float(x.min()), float(x.max())
    if hi == lo:
        half = max(abs(lo), 1.0) / 20
        return np.array([lo - half, lo + half])
    raw = (hi - lo) / max(bins, 1)
    magnitude = 10.0 ** np.floor(np.log10(raw))
    size = magnitude * next(m for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = np.floor(lo / size)
    edges = (first + np.arange(int(np.ceil(hi / size - first)) + 1)) * size
    if edges[-1] < hi:
        edges = np.append(edges, edges[-1] + size)
    return edges


def net_savings_histogram(net_savings: np.ndarray, title: str = "Net savings, Monte Carlo",
                          bins: int = 60) -> go.Figure:
    """Histogram of Monte Carlo net savings, with 0 marked and P(ROI > 0) annotated.

    About ``bins`` bins of a round width, one edge at 0, are counted here and drawn as bars of
    the share of draws (the report's plotly.js bundle has no histogram trace), so the figure
    carries the bins, not the draws.

    Examples
    --------
    >>> fig = net_savings_histogram(np.array([-1.0, 1.0, 2.0, 3.0]))
    >>> fig.layout.annotations[-1].text
    'P(net savings > 0) = P(ROI > 0) = 75.0%'
    >>> fig.data[0].type, round(float(sum(fig.data[0].y)), 6)
    ('bar', 1.0)
    """
    x = np.asarray(net_savings, dtype=float)
    x = x[~np.isnan(x)]
    fig = go.Figure()
    if x.size == 0:
        return themed(fig, title + " (no draws)", "Net savings ($)", "Share of draws")
    edges = _nice_edges(x, bins)
    counts, _ = np.histogram(x, bins=edges)
    width = float(edges[1] - edges[0])
    digits = int(max(0, 3 - np.floor(np.log10(width))))
    decimals = 0 if width >= 1 else digits - 2
    fig.add_trace(go.Bar(
        x=np.round((edges[:-1] + edges[1:]) / 2, digits), y=np.round(counts / x.size, 6),
        width=width, name="Draws", marker_color=PALETTE[0],
        customdata=np.round(np.c_[edges[:-1], edges[1:]], digits),
        hovertemplate=f"{_hover_money('customdata[0]', decimals)} to "
                      f"{_hover_money('customdata[1]', decimals)}: %{{y:.1%}} of draws"
                      "<extra></extra>"))
    fig.update_layout(bargap=0)
    fig.add_vline(x=0, line_color=PALETTE[1], line_width=2)
    p = float(np.mean(x > 0))
    fig.add_annotation(x=0.98, y=0.95, xref="paper", yref="paper", showarrow=False,
                       xanchor="right", text=f"P(net savings > 0) = P(ROI > 0) = {p:.1%}")
    return _money_axis(themed(fig, title, "Net savings over the horizon ($)", "Share of draws"),
                       "x")


def cumulative_net_figure(monthly: pd.DataFrame, title: str = "Cumulative net savings"
                          ) -> go.Figure:
    """Cumulative net savings by month with the payback month marked.

    ``monthly`` has a ``net_savings`` column indexed by month (``Projection.monthly``).

    Examples
    --------
    >>> m = pd.DataFrame({"net_savings": [-1.0, -1.0]}, index=pd.RangeIndex(1, 3))
    >>> [t.name for t in cumulative_net_figure(m).data]
    ['Cumulative net savings']
    """
    fig = go.Figure()
    if monthly.empty:
        return themed(fig, title + " (no months)", "Month", "Cumulative net savings ($)")
    cum = monthly["net_savings"].cumsum()
    fig.add_trace(go.Scatter(x=list(monthly.index), y=cum, mode="lines",
                             name="Cumulative net savings", line=dict(color=PALETTE[0], width=3)))
    fig.add_hline(y=0, line_color="#888")
    month = payback_month(monthly["net_savings"].to_numpy())
    if month is not None:
        fig.add_trace(go.Scatter(x=[monthly.index[month - 1]], y=[cum.iloc[month - 1]],
                                 mode="markers", name=f"Payback (month {month})",
                                 marker=dict(color=PALETTE[1], size=12, symbol="diamond")))
    else:
        title += " (no payback within the horizon)"
    return _money_axis(themed(fig, title, "Month since launch", "Cumulative net savings ($)"),
                       "y")


def ledger_figure(table: pd.DataFrame, title: str = "Who pays and who saves") -> go.Figure:
    """Grouped bars per partner: costs, savings, lost revenue, net transfers and net position.

    ``table`` is :attr:`valuecase.value.ledger.Ledger.table`.

    Examples
    --------
    >>> t = pd.DataFrame({"costs_borne": [1.0], "savings_received": [3.0], "revenue_lost": [0.0],
    ...                   "transfers_in": [0.0], "transfers_out": [1.0], "net_position": [1.0]},
    ...                  index=pd.Index(["payer"], name="partner"))
    >>> len(ledger_figure(t).data)
    5
    """
    fig = go.Figure()
    if table.empty:
        return themed(fig, title + " (no partners)", "Partner", "$ over the horizon")
    names = [html.escape(str(x)) for x in table.index]  # plotly renders some HTML tags
    series = [("Program costs borne", -table["costs_borne"], PALETTE[1]),
              ("Savings received", table["savings_received"], PALETTE[2]),
              ("Revenue lost", -table["revenue_lost"], PALETTE[5]),
              ("Net transfers", table["transfers_in"] - table["transfers_out"], PALETTE[4]),
              ("Net position", table["net_position"], PALETTE[0])]
    for name, y, color in series:
        fig.add_trace(go.Bar(x=names, y=y, name=name, marker_color=color,
                             hovertemplate="%{x}: " + _hover_money("y") + "<extra>" + name
                             + "</extra>"))
    fig.update_layout(barmode="group")
    fig.add_hline(y=0, line_color="#888")
    return _money_axis(themed(fig, title, "Partner", "$ over the horizon (costs negative)"),
                       "y")
