"""Plotly figure builders: data in, ``go.Figure`` out. No I/O, no notebook state.

Every builder takes the DataFrame a library function returned and labels axes and units, so a
figure reads on its own in a report.

Examples
--------
>>> import numpy as np
>>> from valuecase.concentration import lorenz
>>> fig = lorenz_figure(lorenz(np.random.default_rng(0).lognormal(0, 1.5, 1000)))
>>> [trace.name for trace in fig.data]
['Spending', 'Equal spending']
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

PALETTE = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#7f7f7f")
CATEGORY_LABELS = {"inpatient": "Inpatient", "outpatient": "Outpatient", "ed": "Emergency dept.",
                   "professional": "Professional", "pharmacy": "Pharmacy", "other": "Other"}


def _layout(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, template="plotly_white",
                      margin=dict(l=60, r=20, t=60, b=50), height=420,
                      legend=dict(orientation="h", y=-0.2))
    return fig


def lorenz_figure(curve: pd.DataFrame, title: str = "Cost concentration (Lorenz curve)"
                  ) -> go.Figure:
    """Lorenz curve from :func:`valuecase.concentration.lorenz`, with the equality line."""
    step = max(1, len(curve) // 2000)  # thin very long curves; keep both ends
    c = pd.concat([curve.iloc[::step], curve.iloc[[-1]]]).drop_duplicates()
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=c["population_share"] * 100, y=c["cost_share"] * 100,
                             mode="lines", name="Spending", line=dict(color=PALETTE[0], width=3)))
    fig.add_trace(go.Scatter(x=[0, 100], y=[0, 100], mode="lines", name="Equal spending",
                             line=dict(color=PALETTE[6], dash="dash")))
    return _layout(fig, title, "Share of people, lowest cost first (%)",
                   "Share of total spending (%)")


def top_share_figure(shares: pd.Series, title: str = "Share of spending held by the costliest"
                     ) -> go.Figure:
    """Bars of :func:`valuecase.concentration.top_share` output."""
    labels = [f"Top {s * 100:g}%" for s in shares.index]
    fig = go.Figure(go.Bar(x=labels, y=shares.to_numpy() * 100, marker_color=PALETTE[0],
                           text=[f"{v * 100:.1f}%" for v in shares], textposition="outside"))
    fig.update_yaxes(range=[0, 105])
    return _layout(fig, title, "Group of people", "Share of total spending (%)")


def pmpm_figure(pmpm_long: pd.DataFrame, title: str = "PMPM by service category") -> go.Figure:
    """Stacked bars of :func:`valuecase.population.pmpm_by_category` output."""
    fig = go.Figure()
    for i, (cat, g) in enumerate(pmpm_long.groupby("category", sort=False)):
        fig.add_trace(go.Bar(x=g["period"].astype(str), y=g["pmpm"],
                             name=CATEGORY_LABELS.get(cat, cat),
                             marker_color=PALETTE[i % len(PALETTE)]))
    fig.update_layout(barmode="stack")
    return _layout(fig, title, "Period", "Paid per member per month ($)")


def rate_figure(summary: pd.DataFrame, event: str, label: str | None = None) -> go.Figure:
    """Events per 1,000 member-years by period with 95% CI error bars.

    ``summary`` is :func:`valuecase.population.utilization_summary` output.
    """
    rate = summary[f"{event}_per_1000"]
    err_hi = summary[f"{event}_per_1000_ci_high"] - rate
    err_lo = rate - summary[f"{event}_per_1000_ci_low"]
    fig = go.Figure(go.Scatter(
        x=summary["period"].astype(str), y=rate, mode="lines+markers", name=label or event,
        error_y=dict(type="data", array=err_hi, arrayminus=err_lo, visible=True),
        line=dict(color=PALETTE[0])))
    return _layout(fig, f"{label or event} per 1,000 member-years (95% CI)", "Period",
                   "Per 1,000 member-years")
