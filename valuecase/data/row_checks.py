"""Row checks: every row of a source table typed, flagged and given the first reason it cannot
be used, as Ibis expressions (the same on every engine); :func:`valuecase.data.load.load`
runs them and keeps the result.

Two ways to keep a checked table:

- :func:`checked_rows` - every row typed with its helper columns (``_file, _row``,
  ``_bad_<column>`` parse flags, ``_sent_<column>`` placeholder flags, ``_reason``; claims
  also ``service_date`` and ``month``), for the loader to copy once. Whether a line is in
  enrollment is asked where it is needed (:func:`in_enrollment`).
- :func:`checked_in_place` and :func:`kept_in_place` - claim lines left in their Parquet
  files: one pass counts them for the reconciliation, a second keeps the rejected rows only
  when there are any; accepted lines are typed again by each query that reads them. For a
  table later stages read once (pharmacy lines: paid per person and month), this costs less
  than a typed copy of every line.

Repeated keys are not looked for row by row: the loader's statistics count the distinct keys
in the same pass as everything else, and only when some key repeats does
:func:`with_duplicate_keys` find the repeats and reject them (``duplicate_key``).

Examples
--------
>>> import ibis
>>> from valuecase.data.contract import TABLES
>>> raw = ibis.memtable({"_file": ["f", "f"], "_row": [1, 2], "claim_id": ["C1", "C2"],
...                     "claim_line_number": ["1", "1"], "person_id": ["P1", " "],
...                     "dispensing_date": ["2020-01-02", "2020-01-03"],
...                     "paid_amount": ["5", "6"]})
>>> t, _ = checked_rows(raw, TABLES["pharmacy_claim"], {}, "rx")
>>> t.order_by("_row")._reason.to_pandas().tolist()
[None, 'missing:person_id']
>>> again, _ = checked_rows(raw.mutate(claim_id=ibis.literal("C1"), person_id=ibis.literal("P1")),
...                         TABLES["pharmacy_claim"], {}, "rx")
>>> t = with_duplicate_keys(None, again, TABLES["pharmacy_claim"])
>>> t.order_by("_row")._reason.to_pandas().tolist()
[None, 'duplicate_key']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir

from valuecase.data.contract import TableSpec
from valuecase.data.date_rules import NO_RULES, DateRules
from valuecase.data.duplicates import duplicate_rows, with_duplicates
from valuecase.data.enrollment import first_of_month, flag_in_enrollment
from valuecase.data.text_rules import amount_text_flags, typed_column
from valuecase.data.value_rules import value_rules
from valuecase.errors import ContractError

__all__ = ["CLAIMS", "DATE_FALLBACK", "checked_in_place", "checked_rows", "in_enrollment",
           "kept_in_place", "reason", "service_date", "service_source", "source_names",
           "typed_columns", "with_duplicate_keys", "with_service_month", "without_sentinels"]

CLAIMS = ("medical_claim", "pharmacy_claim")
"""The claims tables: lines placed in a service month, flagged in or outside enrollment."""
DATE_FALLBACK = {"claim_start_date": "claim_end_date", "dispensing_date": "paid_date"}
"""A claim's service date, and the date that stands in for it when blank."""

Probes = dict[str, ir.BooleanValue]


def source_names(raw: ir.Table, renames: dict[str, str]) -> dict[str, str]:
    """Contract (or pass-through) name -> source column; a contract column already present
    wins over one renamed to it."""
    source_cols = [c for c in raw.columns if c not in ("_file", "_row")]
    names: dict[str, str] = {}
    for col in source_cols:
        target = renames.get(col, col)
        if target in names and target in source_cols and col != target:
            continue
        names[target] = col
    return names


def service_source(table: str, names: Mapping[str, str]) -> tuple[str, str | None]:
    """The date a claim is placed by, and its fallback when present."""
    first = "claim_start_date" if table == "medical_claim" else "dispensing_date"
    fallback = DATE_FALLBACK[first]
    return first, (fallback if fallback in names else None)


def service_date(t: ir.Table, table: str, names: Mapping[str, str]) -> ir.DateValue:
    """The date a typed claim line is placed by (its fallback when blank)."""
    first, fallback = service_source(table, names)
    return t[first].fill_null(t[fallback]) if fallback else t[first]


def without_sentinels(value: ir.DateValue, rules: DateRules) -> ir.DateValue:
    """A date, blank where it is a placeholder."""
    if not rules.sentinels:
        return value
    return ibis.ifelse(value.isin(rules.sentinels), ibis.null("date"), value)


