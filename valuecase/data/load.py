"""Load a data folder (or DataFrames) into the engine, validate it against the contract.

Files are read lazily by DuckDB (CSV with every column as text, so codes keep leading zeros, or
Parquet). Each row is typed; rows that cannot be used go to a **rejects** table with a reason code,
and a **reconciliation** table proves rows and paid amounts in = accepted + rejected. Problems that
make a whole file unusable (missing file, missing required column, unreadable file, a column whose
values cannot be parsed at all) raise :class:`~valuecase.errors.ContractError` with one clear line.

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
>>> data.rejects[["table", "reason"]].values.tolist()
[['medical_claim', 'unparseable:claim_start_date']]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from valuecase.data.contract import TABLES, TableSpec
from valuecase.data.mapping import ColumnMapping
from valuecase.errors import ContractError
from valuecase.trace import stage

DATE_FORMATS = ("%Y%m%d", "%m/%d/%Y")
"""Date formats tried after ISO ``YYYY-MM-DD``."""

_CODE_PAD = {"revenue_center_code": 4, "place_of_service_code": 2,
             "discharge_disposition_code": 2}
_SUFFIXES = (".csv", ".csv.gz", ".parquet")
_NATIVE = {"date": "DATE", "amount": ("DOUBLE", "DECIMAL", "FLOAT", "REAL"),
           "integer": ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT",
                       "UINTEGER")}
_NATIVE_CAST = {"date": "DATE", "amount": "DOUBLE", "integer": "BIGINT"}
_DATE_FALLBACK = {"claim_start_date": "claim_end_date", "dispensing_date": "paid_date"}


@dataclass(frozen=True)
class LoadedData:
    """Validated tables inside one DuckDB connection, plus rejects and reconciliation.

    Attributes
    ----------
    con : duckdb.DuckDBPyConnection
        Connection holding one table per contract table (accepted rows, typed).
    tables : tuple of str
        Contract tables present.
    rejects : pandas.DataFrame
        One row per rejected input row: ``table, row_number, reason, person_id, paid_amount``.
    reconciliation : pandas.DataFrame
        Per table: rows and paid amounts in, accepted, rejected, and (for claims) accepted but
        outside enrollment.
    sources : dict
        Table -> list of files read (empty for DataFrames).
    notes : tuple of str
        Things the loader did that a reader should know (e.g. open enrollment spans closed).
    """

    con: duckdb.DuckDBPyConnection
    tables: tuple[str, ...]
    rejects: pd.DataFrame
    reconciliation: pd.DataFrame
    sources: Mapping[str, tuple[Path, ...]]
    notes: tuple[str, ...] = ()

    def frame(self, table: str) -> pd.DataFrame:
        """Accepted rows of ``table`` as a pandas DataFrame."""
        if table not in self.tables:
            raise KeyError(f"no table {table!r} loaded (have: {', '.join(self.tables)})")
        return self.con.table(table).df()

    def ibis(self):
        """An Ibis backend on the same connection (for the engine-portable panel code)."""
        import ibis

        return ibis.duckdb.from_connection(self.con)


def find_table_files(data_dir: str | Path) -> dict[str, tuple[Path, ...]]:
    """Files for each contract table in ``data_dir``.

    A file belongs to table ``t`` when its name is ``t.csv``, ``t.parquet``, ``t.csv.gz`` or starts
    with ``t_`` (e.g. Tuva's ``eligibility_seed.csv``); a sub-folder named ``t`` holding Parquet
    parts also counts.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ContractError(f"{data_dir}: data folder not found")
    found: dict[str, list[Path]] = {}
    for path in sorted(data_dir.iterdir()):
        name = path.name
        if path.is_dir():
            parts = sorted(path.glob("*.parquet"))
            if name in TABLES and parts:
                found.setdefault(name, []).extend(parts)
            continue
        suffix = next((s for s in _SUFFIXES if name.endswith(s)), None)
        if suffix is None:
            continue
        stem = name[: -len(suffix)]
        for table in TABLES:
            if stem == table or stem.startswith(table + "_"):
                found.setdefault(table, []).append(path)
    return {t: tuple(p) for t, p in found.items()}


@stage("load")
def load(data_dir: str | Path, mapping: ColumnMapping | None = None) -> LoadedData:
    """Read and validate every contract table found in ``data_dir``.

    Parameters
    ----------
    data_dir : path
        Folder with files named by table (see :func:`find_table_files`).
    mapping : ColumnMapping, optional
        Renames of the user's columns to contract names.

    Returns
    -------
    LoadedData
    """
    files = find_table_files(data_dir)
    con = _connect()
    for table, paths in files.items():
        _create_raw_view(con, table, paths)
    return _validate_all(con, files, mapping or ColumnMapping(), data_dir=str(data_dir))


@stage("load")
def load_frames(frames: Mapping[str, pd.DataFrame],
                mapping: ColumnMapping | None = None) -> LoadedData:
    """Validate pandas DataFrames (one per contract table) the same way as files."""
    con = _connect()
    for table, df in frames.items():
        if table not in TABLES:
            raise ContractError(f"unknown table {table!r}; expected one of {', '.join(TABLES)}")
        con.register(f"_df_{table}", df)
        con.execute(f'CREATE VIEW "raw_{table}" AS SELECT * FROM "_df_{table}"')
    return _validate_all(con, {t: () for t in frames}, mapping or ColumnMapping(),
                         data_dir="DataFrames")


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")  # no terminal progress bars mid-report
    except duckdb.Error:  # inside Jupyter without ipywidgets DuckDB refuses the change
        pass
    return con


def _create_raw_view(con: duckdb.DuckDBPyConnection, table: str, paths: tuple[Path, ...]) -> None:
    names = ", ".join(_sql_str(str(p)) for p in paths)
    if paths[0].name.endswith(".parquet"):
        reader = f"read_parquet([{names}], union_by_name=true)"
    else:
        reader = (f"read_csv([{names}], all_varchar=true, header=true, union_by_name=true, "
                  "strict_mode=false)")
    try:
        con.execute(f'CREATE VIEW "raw_{table}" AS SELECT * FROM {reader}')
        con.execute(f'SELECT * FROM "raw_{table}" LIMIT 1').fetchall()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise ContractError(f"{_files_label(paths)}: cannot read file ({first})") from None


def _validate_all(con, files, mapping: ColumnMapping, data_dir: str) -> LoadedData:
    for table, spec in TABLES.items():
        if spec.is_required_table and table not in files:
            raise ContractError(
                f"{data_dir}: no {table} file (expected {table}.csv or {table}.parquet)"
            )
    order = [t for t in TABLES if t in files]
    rejects, recon, notes = [], [], []
    for table in order:
        rej, rec = _validate_table(con, TABLES[table], mapping.for_table(table),
                                   _files_label(files[table]) if files[table] else table)
        rejects.append(rej)
        recon.append(rec)
        if table == "eligibility":
            notes.extend(_close_open_spans(con))
    for table in ("medical_claim", "pharmacy_claim"):
        if table in order:
            i = order.index(table)
            out = con.execute(
                f'SELECT count(*), coalesce(sum(paid_amount), 0) FROM "{table}" '
                "WHERE NOT in_enrollment").fetchone()
            recon[i].update(rows_outside_enrollment=out[0], paid_outside_enrollment=out[1])
    rejects_df = (pd.concat(rejects, ignore_index=True) if rejects else
                  pd.DataFrame(columns=["table", "row_number", "reason", "person_id",
                                        "paid_amount"]))
    recon_df = pd.DataFrame(recon)
    for col in ("paid_in", "paid_accepted", "paid_rejected", "paid_outside_enrollment"):
        if col in recon_df:
            recon_df[col] = recon_df[col].astype(float).round(2)
    return LoadedData(con=con, tables=tuple(order), rejects=rejects_df,
                      reconciliation=recon_df, sources={t: tuple(files[t]) for t in order},
                      notes=tuple(notes))


def _validate_table(con, spec: TableSpec, renames: dict[str, str], label: str):
    raw = f'"raw_{spec.name}"'
    described = con.execute(f"DESCRIBE {raw}").fetchall()
    source_cols = [r[0] for r in described]
    source_types = {r[0]: str(r[1]).upper() for r in described}
    # apply the mapping; a contract column already present wins over a renamed one
    names: dict[str, str] = {}
    for col in source_cols:
        target = renames.get(col, col)
        if target in names and target in source_cols and col != target:
            continue
        names[target] = col
    missing = [c for c in spec.required if c not in names]
    if missing:
        hint = ""
        if renames:
            hint = " (after column mapping)"
        raise ContractError(
            f"{label}: missing required column '{missing[0]}'{hint}; "
            f"columns present: {', '.join(source_cols[:12])}{' ...' if len(source_cols) > 12 else ''}"
        )
    typed_exprs, checks = [], []
    for target, col in names.items():
        src = f'trim(CAST("{col}" AS VARCHAR))'
        src_null = f"nullif({src}, '')"
        kind = spec.kind(target)
        native = _NATIVE.get(kind)
        is_native = bool(native) and source_types[col].startswith(native)
        if is_native:
            expr = f'CAST("{col}" AS {_NATIVE_CAST[kind]})'  # already typed (Parquet)
        elif kind == "date":
            expr = "coalesce(TRY_CAST({s} AS DATE), {alts})".format(
                s=src_null,
                alts=", ".join(f"CAST(try_strptime({src_null}, '{f}') AS DATE)"
                               for f in DATE_FORMATS),
            )
        elif kind == "amount":
            expr = f"TRY_CAST(replace(replace({src_null}, '$', ''), ',', '') AS DOUBLE)"
        elif kind == "integer":
            expr = f"CAST(TRY_CAST({src_null} AS DOUBLE) AS BIGINT)"
        elif kind == "code":
            expr = _code_expr(target, src_null)
        else:
            expr = src_null
        typed_exprs.append(f'{expr} AS "{target}"')
        if kind in ("date", "amount", "integer") and not is_native:
            checks.append((target, src_null, expr))
        if target == "paid_amount":
            # paid as read, before any row is rejected (a typed column can be NULL only if blank)
            raw_paid = expr
    if "paid_amount" not in names:
        raw_paid = "NULL"
    # one pass: type every column, number the rows, flag duplicate keys, give the reject reason
    typed = (f"SELECT row_number() OVER () AS _row, {', '.join(typed_exprs)}, "
             f"{raw_paid} AS _paid_in"
             + "".join(f', {s} AS "_raw_{t}"' for t, s, _ in checks) + f" FROM {raw}")
    extra = ""
    if spec.key:
        keys = ", ".join(f'"{k}"' for k in spec.key)
        extra = f", row_number() OVER (PARTITION BY {keys} ORDER BY _row) AS _dup"
    reason = _reject_reason_sql(spec, names, checks)
    con.execute(
        f'CREATE OR REPLACE TEMP TABLE "checked_{spec.name}" AS '
        f"SELECT *, {reason} AS _reason FROM (SELECT *{extra} FROM ({typed}))"
    )
    _check_parseable(con, spec, checks, label)
    keep = ", ".join(f'c."{t}"' for t in names)
    if spec.name in ("medical_claim", "pharmacy_claim"):
        _write_claims(con, spec.name, keep, names)
    else:
        con.execute(f'CREATE OR REPLACE TABLE "{spec.name}" AS SELECT {keep} '
                    f'FROM "checked_{spec.name}" c WHERE c._reason IS NULL')
    pid = '"person_id"' if "person_id" in names else "NULL"
    rejects = con.execute(
        f"SELECT '{spec.name}' AS \"table\", _row AS row_number, _reason AS reason, "
        f'{pid} AS person_id, _paid_in AS paid_amount FROM "checked_{spec.name}" '
        "WHERE _reason IS NOT NULL ORDER BY _row"
    ).df()
    r = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE _reason IS NULL), "
        "count(*) FILTER (WHERE _reason IS NOT NULL), coalesce(sum(_paid_in), 0), "
        "coalesce(sum(_paid_in) FILTER (WHERE _reason IS NULL), 0), "
        "coalesce(sum(_paid_in) FILTER (WHERE _reason IS NOT NULL), 0) "
        f'FROM "checked_{spec.name}"'
    ).fetchone()
    recon = dict(table=spec.name, source=label, rows_in=r[0], rows_accepted=r[1],
                 rows_rejected=r[2])
    if "paid_amount" in names:
        recon.update(paid_in=r[3], paid_accepted=r[4], paid_rejected=r[5])
    return rejects, recon


