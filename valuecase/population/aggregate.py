"""Panel aggregates computed on the engine, so no report holds the whole population in pandas.

Every function takes the member-month panel either as an Ibis table on an engine (DuckDB,
Spark: :func:`valuecase.panel.member_panel.panel_expr`, usually spilled to Parquet by
:class:`valuecase.analysis.run.Analysis`) or as a pandas DataFrame (then registered as an Ibis
memtable), aggregates there and returns only the small result: one row per period and group,
per person-year, or a few totals. Population metrics, concentration inputs and the value case's
unit costs are all built from these.

Examples
--------
>>> import pandas as pd
>>> panel = pd.DataFrame({"person_id": ["a", "a", "b"], "year": [2020] * 3,
...                       "month": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-01-01"]),
...                       "paid_total": [100.0, 50.0, 0.0], "ed_visits": [1, 0, 2]})
>>> period_sums(panel, "year")[["period", "persons", "member_months", "ed_visits"]].values.tolist()
[['2020', 2, 3, 3]]
>>> annual_costs(panel, year=2020).sort_values("person_id")["paid_total"].tolist()
[150.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from valuecase.panel.member_panel import COUNT_COLUMNS, PAID_COLUMNS

__all__ = ["PERIODS", "annual_costs", "as_table", "count_members", "month_counts",
           "panel_totals", "period_sums", "persons_in", "with_segment"]

PERIODS = ("year", "quarter", "month", "all")
"""Period groupings of :func:`period_sums`."""

_SUMMED = (*PAID_COLUMNS, "paid_total", *COUNT_COLUMNS)


def as_table(panel: pd.DataFrame | ir.Table) -> ir.Table:
    """The panel as an Ibis table (a DataFrame becomes a memtable)."""
    if isinstance(panel, ir.Table):
        return panel
    return ibis.memtable(panel)


def _collect(expr: ir.Table) -> pd.DataFrame:
    return expr.to_pyarrow().to_pandas()


def _period_columns(t: ir.Table, by: str) -> dict[str, ir.Value]:
    if by == "year":
        return {"_y": t.month.year()}
    if by == "quarter":
        return {"_y": t.month.year(), "_q": t.month.quarter()}
    if by == "month":
        return {"_y": t.month.year(), "_m": t.month.month()}
    if by == "all":
        return {}
    raise ValueError(f"by must be one of {', '.join(PERIODS)}, got {by!r}")


def _period_label(df: pd.DataFrame, by: str) -> pd.Series:
    if by == "year":
        return df["_y"].astype(int).astype(str)
    if by == "quarter":
        return df["_y"].astype(int).astype(str) + "Q" + df["_q"].astype(int).astype(str)
    if by == "month":
        return (df["_y"].astype(int).astype(str) + "-"
                + df["_m"].astype(int).astype(str).str.zfill(2))
    return pd.Series("all", index=df.index)


def period_sums(panel: pd.DataFrame | ir.Table, by: str = "year",
                group: str | None = None) -> pd.DataFrame:
    """Persons, member months and the sum of every paid and count column per period (and group).

    Parameters
    ----------
    panel : pandas.DataFrame or ibis.Table
        The member-month panel (any subset of its columns beyond ``person_id`` and ``month``).
    by : {"year", "quarter", "month", "all"}
        Period grouping; ``period`` is labelled ``2020``, ``2020Q1``, ``2020-01`` or ``all``.
    group : str, optional
        A panel column to break down by as well (missing values become ``"unknown"``).

    Returns
    -------
    pandas.DataFrame
        ``period`` (and ``group``), ``persons``, ``member_months`` and the summed columns, sorted.
    """
    t = as_table(panel)
    keys = _period_columns(t, by)
    if group is not None:
        keys[group] = t[group].cast("string").fill_null("unknown")
    sums = {c: t[c].sum() for c in _SUMMED if c in t.columns}
    out = t.group_by(**keys) if keys else t
    agg = out.aggregate(persons=t.person_id.nunique(), member_months=t.count(), **sums)
    df = _collect(agg)
    df.insert(0, "period", _period_label(df, by) if len(df) else pd.Series(dtype=str))
    df = df.drop(columns=[c for c in ("_y", "_q", "_m") if c in df])
    order = ["period"] + ([group] if group else [])
    front = [*order, "persons", "member_months"]
    df = df[front + [c for c in df.columns if c not in front]]
    for c in df.columns:
        if c in PAID_COLUMNS or c == "paid_total":
            df[c] = df[c].astype("float64")
        elif c in COUNT_COLUMNS or c in ("persons", "member_months"):
            df[c] = df[c].fillna(0).astype("int64")
    return df.sort_values(order, kind="stable").reset_index(drop=True)


def panel_totals(panel: pd.DataFrame | ir.Table) -> dict[str, Any]:
    """``persons``, ``member_months``, ``paid_total``, ``first_month``, ``last_month``."""
    t = as_table(panel)
    row = _collect(t.aggregate(persons=t.person_id.nunique(), member_months=t.count(),
                               paid_total=t.paid_total.sum(), first_month=t.month.min(),
                               last_month=t.month.max())).iloc[0]
    return {"persons": int(row["persons"]), "member_months": int(row["member_months"]),
            "paid_total": float(row["paid_total"]) if pd.notna(row["paid_total"]) else 0.0,
            "first_month": _timestamp(row["first_month"]),
            "last_month": _timestamp(row["last_month"])}


def _timestamp(value: Any) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def month_counts(panel: pd.DataFrame | ir.Table) -> pd.Series:
    """Distinct months with panel rows per calendar year (index: year)."""
    t = as_table(panel)
    df = _collect(t.group_by(_y=t.month.year()).aggregate(months=t.month.nunique()))
    return df.set_index("_y")["months"].rename_axis("year").sort_index().astype(int)


def annual_costs(panel: pd.DataFrame | ir.Table, year: int | None = None) -> pd.DataFrame:
    """Paid and events per person per calendar year (persons with >= 1 member month that year).

    Parameters
    ----------
    year : int, optional
        Only this year (the engine filters before anything is collected).

    Returns
    -------
    pandas.DataFrame
        ``person_id, year, member_months, paid_total`` and the event counts present, sorted by
        person and year.
    """
    t = as_table(panel)
    t = t.mutate(_year=t.year if "year" in t.columns else t.month.year())
    if year is not None:
        t = t.filter(t._year == int(year))
    counts = [c for c in COUNT_COLUMNS if c in t.columns]
    agg = t.group_by(person_id=t.person_id, year=t._year).aggregate(
        member_months=t.count(), paid_total=t.paid_total.sum(),
        **{c: t[c].sum() for c in counts})
    df = _collect(agg)
    df["year"] = df["year"].astype("int64")
    df["member_months"] = df["member_months"].astype("int64")
    df["paid_total"] = df["paid_total"].astype("float64")
    for c in counts:
        df[c] = df[c].fillna(0).astype("int64")
    return df.sort_values(["person_id", "year"], kind="stable").reset_index(drop=True)


def _people(panel: pd.DataFrame | ir.Table, among: set | None) -> ir.Table:
    t = as_table(panel)
    people = t.select("person_id").distinct()
    if among is not None:
        people = people.semi_join(_ids_table(among, "person_id"), "person_id")
    return people


def persons_in(panel: pd.DataFrame | ir.Table, among: set | None = None) -> set:
    """Person ids of the panel (only those in ``among`` when given), found on the engine."""
    return set(_collect(_people(panel, among))["person_id"])


def count_members(panel: pd.DataFrame | ir.Table, among: set | None = None) -> int:
    """Distinct persons of the panel (only those in ``among`` when given), counted on the
    engine."""
    return int(_people(panel, among).count().to_pyarrow().as_py())


def _ids_table(ids, name: str) -> ir.Table:
    return ibis.memtable(pd.DataFrame({name: pd.Series(sorted(map(str, ids)), dtype=object)}))


def with_segment(panel: pd.DataFrame | ir.Table, persons: pd.Series | list[str],
                 inside: str, outside: str, name: str = "segment") -> ir.Table:
    """The panel with column ``name``: ``inside`` for ``persons``, ``outside`` for the rest."""
    t = as_table(panel)
    ids = _ids_table(set(persons), "_seg_id")
    j = t.left_join(ids, t.person_id == ids._seg_id)
    return j.mutate(**{name: ibis.ifelse(j._seg_id.notnull(), inside, outside)}).drop(
        "_seg_id")