def typed_columns(raw: ir.Table, spec: TableSpec, renames: dict[str, str], label: str,
                  comma: ir.BooleanValue | None = None, rules: DateRules = NO_RULES
                  ) -> tuple[dict[str, str], dict[str, ir.Value], Probes, Probes]:
    """Source names, typed columns, parse probes (``_bad_`` flags by column) and flags
    (placeholder dates ``_sent_<column>``; amounts read from a float's residue
    ``_round_<column>``, refused as thousands groups of the decimal separator
    ``_amb_<column>``) of a source table; a missing required column stops here."""
    names = source_names(raw, renames)
    missing = [c for c in spec.required if c not in names]
    if missing:
        shown = [c for c in raw.columns if c not in ("_file", "_row")]
        raise ContractError(
            f"{label}: missing required column '{missing[0]}'"
            f"{' (after column mapping)' if renames else ''}; columns present: "
            f"{', '.join(shown[:12])}{' ...' if len(shown) > 12 else ''}")
    typed: dict[str, ir.Value] = {}
    probes: Probes = {}
    sentinel: Probes = {}
    for target, col in names.items():
        typed[target], bad = typed_column(raw[col], spec.kind(target), target, comma)
        if bad is not None:
            probes[target] = bad
        flags = amount_text_flags(raw[col], comma) if spec.kind(target) == "amount" else None
        if flags is not None:  # one predicate per value: the residue (rare) decides the rest
            sentinel[f"_round_{target}"] = flags[0]
            sentinel[f"_amb_{target}"] = ibis.ifelse(bad, flags[1], False)
        if spec.kind(target) == "date" and rules.sentinels:
            sentinel[f"_sent_{target}"] = typed[target].isin(rules.sentinels).fill_null(False)
            typed[target] = without_sentinels(typed[target], rules)
    return names, typed, probes, sentinel


def checked_rows(raw: ir.Table, spec: TableSpec, renames: dict[str, str], label: str,
                 comma: ir.BooleanValue | None = None, rules: DateRules = NO_RULES
                 ) -> tuple[ir.Table, Probes]:
    """Every row typed, with ``_file, _row``, ``_bad_<column>`` flags and ``_reason`` (claims
    also ``service_date`` and ``month``); repeated keys are left to
    :func:`with_duplicate_keys`."""
    names, typed, probes, sentinel = typed_columns(raw, spec, renames, label, comma, rules)
    t = raw.select("_file", "_row", **typed, **{f"_bad_{c}": b for c, b in probes.items()},
                   **sentinel)
    return _with_reason(t, spec, names, probes, rules), probes


def with_duplicate_keys(eng: Any, checked: ir.Table, spec: TableSpec) -> ir.Table:
    """``checked`` (rows of :func:`checked_rows` or :func:`checked_in_place`) with the rows
    that repeat a key rejected as ``duplicate_key``.

    Meant for a table where some key does repeat (the loader asks first, by counting the
    distinct keys with its statistics): the repeats
    (:func:`~valuecase.data.duplicates.duplicate_rows`) are computed once, narrow, into table
    ``duplicates_<table>`` (``eng=None``: left in the query). ``duplicate_key`` is the last
    reason :func:`reason` tries, so it goes to the rows that have no other.
    """
    dups = duplicate_rows(checked, spec.key)
    if eng is not None:
        dups = eng.materialize(dups, f"duplicates_{spec.name}")
    return _with_duplicate_reason(checked, spec, dups)


def in_enrollment(t: ir.Table, ranges: ir.Table | None) -> ir.Table:
    """Claim lines plus ``in_enrollment`` (false for all when there is no eligibility)."""
    return (flag_in_enrollment(t, ranges) if ranges is not None
            else t.mutate(in_enrollment=ibis.literal(False)))


def checked_in_place(raw: ir.Table, spec: TableSpec, renames: dict[str, str], label: str,
                     comma: ir.BooleanValue | None = None, rules: DateRules = NO_RULES
                     ) -> tuple[ir.Table, Probes, ir.Table]:
    """A claims table checked where it lies (see the module docstring): nothing is copied.

    Returns
    -------
    checked : ibis.Table
        Every row narrowed to the columns the reasons and the statistics read, with
        ``_reason`` and ``month`` (read once, by the loader's statistics; repeated keys are
        left to :func:`with_duplicate_keys`).
    probes : dict
        Column -> "had a value that did not parse".
    typed : ibis.Table
        Every row with every column typed, ``_file, _row``, ``service_date`` and ``month``:
        the accepted lines once :func:`kept_in_place` has left the rejected ones out.
    """
    names, typed, probes, sentinel = typed_columns(raw, spec, renames, label, comma, rules)
    # the reasons read the required, key and dated columns, not the free-text codes
    lean = {c: v for c, v in typed.items() if spec.kind(c) not in ("code", "string")
            or c in spec.required or c in spec.key or c in spec.values}
    t = raw.select("_file", "_row", **lean, **{f"_bad_{c}": b for c, b in probes.items()},
                   **sentinel)
    rows = with_service_month(raw.select("_file", "_row", **typed), spec.name, names)
    return _with_reason(t, spec, names, probes, rules), probes, rows