def _code_expr(target: str, src: str) -> str:
    pad = _CODE_PAD.get(target)
    if pad:
        return (f"CASE WHEN regexp_matches({src}, '^[0-9]+$') AND length({src}) < {pad} "
                f"THEN lpad({src}, {pad}, '0') ELSE {src} END")
    if target == "bill_type_code":
        return (f"CASE WHEN length({src}) = 4 AND starts_with({src}, '0') "
                f"THEN substr({src}, 2) ELSE {src} END")
    return src


def _check_parseable(con, spec: TableSpec, checks, label: str) -> None:
    """Stop when a typed column has values but (almost) none of them parse."""
    if not checks:
        return
    parts = ", ".join(
        f'count("_raw_{t}"), count("_raw_{t}") FILTER (WHERE "{t}" IS NULL), '
        f'min("_raw_{t}") FILTER (WHERE "{t}" IS NULL)'
        for t, _, _ in checks
    )
    row = con.execute(f'SELECT {parts} FROM "checked_{spec.name}"').fetchone()
    for i, (target, _, _) in enumerate(checks):
        n, bad, example = row[3 * i: 3 * i + 3]
        if n and bad > 0.5 * n:
            kind = spec.kind(target)
            raise ContractError(
                f"{label}: column '{target}' cannot be read as {kind} "
                f"({bad:,} of {n:,} values, e.g. {example!r})"
            )


