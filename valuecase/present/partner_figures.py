"""Figures of the partners report: contacts by service type, needs resolved by domain.

Bars only (the basic plotly.js bundle the reports inline draws ``bar``, ``pie`` and
``scatter``); suppressed rows (fewer than 11) are left out of a chart, as they are blank in its
table.

Examples
--------
>>> import pandas as pd
>>> rates = pd.DataFrame({"by": ["overall", "service_type"], "group": ["all", "outreach"],
...                       "contacts_per_member_month": [2.0, 0.5], "suppressed": [False, False]})
>>> [list(t.x) for t in contacts_figure(rates).data]
[['outreach']]
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from valuecase.present.theme import PALETTE, no_data_figure, themed

__all__ = ["contacts_figure", "resolution_figure"]


def contacts_figure(rates: pd.DataFrame) -> go.Figure:
    """Contacts per enrolled member-month by service type
    (:func:`valuecase.partners.engagement.contact_rates`)."""
    title = "Contacts per enrolled member-month, by service type"
    shown = rates[(rates["by"] == "service_type") & ~rates["suppressed"].astype(bool)]
    if shown.empty:
        return no_data_figure(title)
    shown = shown.sort_values("contacts_per_member_month")
    fig = go.Figure(go.Bar(x=shown["group"].str.replace("_", " "),
                           y=shown["contacts_per_member_month"], marker_color=PALETTE[0]))
    return themed(fig, title, "Service type", "Contacts per member-month")


def resolution_figure(resolution: pd.DataFrame) -> go.Figure:
    """Share of social needs resolved by the horizon per domain, with its 95% CI
    (:func:`valuecase.partners.needs.time_to_resolution`)."""
    days = int(resolution["horizon_days"].iloc[0]) if len(resolution) else 90
    title = f"Social needs resolved within {days} days (Kaplan–Meier, 95% CI)"
    shown = resolution[~resolution["suppressed"].astype(bool)
                       & resolution["resolved_by_horizon"].notna()]
    if shown.empty:
        return no_data_figure(title)
    share = shown["resolved_by_horizon"] * 100
    fig = go.Figure(go.Bar(
        x=shown["domain"].str.replace("_", " "), y=share, marker_color=PALETTE[2],
        error_y=dict(type="data", array=shown["horizon_ci_high"] * 100 - share,
                     arrayminus=share - shown["horizon_ci_low"] * 100, visible=True)))
    return themed(fig, title, "Domain", "% resolved")
