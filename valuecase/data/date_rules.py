"""Dates the data cannot mean literally: placeholders, open spans, spans into the future.

- **Placeholder dates** (:data:`DATE_SENTINELS`, or your own) are read as blank, with a note;
  an enrollment end then becomes an open span.
- **Open spans** run to the last date of the eligibility file.
- **Spans ending after today** are cut at the end of the month of the latest claim: no member
  month is counted beyond the data.
- **Member months outside the claims' own range** (before the first or after the last month
  with a claim) are flagged with a note (:func:`coverage_notes`): they are real enrollment,
  but no claim can fall in them, so PMPM over them is 0 (history not loaded, or run-out).

Examples
--------
>>> rules = DateRules.of(None)
>>> [str(d) for d in rules.sentinels]
['9999-12-31', '2099-12-31', '1900-01-01']
>>> month_end(dt.date(2024, 2, 10))
datetime.date(2024, 2, 29)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from valuecase.errors import ContractError

__all__ = ["DATE_SENTINELS", "NO_RULES", "DateRules", "close_open_spans", "coverage_notes",
           "month_end", "sentinel_notes"]

DATE_SENTINELS = ("9999-12-31", "2099-12-31", "1900-01-01")
"""Placeholder dates read as blank: an open enrollment end, an unknown date."""


@dataclass(frozen=True)
class DateRules:
    """How dates are bounded: placeholder dates and today."""

    sentinels: tuple[dt.date, ...]
    today: dt.date = dt.date.today()

    @classmethod
    def of(cls, sentinels: Sequence[str | dt.date] | None) -> DateRules:
        values = DATE_SENTINELS if sentinels is None else sentinels
        try:
            parsed = tuple(v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
                           for v in values)
        except ValueError as exc:
            raise ContractError(f"date_sentinels: {exc} (use YYYY-MM-DD)") from None
        return cls(parsed, today=dt.date.today())


def close_open_spans(accepted: ir.Table, stats: dict[str, Any],
                     rules: DateRules | None = None,
                     data_end: Callable[[], dt.date | None] = lambda: None
                     ) -> tuple[ir.Table, list[str]]:
    """Enrollment spans with a blank end run to the last date of the eligibility extract; a
    span ending in the future is cut at the month of the latest claim (the end of the data).

    ``stats``: the loader's statistics of the accepted spans (``open_spans``, ``last_date``,
    ``ends_after_today``). ``data_end`` finds that claim date; it is asked only when a span
    ends after today, so a normal load never scans the claims for it."""
    rules = rules or NO_RULES
    notes = []
    n, last = stats["open_spans"], stats["last_date"]
    if n:
        end = accepted.enrollment_end_date.fill_null(ibis.literal(last))
        accepted = accepted.mutate(enrollment_end_date=end)
        notes.append(f"{n:,} enrollment span(s) had no end date and were treated as open "
                     f"through {last:%Y-%m-%d}, the last date in the eligibility file")
    end = accepted.enrollment_end_date
    # the spans ending after today: counted by the statistics, plus the open ones just closed
    # at a last date after today
    last_day = last.date() if isinstance(last, dt.datetime) else last
    beyond = stats["ends_after_today"] + (n if n and last_day > rules.today else 0)
    if beyond:
        # a span running into the future is cut where the data ends: the month of the latest
        # claim (or today, without claims), never expanded into months nobody has lived yet
        stop = month_end(data_end() or rules.today)
        cut = ibis.greatest(ibis.literal(stop), accepted.enrollment_start_date)
        accepted = accepted.mutate(enrollment_end_date=ibis.ifelse(end > rules.today, cut, end))
        notes.append(
            f"{beyond:,} enrollment span(s) end after today ({rules.today:%Y-%m-%d}); they "
            f"were cut at {stop:%Y-%m-%d}, the end of the month of the latest claim")
    return accepted, notes


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def sentinel_notes(label: str, stats, rules: DateRules) -> list[str]:
    shown = ", ".join(f"{d:%Y-%m-%d}" for d in rules.sentinels)
    notes = []
    for key, n in stats.items():
        if key.startswith("sentinel_") and n:
            col = key[len("sentinel_"):]
            what = " (an open span)" if col == "enrollment_end_date" else ""
            notes.append(f"{label}: {n:,} {col} value(s) were placeholder dates ({shown}) "
                         f"and were read as blank{what}")
    return notes


NO_RULES = DateRules(())
"""No placeholder dates: dates taken as written (today still bounds them)."""


def coverage_notes(enrolled: ir.Table, first: dt.date | None, last: dt.date | None) -> list[str]:
    """Notes on member months before the first or after the last claim month.

    ``enrolled`` holds ``(person_id, month)`` member months; ``first`` / ``last`` are the
    first and last months with an accepted claim (None when there is none).

    Examples
    --------
    >>> mm = ibis.memtable({"person_id": ["P1"] * 4, "month": [dt.date(2020, m, 1)
    ...                                                       for m in (1, 2, 3, 4)]})
    >>> coverage_notes(mm, dt.date(2020, 2, 1), dt.date(2020, 3, 1))[0][:60]
    '1 member months (25.0%) fall before the first month with a c'
    """
    if first is None or last is None:
        return []
    row = enrolled.aggregate(n=enrolled.count(),
                             before=enrolled.count(where=enrolled.month < first),
                             after=enrolled.count(where=enrolled.month > last)
                             ).to_pyarrow().to_pylist()[0]
    notes = []
    if row["before"]:
        notes.append(f"{row['before']:,} member months ({row['before'] / row['n']:.1%}) fall "
                     f"before the first month with a claim ({first:%Y-%m}): no claim can be in "
                     "them, so they lower PMPM; set the period's start (--start) to leave "
                     "them out")
    if row["after"]:
        notes.append(f"{row['after']:,} member months ({row['after'] / row['n']:.1%}) fall "
                     f"after the last month with a claim ({last:%Y-%m}): claims for them may "
                     "not have arrived yet (run-out), so they lower PMPM; set the period's end "
                     "(--end) to leave them out")
    return notes
