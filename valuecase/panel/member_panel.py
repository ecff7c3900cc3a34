"""The member-month panel: one row per person per enrolled calendar month, the fact table that every
later stage reads.

Member months follow Tuva's rule: a calendar month counts when any day of it falls inside an
enrollment span (spans are de-duplicated, so overlapping spans never count a month twice). Spend is
assigned to the month of ``claim_start_date`` (fallback ``claim_end_date``), pharmacy to the month of
``dispensing_date`` (fallback ``paid_date``). Encounters land in the month of the visit (ED) or of
the admission (stays, bed days, readmissions). Spend in months outside enrollment is *not* in the
panel; :func:`valuecase.data.quality.spend_outside_enrollment` reports it.

The panel is built with Ibis, so the same code runs on DuckDB (default), pandas frames registered in
DuckDB, and Spark.

Examples
--------
>>> import pandas as pd
>>> from valuecase.data.load import load_frames
>>> elig = pd.DataFrame({"person_id": ["P1"], "enrollment_start_date": ["2020-01-15"],
...                      "enrollment_end_date": ["2020-03-01"]})
>>> med = pd.DataFrame({"claim_id": ["C1"], "claim_line_number": ["1"], "person_id": ["P1"],
...                     "claim_type": ["professional"], "claim_start_date": ["2020-02-10"],
...                     "place_of_service_code": ["23"], "paid_amount": ["120"]})
>>> p = build_panel(load_frames({"eligibility": elig, "medical_claim": med}))
>>> p[["month", "paid_total", "ed_visits"]].astype(str).values.tolist()
[['2020-01-01', '0.0', '0'], ['2020-02-01', '120.0', '1'], ['2020-03-01', '0.0', '0']]
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from valuecase.data.enrollment import MEMBER_MONTHS, first_of_month, member_months
from valuecase.data.load import LoadedData
from valuecase.panel import encounters as enc
from valuecase.trace import stage

PAID_COLUMNS = tuple(f"paid_{c}" for c in enc.SERVICE_CATEGORIES)
COUNT_COLUMNS = ("ed_visits", "ed_visits_admitted", "inpatient_stays", "bed_days",
                 "index_stays", "readmissions_30d")
ED_VISIT_PAID = "ed_visit_paid"
"""Paid on the days of the month's ED visits, all medical lines of each visit day except acute
inpatient ones (:func:`valuecase.panel.encounters.ed_visit_costs`): the ED unit cost's
numerator. Not a service category (it overlaps them), so not part of ``paid_total``."""
PANEL_COLUMNS = ("person_id", "month", "year", "gender", "age", *PAID_COLUMNS, "paid_total",
                 *COUNT_COLUMNS, ED_VISIT_PAID)
"""Columns of the member-month panel, in order."""


def data_end_date(lines: ir.Table) -> ir.Value:
    """Latest service date in the medical claims (scalar expression)."""
    return lines.service_date.max().as_scalar()


def _data_end(lines: ir.Table, data_end: str | dt.date | None) -> ir.Value:
    """``data_end`` as an expression, defaulting to the latest service date."""
    if data_end:
        return ibis.literal(dt.date.fromisoformat(str(data_end)[:10]))
    return data_end_date(lines)


def month_start(value: str | dt.date | None) -> dt.date | None:
    """First day of the month of ``value`` (``"2018"``, ``"2018-03"`` or ``"2018-03-15"``)."""
    if value is None or value == "":
        return None
    text = str(value)[:10]
    parts = text.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        return dt.date(year, month, 1)
    except (ValueError, IndexError):
        raise ValueError(f"not a month: {value!r} (use YYYY, YYYY-MM or YYYY-MM-DD)") from None


def months_between(start: str | dt.date | None, end: str | dt.date | None
                   ) -> tuple[dt.date | None, dt.date | None]:
    """First and last month of ``[start, end]``; an ``end`` given as a year means December."""
    first, last = month_start(start), month_start(end)
    if last is not None and len(str(end)) == 4:
        last = dt.date(last.year, 12, 1)
    return first, last


def panel_expr(backend, data_end: str | dt.date | None = None,
               start: str | dt.date | None = None, end: str | dt.date | None = None) -> ir.Table:
    """The member-month panel as an Ibis expression over ``backend``'s contract tables.

    Rows are in no particular order (sort them where an order matters).

    ``start`` / ``end`` restrict the panel to months in ``[start, end]`` (inclusive; an ``end``
    given as a year means its last month).
    """
    elig = backend.table("eligibility")
    # the loader's member months when it kept them, else computed from eligibility
    mm = (backend.table(MEMBER_MONTHS) if MEMBER_MONTHS in backend.list_tables()
          else member_months(elig))
    first, last = months_between(start, end)
    if first is not None:
        mm = mm.filter(mm.month >= first)
    if last is not None:
        mm = mm.filter(mm.month <= last)
    people = elig.group_by("person_id").aggregate(
        gender=(elig.gender.max() if "gender" in elig.columns else ibis.null("string")),
        birth_date=(elig.birth_date.min() if "birth_date" in elig.columns
                    else ibis.null("date")),
    )
    out = mm.left_join(people, "person_id").drop("person_id_right")
    pieces = []
    if "medical_claim" in backend.list_tables():
        lines = backend.table("medical_claim")
        end = _data_end(lines, data_end)
        cats = enc.service_category(lines)
        paid = (cats.group_by(["person_id", "month"]).aggregate(
            **{f"paid_{c}": _sum_if(cats, c) for c in enc.SERVICE_CATEGORIES if c != "pharmacy"}))
        pieces.append(paid)
        stays = enc.readmissions(enc.inpatient_stays(lines), data_end=end)
        stays = stays.mutate(month=first_of_month(stays.admission_date))
        pieces.append(stays.group_by(["person_id", "month"]).aggregate(
            inpatient_stays=lambda t: t.count(),
            bed_days=lambda t: t.bed_days.sum(),
            index_stays=lambda t: t.is_index_stay.cast("int64").sum(),
            readmissions_30d=lambda t: t.readmission_30d.cast("int64").sum(),
        ))
        ed = enc.ed_visit_costs(lines, stays)
        ed = ed.mutate(month=first_of_month(ed.visit_date))
        pieces.append(ed.group_by(["person_id", "month"]).aggregate(
            ed_visits=lambda t: t.count(),
            ed_visits_admitted=lambda t: t.led_to_admission.cast("int64").sum(),
            **{ED_VISIT_PAID: lambda t: t.paid_amount.sum()},
        ))
    if "pharmacy_claim" in backend.list_tables():
        rx = backend.table("pharmacy_claim")
        pieces.append(rx.group_by(["person_id", "month"]).aggregate(
            paid_pharmacy=lambda t: t.paid_amount.sum()))
    for piece in pieces:
        out = out.left_join(piece, ["person_id", "month"]).drop("person_id_right",
                                                                 "month_right")
    fills = {}
    for c in (*PAID_COLUMNS, ED_VISIT_PAID):
        fills[c] = (out[c].fill_null(0.0) if c in out.columns else ibis.literal(0.0)).cast(
            "float64")
    for c in COUNT_COLUMNS:
        fills[c] = (out[c].fill_null(0) if c in out.columns else ibis.literal(0)).cast("int64")
    out = out.mutate(**fills)
    total = sum((out[c] for c in PAID_COLUMNS[1:]), out[PAID_COLUMNS[0]])
    # completed years at the first day of the month
    not_yet = (out.birth_date.month() > out.month.month()) | (
        (out.birth_date.month() == out.month.month()) & (out.birth_date.day() > 1))
    age = (out.month.year() - out.birth_date.year() - not_yet.cast("int64")).cast("int64")
    out = out.mutate(paid_total=total, year=out.month.year(), age=age)
    # unordered: a sort of the whole panel is the one step DuckDB could not spill at 20M lines
    return out.select(*PANEL_COLUMNS)


@stage("panel")
def build_panel(data: LoadedData, data_end: str | dt.date | None = None,
                start: str | dt.date | None = None,
                end: str | dt.date | None = None) -> pd.DataFrame:
    """Build the member-month panel and return it as pandas (see module docstring).

    Parameters
    ----------
    data : LoadedData
        Output of :func:`valuecase.data.load.load` or :func:`~valuecase.data.load.load_frames`.
    data_end : date, optional
        Last date of data (stays discharged within 30 days before it are not index stays);
        defaults to the latest medical service date.
    start, end : str or date, optional
        Keep only months from ``start`` to ``end`` (``"2018"``, ``"2018-03"``...; inclusive).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PANEL_COLUMNS`; ``month`` is a ``datetime64`` month start.
    """
    # through Arrow directly: Ibis' own to_pandas conversion is ~3x slower on millions of rows
    table = panel_expr(data.ibis(), data_end=data_end, start=start, end=end).to_pyarrow()
    df = table.to_pandas(date_as_object=False)
    df["month"] = pd.to_datetime(df["month"])
    return df.sort_values(["person_id", "month"], kind="stable").reset_index(drop=True)


@stage("panel")
def spill_panel(data: LoadedData, data_end: str | dt.date | None = None,
                name: str = "panel") -> ir.Table:
    """Compute the panel once on the data's engine and keep it out of memory as table
    ``name`` (DuckDB: a Parquet file in its spill folder; Spark: its cache).

    The whole-population panel for reports that aggregate it on the engine
    (:mod:`valuecase.population.aggregate`); same columns as :func:`build_panel`, with
    ``month`` a date, in no particular row order.
    """
    return data.engine.spill(panel_expr(data.ibis(), data_end=data_end), name)


def _sum_if(t: ir.Table, category: str):
    # exact: a sum of decimals is the same on every engine in any order
    return t.paid_amount.sum(where=t.service_category == category)


@stage("stays")
def build_stays(data: LoadedData, data_end: str | dt.date | None = None) -> pd.DataFrame:
    """Acute inpatient stays with index and readmission flags, as pandas (one row per stay)."""
    backend = data.ibis()
    lines = backend.table("medical_claim")
    end = _data_end(lines, data_end)
    stays = enc.readmissions(enc.inpatient_stays(lines), data_end=end).to_pyarrow().to_pandas()
    for c in ("admission_date", "discharge_date"):
        stays[c] = pd.to_datetime(stays[c])
    return stays.sort_values(["person_id", "admission_date"]).reset_index(drop=True)
