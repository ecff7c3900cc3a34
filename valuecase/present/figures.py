"""Plotly figure builders: data in, ``go.Figure`` out. No I/O, no notebook state.

Every builder takes the DataFrame a library function returned and labels axes and units, so a
figure reads on its own in a report.

Examples
--------
>>> import numpy as np
>>> from valuecase.population.concentration import lorenz
>>> fig = lorenz_figure(lorenz(np.random.default_rng(0).lognormal(0, 1.5, 1000)))
>>> [trace.name for trace in fig.data]
['Spending', 'Equal spending']
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from valuecase.present.theme import PALETTE, TEMPLATE, no_data_figure, themed

CATEGORY_LABELS = {"inpatient": "Inpatient", "outpatient": "Outpatient", "ed": "Emergency dept.",
                   "professional": "Professional", "pharmacy": "Pharmacy", "other": "Other"}




def lorenz_figure(curve: pd.DataFrame, title: str = "Cost concentration (Lorenz curve)"
                  ) -> go.Figure:
    """Lorenz curve from :func:`valuecase.population.concentration.lorenz`, with the equality line."""
    if curve.empty:
        return no_data_figure(title)
    step = max(1, len(curve) // 2000)  # thin very long curves; keep both ends
    c = pd.concat([curve.iloc[::step], curve.iloc[[-1]]]).drop_duplicates()
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=c["population_share"] * 100, y=c["cost_share"] * 100,
                             mode="lines", name="Spending", line=dict(color=PALETTE[0], width=3)))
    fig.add_trace(go.Scatter(x=[0, 100], y=[0, 100], mode="lines", name="Equal spending",
                             line=dict(color=PALETTE[6], dash="dash")))
    return themed(fig, title, "Share of people, lowest cost first (%)",
                   "Share of total spending (%)")


def top_share_figure(shares: pd.Series, title: str = "Share of spending held by the costliest"
                     ) -> go.Figure:
    """Bars of :func:`valuecase.population.concentration.top_share` output."""
    if shares.empty:
        return no_data_figure(title)
    labels = [f"Top {s * 100:g}%" for s in shares.index]
    fig = go.Figure(go.Bar(x=labels, y=shares.to_numpy() * 100, marker_color=PALETTE[0],
                           text=[f"{v * 100:.1f}%" for v in shares], textposition="outside"))
    fig.update_yaxes(range=[0, 105])
    return themed(fig, title, "Group of people", "Share of total spending (%)")


def pmpm_figure(pmpm_long: pd.DataFrame, title: str = "PMPM by service category") -> go.Figure:
    """Stacked bars of :func:`valuecase.population.rates.pmpm_by_category` output."""
    if pmpm_long.empty:
        return no_data_figure(title)
    fig = go.Figure()
    for i, (cat, g) in enumerate(pmpm_long.groupby("category", sort=False)):
        fig.add_trace(go.Bar(x=g["period"].astype(str), y=g["pmpm"],
                             name=CATEGORY_LABELS.get(cat, cat),
                             marker_color=PALETTE[i % len(PALETTE)]))
    fig.update_layout(barmode="stack")
    return themed(fig, title, "Period", "Paid per member per month ($)")


def rate_figure(summary: pd.DataFrame, event: str, label: str | None = None) -> go.Figure:
    """Events per 1,000 member-years by period with 95% CI error bars.

    ``summary`` is :func:`valuecase.population.rates.utilization_summary` output.
    """
    if summary.empty:
        return no_data_figure(f"{label or event} per 1,000 member-years")
    rate = summary[f"{event}_per_1000"]
    err_hi = summary[f"{event}_per_1000_ci_high"] - rate
    err_lo = rate - summary[f"{event}_per_1000_ci_low"]
    fig = go.Figure(go.Scatter(
        x=summary["period"].astype(str), y=rate, mode="lines+markers", name=label or event,
        error_y=dict(type="data", array=err_hi, arrayminus=err_lo, visible=True),
        line=dict(color=PALETTE[0])))
    return themed(fig, f"{label or event} per 1,000 member-years (95% CI)", "Period",
                   "Per 1,000 member-years")


def line_figure(df: pd.DataFrame, x: str, y: str, color: str | None = None, title: str = "",
                y_title: str = "", x_title: str = "") -> go.Figure:
    """One line per value of ``color`` (or a single line), ``x`` against ``y``."""
    title = title or f"{y.replace('_', ' ').capitalize()} by {x.replace('_', ' ')}"
    if df.empty:
        return no_data_figure(title)
    fig = go.Figure()
    groups = df.groupby(color, sort=True) if color else [(y, df)]
    for i, (name, g) in enumerate(groups):
        g = g.sort_values(x)
        fig.add_trace(go.Scatter(x=g[x], y=g[y], mode="lines+markers", name=str(name),
                                 line=dict(color=PALETTE[i % len(PALETTE)])))
    return themed(fig, title, x_title or x.replace("_", " ").capitalize(), y_title or y)


def group_rate_figure(summary: pd.DataFrame, group: str, event: str, label: str) -> go.Figure:
    """Bars of events per 1,000 member-years by group with 95% CI error bars.

    ``summary`` is :func:`valuecase.population.rates.utilization_summary` output with ``group``.
    """
    if summary.empty:
        return no_data_figure(f"{label} by {group.replace('_', ' ')}")
    rate = summary[f"{event}_per_1000"]
    fig = go.Figure(go.Bar(
        x=summary[group].astype(str), y=rate, marker_color=PALETTE[0], name=label,
        error_y=dict(type="data", array=summary[f"{event}_per_1000_ci_high"] - rate,
                     arrayminus=rate - summary[f"{event}_per_1000_ci_low"], visible=True)))
    return themed(fig, f"{label} per 1,000 member-years by {group.replace('_', ' ')} (95% CI)",
                   group.replace("_", " ").capitalize(), "Per 1,000 member-years")


def transition_heatmap(matrix: pd.DataFrame, title: str = "Cost decile transitions"
                       ) -> go.Figure:
    """Heatmap of :func:`valuecase.population.rates.decile_transition` (row shares, %)."""
    if matrix.empty:
        return no_data_figure(title)
    fig = go.Figure(go.Heatmap(
        z=matrix.to_numpy() * 100, x=[str(c) for c in matrix.columns],
        y=[str(i) for i in matrix.index], colorscale="Blues", zmin=0,
        colorbar=dict(title="% of row"),
        text=[[f"{v * 100:.0f}%" for v in row] for row in matrix.to_numpy()],
        texttemplate="%{text}"))
    fig = themed(fig, title, matrix.columns.name or "Decile next year",
                  matrix.index.name or "Decile this year")
    fig.update_layout(height=520)
    return fig


def funnel_figure(funnel: pd.DataFrame, title: str = "High-need segment funnel") -> go.Figure:
    """Funnel of :func:`valuecase.population.cohorts.segment_funnel` (stages whose count is shown)."""
    f = funnel[pd.to_numeric(funnel["persons"], errors="coerce").fillna(0) >= 11]
    if f.empty:
        return no_data_figure(title, "No stage has 11 or more persons to show")
    fig = go.Figure(go.Funnel(y=f["stage"], x=f["persons"], textinfo="value+percent initial",
                              marker=dict(color=PALETTE[0])))
    fig.update_layout(title=title, template=TEMPLATE, height=380,
                      margin=dict(l=200, r=20, t=60, b=40))
    return fig
