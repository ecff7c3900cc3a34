"""Load a data folder (or DataFrames) on an engine and validate it against the contract.

Written once as Ibis expressions over an engine adapter (:mod:`valuecase.data.engines`):
DuckDB embedded by default, Apache Spark with ``engine="spark"`` or a ``SparkSession``. Both
give the same accepted rows, the same rejects and the same reconciliation.

Files are read with every CSV column as text (codes keep leading zeros) or as Parquet stores
them. Each value is typed by the explicit rules of :mod:`valuecase.data.text_rules` — never by
an engine's lenient cast — and money is exact ``DECIMAL(18, 2)``. Rows that cannot be used go
to **rejects** with a reason code and their identity ``(file, row_number)`` (the 1-based line
of the file); **reconciliation** proves rows and paid amounts in = accepted + rejected.
Problems that make a whole file unusable (missing file or required column, unreadable file, a
column whose values cannot be parsed at all) raise :class:`~valuecase.errors.ContractError`
with one clear line.

Examples
--------
>>> import pandas as pd
>>> elig = pd.DataFrame({"person_id": ["P1"], "enrollment_start_date": ["2020-01-01"],
...                      "enrollment_end_date": ["2020-12-31"]})
>>> med = pd.DataFrame({"claim_id": ["C1", "C2"], "claim_line_number": ["1", "1"],
...                     "person_id": ["P1", "P1"], "claim_type": ["professional"] * 2,
...                     "claim_start_date": ["2020-03-02", "not a date"],
...                     "paid_amount": ["10.5", "4"]})
>>> data = load_frames({"eligibility": elig, "medical_claim": med})
>>> data.rejects[["table", "row_number", "reason"]].values.tolist()
[['medical_claim', 2, 'unparseable:claim_start_date']]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from valuecase.data.contract import TABLES, TableSpec
from valuecase.data.date_rules import (
    NO_RULES,
    DateRules,
    close_open_spans,
    coverage_notes,
    sentinel_notes,
)
from valuecase.data.engines import Engine, get_engine
from valuecase.data.enrollment import (
    ENROLLED_RANGES,
    MEMBER_MONTHS,
    enrolled_ranges,
    flag_in_enrollment,
    months_of_ranges,
)
from valuecase.data.files import engine_message, file_names, files_label, find_table_files
from valuecase.data.layouts import Layout, get_layout
from valuecase.data.layouts.base import NO_COST_DATA
from valuecase.data.mapping import ColumnMapping
from valuecase.data.reconciliation import (
    REJECT_COLUMNS,
    reconciliation_row,
    rejected_rows,
    rounded_by_file,
    rounded_notes,
)
from valuecase.data.row_checks import (
    CLAIMS,
    checked_in_place,
    checked_rows,
    in_enrollment,
    kept_in_place,
    service_source,
    source_names,
    with_duplicate_keys,
    without_sentinels,
)
from valuecase.data.text_rules import typed_column
from valuecase.errors import ContractError
from valuecase.trace import stage

__all__ = ["REJECT_COLUMNS", "LoadedData", "find_table_files", "load", "load_frames"]

_REJECT_DTYPES = {"row_number": "int64", "paid_amount": "float64"}
_READ_IN_PLACE = ("pharmacy_claim",)
"""Claims tables left in their Parquet files on DuckDB (only their rejected rows are kept):
the panel reads pharmacy lines once, where it reads medical lines four times (claim flags,
service categories, stays, ED visits) and one typed copy of those costs less than typing them
again at each read (README, "Engines and scale")."""
_HELPERS = ("_file", "_row", "_dup", "_reason", "in_enrollment")


@dataclass(frozen=True)
class LoadedData:
    """Validated tables on one engine, plus rejects and reconciliation.

    Attributes
    ----------
    engine : DuckDBEngine or SparkEngine
        The engine holding one table per contract table (accepted rows, typed), by name.
    tables : tuple of str
        Contract tables present.
    rejects : pandas.DataFrame
        One row per rejected input row: :data:`REJECT_COLUMNS`, in file and line order.
    reconciliation : pandas.DataFrame
        Per table: rows and paid amounts in, accepted, rejected, and (for claims) accepted but
        outside enrollment. Amounts are exact decimal sums, shown as numbers of cents.
    sources : dict
        Table -> files read (empty for DataFrames).
    notes : tuple of str
        Things the loader did that a reader should know (e.g. open enrollment spans closed).
    exact_reconciliation : tuple of dict
        The reconciliation per table with exact ``Decimal`` money, as ``validate`` prints it
        (``--json``): the columns of :attr:`reconciliation` plus ``files``,
        ``rejected_by_reason`` (reason -> rows, paid of the rows with a number, rows whose
        amount has no reading) and ``values_rounded`` (file -> column -> values read from a
        float's residue).
    """

    engine: Engine
    tables: tuple[str, ...]
    rejects: pd.DataFrame
    reconciliation: pd.DataFrame
    sources: Mapping[str, tuple[Path, ...]]
    notes: tuple[str, ...] = ()
    exact_reconciliation: tuple[dict[str, Any], ...] = ()

    def table(self, table: str) -> ir.Table:
        """Accepted rows of ``table`` as an Ibis table on the engine."""
        if table not in self.tables:
            raise KeyError(f"no table {table!r} loaded (have: {', '.join(self.tables)})")
        return self.engine.backend.table(table)

    @property
    def paid_amounts_known(self) -> bool:
        """False when the source feed has no paid amounts (a layout's :data:`~valuecase.data.
        layouts.base.NO_COST_DATA` note): its paid 0s are placeholders, not money."""
        return not any(note.startswith(NO_COST_DATA) for note in self.notes)

    def frame(self, table: str) -> pd.DataFrame:
        """Accepted rows of ``table`` as pandas (money as float: for small tables only)."""
        df = self.table(table).to_pyarrow().to_pandas()
        for col, dtype in self.table(table).schema().items():
            if dtype.is_decimal():
                df[col] = df[col].astype("float64")
        return df

    def with_enrollment(self, table: str) -> ir.Table:
        """Accepted claim lines of ``table`` plus ``in_enrollment`` (their service month is
        a member month of the person)."""
        ranges = self.engine.backend.table(ENROLLED_RANGES)
        return flag_in_enrollment(self.table(table), ranges)

    def ibis(self) -> Any:
        """The Ibis backend holding the tables (for the engine-portable panel code)."""
        return self.engine.backend


@stage("load")
def load(data_dir: str | Path, mapping: ColumnMapping | None = None,
         engine: str | Engine | Any = "duckdb",
         decimal_separator: str | None = None,
         date_sentinels: Sequence[str] | None = None,
         layout: str | Layout = "tuva") -> LoadedData:
    """Read and validate every contract table found in ``data_dir``.

    Parameters
    ----------
    data_dir : path
        Folder of source files: contract tables (see :func:`find_table_files`) for the
        ``tuva`` layout, or a layout's own files.
    mapping : ColumnMapping, optional
        Renames of the user's columns to contract names (``tuva`` layout only); its
        ``decimal_separator``, when set, applies unless ``decimal_separator`` is given.
    engine : str, engine adapter or SparkSession
        ``"duckdb"`` (default), ``"spark"``, an adapter from :func:`~valuecase.data.engines.
        get_engine`, or an existing ``SparkSession``.
    decimal_separator : {".", ","}, optional
        The decimal separator of amounts in CSV files; by default detected per file
        (:func:`valuecase.data.csv_files.detect_decimal`).
    date_sentinels : sequence of str, optional
        Placeholder dates read as blank (default :data:`DATE_SENTINELS`).
    layout : str or layout, default "tuva"
        The source format (:mod:`valuecase.data.layouts`): ``tuva``, ``desynpuf`` or
        ``synthea``, ``omop``. Converted rows are validated, rejected and reconciled like any other.

    Returns
    -------
    LoadedData
    """
    if decimal_separator not in (None, ".", ","):
        raise ContractError(f"decimal_separator must be '.' or ',', got {decimal_separator!r}")
    if decimal_separator is None and mapping is not None:
        decimal_separator = mapping.decimal_separator  # a mapping file may say it
    lay = get_layout(layout)
    if lay.name != "tuva" and mapping is not None and (mapping.global_renames
                                                        or mapping.table_renames):
        raise ContractError(f"a column mapping applies to the tuva layout only; the {lay.name} "
                            "layout maps its own columns")
    eng = get_engine(engine)
    conv = lay.convert(eng, Path(data_dir), mapping=mapping,
                       decimal_separator=decimal_separator)
    _require_tables(conv.raw, str(data_dir))
    return _validate_all(eng, dict(conv.raw), conv.files, mapping or ColumnMapping(),
                         conv.decimals, list(conv.notes), DateRules.of(date_sentinels))


@stage("load")
def load_frames(frames: Mapping[str, pd.DataFrame], mapping: ColumnMapping | None = None,
                engine: str | Engine | Any = "duckdb",
                date_sentinels: Sequence[str] | None = None) -> LoadedData:
    """Validate pandas DataFrames (one per contract table) the same way as files."""
    for table in frames:
        if table not in TABLES:
            raise ContractError(f"unknown table {table!r}; expected one of {', '.join(TABLES)}")
    _require_tables(frames, "DataFrames")
    eng = get_engine(engine)
    raw = {t: eng.read_frame(t, df) for t, df in frames.items()}
    return _validate_all(eng, raw, {t: () for t in frames}, mapping or ColumnMapping(),
                         rules=DateRules.of(date_sentinels))


def _require_tables(found: Mapping[str, Any], where: str) -> None:
    for table, spec in TABLES.items():
        if spec.is_required_table and table not in found:
            raise ContractError(
                f"{where}: no {table} file (expected {table}.csv or {table}.parquet)")


def _validate_all(eng: Engine, raw: dict[str, ir.Table], files, mapping: ColumnMapping,
                  decimals: Mapping[str, set[str]] | None = None,
                  notes: list[str] | None = None,
                  rules: DateRules = NO_RULES) -> LoadedData:
    order = [t for t in TABLES if t in raw]
    rejects, recon, exact, notes = [], [], [], list(notes or [])
    enrolled = ranges = None
    claim_months: list[dt.date] = []
    for table in order:
        spec = TABLES[table]
        label = files_label(files[table]) if files[table] else table
        renames = mapping.for_table(table)
        comma_files = sorted((decimals or {}).get(table, ()))
        comma = raw[table]._file.isin(comma_files) if comma_files else None
        in_place = table in _READ_IN_PLACE and eng.reads_lazily(files[table])
        try:
            if in_place:  # only the rejected rows are kept
                checked, probes, typed = checked_in_place(raw[table], spec, renames, label,
                                                          comma, rules)
            else:  # a typed copy (claims in no particular order: nothing reads them in order)
                checked, probes = checked_rows(raw[table], spec, renames, label, comma, rules)
                checked = eng.materialize(checked, f"checked_{table}",
                                          ordered=table not in CLAIMS)
            checked, stats = _checked_stats(eng, checked, spec, probes, ranges, rules)
            if in_place:
                accepted, bad = kept_in_place(eng, checked, typed, spec,
                                              stats["rows_accepted"] < stats["rows_in"])
            else:
                bad = checked
                accepted = checked.filter(checked._reason.isnull()).drop(*_helpers(checked))
        except ContractError:
            raise
        except Exception as exc:  # a problem deep in a file that the engine met first
            raise ContractError(f"{label}: cannot read file ({engine_message(exc)})") from None
        _check_parseable(raw[table], spec, renames, probes, stats, label, comma)
        notes.extend(sentinel_notes(file_names(files[table]) or table, stats, rules))
        if table == "eligibility":
            accepted, note = close_open_spans(
                accepted, stats, rules, lambda: _latest_service_date(raw, mapping, rules))
            notes.extend(note)
            # a view of the typed copy; the ranges and member months are computed once
            accepted = eng.create_view(accepted, "eligibility")
            ranges = eng.materialize(enrolled_ranges(accepted), ENROLLED_RANGES)
            enrolled = eng.materialize(months_of_ranges(ranges), MEMBER_MONTHS)
        else:
            eng.create_view(accepted, table)
        if comma_files:
            notes.append(f"{', '.join(comma_files)}: amounts read with a decimal comma "
                         "(100,10 is 100.10; a point separates thousands)")
        rounded = rounded_by_file(checked, stats)
        notes.extend(rounded_notes(table, rounded))
        by_reason: dict[str, dict[str, Any]] = {}
        if stats["rows_accepted"] < stats["rows_in"]:  # no query for a table without any
            listed, by_reason = rejected_rows(bad, table)
            rejects.append(listed)
        exact_rec = reconciliation_row(table, label, stats)
        exact_rec.update(files=[Path(f).name for f in files[table]] or [table],
                         rejected_by_reason=by_reason, values_rounded=rounded)
        exact.append(exact_rec)
        recon.append({k: (float(v) if isinstance(v, Decimal) else v)
                      for k, v in exact_rec.items()
                      if k not in ("files", "rejected_by_reason", "values_rounded")})
        if stats.get("first_month") is not None:  # a date, or a timestamp on some engines
            claim_months.extend(pd.Timestamp(stats[k]).date()
                                for k in ("first_month", "last_month"))
    if enrolled is not None and claim_months:
        notes.extend(coverage_notes(enrolled, min(claim_months), max(claim_months)))
    rejects_df = (pd.concat(rejects, ignore_index=True) if rejects
                  else pd.DataFrame({c: pd.Series(dtype=_REJECT_DTYPES.get(c, "object"))
                                     for c in REJECT_COLUMNS}))
    return LoadedData(engine=eng, tables=tuple(order), rejects=rejects_df,
                      reconciliation=pd.DataFrame(recon),
                      sources={t: tuple(files[t]) for t in order}, notes=tuple(notes),
                      exact_reconciliation=tuple(exact))


def _helpers(t: ir.Table) -> list[str]:
    return [c for c in t.columns
            if c in _HELPERS or c.startswith(("_bad_", "_sent_", "_round_", "_amb_"))]


def _latest_service_date(raw: Mapping[str, ir.Table], mapping: ColumnMapping,
                         rules: DateRules) -> dt.date | None:
    """The last claim date on or before today (placeholders and unreadable dates aside): the
    end of the data, beyond which no enrollment month is counted."""
    latest = []
    for table in CLAIMS:
        if table not in raw:
            continue
        names = source_names(raw[table], mapping.for_table(table))
        first, fallback = service_source(table, names)
        if first not in names:
            continue  # the missing column is reported when the table is checked
        dates = [without_sentinels(typed_column(raw[table][names[c]], "date", c)[0], rules)
                 for c in (first, fallback) if c]
        date = dates[0].fill_null(dates[1]) if len(dates) > 1 else dates[0]
        value = raw[table].aggregate(v=date.max(where=date <= rules.today)).to_pyarrow()
        found = value.to_pylist()[0]["v"]
        if found is not None:
            latest.append(found)
    return max(latest) if latest else None


def _checked_stats(eng: Engine, checked: ir.Table, spec: TableSpec, probes,
                   ranges: ir.Table | None, rules: DateRules
                   ) -> tuple[ir.Table, dict[str, Any]]:
    """``checked`` and its :func:`_table_stats`; when some key repeats (its distinct keys,
    counted in the same pass, are fewer than its rows), ``checked`` with the repeats rejected
    (:func:`~valuecase.data.row_checks.with_duplicate_keys`), counted again."""
    def count(t: ir.Table, keys: Sequence[str]) -> dict[str, Any]:
        return _table_stats(in_enrollment(t, ranges) if spec.name in CLAIMS else t, spec,
                            probes, keys, rules)

    keys = spec.key if all(k in checked.columns for k in spec.key) else ()
    stats = count(checked, keys)
    if stats.pop("distinct_keys", stats["rows_in"]) < stats["rows_in"]:
        checked = with_duplicate_keys(eng, checked, spec)
        stats = count(checked, ())
    return checked, stats


def _table_stats(checked: ir.Table, spec: TableSpec, probes, keys: Sequence[str] = (),
                 rules: DateRules = NO_RULES) -> dict[str, Any]:
    """Counts and exact sums for reconciliation and parse checks, in one pass; with ``keys``
    also ``distinct_keys``, the number of distinct values of those columns together."""
    ok = checked._reason.isnull()
    agg: dict[str, ir.Value] = {"rows_in": checked.count(),
                                "rows_accepted": checked._row.count(where=ok)}
    if spec.money in checked.columns:  # paid_amount; a partner service's cost
        paid = checked[spec.money]
        agg.update(paid_in=paid.sum(), paid_accepted=paid.sum(where=ok))
    if "month" in checked.columns:
        agg.update(first_month=checked.month.min(where=ok), last_month=checked.month.max(where=ok))
    if "in_enrollment" in checked.columns:
        out = ok & ~checked.in_enrollment
        agg["rows_outside_enrollment"] = checked._row.count(where=out)
        if "paid_amount" in checked.columns:
            agg["paid_outside_enrollment"] = checked.paid_amount.sum(where=out)
    for col in probes:
        agg[f"filled_{col}"] = checked[col].count() + checked[f"_bad_{col}"].cast("int64").sum()
        agg[f"bad_{col}"] = checked[f"_bad_{col}"].cast("int64").sum()
    for col in [c for c in checked.columns if c.startswith("_sent_")]:
        agg[f"sentinel{col[5:]}"] = checked._row.count(where=checked[col])
    for col in [c for c in checked.columns if c.startswith("_round_")]:
        agg[f"rounded{col[6:]}"] = checked._row.count(where=checked[col])
        agg[f"ambiguous_{col[7:]}"] = checked._row.count(where=checked[f"_amb_{col[7:]}"])
    if spec.money in probes:  # rows whose amount has no reading at all
        agg["rows_amount_unread"] = checked._row.count(where=checked[f"_bad_{spec.money}"])
    if spec.name == "eligibility":
        end, start = checked.enrollment_end_date, checked.enrollment_start_date
        agg["open_spans"] = checked._row.count(where=ok & end.isnull())
        agg["last_date"] = ibis.greatest(start, end.fill_null(start)).max(where=ok)
        agg["ends_after_today"] = checked._row.count(where=ok & (end > rules.today))
    if keys:
        agg["distinct_keys"] = ibis.struct({k: checked[k] for k in keys}).nunique()
    row = checked.aggregate(**agg).to_pyarrow().to_pylist()[0]
    return {k: (_cents(v) if k.startswith("paid_") else v) for k, v in row.items()}


def _cents(value: Any) -> Decimal:
    return Decimal(0).quantize(Decimal("0.01")) if value is None else Decimal(value)


def _check_parseable(raw: ir.Table, spec: TableSpec, renames: dict[str, str], probes,
                     stats, label: str, comma: ir.BooleanValue | None = None) -> None:
    """Stop when a typed column has values but (almost) none of them parse; the message
    names the first such line, never its value (values can be personal data)."""
    for col in probes:
        n, bad = stats[f"filled_{col}"] or 0, stats[f"bad_{col}"] or 0
        if n and bad > 0.5 * n:
            source = source_names(raw, renames)[col]
            _, unparsed = typed_column(raw[source], spec.kind(col), col, comma)
            first = (raw.filter(unparsed).order_by(["_file", "_row"])
                     .select("_file", "_row").limit(1).to_pyarrow().to_pylist())
            where = (f"; the first is data row {first[0]['_row']} of {first[0]['_file']}"
                     if first else "")
            if (stats.get(f"ambiguous_{col}") or 0) > 0.5 * bad:
                raise ContractError(
                    f"{label}: column '{col}': {stats[f'ambiguous_{col}']:,} of {n:,} values are "
                    f"whole amounts in thousands groups of the decimal separator (such as "
                    f"'1.500' where the point is the decimal{where}); set "
                    "--decimal-separator (or decimal_separator:) to say which one the file uses")
            raise ContractError(
                f"{label}: column '{col}' cannot be read as {spec.kind(col)} "
                f"({bad:,} of {n:,} values{where}; accepted formats: README, 'Data contract')")
