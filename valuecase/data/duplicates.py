"""Duplicate keys and reversals: which repeated claim lines are kept.

Rows sharing a key (claim id and line number) are read in file (natural order: ``part2``
before ``part10``) and line order. The first is the original. A later row is kept as a
**reversal** when its paid amount is negative and exactly offsets the row just before it, and
the row right after such a reversal is kept as the **replacement** it makes way for; any other
repeat is a duplicate (reject ``duplicate_key``).

Examples
--------
>>> import ibis
>>> t = ibis.memtable({"claim_id": ["C1"] * 4, "_file": ["f"] * 4, "_row": [1, 2, 3, 4],
...                    "paid_amount": [100.0, -100.0, 120.0, 120.0]})
>>> with_duplicates(t, ("claim_id",)).order_by("_row")._dup.to_pandas().tolist()
[0, 0, 0, 1]
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from valuecase.data import text_rules as tr
from valuecase.data.files import file_order

__all__ = ["duplicate_rows", "repeated_keys", "with_duplicates"]


def duplicate_rows(t: ir.Table, key: tuple[str, ...]) -> ir.Table:
    """The rows of ``t`` that repeat an earlier row's key and are not a reversal or its
    replacement (see the module docstring), narrow: ``_dfile, _drow``.

    The numbering runs only over the narrow rows whose key occurs more than once (a window
    over every column of every line cost more than all the typing).
    """
    paid = t.paid_amount if "paid_amount" in t.columns else ibis.null(tr.AMOUNT_TYPE)
    narrow = t.select(*key, "_file", "_row", _paid=paid)
    cand = narrow.semi_join(repeated_keys(t, key), list(key))
    # files in natural order (part2 before part10), as they are listed
    w = ibis.window(group_by=list(key), order_by=[file_order(cand._file), "_file", "_row"])
    cand = cand.mutate(_rank=ibis.row_number().over(w), _prev=cand._paid.lag().over(w),
                       _prev2=cand._paid.lag(2).over(w))
    reversal = (cand._paid < 0) & (cand._prev == -cand._paid)
    replacement = (cand._prev < 0) & (cand._prev2 == -cand._prev)
    kept = (reversal | replacement).fill_null(False)
    return cand.filter((cand._rank > 0) & ~kept).select(_dfile="_file", _drow="_row")


def repeated_keys(t: ir.Table, key: tuple[str, ...]) -> ir.Table:
    """The keys that more than one row of ``t`` has (the candidates
    :func:`duplicate_rows` numbers)."""
    return t.group_by(list(key)).aggregate(_n=lambda g: g.count()).filter(lambda g: g._n > 1)


def with_duplicates(t: ir.Table, key: tuple[str, ...],
                    duplicates: ir.Table | None = None) -> ir.Table:
    """``_dup``: 1 for a row that repeats an earlier row's key and is not a reversal, else 0.

    Rows sharing a key are read in file and line order. The first is the original. A later
    row is kept as a **reversal** when its paid amount is negative and exactly offsets the
    row just before it (same key), and the row right after such a reversal is kept as the
    **replacement** it makes way for; any other repeat is a duplicate.

    ``duplicates``: :func:`duplicate_rows` of ``t`` computed already (the loader computes it
    once from its copy of a claims table, apart from the wide rows: joining it back inside
    one query cost a third of the typing).
    """
    later = duplicate_rows(t, key) if duplicates is None else duplicates
    j = t.left_join(later, [t._file == later._dfile, t._row == later._drow])
    return j.mutate(_dup=j._drow.notnull().cast("int64")).drop("_dfile", "_drow")
