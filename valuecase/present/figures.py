"""Plotly figure builders: data in, ``go.Figure`` out. No I/O, no notebook state.

Every builder takes the DataFrame a library function returned and labels axes and units, so a
figure reads on its own in a report.

Reports inline the plotly.js *basic* bundle (1.2 MB; the *cartesian* bundle, 1.5 MB, would
leave no room for data under the 1.5 MB report limit and has no funnel anyway), which draws only
``bar``, ``pie`` and ``scatter`` traces (:mod:`valuecase.present.trace_types`). So the decile
transition matrix is a grid of coloured cells made of horizontal bars of width 1 (one bar trace:
the "Blues" colour scale with its colour bar, the share printed in each cell, hover per cell),
which looks like the heatmap it replaces and scales with the chart, unlike square scatter markers
whose size is fixed in pixels; and the segment funnel is centred horizontal bars labelled with
the count and the percent of the first stage shown, as a funnel trace would be.

Examples
--------
>>> import numpy as np
>>> from valuecase.population.concentration import lorenz
>>> fig = lorenz_figure(lorenz(np.random.default_rng(0).lognormal(0, 1.5, 1000)))
>>> [trace.name for trace in fig.data]
['Spending', 'Equal spending']
"""

from __future__ import annotations

import numpy as np
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


def pmpm_figure(pmpm_long: pd.DataFrame, title: str = "PMPM by service category"
                ) -> go.Figure:
    """Stacked bars of :func:`valuecase.population.rates.pmpm_by_category` output, the axis in
    the report's currency (:mod:`valuecase.present.currency`)."""
    if pmpm_long.empty:
        return no_data_figure(title)
    fig = go.Figure()
    for i, (cat, g) in enumerate(pmpm_long.groupby("category", sort=False)):
        fig.add_trace(go.Bar(x=g["period"].astype(str), y=g["pmpm"],
                             name=CATEGORY_LABELS.get(cat, cat),
                             marker_color=PALETTE[i % len(PALETTE)]))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(rangemode="tozero")
    return themed(fig, title, "Period", "Paid per member per month ($)")


def rate_figure(summary: pd.DataFrame, event: str, label: str | None = None) -> go.Figure:
    """Events per 1,000 member-years by period with 95% CI error bars.

    ``summary`` is :func:`valuecase.population.rates.utilization_summary` output. Periods
    marked ``partial`` (:func:`valuecase.population.rates.mark_partial_periods`) are left out,
    and a note under the chart names them; the axis starts at zero.

    Examples
    --------
    >>> s = pd.DataFrame({"period": ["2019", "2020"], "partial": [True, False],
    ...                   "ed_visits_per_1000": [44_000.0, 600.0],
    ...                   "ed_visits_per_1000_ci_low": [0.0, 550.0],
    ...                   "ed_visits_per_1000_ci_high": [44_267.0, 651.0]})
    >>> fig = rate_figure(s, "ed_visits", "ED visits")
    >>> list(fig.data[0].x), fig.layout.annotations[0].text.startswith("Left out")
    (['2020'], True)
    """
    if summary.empty:
        return no_data_figure(f"{label or event} per 1,000 member-years")
    partial = (summary["partial"].astype(bool) if "partial" in summary
               else pd.Series(False, index=summary.index))
    left_out = summary.loc[partial, "period"].astype(str).tolist()
    summary = summary[~partial]
    rate = summary[f"{event}_per_1000"]
    err_hi = summary[f"{event}_per_1000_ci_high"] - rate
    err_lo = rate - summary[f"{event}_per_1000_ci_low"]
    fig = go.Figure(go.Scatter(
        x=summary["period"].astype(str), y=rate, mode="lines+markers", name=label or event,
        error_y=dict(type="data", array=err_hi, arrayminus=err_lo, visible=True),
        line=dict(color=PALETTE[0])))
    fig.update_yaxes(rangemode="tozero")
    if left_out:
        fig.add_annotation(
            text=f"Left out (partial period, under half the typical member months): "
                 f"{', '.join(left_out)}", xref="paper", yref="paper", x=0, y=-0.22,
            xanchor="left", yanchor="top", showarrow=False, font=dict(size=11))
        fig.update_layout(margin=dict(b=110))
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
    fig.update_yaxes(rangemode="tozero")  # counts and amounts: a level read from zero
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
    fig.update_yaxes(rangemode="tozero")
    return themed(fig, f"{label} per 1,000 member-years by {group.replace('_', ' ')} (95% CI)",
                   group.replace("_", " ").capitalize(), "Per 1,000 member-years")


