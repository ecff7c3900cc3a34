"""Engagement of enrolled members with the program's partners (``program_services``).

- :func:`reach`: share of enrolled persons with at least one contact in their first 30 and 90
  days, with Wilson 95% intervals; only persons enrolled at least that long before ``as_of``
  are in each denominator.
- :func:`contact_rates`: contacts per enrolled member-month, overall, by partner and by
  service type.
- :func:`dose_groups`: persons grouped by contacts per enrolled month (none, then tertiles),
  with persons and member-months per group. **Descriptive, not causal**: who gets more
  contacts differs from who gets fewer in ways that also drive outcomes.

Conventions: a person's program start is their first ``enrollment_date``; enrolled time runs
from each ``enrollment_date`` to its ``disenrollment_date`` or, when still enrolled (NaT), to
``as_of``; a member-month is 365.25 / 12 days. Contacts count only on days a person is
enrolled (and not after ``as_of``). Every table goes through
:func:`valuecase.partners.cells.suppress_counts` (``min_count``).

Examples
--------
>>> import pandas as pd
>>> enr = pd.DataFrame({"person_id": ["a", "b"],
...                     "enrollment_date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
...                     "disenrollment_date": pd.NaT})
>>> svc = pd.DataFrame({"person_id": ["a"], "service_date": pd.to_datetime(["2024-01-10"]),
...                     "partner": ["CBO"], "service_type": ["outreach"]})
>>> reach(enr, svc, "2024-12-31", min_count=1)[["window_days", "eligible", "reached", "share"]]
   window_days  eligible  reached  share
0           30       2.0      1.0    0.5
1           90       2.0      1.0    0.5
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from valuecase.partners.cells import MIN_CELL_SIZE, month_days, suppress_counts, wilson_interval

__all__ = ["DESCRIPTIVE", "contact_rates", "dose_assignment", "dose_groups", "enrolled_spans",
           "outcomes_by_dose", "reach"]

DESCRIPTIVE = "descriptive, not causal"
"""Label of the dose table: persons choose (and are chosen for) their contact intensity."""


def enrolled_spans(program_enrollment: pd.DataFrame, as_of: str | pd.Timestamp) -> pd.DataFrame:
    """Enrollment spans closed at ``as_of``, with their length in member-months.

    Spans starting after ``as_of`` are dropped; an open span (NaT) or one ending after
    ``as_of`` ends at ``as_of``.

    Parameters
    ----------
    program_enrollment : pandas.DataFrame
        ``person_id, enrollment_date, disenrollment_date``.
    as_of : str or pandas.Timestamp
        The data's last date.

    Returns
    -------
    pandas.DataFrame
        ``person_id, start, end, member_months``.

    Examples
    --------
    >>> enr = pd.DataFrame({"person_id": ["a"], "enrollment_date": pd.to_datetime(["2024-01-01"]),
    ...                     "disenrollment_date": pd.NaT})
    >>> float(enrolled_spans(enr, "2024-03-01")["member_months"].round(3).iloc[0])
    1.971
    """
    as_of = pd.Timestamp(as_of)
    e = program_enrollment[program_enrollment["enrollment_date"] <= as_of]
    end = e["disenrollment_date"].fillna(as_of).clip(upper=as_of)
    out = pd.DataFrame({"person_id": e["person_id"].to_numpy(),
                        "start": e["enrollment_date"].to_numpy(), "end": end.to_numpy()})
    out["member_months"] = (out["end"] - out["start"]).dt.days.clip(lower=0) / month_days()
    return out.reset_index(drop=True)


def _enrolled_contacts(spans: pd.DataFrame, services: pd.DataFrame) -> pd.DataFrame:
    """Contacts on a day the person is enrolled (one row per contact, even with overlapping
    spans)."""
    s = services.reset_index(drop=True).rename_axis("_contact").reset_index()
    m = s.merge(spans[["person_id", "start", "end"]], on="person_id")
    m = m[(m["service_date"] >= m["start"]) & (m["service_date"] <= m["end"])]
    return m.drop_duplicates("_contact").drop(columns=["_contact", "start", "end"])


def reach(program_enrollment: pd.DataFrame, program_services: pd.DataFrame,
          as_of: str | pd.Timestamp, windows: Sequence[int] = (30, 90),
          min_count: int = MIN_CELL_SIZE) -> pd.DataFrame:
    """Share of enrolled persons reached (>= 1 contact) within ``windows`` days of enrollment.

    A person is reached within *w* days when a contact falls on day 0 to *w* - 1 of their
    first enrollment (day 0 = ``enrollment_date``). Only persons whose first enrollment is at
    least *w* days before ``as_of`` are in that window's denominator (their whole window is
    observed); persons who left the program within the window stay in it.

    Parameters
    ----------
    program_enrollment, program_services : pandas.DataFrame
        The program's enrollment and its partners' service contacts.
    as_of : str or pandas.Timestamp
        The data's last date.
    windows : sequence of int, default (30, 90)
        Days after enrollment.
    min_count : int, default 11
        Smallest count shown (see :func:`valuecase.partners.cells.suppress_counts`).

    Returns
    -------
    pandas.DataFrame
        One row per window: ``window_days, eligible, reached, share, ci_low, ci_high`` (Wilson
        95%), ``denominator`` (who is counted), ``suppressed``.

    Examples
    --------
    >>> enr = pd.DataFrame({"person_id": ["a"], "enrollment_date": pd.to_datetime(["2024-01-01"]),
    ...                     "disenrollment_date": pd.NaT})
    >>> svc = pd.DataFrame({"person_id": ["a"], "service_date": pd.to_datetime(["2024-03-01"])})
    >>> reach(enr, svc, "2024-02-15", min_count=1)[["window_days", "eligible", "reached"]]
       window_days  eligible  reached
    0           30       1.0      0.0
    1           90       0.0      0.0
    """
    as_of = pd.Timestamp(as_of)
    first = (program_enrollment[program_enrollment["enrollment_date"] <= as_of]
             .groupby("person_id")["enrollment_date"].min())
    svc = program_services[program_services["service_date"] <= as_of]
    contacts = svc.merge(first.rename("start").reset_index(), on="person_id")
    day = (contacts["service_date"] - contacts["start"]).dt.days
    rows = []
    for w in windows:
        eligible = first[first <= as_of - pd.Timedelta(days=w)]
        hit = contacts.loc[(day >= 0) & (day < w), "person_id"]
        reached = int(eligible.index.isin(hit).sum())
        rows.append({"window_days": int(w), "eligible": len(eligible), "reached": reached,
                     "denominator": (f"persons enrolled at least {w} days before "
                                     f"{as_of:%Y-%m-%d} (first enrollment)")})
    out = pd.DataFrame(rows, columns=["window_days", "eligible", "reached", "denominator"])
    out["share"] = out["reached"] / out["eligible"].where(out["eligible"] > 0)
    out["ci_low"], out["ci_high"] = wilson_interval(out["reached"], out["eligible"])
    out = out[["window_days", "eligible", "reached", "share", "ci_low", "ci_high",
               "denominator"]]
    return suppress_counts(out, ["eligible", "reached"], shares=[("reached", "eligible")],
                           derived={"reached": ["share", "ci_low", "ci_high"]},
                           min_count=min_count)


def contact_rates(program_enrollment: pd.DataFrame, program_services: pd.DataFrame,
                  as_of: str | pd.Timestamp, min_count: int = MIN_CELL_SIZE) -> pd.DataFrame:
    """Contacts per enrolled member-month, overall, by partner and by service type.

    The denominator is every enrolled person's member-months (enrollment to disenrollment or
    ``as_of``) for every row, so the partner (or service-type) rates add up to the overall
    rate.

    Parameters
    ----------
    program_enrollment, program_services : pandas.DataFrame
        The program's enrollment and its partners' service contacts.
    as_of : str or pandas.Timestamp
        The data's last date.
    min_count : int, default 11
        Smallest count shown; complementary suppression uses the overall row as the total of
        each breakdown.

    Returns
    -------
    pandas.DataFrame
        ``by`` (overall, partner, service_type), ``group``, ``contacts``, ``persons`` (with
        >= 1 contact), ``enrolled`` (persons), ``member_months``,
        ``contacts_per_member_month``, ``suppressed``.

    Examples
    --------
    >>> enr = pd.DataFrame({"person_id": ["a"], "enrollment_date": pd.to_datetime(["2024-01-01"]),
    ...                     "disenrollment_date": pd.to_datetime(["2024-01-31"])})
    >>> svc = pd.DataFrame({"person_id": ["a", "a"],
    ...                     "service_date": pd.to_datetime(["2024-01-05", "2024-02-05"]),
    ...                     "partner": ["CBO", "CBO"], "service_type": ["outreach", "home_visit"]})
    >>> contact_rates(enr, svc, "2024-12-31", min_count=1)[["by", "group", "contacts"]]
                 by     group  contacts
    0       overall       all       1.0
    1       partner       CBO       1.0
    2  service_type  outreach       1.0
    """
    spans = enrolled_spans(program_enrollment, as_of)
    months = float(spans["member_months"].sum())
    enrolled = spans["person_id"].nunique()
    c = _enrolled_contacts(spans, program_services)
    parts = []
    for by in ("partner", "service_type"):
        g = c.groupby(by, dropna=False).agg(contacts=("person_id", "size"),
                                            persons=("person_id", "nunique"))
        total = pd.DataFrame({"contacts": [len(c)], "persons": [c["person_id"].nunique()]},
                             index=["all"])
        t = pd.concat([total, g.rename(index=lambda x: "(not recorded)" if pd.isna(x) else x)])
        t["enrolled"] = enrolled
        t["member_months"] = months
        t["contacts_per_member_month"] = t["contacts"] / months if months > 0 else np.nan
        t = suppress_counts(t, ["contacts", "persons", "enrolled"], total_row="all",
                            derived={"contacts": ["contacts_per_member_month"],
                                     "enrolled": ["member_months", "contacts_per_member_month"]},
                            min_count=min_count)
        t = t.rename_axis("group").reset_index()
        t.insert(0, "by", by)
        parts.append(t)
    # the overall row: shown only where neither breakdown's cascade hid it
    overall = parts[0].iloc[[0]].copy()
    overall[parts[1].iloc[[0]].isna().to_numpy() & ~overall.isna().to_numpy()] = np.nan
    overall["suppressed"] = parts[0]["suppressed"].iloc[0] | parts[1]["suppressed"].iloc[0]
    out = pd.concat([overall, parts[0].iloc[1:], parts[1].iloc[1:]], ignore_index=True)
    out.loc[out["group"] == "all", "by"] = "overall"
    return out


def dose_groups(program_enrollment: pd.DataFrame, program_services: pd.DataFrame,
                as_of: str | pd.Timestamp, min_months: float = 1.0,
                min_count: int = MIN_CELL_SIZE) -> pd.DataFrame:
    """Persons grouped by contacts per enrolled month: none, then low / middle / high tertiles.

    **Descriptive, not causal**: the table shows how contact intensity is distributed, not
    what more contacts would do (the column ``interpretation`` and
    ``attrs["interpretation"]`` say so). Tertile cut points are taken among persons with at
    least one contact; a person on a cut point goes to the lower group.

    Parameters
    ----------
    program_enrollment, program_services : pandas.DataFrame
        The program's enrollment and its partners' service contacts.
    as_of : str or pandas.Timestamp
        The data's last date.
    min_months : float, default 1.0
        Persons enrolled for fewer member-months are left out (a rate over a few days says
        little); ``attrs["excluded_short_enrollment"]`` counts them.
    min_count : int, default 11
        Smallest count shown; the groups add up to all persons, so one small group hides
        the next smallest too.

    Returns
    -------
    pandas.DataFrame
        ``group, persons, member_months, contacts, rate_min, rate_max`` (contacts per
        member-month of the group's persons), ``contacts_per_member_month``,
        ``interpretation``, ``suppressed``; a last row ``all``.

    Examples
    --------
    >>> enr = pd.DataFrame({"person_id": ["a", "b"],
    ...                     "enrollment_date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
    ...                     "disenrollment_date": pd.NaT})
    >>> svc = pd.DataFrame({"person_id": ["a"], "service_date": pd.to_datetime(["2024-02-01"])})
    >>> t = dose_groups(enr, svc, "2024-12-31", min_count=1)
    >>> t[["group", "persons"]].to_dict("list"), t.attrs["interpretation"]
    ({'group': ['none', 'low', 'middle', 'high', 'all'], 'persons': [1.0, 1.0, 0.0, 0.0, 2.0]}, 'descriptive, not causal')
    """
    p = dose_assignment(program_enrollment, program_services, as_of, min_months)
    short = p.attrs["excluded_short_enrollment"]
    group = p["group"].to_numpy()
    labels = ["none", "low", "middle", "high"]
    g = p.groupby(pd.Categorical(group, categories=labels), observed=False).agg(
        persons=("rate", "size"), member_months=("member_months", "sum"),
        contacts=("contacts", "sum"), rate_min=("rate", "min"), rate_max=("rate", "max"))
    g.index = pd.Index([str(i) for i in g.index], name="group")
    g.loc["all"] = [len(p), p["member_months"].sum(), p["contacts"].sum(),
                    p["rate"].min(), p["rate"].max()]
    g["contacts_per_member_month"] = g["contacts"] / g["member_months"].where(
        g["member_months"] > 0)
    g["interpretation"] = DESCRIPTIVE
    out = suppress_counts(g, ["persons"], total_row="all", min_count=min_count,
                          derived={"persons": ["member_months", "contacts", "rate_min",
                                               "rate_max", "contacts_per_member_month"]})
    out = out.reset_index()
    out.attrs.update(interpretation=DESCRIPTIVE, excluded_short_enrollment=short,
                     min_months=min_months)
    return out


def dose_assignment(program_enrollment: pd.DataFrame, program_services: pd.DataFrame,
                    as_of: str | pd.Timestamp, min_months: float = 1.0) -> pd.DataFrame:
    """Each enrolled person's contacts per enrolled month and dose group (``none``, then
    ``low`` / ``middle`` / ``high`` tertiles among persons with a contact); persons enrolled
    fewer than ``min_months`` member-months are left out (counted in
    ``attrs["excluded_short_enrollment"]``). Index ``person_id``; for :func:`dose_groups`
    and :func:`outcomes_by_dose`.
    """
    spans = enrolled_spans(program_enrollment, as_of)
    person = spans.groupby("person_id")["member_months"].sum().rename("member_months")
    c = _enrolled_contacts(spans, program_services)
    p = person.to_frame().join(c.groupby("person_id").size().rename("contacts")).fillna(
        {"contacts": 0})
    short = int((p["member_months"] < min_months).sum())
    p = p[p["member_months"] >= min_months].copy()
    p["rate"] = p["contacts"] / p["member_months"]
    any_contact = p["rate"][p["contacts"] > 0]
    cuts = np.quantile(any_contact, [1 / 3, 2 / 3]) if len(any_contact) else [np.nan, np.nan]
    p["group"] = np.where(p["contacts"] == 0, "none",
                          np.where(p["rate"] <= cuts[0], "low",
                                   np.where(p["rate"] <= cuts[1], "middle", "high")))
    p.attrs["excluded_short_enrollment"] = short
    return p


def outcomes_by_dose(assignment: pd.DataFrame, outcomes: pd.DataFrame,
                     events: tuple[str, ...] = ("inpatient_stays", "ed_visits"),
                     min_count: int = MIN_CELL_SIZE) -> pd.DataFrame:
    """Follow-up event rates per member-year by dose group: **descriptive, not causal**.

    Members who get more contacts differ from those who get fewer (in need, in how easy
    they are to reach), so a gradient here is not what more contacts would do.

    Parameters
    ----------
    assignment : pandas.DataFrame
        :func:`dose_assignment` (index ``person_id``, column ``group``).
    outcomes : pandas.DataFrame
        One row per person: ``person_id``, ``followup_member_months`` and
        ``followup_<event>`` counts (the impact study's program group).
    events : tuple of str
        The events shown, each as events per member-year with an exact Poisson 95% CI.
    min_count : int
        Groups with fewer persons are suppressed (with the next smallest).

    Examples
    --------
    >>> a = pd.DataFrame({"group": ["low", "high"]}, index=pd.Index(["a", "b"], name="person_id"))
    >>> o = pd.DataFrame({"person_id": ["a", "b"], "followup_member_months": [12, 6],
    ...                   "followup_ed_visits": [2, 1]})
    >>> t = outcomes_by_dose(a, o, events=("ed_visits",), min_count=1)
    >>> t.set_index("group").loc[["low", "high"], "ed_visits_per_member_year"].tolist()
    [2.0, 2.0]
    """
    from scipy.stats import chi2

    o = outcomes.set_index("person_id").join(assignment[["group"]], how="inner")
    labels = ["none", "low", "middle", "high"]
    rows = {}
    for label, g in [*((x, o[o["group"] == x]) for x in labels), ("all", o)]:
        years = g["followup_member_months"].sum() / 12
        row = {"persons": len(g), "member_years": years}
        for event in events:
            k = g[f"followup_{event}"].sum()
            low = chi2.ppf(0.025, 2 * k) / 2 if k > 0 else 0.0
            high = chi2.ppf(0.975, 2 * k + 2) / 2
            row |= {f"{event}_per_member_year": k / years if years else np.nan,
                    f"{event}_ci_low": low / years if years else np.nan,
                    f"{event}_ci_high": high / years if years else np.nan}
        rows[label] = row
    g = pd.DataFrame.from_dict(rows, orient="index").rename_axis("group")
    g["interpretation"] = DESCRIPTIVE
    derived = [c for c in g.columns if c not in ("persons", "interpretation")]
    out = suppress_counts(g, ["persons"], total_row="all", min_count=min_count,
                          derived={"persons": derived}).reset_index()
    out.attrs["interpretation"] = DESCRIPTIVE
    return out
