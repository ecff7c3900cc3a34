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

__all__ = ["ENROLLED_RANGES", "MEMBER_MONTHS", "enrolled_ranges", "first_of_month",
           "flag_in_enrollment", "member_months", "months_of_ranges"]

MEMBER_MONTHS = "member_months"
"""The table of member months :func:`valuecase.data.load.load` keeps on its engine (computed
once from the accepted eligibility; the panel reads it when present)."""


ENROLLED_RANGES = "enrolled_ranges"
"""The table of :func:`enrolled_ranges` the loader keeps beside the member months."""


def first_of_month(date: ir.DateValue) -> ir.DateValue:
    """The first day of ``date``'s month, stored as a date on every engine (DuckDB truncates a
    date to a timestamp, and Ibis drops a cast from date to date), so it joins member months
    without a cast per row."""
    return date.truncate("M").cast("timestamp").cast("date")


def member_months(eligibility: ir.Table) -> ir.Table:
    """Distinct ``(person_id, month)`` pairs with any enrolled day in the month."""
    return months_of_ranges(enrolled_ranges(eligibility))


def months_of_ranges(ranges: ir.Table) -> ir.Table:
    """The ``(person_id, month)`` rows of :func:`enrolled_ranges`: every month from each
    range's first to its last. The ranges of a person never share a month, so no month comes
    twice and no ``DISTINCT`` over every member month is needed (at 5M claim lines: 3.6M
    member months laid out from 174k ranges in 0.3 s, where the distinct months of the
    enrollment spans took 0.7 s).

    Examples
    --------
    >>> import datetime as dt, ibis
    >>> ranges = ibis.memtable({"person_id": ["P1"], "first_month": [dt.date(2020, 11, 1)],
    ...                         "last_month": [dt.date(2021, 1, 1)]})
    >>> [str(m)[:7] for m in months_of_ranges(ranges).order_by("month").month.to_list()]
    ['2020-11', '2020-12', '2021-01']
    """
    last = ranges.last_month.cast("timestamp") + ibis.interval(days=1)
    # unnest into a column first and cast in a second step: Spark refuses a cast applied to
    # the generator itself (UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS)
    months = ranges.select("person_id", month=ibis.range(
        ranges.first_month.cast("timestamp"), last, ibis.interval(months=1)).unnest())
    return months.select("person_id", month=months.month.cast("date"))


def enrolled_ranges(eligibility: ir.Table) -> ir.Table:
    """A person's member months as ranges: ``person_id, first_month, last_month``.

    The spans' months (first of the start month to first of the end month) merged where they
    overlap, so the ranges of a person never share a month and a claim month falls in at most
    one of them: exactly the months of :func:`member_months`. A claim line is in enrollment when
    its month falls in one of its person's ranges - a join on the person alone against a few
    rows per person, where the member months are one row per person and month.

    Examples
    --------
    >>> import datetime as dt, ibis
    >>> elig = ibis.memtable({"person_id": ["P1"] * 3, "enrollment_start_date": [
    ...     dt.date(2020, 1, 15), dt.date(2020, 2, 1), dt.date(2020, 6, 1)],
    ...     "enrollment_end_date": [dt.date(2020, 2, 10), dt.date(2020, 3, 1),
    ...                             dt.date(2020, 6, 30)]})
    >>> r = enrolled_ranges(elig).order_by("first_month").to_pandas()
    >>> [(str(a)[:7], str(b)[:7]) for a, b in zip(r.first_month, r.last_month)]
    [('2020-01', '2020-03'), ('2020-06', '2020-06')]
    """
    spans = eligibility.select(
        "person_id", _first=first_of_month(eligibility.enrollment_start_date),
        _last=first_of_month(eligibility.enrollment_end_date))
    spans = spans.filter(spans._first <= spans._last)
    order = [spans._first, spans._last]
    before = ibis.window(group_by=spans.person_id, order_by=order, rows=(None, -1))
    upto = ibis.window(group_by=spans.person_id, order_by=order, rows=(None, 0))
    # a span starts a new range when it begins after every month of the person's spans so far
    reach = spans._last.max().over(before)
    spans = spans.mutate(_new=(reach.isnull() | (spans._first > reach)).cast("int64"))
    spans = spans.mutate(_range=spans._new.sum().over(upto))
    return spans.group_by(["person_id", "_range"]).aggregate(
        first_month=spans._first.min(), last_month=spans._last.max()).drop("_range")


def flag_in_enrollment(lines: ir.Table, ranges: ir.Table) -> ir.Table:
    """``lines`` (with ``person_id`` and ``month``) plus ``in_enrollment``: the month falls in
    one of the person's :func:`enrolled_ranges` (which never overlap, so each line is kept
    once).

    Examples
    --------
    >>> import datetime as dt, ibis
    >>> ranges = ibis.memtable({"person_id": ["P1"], "first_month": [dt.date(2020, 1, 1)],
    ...                         "last_month": [dt.date(2020, 3, 1)]})
    >>> lines = ibis.memtable({"person_id": ["P1", "P1"],
    ...                        "month": [dt.date(2020, 2, 1), dt.date(2020, 4, 1)]})
    >>> flag_in_enrollment(lines, ranges).order_by("month").in_enrollment.to_list()
    [True, False]
    """
    r = ranges.select(_er_person="person_id", _er_first="first_month", _er_last="last_month")
    joined = lines.left_join(r, [lines.person_id == r._er_person, lines.month >= r._er_first,
                                 lines.month <= r._er_last])
    return joined.mutate(in_enrollment=joined._er_person.notnull()).drop(
        "_er_person", "_er_first", "_er_last")