def _reject_reason_sql(spec: TableSpec, names: dict[str, str], checks) -> str:
    whens = []
    for col in spec.required:
        whens.append((f'"{col}" IS NULL AND "_raw_{col}" IS NOT NULL'
                      if any(t == col for t, _, _ in checks) else None, f"unparseable:{col}"))
        if spec.kind(col) == "amount":
            continue  # a blank amount is legitimate (header-style payment on one line)
        if col == "enrollment_end_date":
            continue  # a blank end is an open span: closed at the end of the extract below
        fallback = _DATE_FALLBACK.get(col)
        if fallback and fallback in names:
            whens.append((f'"{col}" IS NULL AND "{fallback}" IS NULL', f"missing:{col}"))
        else:
            whens.append((f'"{col}" IS NULL', f"missing:{col}"))
    for t, _, _ in checks:
        if t not in spec.required:
            whens.append((f'"{t}" IS NULL AND "_raw_{t}" IS NOT NULL', f"unparseable:{t}"))
    if spec.name == "eligibility":
        whens.append(('"enrollment_end_date" < "enrollment_start_date"', "end_before_start"))
    if "claim_end_date" in names and "claim_start_date" in names:
        whens.append(('"claim_end_date" < "claim_start_date"', "end_before_start"))
    if spec.key:
        whens.append(("_dup > 1", "duplicate_key"))
    body = " ".join(f"WHEN {cond} THEN '{reason}'" for cond, reason in whens if cond)
    return f"CASE {body} ELSE NULL END"


