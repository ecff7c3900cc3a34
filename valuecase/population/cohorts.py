"""Who is high-need: the program trigger, the segment funnel.

A Camden-style trigger is "at least ``min_stays`` acute inpatient stays whose admissions fall within
``window_days``"; the trigger date is the discharge of the stay that completes the count. The same
rule, applied to everyone, finds the program's members *and* the comparison pool (people who met
the same trigger in the same way but did not enroll) — the design that keeps regression to the
mean from masquerading as impact.

Examples
--------
>>> import pandas as pd
>>> stays = pd.DataFrame({"person_id": ["A", "A", "B"],
...                       "admission_date": pd.to_datetime(["2023-01-05", "2023-05-01", "2023-02-01"]),
...                       "discharge_date": pd.to_datetime(["2023-01-08", "2023-05-04", "2023-02-03"])})
>>> trigger_dates(stays, Trigger(min_stays=2, window_days=182)).values.tolist()
[['A', Timestamp('2023-05-04 00:00:00')]]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd

from valuecase.population.aggregate import as_table, count_members
from valuecase.privacy import suppress_small_counts
from valuecase.trace import stage


@dataclass(frozen=True)
class Trigger:
    """The high-need trigger.

    Parameters
    ----------
    min_stays : int
        Acute stays needed within the window (Camden Coalition: 2).
    window_days : int
        Maximum days between the first and the last of those admissions (6 months = 182).
    start_after : date, optional
        Only trigger dates after this date count (e.g. after a baseline year of data).
    """

    min_stays: int = 2
    window_days: int = 182
    start_after: dt.date | None = None

    def __post_init__(self) -> None:
        if self.min_stays < 1:
            raise ValueError(f"trigger min_stays must be >= 1, got {self.min_stays}")
        if self.window_days < 0:
            raise ValueError(f"trigger window_days must be >= 0, got {self.window_days}")

    def describe(self) -> str:
        """Plain-language definition for reports."""
        text = (f"at least {self.min_stays} acute inpatient stays with admissions within "
                f"{self.window_days} days")
        if self.start_after:
            text += f", trigger date after {self.start_after:%d %B %Y}"
        return text


def baseline_end(panel: pd.DataFrame | ir.Table, months: int) -> dt.date:
    """Last day of the first ``months`` months of the panel (triggers count only after it)."""
    first = pd.Timestamp(as_table(panel).month.min().to_pyarrow().as_py())
    return (first + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()


@stage("trigger")
def trigger_dates(stays: pd.DataFrame, trigger: Trigger = Trigger()) -> pd.DataFrame:
    """First trigger date per person (the discharge of the stay that completes the count).

    Parameters
    ----------
    stays : pandas.DataFrame
        ``person_id, admission_date, discharge_date`` (e.g. :func:`valuecase.panel.member_panel.build_stays`).
    trigger : Trigger

    Returns
    -------
    pandas.DataFrame
        ``person_id, trigger_date``, one row per person who met the trigger.
    """
    s = stays[["person_id", "admission_date", "discharge_date"]].copy()
    s["admission_date"] = pd.to_datetime(s["admission_date"])
    s["discharge_date"] = pd.to_datetime(s["discharge_date"])
    s = s.sort_values(["person_id", "admission_date", "discharge_date"], kind="stable")
    k = trigger.min_stays
    first_of_run = s.groupby("person_id")["admission_date"].shift(k - 1)
    met = s[(s["admission_date"] - first_of_run).dt.days <= trigger.window_days]
    if k == 1:
        met = s
    if trigger.start_after is not None:
        met = met[met["discharge_date"] > pd.Timestamp(trigger.start_after)]
    out = met.groupby("person_id", as_index=False)["discharge_date"].min()
    return out.rename(columns={"discharge_date": "trigger_date"}).reset_index(drop=True)


def segment_funnel(panel: pd.DataFrame | ir.Table, triggers: pd.DataFrame,
                   enrollment: pd.DataFrame | None = None) -> pd.DataFrame:
    """All members -> met the trigger -> enrolled in the program.

    Parameters
    ----------
    panel : pandas.DataFrame or ibis.Table
        Member-month panel (its persons are "all members"; counted on the engine).
    triggers : pandas.DataFrame
        Output of :func:`trigger_dates`.
    enrollment : pandas.DataFrame, optional
        ``program_enrollment`` table; persons with ``arm`` = ``program`` (or all rows when
        there is no ``arm`` column) count as enrolled.

    Returns
    -------
    pandas.DataFrame
        ``stage, persons, share_of_previous, share_of_all``; "previous" is the stage each row
        narrows (enrolled as a share of trigger-meeters, enrolled-and-met as a share of
        enrolled). Counts are numbers: pass the result through :func:`funnel_for_funders`
        before showing it to funders.
    """
    n_members = count_members(panel)
    met_ids = set(triggers["person_id"])
    n_met = count_members(panel, met_ids)
    # (stage, persons, the stage it is a share of)
    stages = [("All members", n_members, None),
              ("Met the high-need trigger", n_met, n_members)]
    if enrollment is not None and len(enrollment):
        e = enrollment
        if "arm" in e.columns:
            e = e[e["arm"].fillna("program") == "program"]
        enrolled_ids = set(e["person_id"])
        n_enrolled = count_members(panel, enrolled_ids)
        stages.append(("Enrolled in the program", n_enrolled, n_met))
        stages.append(("Enrolled and met the trigger",
                       count_members(panel, enrolled_ids & met_ids), n_enrolled))
    out = pd.DataFrame(stages, columns=["stage", "persons", "_base"])
    out["share_of_previous"] = out["persons"] / out["_base"]
    out["share_of_all"] = out["persons"] / n_members if n_members else float("nan")
    return out.drop(columns="_base")


def funnel_for_funders(funnel: pd.DataFrame) -> pd.DataFrame:
    """The funnel with counts 1-10 suppressed (and shares of suppressed rows blanked)."""
    out = suppress_small_counts(funnel, ["persons"])
    small = funnel["persons"].between(1, 10)
    for c in ("share_of_previous", "share_of_all"):
        out[c] = out[c].astype(object).where(~small, None)
    return out
