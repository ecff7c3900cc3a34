"""Reports the data cannot support: one message instead of results.

A results builder returns :func:`unavailable` when its report cannot be made from these data
(no claim line to describe, no program to evaluate); the suite then renders the
``fallback/unavailable`` notebook, which shows the report's title and the message.

Examples
--------
>>> r = unavailable("impact", NO_PROGRAM, "No program data: nothing to evaluate.")
>>> r.values["unavailable_short"]
'No program data: nothing to evaluate.'
"""

from __future__ import annotations

from typing import Any

from valuecase.analysis.results import Results

__all__ = ["NO_CLAIMS", "NO_COST", "NO_PROGRAM", "unavailable", "without_claims"]

NO_PROGRAM = ("**No program data was given** (no `program_enrollment` table, or one without "
              "rows): there is no program to evaluate, so there are no effect estimates. The "
              "data-quality, population and utilization reports describe the claims; a "
              "calculator-mode ROI file (assumed reductions) gives a value case without them.")
"""What a report that needs program data says when there is none."""

NO_CLAIMS = ("**There are no claims to describe**: no medical or pharmacy claim line with a paid "
             "amount was accepted in an enrolled month (the claim files have no data rows, every "
             "line was rejected, or every line falls outside enrollment). Spending, utilization, "
             "program effects and a value case all rest on those lines, so this report has "
             "nothing to show. The data-quality report lists the files read, the rows accepted "
             "and rejected, and why.")
"""What every report past data quality says when no claim line was accepted."""

NO_COST = ("**Paid amounts: not in this feed (utilization only).** These data (e.g. an OMOP CDM "
           "without cost rows) record visits, stays and diagnoses but no payment, so this "
           "report, whose figures are money or rest on it, shows none rather than zero. "
           "`valuecase summarize` gives the utilization counts; the data-quality report lists "
           "the files read, the rows accepted and rejected, and why.")
"""What every report past data quality says when the feed has no paid amounts
(:attr:`~valuecase.data.load.LoadedData.paid_amounts_known` is False)."""


def unavailable(name: str, message: str, short: str) -> Results:
    """The results of a report that cannot be made from these data: one message (the suite
    then renders it with the ``fallback/unavailable`` notebook)."""
    r = Results(name)
    r.values.update(unavailable=message, unavailable_short=short, has_program=False)
    return r


def without_claims(name: str, a: Any) -> Results | None:
    """:func:`unavailable` results for report ``name`` when the analysis has no accepted
    spending (:attr:`~valuecase.analysis.run.Analysis.has_spending`), else None."""
    if not a.data.paid_amounts_known:  # placeholder 0s: not "no claims", and never $0
        return unavailable(name, NO_COST, "Paid amounts not in this feed (utilization only).")
    if a.has_spending:
        return None
    return unavailable(name, NO_CLAIMS, "No claims accepted: nothing to describe.")
