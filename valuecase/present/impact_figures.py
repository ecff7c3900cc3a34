"""Plotly builders for the impact report: love plot, propensity overlap, raw trends around the
index date, naive pre/post vs DiD, event study, and a forest plot of estimates.

Examples
--------
>>> import pandas as pd
>>> bal = pd.DataFrame({"smd": [0.4, 0.05]}, index=["age", "baseline"])
>>> [t.name for t in love_plot(bal, bal.assign(smd=[0.02, 0.01])).data]
['Unweighted', 'Weighted (ATT)']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from valuecase.present.theme import PALETTE, no_data_figure, themed

GROUP_COLORS = {"program": PALETTE[1], "comparison": PALETTE[0]}


def love_plot(before: pd.DataFrame, after: pd.DataFrame | None = None,
              title: str = "Covariate balance (love plot)") -> go.Figure:
    """|SMD| per covariate before and after weighting, with the 0.1 threshold line."""
    if before.empty:
        return no_data_figure(title)
    from valuecase.present.interpret import covariate_label

    names = [covariate_label(str(i)) for i in before.index]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=before["smd"].abs(), y=names, mode="markers", name="Unweighted",
                             marker=dict(color=PALETTE[1], size=11, symbol="circle-open")))
    if after is not None:
        fig.add_trace(go.Scatter(x=after["smd"].abs(), y=names, mode="markers",
                                 name="Weighted (ATT)",
                                 marker=dict(color=PALETTE[0], size=11)))
    fig.add_vline(x=0.1, line_dash="dash", line_color=PALETTE[6],
                  annotation_text="|SMD| = 0.1", annotation_position="top")
    fig = themed(fig, title, "Absolute standardized mean difference", "")
    fig.update_layout(height=max(300, 60 + 40 * len(names)), margin=dict(l=260))
    return fig


def propensity_overlap(ps: pd.Series, treated: pd.Series,
                       title: str = "Propensity score overlap") -> go.Figure:
    """Overlaid histograms of the propensity score by group (% of the group per 0.05 bin).

    The bins are counted here and drawn as bars (the report's plotly.js bundle has no histogram
    trace), so the figure carries 20 shares per group, not one score per person.

    Examples
    --------
    >>> fig = propensity_overlap(pd.Series([0.1, 0.12, 0.6, 0.9]), pd.Series([0, 0, 1, 1]))
    >>> [(t.type, t.name) for t in fig.data]
    [('bar', 'comparison'), ('bar', 'program')]
    >>> float(fig.data[0].y[2]), float(fig.data[1].y[18])
    (100.0, 50.0)
    """
    if len(ps) == 0:
        return no_data_figure(title)
    scores = np.asarray(ps, dtype=float)
    groups = np.asarray(treated)
    edges = np.linspace(0.0, 1.0, 21)
    centres = np.round((edges[:-1] + edges[1:]) / 2, 3)
    bin_range = np.round(np.c_[edges[:-1], edges[1:]], 2)
    fig = go.Figure()
    for t, name in ((0, "comparison"), (1, "program")):
        x = scores[(groups == t) & np.isfinite(scores)]
        counts, _ = np.histogram(x, bins=edges)
        pct = np.round(counts * 100 / x.size, 3) if x.size else np.zeros(counts.size)
        fig.add_trace(go.Bar(
            x=centres, y=pct, width=0.05, name=name, opacity=0.6,
            marker_color=GROUP_COLORS[name], customdata=bin_range,
            hovertemplate=name + ", score %{customdata[0]:.2f}-%{customdata[1]:.2f}: "
                                 "%{y:.1f}% of group<extra></extra>"))
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(range=[0, 1])
    return themed(fig, title, "Estimated probability of enrolling", "% of group")


def _first_upper(text: str) -> str:
    """A title starts with a capital ("acute stays" -> "Acute stays"; "ED visits" stays)."""
    return text[:1].upper() + text[1:]


def trends_figure(rates: pd.DataFrame, label: str, unit: str = "per member-year") -> go.Figure:
    """Raw rate by month relative to index, one line per group (``event_time_rates`` output)."""
    title = f"{_first_upper(label)}: raw trends around the index date"
    if rates.empty:
        return no_data_figure(title)
    fig = go.Figure()
    for name, g in rates.groupby("group"):
        g = g.sort_values("event_time")
        fig.add_trace(go.Scatter(x=g["event_time"], y=g["rate"], mode="lines+markers",
                                 name=name, line=dict(color=GROUP_COLORS.get(name, PALETTE[2]))))
    fig.add_vline(x=0, line_dash="dot", line_color=PALETTE[6],
                  annotation_text="index (enrollment)", annotation_position="top")
    return themed(fig, title, "Months from index date", f"{_first_upper(label)} {unit}")


def naive_vs_did_figure(naive: pd.DataFrame, did_estimate: float, label: str) -> go.Figure:
    """Bars: the program's before/after change, the comparison's change, and the DiD."""
    title = f"{_first_upper(label)}: before/after change is not the effect"
    if naive.empty:
        return no_data_figure(title)
    n = naive.set_index("group")
    x = ["Program: before → after<br>(NOT an effect)", "Comparison: before → after<br>"
         "(what happened anyway)", "Difference-in-differences<br>(the estimated effect)"]
    y = [n.loc["program", "change"], n.loc["comparison", "change"], did_estimate]
    fig = go.Figure(go.Bar(x=x, y=y, marker_color=[PALETTE[6], PALETTE[0], PALETTE[1]],
                           text=[f"{v:+.2f}" for v in y], textposition="outside"))
    return themed(fig, title, "", f"Change in {label}")


def event_study_figure(coefs: pd.DataFrame, label: str) -> go.Figure:
    """Event-study coefficients with 95% CIs (relative to the reference month).

    ``coefs`` is :func:`valuecase.impact.event_study` output (indexed by event time).
    """
    title = f"{_first_upper(label)}: event study (program minus comparison, 95% CI)"
    if coefs.empty:
        return no_data_figure(title)
    c = coefs.reset_index() if "event_time" not in coefs.columns else coefs
    c = c.sort_values("event_time")
    fig = go.Figure(go.Scatter(
        x=c["event_time"], y=c["estimate"], mode="markers+lines", name="Estimate",
        marker=dict(color=PALETTE[1]), line=dict(color=PALETTE[1]),
        error_y=dict(type="data", array=c["ci_high"] - c["estimate"],
                     arrayminus=c["estimate"] - c["ci_low"], visible=True)))
    fig.add_hline(y=0, line_color=PALETTE[6])
    fig.add_vline(x=0, line_dash="dot", line_color=PALETTE[6])
    return themed(fig, title, "Months from index date", "Difference vs reference month")


def forest_figure(effects: pd.DataFrame, title: str = "Estimates by method (95% CI)"
                  ) -> go.Figure:
    """Point estimates and CIs, one row per estimator (one outcome, one scale)."""
    if effects.empty:
        return no_data_figure(title)
    e = effects.iloc[::-1]
    fig = go.Figure(go.Scatter(
        x=e["estimate"], y=e["estimator"], mode="markers", marker=dict(size=11,
                                                                       color=PALETTE[0]),
        error_x=dict(type="data", array=e["ci_high"] - e["estimate"],
                     arrayminus=e["estimate"] - e["ci_low"], visible=True)))
    null = 1.0 if (e.get("scale") == "ratio").all() else 0.0
    fig.add_vline(x=null, line_dash="dash", line_color=PALETTE[6])
    fig = themed(fig, title, "Estimate", "")
    fig.update_layout(height=max(260, 80 + 50 * len(e)), margin=dict(l=320))
    return fig


def percent_change_figure(effects: dict, title: str = "Change vs comparison group (%, with 95% "
                          "confidence interval)") -> go.Figure:
    """Rate ratios as percent changes with their 95% CIs, one row per labelled outcome.

    ``effects`` maps a label to an effect on the ratio scale (``estimate``, ``ci_low``,
    ``ci_high``).

    Examples
    --------
    >>> from valuecase.impact import Effect
    >>> fig = percent_change_figure({"Stays": Effect(0.9, 0.1, 0.7, 1.1, 0.3, 300, "m",
    ...                                                    scale="ratio")})
    >>> [round(x) for x in fig.data[0].x]
    [-10]
    """
    if not effects:
        return no_data_figure(title)
    labels, es = list(effects), list(effects.values())
    fig = go.Figure(go.Scatter(
        x=[(e.estimate - 1) * 100 for e in es], y=labels, mode="markers",
        marker=dict(size=13, color=PALETTE[0]),
        error_x=dict(type="data", array=[(e.ci_high - e.estimate) * 100 for e in es],
                     arrayminus=[(e.estimate - e.ci_low) * 100 for e in es])))
    fig.add_vline(x=0, line_dash="dash", line_color=PALETTE[6])
    fig = themed(fig, title, "Percent change in the rate", "", height=300)
    fig.update_layout(margin=dict(l=200))
    return fig
