"""Data-quality measures of a loaded data set: completeness, volume by month, claims lag.

Everything runs as SQL on the loaded DuckDB tables (accepted rows), so it scales with the data.

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
>>> claims_lag(data)["lag_days"].tolist()
[30]
"""

from __future__ import annotations

import pandas as pd

from valuecase.data.contract import TABLES
from valuecase.data.load import LoadedData

_DATE_OF = {"medical_claim": "service_date", "pharmacy_claim": "service_date",
            "eligibility": "enrollment_start_date"}


def _columns(data: LoadedData, table: str) -> list[str]:
    return [r[0] for r in data.con.execute(f'DESCRIBE "{table}"').fetchall()]


def completeness(data: LoadedData, table: str) -> pd.DataFrame:
    """Share of accepted rows with a value, for every contract column present in ``table``.

    Returns
    -------
    pandas.DataFrame
        ``column, required, rows, filled, filled_share`` in contract order.
    """
    spec = TABLES[table]
    present = set(_columns(data, table))
    cols = [c for c in spec.known_columns if c in present]
    if not cols:
        return pd.DataFrame(columns=["column", "required", "rows", "filled", "filled_share"])
    counts = data.con.execute(
        "SELECT count(*), " + ", ".join(f'count("{c}")' for c in cols) + f' FROM "{table}"'
    ).fetchone()
    rows = counts[0]
    out = pd.DataFrame({"column": cols, "required": [c in spec.required for c in cols],
                        "rows": rows, "filled": list(counts[1:])})
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
    present = _columns(data, table)
    spec = TABLES[table]
    if columns is None:
        columns = [c for c in spec.optional if c in present and not c.startswith("diagnosis_code_")]
        if "diagnosis_code_1" in present:
            columns.append("diagnosis_code_1")
    if not columns:
        return pd.DataFrame(columns=["month", "column", "rows", "filled_share"])
    sel = ", ".join(f'count("{c}") / count(*) AS "{c}"' for c in columns)
    wide = data.con.execute(
        f'SELECT month, count(*) AS rows, {sel} FROM "{table}" GROUP BY month ORDER BY month'
    ).df()
    long = wide.melt(id_vars=["month", "rows"], var_name="column", value_name="filled_share")
    long["month"] = pd.to_datetime(long["month"])
    return long[["month", "column", "rows", "filled_share"]]


def _claims_by_month(data: LoadedData, measures: dict[str, str],
                     where: str = "TRUE") -> pd.DataFrame:
    """``table, month, lines, persons`` and ``measures`` (name -> SQL aggregate) per month."""
    select = ", ".join(f'{sql} AS "{name}"' for name, sql in measures.items())
    frames = [
        data.con.execute(
            f"SELECT '{table}' AS \"table\", month, count(*) AS lines, "
            f'count(DISTINCT person_id) AS persons, {select} FROM "{table}" WHERE {where} '
            "GROUP BY month ORDER BY month").df()
        for table in ("medical_claim", "pharmacy_claim") if table in data.tables
    ]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["table", "month", "lines", "persons", *measures])
    out["month"] = pd.to_datetime(out["month"])
    return out


def volume_by_month(data: LoadedData) -> pd.DataFrame:
    """Accepted lines, persons and paid per service month for each claims table.

    Returns
    -------
    pandas.DataFrame
        ``table, month, lines, persons, paid_amount, paid_in_enrollment``.
    """
    return _claims_by_month(data, {
        "paid_amount": "coalesce(sum(paid_amount), 0)",
        "paid_in_enrollment": "coalesce(sum(paid_amount) FILTER (WHERE in_enrollment), 0)"})


def spend_outside_enrollment(data: LoadedData) -> pd.DataFrame:
    """Accepted claim spend in months with no enrollment, by table and month.

    Returns
    -------
    pandas.DataFrame
        ``table, month, lines, persons, paid_amount``.
    """
    return _claims_by_month(data, {"paid_amount": "sum(paid_amount)"},
                            where="NOT in_enrollment")


def claims_lag(data: LoadedData) -> pd.DataFrame:
    """Days from service end to payment, one row per claim with a paid date.

    Medical claims use ``paid_date - coalesce(claim_end_date, claim_start_date)``; pharmacy
    ``paid_date - dispensing_date``. Claims without a paid date are left out (see
    :func:`lag_summary` for how many).

    Returns
    -------
    pandas.DataFrame
        ``table, claim_id, service_month, lag_days, paid_amount``.
    """
    parts = []
    for table, end in (("medical_claim", "coalesce(claim_end_date, claim_start_date)"),
                       ("pharmacy_claim", "dispensing_date")):
        if table not in data.tables or "paid_date" not in _columns(data, table):
            continue
        if table == "medical_claim" and "claim_end_date" not in _columns(data, table):
            end = "claim_start_date"
        parts.append(
            f"SELECT '{table}' AS \"table\", claim_id, min(month) AS service_month, "
            f"date_diff('day', max({end}), max(paid_date)) AS lag_days, "
            f"coalesce(sum(paid_amount), 0) AS paid_amount FROM \"{table}\" "
            "WHERE paid_date IS NOT NULL GROUP BY claim_id")
    if not parts:
        return pd.DataFrame(columns=["table", "claim_id", "service_month", "lag_days",
                                     "paid_amount"])
    out = data.con.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 2").df()
    out["service_month"] = pd.to_datetime(out["service_month"])
    return out


def lag_summary(lag: pd.DataFrame) -> pd.DataFrame:
    """Per table: claims, median and 90th/99th percentile lag, share paid within 30/90 days."""
    rows = []
    for table, g in lag.groupby("table"):
        d = g["lag_days"]
        rows.append({"table": table, "claims": len(g), "median_days": float(d.median()),
                     "p90_days": float(d.quantile(0.9)), "p99_days": float(d.quantile(0.99)),
                     "paid_within_30d": float((d <= 30).mean()),
                     "paid_within_90d": float((d <= 90).mean()),
                     "negative_lag_claims": int((d < 0).sum())})
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
        months = (g["lag_days"].clip(lower=0) // 30).astype(int)
        for k in range(max_months + 1):
            share = g.loc[months <= k, "paid_amount"].sum() / total if total else float("nan")
            rows.append({"table": table, "months_after_service": k, "share_paid": share})
    return pd.DataFrame(rows)
