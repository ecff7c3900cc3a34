"""Every partner measure of a run, computed once (the partners report and the funder summary
read them from here).

Examples
--------
>>> import pandas as pd
>>> enr = pd.DataFrame({"person_id": ["a"], "enrollment_date": pd.to_datetime(["2024-01-01"]),
...                     "disenrollment_date": pd.NaT})
>>> m = measure_partners({"program_enrollment": enr}, as_of="2024-12-31", min_count=1)
>>> m.tables, m.reach is None
((), True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from valuecase.data.contract import PARTNER_TABLES
from valuecase.partners.cells import MIN_CELL_SIZE
from valuecase.trace import stage

__all__ = ["PartnerMeasures", "as_partner_frame", "describe_experience", "describe_needs",
           "describe_reach", "measure_partners"]


@dataclass(frozen=True)
class PartnerMeasures:
    """Engagement, needs, experience and activity-based costs (None where the table is
    absent); ``tables`` names the partner tables that were there."""

    tables: tuple[str, ...]
    as_of: pd.Timestamp
    reach: pd.DataFrame | None = None
    contact_rates: pd.DataFrame | None = None
    dose: pd.DataFrame | None = None
    dose_outcomes: pd.DataFrame | None = None
    needs: pd.DataFrame | None = None
    resolution: pd.DataFrame | None = None
    experience: pd.DataFrame | None = None
    costs: pd.DataFrame | None = None
    cost_sources: tuple[str, ...] = ()


def as_partner_frame(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """A loaded table with its ``*_date`` columns as datetimes (the loader gives dates)."""
    if frame is None:
        return None
    out = frame.copy()
    for col in [c for c in out.columns if c.endswith("_date")]:
        out[col] = pd.to_datetime(out[col])
    return out


@stage("partners")
def measure_partners(tables: Mapping[str, pd.DataFrame | None], as_of: str | pd.Timestamp,
                     horizon_days: int = 90, min_count: int = MIN_CELL_SIZE,
                     outcomes: pd.DataFrame | None = None) -> PartnerMeasures:
    """Compute every partner measure from the loaded tables.

    Parameters
    ----------
    tables : mapping
        ``program_enrollment`` and any of ``program_services``, ``social_needs``,
        ``experience_survey`` (missing or None: not measured). Only the program arm of
        ``program_enrollment`` is the denominator.
    as_of : date
        The data's last day (censoring, denominators).
    horizon_days : int
        Days after identification for the share of needs resolved.
    min_count : int
        Counts below it are suppressed (:mod:`valuecase.partners.cells`).
    outcomes : pandas.DataFrame, optional
        The impact study's program persons (``person_id``, ``followup_member_months``,
        ``followup_<event>``): follow-up rates by dose group, descriptive
        (:func:`valuecase.partners.engagement.outcomes_by_dose`).
    """
    from valuecase.partners import engagement, experience, needs, partner_costs

    get = {name: as_partner_frame(tables.get(name)) for name in
           ("program_enrollment", *PARTNER_TABLES)}
    present = tuple(t for t in PARTNER_TABLES if get[t] is not None and len(get[t]))
    enr = get["program_enrollment"]
    if enr is not None and "arm" in enr:
        enr = enr[enr["arm"].fillna("program") == "program"]
    as_of = pd.Timestamp(as_of)
    out: dict = {"tables": present, "as_of": as_of}
    services = get["program_services"] if "program_services" in present else None
    if services is not None and enr is not None and len(enr):
        out["reach"] = engagement.reach(enr, services, as_of, min_count=min_count)
        out["contact_rates"] = engagement.contact_rates(enr, services, as_of,
                                                        min_count=min_count)
        out["dose"] = engagement.dose_groups(enr, services, as_of, min_count=min_count)
        if outcomes is not None and len(outcomes):
            assignment = engagement.dose_assignment(enr, services, as_of)
            out["dose_outcomes"] = engagement.outcomes_by_dose(assignment, outcomes,
                                                               min_count=min_count)
    if services is not None and "cost" in services and services["cost"].notna().any():
        costs = partner_costs.activity_costs(services, min_count=min_count)
        out["costs"] = costs.table
        out["cost_sources"] = tuple(f"{k}: {v}" for k, v in costs.sources.items())
    if "social_needs" in present:
        out["needs"] = needs.needs_by_domain(get["social_needs"], min_count=min_count)
        out["resolution"] = needs.time_to_resolution(get["social_needs"], as_of,
                                                     horizon_days=horizon_days,
                                                     min_count=min_count)
    if "experience_survey" in present and enr is not None and len(enr):
        out["experience"] = experience.experience_items(get["experience_survey"], enr,
                                                        min_count=min_count)
    return PartnerMeasures(**out)


def describe_needs(m: PartnerMeasures | None) -> tuple[str, str]:
    """The funder summary's social-needs row: (evidence, status).

    Examples
    --------
    >>> describe_needs(None)[1]
    'not measured'
    """
    if m is None or m.needs is None:
        return ("Not in claims: needs partner records of needs screened and resolved "
                "(a social_needs table).", "not measured")
    row = m.needs.set_index("domain").loc["all"]
    if row["suppressed"] or row["share"] != row["share"]:
        return "Fewer than 11 social needs recorded: not shown.", "too few to show"
    text = (f"{row['resolved']:,.0f} of {row['identified']:,.0f} social needs identified were "
            f"resolved ({row['share']:.0%}, 95% CI {row['ci_low']:.0%}–{row['ci_high']:.0%})")
    if m.resolution is not None:
        km = m.resolution.set_index("domain").loc["all"]
        if km["median_days"] == km["median_days"] and km["median_days"] != float("inf"):
            text += (f"; median {km['median_days']:.0f} days to resolution (Kaplan–Meier, "
                     "open needs censored)")
    return text + ". Partner records, not a comparison: a description, not an effect.", \
        "measured (partner records)"


def describe_experience(m: PartnerMeasures | None) -> tuple[str, str]:
    """The funder summary's participant-experience row: (evidence, status)."""
    if m is None or m.experience is None:
        return ("Not in claims: needs a participant survey (an experience_survey table).",
                "not measured")
    items = m.experience[~m.experience["suppressed"].astype(bool)]
    if items.empty:
        return "Fewer than 11 respondents per item: not shown.", "too few to show"
    first = items.iloc[0]
    return (f"{len(items)} survey items, response rate {first['response_rate']:.0%}; "
            f"{str(first['item_id']).replace('_', ' ')}: mean {first['mean']:.1f} on a "
            f"{first['scale_min']:.0f}–{first['scale_max']:.0f} scale (95% CI "
            f"{first['mean_ci_low']:.1f}–{first['mean_ci_high']:.1f}), top box "
            f"{first['top_box_share']:.0%}. No comparison group answered: a description.",
            "measured (survey)")


def describe_reach(m: PartnerMeasures | None) -> tuple[str, str]:
    """The funder summary's people-reached row: (evidence, status)."""
    if m is None or m.reach is None:
        return ("Not in claims: needs partner records of service contacts (a "
                "program_services table).", "not measured")
    shown = m.reach[~m.reach["suppressed"].astype(bool)]
    if shown.empty:
        return "Fewer than 11 program members to describe: not shown.", "too few to show"
    parts = [f"{r['share']:.0%} within {r['window_days']:.0f} days (95% CI {r['ci_low']:.0%}–"
             f"{r['ci_high']:.0%}, {r['eligible']:,.0f} members enrolled that long)"
             for _, r in shown.iterrows()]
    return ("Program members with a partner contact after enrollment: " + "; ".join(parts)
            + ".", "measured (partner records)")