def transition_heatmap(matrix: pd.DataFrame, title: str = "Cost decile transitions"
                       ) -> go.Figure:
    """Grid of :func:`valuecase.population.rates.decile_transition` row shares (%), as a heatmap.

    Each cell is a horizontal bar of width 1 coloured by its share on the "Blues" scale (the
    basic plotly.js bundle has no heatmap trace); the first row is at the bottom, as in a
    heatmap, and each cell shows its share, text contrasting with the cell colour.

    Examples
    --------
    >>> m = pd.DataFrame([[0.75, 0.25], [0.25, 0.75]], index=pd.Index([1, 2], name="decile 1"),
    ...                  columns=pd.Index([1, 2], name="decile 2"))
    >>> fig = transition_heatmap(m)
    >>> [t.type for t in fig.data], list(fig.data[0].text)
    (['bar'], ['75%', '25%', '25%', '75%'])
    """
    if matrix.empty:
        return no_data_figure(title)
    z = np.round(matrix.to_numpy(dtype=float) * 100, 2)
    rows = [str(i) for i in matrix.index]
    cols = [str(c) for c in matrix.columns]
    row_of, col_of = (a.ravel() for a in np.indices(z.shape))
    values = z.ravel()
    x_title = str(matrix.columns.name or "Decile next year")
    y_title = str(matrix.index.name or "Decile this year")
    x_title, y_title = (t[:1].upper() + t[1:] for t in (x_title, y_title))  # sentence case
    fig = go.Figure(go.Bar(
        y=[rows[i] for i in row_of], x=np.ones(values.size), base=col_of - 0.5, width=1,
        orientation="h", name="% of row", showlegend=False,
        marker=dict(color=values, colorscale="Blues", cmin=0, cmax=max(float(values.max()), 1e-9),
                    showscale=True, colorbar=dict(title=dict(text="% of row")),
                    line=dict(color="white", width=1)),
        text=[f"{v:.0f}%" for v in values], textposition="inside", insidetextanchor="middle",
        textangle=0, customdata=[cols[j] for j in col_of],
        hovertemplate=f"{y_title} %{{y}} → {x_title} %{{customdata}}: "
                      "%{marker.color:.1f}% of row<extra></extra>"))
    fig = themed(fig, title, x_title, y_title)
    fig.update_xaxes(tickmode="array", tickvals=list(range(len(cols))), ticktext=cols,
                     range=[-0.5, len(cols) - 0.5], showgrid=False, zeroline=False)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=rows, showgrid=False)
    fig.update_layout(height=520, barmode="overlay", bargap=0)
    return fig


def _percent(share: float) -> str:
    return f"{share:.0%}" if share >= 0.1 else f"{share:.1%}"


def funnel_figure(funnel: pd.DataFrame, title: str = "High-need segment funnel") -> go.Figure:
    """Funnel of :func:`valuecase.population.cohorts.segment_funnel` (stages whose count is shown).

    Stages with fewer than 11 persons (or suppressed counts) are left out. Each stage is a
    horizontal bar centred on 0, first stage on top, labelled with its count and its percent of
    the first stage shown.

    Examples
    --------
    >>> f = pd.DataFrame({"stage": ["All members", "Met the trigger", "Enrolled"],
    ...                   "persons": [200, 50, "<11"]})
    >>> fig = funnel_figure(f)
    >>> [t.type for t in fig.data], list(fig.data[0].text)
    (['bar'], ['200 (100%)', '50 (25%)'])
    """
    persons = pd.to_numeric(funnel["persons"], errors="coerce").fillna(0)
    shown = persons >= 11
    if not shown.any():
        return no_data_figure(title, "No stage has 11 or more persons to show")
    n = persons[shown].to_numpy(dtype=float)
    stages = [str(s) for s in funnel.loc[shown, "stage"]]
    share = n / n[0]
    fig = go.Figure(go.Bar(
        y=stages, x=n, base=-n / 2, orientation="h", name="Persons", showlegend=False,
        marker=dict(color=PALETTE[0]), textposition="auto", insidetextanchor="middle",
        textangle=0, text=[f"{v:,.0f} ({_percent(p)})" for v, p in zip(n, share, strict=True)],
        customdata=np.c_[n, share],  # hover's %{x} would be the bar's end, not its length
        hovertemplate="%{y}: %{customdata[0]:,.0f} persons, %{customdata[1]:.1%} of the first "
                      "stage<extra></extra>"))
    fig.update_layout(title=title, template=TEMPLATE, height=380, bargap=0.25,
                      margin=dict(l=200, r=20, t=60, b=40))
    fig.update_xaxes(visible=False, range=[-0.52 * n.max(), 0.52 * n.max()])
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=stages,
                     autorange="reversed", showgrid=False)
    return fig
