"""The member-years a value case multiplies its per-member-year savings by.

The exposure must be the one the effect is defined on, or the savings are wrong even when the
effect is right:

* **Evidence mode** prices the impact study's primary effect: an intention-to-treat rate ratio
  over the ``followup_months`` after each program member's index date (the program works while
  enrolled, 90-300 days in the synthetic program, and the ratio covers the whole window, so it
  is smaller than the in-enrollment effect). Savings therefore rest on **follow-up
  member-years**: the year's new enrollees times the follow-up member-years one enrollee
  contributes (:func:`followup_exposure`). Over the study's own program group,
  ``observed events x (1 / ratio - 1)`` is then exactly the events avoided when the ratio is
  the true one.
* **Calculator mode** assumes a reduction "for enrolled members" (as the Excel calculators do):
  its exposure is the **active caseload**, member-years enrolled in the program
  (:func:`active_member_years`).

Examples
--------
>>> import pandas as pd
>>> persons = pd.DataFrame({"treated": [1, 1, 1, 0],
...                         "index_month": pd.to_datetime(["2023-01-01", "2023-02-01",
...                                                        "2024-06-01", "2023-01-01"]),
...                         "followup_member_months": [12, 6, 4, 12]})
>>> per, n = followup_years_per_enrollee(persons, 12, pd.Timestamp("2024-12-01"))
>>> round(per, 3), n   # the 2024 enrollee's window is cut by the data's end: left out
(0.75, 2)
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from valuecase.impact.phases import program_spans
from valuecase.population.aggregate import as_table

__all__ = ["active_member_years", "followup_exposure", "followup_years_per_enrollee",
           "program_starts"]


def active_member_years(panel: pd.DataFrame | ir.Table,
                        program_enrollment: pd.DataFrame | None,
                        window_end: pd.Timestamp) -> float:
    """Program member-years enrolled (in the plan and the program) in the 12 months to
    ``window_end``: the caseload the program's costs paid for (0 without program data)."""
    if program_enrollment is None:
        return 0.0
    s = program_spans(program_enrollment)
    spans = ibis.memtable(pd.DataFrame({"person_id": s["person_id"].astype(object),
                                        "_start": s["_start"].dt.date,
                                        "_stop": s["_stop"].dt.date}))
    first = (pd.Timestamp(window_end) - pd.DateOffset(months=11)).date()
    last = pd.Timestamp(window_end).date()
    t = as_table(panel)
    t = t.select("person_id", month=t.month.cast("date"))
    t = t.filter((t.month >= first) & (t.month <= last))
    j = t.join(spans, "person_id")
    active = j.filter((j.month >= j._start) & (j.month <= j._stop)).select(
        "person_id", "month").distinct()
    return float(active.count().to_pyarrow().as_py() / 12)


def program_starts(program_enrollment: pd.DataFrame | None, window_end: pd.Timestamp) -> int:
    """Persons whose program enrollment started in the 12 months to ``window_end``."""
    if program_enrollment is None:
        return 0
    spans = program_spans(program_enrollment)
    first = pd.Timestamp(window_end) - pd.DateOffset(months=11)
    inside = (spans["_start"] >= first) & (spans["_start"] <= pd.Timestamp(window_end))
    return int(spans.loc[inside, "person_id"].nunique())


def followup_years_per_enrollee(persons: pd.DataFrame, followup_months: int,
                                data_end: pd.Timestamp) -> tuple[float, int]:
    """Mean follow-up member-years of the study's program persons whose whole follow-up
    window lies in the data (deaths and plan exits shorten it; the data's end does not), and
    how many persons that mean rests on (all program persons when none has a whole window).
    """
    prog = persons[persons["treated"] == 1]
    window_end = prog["index_month"] + pd.DateOffset(months=followup_months)
    whole = prog[window_end <= pd.Timestamp(data_end)]
    used = whole if len(whole) else prog
    if not len(used):
        return float("nan"), 0
    return float(used["followup_member_months"].sum() / 12 / len(used)), len(used)


def followup_exposure(study, program_enrollment: pd.DataFrame | None,
                      window_end: pd.Timestamp, data_end: pd.Timestamp) -> tuple[float, str]:
    """Follow-up member-years per year for an evidence-mode value case, and its source text:
    program starts in the 12 months to ``window_end`` x follow-up member-years per enrollee.
    """
    months = study.design.followup_months
    per, n = followup_years_per_enrollee(study.persons, months, data_end)
    starts = program_starts(program_enrollment, window_end)
    source = (f"program starts in the 12 months to {pd.Timestamp(window_end):%B %Y} ({starts:,}) "
              f"x follow-up member-years per enrollee ({per:.2f}: mean over {n:,} program "
              f"persons of the impact study with their whole {months}-month follow-up in the "
              "data): the exposure the effect was estimated on (intention to treat)")
    return float(starts * per), source

