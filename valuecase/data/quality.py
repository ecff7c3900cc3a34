"""Data-quality measures of a loaded data set: completeness, volume by month, claims lag.

Every measure is an Ibis aggregate on the engine holding the accepted rows, so only small
results (one row per column, month or day of lag) ever reach pandas, on DuckDB and on Spark.

Examples
--------
>>> import pandas as pd
>>> from valuecase.data.load import load_frames
>>> elig = pd.DataFrame({"person_id": ["P1", "P2"], "enrollment_start_date": ["2020-01-01"] * 2,
...                      "enrollment_end_date": ["2020-12-31"] * 2, "gender": ["female", None]})
>>> med = pd.DataFrame({"claim_id": ["C1"], "claim_line_number": [1], "person_id": ["P1"],
...                     "claim_type": ["professional"], "claim_start_date": ["2020-02-01"],
...                     "claim_end_date": ["2020-02-01"], "paid_date": ["2020-03-02"],
...                     "paid_amount": [50.0]})
>>> data = load_frames({"eligibility": elig, "medical_claim": med})
>>> float(completeness(data, "eligibility").set_index("column").loc["gender", "filled_share"])
0.5
>>> claims_lag(data)[["lag_days", "claims"]].values.tolist()
[[30, 1]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from valuecase.data.contract import TABLES
from valuecase.data.load import LoadedData

__all__ = ["claims_lag", "completeness", "completeness_by_month", "completion_factors",
           "lag_quantile", "lag_summary", "spend_outside_enrollment",
           "stays_without_inpatient_spend", "volume_by_month"]


def _frame(expr) -> pd.DataFrame:
    return expr.to_pyarrow().to_pandas()


def _months(values: pd.Series) -> pd.Series:
    # one resolution whatever the engine returned (dates, or timestamps in s or us)
    return pd.to_datetime(values).astype("datetime64[ns]")


def completeness(data: LoadedData, table: str) -> pd.DataFrame:
    """Share of accepted rows with a value, for every contract column present in ``table``.

    Returns
    -------
    pandas.DataFrame
        ``column, required, rows, filled, filled_share`` in contract order.
    """
    spec = TABLES[table]
    t = data.table(table)
    cols = [c for c in spec.known_columns if c in t.columns]
    if not cols:
        return pd.DataFrame(columns=["column", "required", "rows", "filled", "filled_share"])
    counts = t.aggregate(_rows=t.count(), **{c: t[c].count() for c in cols}).to_pyarrow()
    counts = counts.to_pylist()[0]
    rows = counts["_rows"]
    out = pd.DataFrame({"column": cols, "required": [c in spec.required for c in cols],
                        "rows": rows, "filled": [counts[c] for c in cols]})
    out["filled_share"] = out["filled"] / rows if rows else float("nan")
    return out


def completeness_by_month(data: LoadedData, table: str,
                          columns: list[str] | None = None) -> pd.DataFrame:
    """Share filled per service month for the optional columns of a claims table (long format).

    Returns
    -------
    pandas.DataFrame
        ``month, column, rows, filled_share``.
    """
    t = data.table(table)
    present = t.columns
    spec = TABLES[table]
    if columns is None:
        columns = [c for c in spec.optional if c in present and not c.startswith("diagnosis_code_")]
        if "diagnosis_code_1" in present:
            columns.append("diagnosis_code_1")
    if not columns:
        return pd.DataFrame(columns=["month", "column", "rows", "filled_share"])
    wide = _frame(t.group_by("month").aggregate(
        rows=t.count(), **{c: t[c].count() for c in columns}).order_by("month"))
    for c in columns:
        wide[c] = wide[c] / wide["rows"]
    long = wide.melt(id_vars=["month", "rows"], var_name="column", value_name="filled_share")
    long["month"] = _months(long["month"])
    return long[["month", "column", "rows", "filled_share"]]


def _claims_by_month(data: LoadedData, measures, where=None) -> pd.DataFrame:
    """``table, month, lines, persons`` and ``measures`` (name -> aggregate of a table) per
    month; money summed exactly on the engine, shown as numbers."""
    frames = []
    for table in ("medical_claim", "pharmacy_claim"):
        if table not in data.tables:
            continue
        t = data.with_enrollment(table)
        if where is not None:
            t = t.filter(where(t))
        df = _frame(t.group_by("month").aggregate(
            lines=t.count(), persons=t.person_id.nunique(),
            **{name: agg(t) for name, agg in measures.items()}).order_by("month"))
        df.insert(0, "table", table)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["table", "month", "lines", "persons", *measures])
    for name in measures:
        out[name] = out[name].astype("float64")
    out["month"] = _months(out["month"])
    return out


def volume_by_month(data: LoadedData) -> pd.DataFrame:
    """Accepted lines, persons and paid per service month for each claims table.

    Returns
    -------
    pandas.DataFrame
        ``table, month, lines, persons, paid_amount, paid_in_enrollment``.
    """
    return _claims_by_month(data, {
        "paid_amount": lambda t: t.paid_amount.sum().fill_null(0),
        "paid_in_enrollment": lambda t: t.paid_amount.sum(where=t.in_enrollment).fill_null(0)})


def spend_outside_enrollment(data: LoadedData) -> pd.DataFrame:
    """Accepted claim spend in months with no enrollment, by table and month.

    Returns
    -------
    pandas.DataFrame
        ``table, month, lines, persons, paid_amount``.
    """
    return _claims_by_month(data, {"paid_amount": lambda t: t.paid_amount.sum()},
                            where=lambda t: ~t.in_enrollment)


def claims_lag(data: LoadedData) -> pd.DataFrame:
    """Days from service end to payment: claims and paid per table and day of lag.

    Each claim counts once: medical claims by ``paid_date - coalesce(claim_end_date,
    claim_start_date)`` (latest of its lines), pharmacy by ``paid_date - dispensing_date``.
    Claims without a paid date are left out. The claim-level step runs on the engine; only
    the distribution (a few hundred rows) comes back.

    Returns
    -------
    pandas.DataFrame
        ``table, lag_days, claims, paid_amount`` ordered by table and lag.
    """
    frames = []
    for table in ("medical_claim", "pharmacy_claim"):
        if table not in data.tables:
            continue
        t = data.table(table)
        if "paid_date" not in t.columns:
            continue
        if table == "pharmacy_claim":
            end = t.dispensing_date
        elif "claim_end_date" in t.columns:
            end = t.claim_end_date.fill_null(t.claim_start_date)
        else:
            end = t.claim_start_date
        t = t.filter(t.paid_date.notnull()).mutate(_end=end)
        claims = t.group_by("claim_id").aggregate(
            lag_days=t.paid_date.max().delta(t._end.max(), unit="day"),
            paid_amount=t.paid_amount.sum().fill_null(0))
        df = _frame(claims.group_by("lag_days").aggregate(
            claims=claims.count(), paid_amount=claims.paid_amount.sum()).order_by("lag_days"))
        df.insert(0, "table", table)
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["table", "lag_days", "claims", "paid_amount"])
    out = pd.concat(frames, ignore_index=True)
    out["lag_days"] = out["lag_days"].astype("int64")
    out["paid_amount"] = out["paid_amount"].astype("float64")
    return out


def lag_quantile(lag: pd.DataFrame, q: float) -> float:
    """The ``q`` quantile of lag days over claims, from a :func:`claims_lag` distribution of
    one table (linear interpolation between claims, as :meth:`pandas.Series.quantile`)."""
    days = lag["lag_days"].to_numpy()
    cum = np.cumsum(lag["claims"].to_numpy())
    if not len(cum) or cum[-1] == 0:
        return float("nan")
    h = q * (cum[-1] - 1)
    lo, hi = (days[np.searchsorted(cum, k, side="right")] for k in (np.floor(h), np.ceil(h)))
    return float(lo + (h - np.floor(h)) * (hi - lo))


def lag_summary(lag: pd.DataFrame) -> pd.DataFrame:
    """Per table: claims, median and 90th/99th percentile lag, share paid within 30/90 days."""
    rows = []
    for table, g in lag.groupby("table"):
        d, n = g["lag_days"], g["claims"]
        total = int(n.sum())
        rows.append({"table": table, "claims": total, "median_days": lag_quantile(g, 0.5),
                     "p90_days": lag_quantile(g, 0.9), "p99_days": lag_quantile(g, 0.99),
                     "paid_within_30d": float(n[d <= 30].sum() / total),
                     "paid_within_90d": float(n[d <= 90].sum() / total),
                     "negative_lag_claims": int(n[d < 0].sum())})
    return pd.DataFrame(rows)


def completion_factors(lag: pd.DataFrame, max_months: int = 12) -> pd.DataFrame:
    """Share of eventually-paid dollars paid within k months of service (k = 0..max_months).

    A reading aid for claims run-out: if 85% of dollars are paid within 2 months, the last two
    months of data are incomplete and PMPM there is understated.
    """
    if lag.empty:
        return pd.DataFrame(columns=["table", "months_after_service", "share_paid"])
    rows = []
    for table, g in lag.groupby("table"):
        total = g["paid_amount"].sum()
        months = (g["lag_days"].clip(lower=0) // 30).astype(int)  # one row per day of lag
        for k in range(max_months + 1):
            share = g.loc[months <= k, "paid_amount"].sum() / total if total else float("nan")
            rows.append({"table": table, "months_after_service": k, "share_paid": share})
    return pd.DataFrame(rows)


def stays_without_inpatient_spend(year_sums: pd.DataFrame) -> pd.DataFrame:
    """Years with acute inpatient stays but no inpatient spend (flagged), from the panel's
    sums per year.

    A year whose stays carry $0 in total (a source that does not price its inpatient
    encounters, an extract without the facility claims) would make the inpatient PMPM, the
    paid per stay and every saving priced on it zero: the data cannot price a stay there.

    Parameters
    ----------
    year_sums : pandas.DataFrame
        :func:`valuecase.population.aggregate.period_sums` of the member-month panel by
        ``year`` (columns ``period``, ``inpatient_stays``, ``paid_inpatient``).

    Returns
    -------
    pandas.DataFrame
        ``year, inpatient_stays, paid_inpatient, flagged`` (``flagged``: stays > 0 and
        inpatient paid <= 0), one row per year.

    Examples
    --------
    >>> sums = pd.DataFrame({"period": ["2020", "2021"], "inpatient_stays": [40, 35],
    ...                      "paid_inpatient": [512_000.0, 0.0]})
    >>> stays_without_inpatient_spend(sums)["flagged"].tolist()
    [False, True]
    """
    cols = ["year", "inpatient_stays", "paid_inpatient", "flagged"]
    if not len(year_sums) or "inpatient_stays" not in year_sums:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame({
        "year": year_sums["period"].astype(str).to_numpy(),
        "inpatient_stays": year_sums["inpatient_stays"].astype("int64").to_numpy(),
        "paid_inpatient": (year_sums["paid_inpatient"].astype("float64").to_numpy()
                           if "paid_inpatient" in year_sums else 0.0)})
    out["flagged"] = (out["inpatient_stays"] > 0) & (out["paid_inpatient"] <= 0)
    return out[cols]
