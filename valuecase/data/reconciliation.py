"""What the loader reports of each table besides its accepted rows: the rejected rows with
their reasons and exact dollars, the values read from a float's residue, and the
reconciliation row (rows and exact paid in = accepted + rejected).

Examples
--------
>>> row = reconciliation_row("medical_claim", "medical_claim.csv", {
...     "rows_in": 3, "rows_accepted": 2, "paid_in": Decimal("10.00"),
...     "paid_accepted": Decimal("7.50")})
>>> row["rows_rejected"], row["paid_rejected"]
(1, Decimal('2.50'))
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from valuecase.data import text_rules as tr
from valuecase.data.contract import TABLES

__all__ = ["REJECT_COLUMNS", "reconciliation_row", "rejected_rows", "rounded_by_file",
           "rounded_notes"]

REJECT_COLUMNS = ("table", "file", "row_number", "reason", "person_id", "paid_amount")
"""Columns of :attr:`valuecase.data.load.LoadedData.rejects`."""


def rejected_rows(checked: ir.Table, table: str) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """The rejected rows as a listing, and per reason their rows and exact paid (the rows
    whose amount is a number) and the rows whose amount has no reading."""
    bad = checked.filter(checked._reason.notnull())
    money = TABLES[table].money
    paid = bad[money] if money in checked.columns else ibis.null(tr.AMOUNT_TYPE)
    pid = bad.person_id if "person_id" in checked.columns else ibis.null("string")
    df = (bad.select(file=bad._file, row_number=bad._row, reason=bad._reason,
                     person_id=pid, paid_amount=paid)
          .order_by(["file", "row_number"]).to_pyarrow().to_pandas())
    df.insert(0, "table", table)
    df["row_number"] = df["row_number"].astype("int64")
    by_reason: dict[str, dict[str, Any]] = {}
    for why, group in df.groupby("reason", sort=True):
        amounts = [Decimal(v) for v in group["paid_amount"] if v is not None and pd.notna(v)]
        entry: dict[str, Any] = {"rows": len(group)}
        if money in checked.columns:
            entry.update(paid=sum(amounts, Decimal("0.00")),
                         rows_amount_unread=len(group) - len(amounts))
        by_reason[str(why)] = entry
    df["paid_amount"] = df["paid_amount"].astype("float64")  # a listing: cents as numbers
    return df[list(REJECT_COLUMNS)], by_reason


def rounded_by_file(checked: ir.Table, stats: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """File -> column -> values read from a float's residue; a query only when there are
    some (the statistics counted them per table)."""
    out: dict[str, dict[str, int]] = {}
    for key in [k for k in stats if k.startswith("rounded_") and stats[k]]:
        col = key[len("rounded_"):]
        flag = checked[f"_round_{col}"]
        counts = (checked.filter(flag).group_by("_file").aggregate(n=flag.count())
                  .to_pyarrow().to_pylist())
        for row in counts:
            out.setdefault(row["_file"], {})[col] = int(row["n"])
    return {f: out[f] for f in sorted(out)}


def rounded_notes(table: str, rounded: Mapping[str, Mapping[str, int]]) -> list[str]:
    """One note per file and column of the values read from a float's residue.

    Examples
    --------
    >>> rounded_notes("pharmacy_claim", {"rx.csv": {"paid_amount": 31}})[0][:40]
    'rx.csv: 31 paid_amount value(s) written '
    """
    return [f"{file}: {n:,} {col} value(s) written with a float's residue (such as "
            "1018.0999999999999) read as the whole cent within 1e-6 of them"
            for file, cols in rounded.items() for col, n in cols.items()]


def reconciliation_row(table: str, label: str, stats) -> dict[str, Any]:
    """Rows and exact paid (``Decimal``) in, accepted, rejected; ``rows_amount_unread``:
    rejected rows whose amount has no reading (not in any paid sum)."""
    rec: dict[str, Any] = {"table": table, "source": label, "rows_in": stats["rows_in"],
                           "rows_accepted": stats["rows_accepted"],
                           "rows_rejected": stats["rows_in"] - stats["rows_accepted"]}
    if "rows_amount_unread" in stats:
        rec["rows_amount_unread"] = stats["rows_amount_unread"]
    if "paid_in" in stats:
        rec.update(paid_in=stats["paid_in"], paid_accepted=stats["paid_accepted"],
                   paid_rejected=stats["paid_in"] - stats["paid_accepted"])
    if "rows_outside_enrollment" in stats:
        rec["rows_outside_enrollment"] = stats["rows_outside_enrollment"]
        if "paid_outside_enrollment" in stats:
            rec["paid_outside_enrollment"] = stats["paid_outside_enrollment"]
    return rec