def _close_open_spans(con) -> list[str]:
    """Enrollment spans with a blank end date run to the last date of the eligibility extract."""
    n, end = con.execute(
        "SELECT count(*) FILTER (WHERE enrollment_end_date IS NULL), "
        "max(greatest(enrollment_start_date, coalesce(enrollment_end_date, "
        "enrollment_start_date))) FROM eligibility").fetchone()
    if not n:
        return []
    con.execute("UPDATE eligibility SET enrollment_end_date = ? "
                "WHERE enrollment_end_date IS NULL", [end])
    return [f"{n:,} enrollment span(s) had no end date and were treated as open through "
            f"{end:%Y-%m-%d}, the last date in the eligibility file"]


def _write_claims(con, table: str, keep: str, names: dict[str, str]) -> None:
    """Write accepted claim lines with ``service_date``, ``month`` and ``in_enrollment``.

    ``in_enrollment``: the service month is a member month of the person (Tuva's any-day rule),
    found by a hash join on the distinct enrolled (person, month) pairs.
    """
    first = "claim_start_date" if table == "medical_claim" else "dispensing_date"
    fallback = _DATE_FALLBACK[first]
    date_expr = f"coalesce(c.{first}, c.{fallback})" if fallback in names else f"c.{first}"
    con.execute(
        "CREATE TEMP TABLE IF NOT EXISTS _member_months AS SELECT DISTINCT person_id, "
        "CAST(unnest(generate_series(date_trunc('month', enrollment_start_date), "
        "enrollment_end_date, INTERVAL 1 MONTH)) AS DATE) AS month FROM eligibility"
    )
    con.execute(
        f'CREATE OR REPLACE TABLE "{table}" AS SELECT {keep}, {date_expr} AS service_date, '
        f"CAST(date_trunc('month', {date_expr}) AS DATE) AS month, "
        "mm.person_id IS NOT NULL AS in_enrollment "
        f'FROM "checked_{table}" c LEFT JOIN _member_months mm '
        f"ON mm.person_id = c.person_id AND mm.month = CAST(date_trunc('month', {date_expr}) "
        "AS DATE) WHERE c._reason IS NULL"
    )


def _files_label(paths) -> str:
    if not paths:
        return "?"
    if len(paths) == 1:
        return str(paths[0])
    return f"{paths[0]} (+{len(paths) - 1} more)"


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