def kept_in_place(eng: Any, checked: ir.Table, typed: ir.Table, spec: TableSpec,
                  any_rejected: bool) -> tuple[ir.Table, ir.Table]:
    """The accepted lines (typed at each read) and the rejected rows (``_file, _row,
    _reason`` and, where the table has them, ``person_id`` and the money) of
    :func:`checked_in_place`: computed once into ``rejected_<table>`` when the statistics
    found any, else left as a query nobody runs."""
    listed = [c for c in ("person_id", spec.money) if c in checked.columns]
    rejected = checked.filter(checked._reason.notnull()).select("_file", "_row", "_reason",
                                                                *listed)
    if not any_rejected:
        return typed.drop("_file", "_row"), rejected
    rejected = eng.materialize(rejected, f"rejected_{spec.name}")
    keys = rejected.select(_kf="_file", _kr="_row")
    typed = typed.anti_join(keys, [typed._file == keys._kf, typed._row == keys._kr])
    return typed.drop("_file", "_row"), rejected


def _with_reason(t: ir.Table, spec: TableSpec, names: dict[str, str], probes: Probes,
                 rules: DateRules) -> ir.Table:
    t = t.mutate(_reason=reason(t, spec, names, probes, rules))
    return with_service_month(t, spec.name, names) if spec.name in CLAIMS else t


def _with_duplicate_reason(t: ir.Table, spec: TableSpec, dups: ir.Table) -> ir.Table:
    t = with_duplicates(t, spec.key, dups)
    dup = ibis.ifelse(t._dup > 0, "duplicate_key", ibis.null("string"))
    return t.mutate(_reason=t._reason.fill_null(dup))


def reason(t: ir.Table, spec: TableSpec, names: dict[str, str], probes: Probes,
           rules: DateRules = NO_RULES) -> ir.StringValue:
    """The first reason a row cannot be used (NULL when it can), but for a repeated key:
    ``duplicate_key``, the last reason, is given after it by :func:`with_duplicate_keys` to
    the rows that have no other."""
    cases = []

    def unparseable(col: str) -> None:
        if f"_amb_{col}" in t.columns:  # 1.500 where the point is the decimal separator
            cases.append((t[f"_amb_{col}"], "ambiguous_amount"))
        cases.append((t[f"_bad_{col}"], f"unparseable:{col}"))

    for col in spec.required:
        if col in probes:
            unparseable(col)
        if spec.kind(col) == "amount":
            continue  # a blank amount is legitimate (header-style payment on one line)
        if col == "enrollment_end_date":
            continue  # a blank end is an open span: closed at the end of the extract
        fallback = DATE_FALLBACK.get(col)
        if fallback and fallback in names:
            cases.append((t[col].isnull() & t[fallback].isnull(), f"missing:{col}"))
        else:
            cases.append((t[col].isnull(), f"missing:{col}"))
    for col in probes:
        if col not in spec.required:
            unparseable(col)
    if spec.name == "eligibility":
        cases.append((t.enrollment_end_date < t.enrollment_start_date, "end_before_start"))
        cases.append((t.enrollment_start_date > rules.today, "future_date"))
    if spec.name in CLAIMS:
        cases.append((service_date(t, spec.name, names) > rules.today, "future_date"))
    if "claim_end_date" in names and "claim_start_date" in names:
        cases.append((t.claim_end_date < t.claim_start_date, "end_before_start"))
    cases += value_rules(t, spec, names, rules.today)
    # a comparison with NULL is NULL, which no engine may read as true
    return ibis.cases(*[(cond.fill_null(False), why) for cond, why in cases],
                      else_=ibis.null("string"))


def with_service_month(t: ir.Table, table: str, names: Mapping[str, str]) -> ir.Table:
    """``service_date`` (see :func:`service_date`) and its ``month``."""
    date = service_date(t, table, names)
    return t.mutate(service_date=date, month=first_of_month(date))
