"""Enrollment as Ibis expressions: member months and the closing of open spans.

A calendar month is a **member month** of a person when any day of it falls inside one of the
person's enrollment spans (Tuva's rule; overlapping spans never count a month twice). The
loader uses it to flag claims outside enrollment and the panel to lay out its rows, so both
agree by construction on every engine.

Examples
--------
>>> import datetime as dt, ibis
>>> elig = ibis.memtable({"person_id": ["P1", "P1"],
...                       "enrollment_start_date": [dt.date(2020, 1, 15), dt.date(2020, 2, 1)],
...                       "enrollment_end_date": [dt.date(2020, 2, 10), dt.date(2020, 3, 1)]})
>>> sorted(str(m)[:10] for m in member_months(elig).to_pandas()["month"])
['2020-01-01', '2020-02-01', '2020-03-01']
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = ["MEMBER_MONTHS", "first_of_month", "member_months"]

MEMBER_MONTHS = "member_months"
"""The table of member months :func:`valuecase.data.load.load` keeps on its engine (computed
once from the accepted eligibility; the panel reads it when present)."""


def first_of_month(date: ir.DateValue) -> ir.DateValue:
    """The first day of ``date``'s month, stored as a date on every engine (DuckDB truncates a
    date to a timestamp, and Ibis drops a cast from date to date), so it joins member months
    without a cast per row."""
    return date.truncate("M").cast("timestamp").cast("date")


def member_months(eligibility: ir.Table) -> ir.Table:
    """Distinct ``(person_id, month)`` pairs with any enrolled day in the month."""
    start = eligibility.enrollment_start_date.truncate("M").cast("timestamp")
    stop = eligibility.enrollment_end_date.cast("timestamp") + ibis.interval(days=1)
    # unnest into a column first and cast in a second step: Spark refuses a cast applied to
    # the generator itself (UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS)
    spans = eligibility.select(
        person_id="person_id", month=ibis.range(start, stop, ibis.interval(months=1)).unnest())
    return spans.select("person_id", month=spans.month.cast("date")).distinct()
