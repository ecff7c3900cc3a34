"""Which files hold which table, and what is wrong with a file before an engine reads it.

A table is **one** file named by it or a folder of its parts (:func:`find_table_files`); each
CSV file is checked end to end by :mod:`valuecase.data.csv_files`; an engine's own error is cut
to one line without the data it quotes (:func:`engine_message`). Messages and notes name files,
never rows; notes name files without their folder, since notes reach reports.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "eligibility_seed.csv").write_text("person_id\\nP1\\n")
>>> {t: [p.name for p in ps] for t, ps in find_table_files(d).items()}
{'eligibility': ['eligibility_seed.csv']}
>>> sorted(["part10.csv", "part2.csv", "part1.csv"], key=natural_key)
['part1.csv', 'part2.csv', 'part10.csv']
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import ibis
import ibis.expr.types as ir

from valuecase.data.contract import TABLES
from valuecase.data.csv_files import (
    CsvInfo,
    check_header,
    inspect_csv,
    open_text,
    parse_header,
)
from valuecase.data.mapping import ColumnMapping
from valuecase.errors import ContractError

__all__ = ["TABLE_SUFFIXES", "csv_header", "engine_message", "file_names", "files_label",
           "file_order", "find_table_files", "inspect_table_csvs", "is_parquet_path",
           "natural_key", "table_suffix"]

TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet")
"""File endings read as tables."""


def find_table_files(data_dir: str | Path) -> dict[str, tuple[Path, ...]]:
    """Files for each contract table in ``data_dir``.

    A table is **one** file named ``t.csv``, ``t.csv.gz``, ``t.parquet`` or starting with
    ``t_`` (Tuva's ``eligibility_seed.csv``), or a sub-folder ``t/`` whose CSV or Parquet files
    are the parts of one table, read in natural order (:func:`natural_key`: ``part2`` before
    ``part10``). Two files that could both be table ``t``
    (``medical_claim.csv`` beside ``medical_claim_old.csv``) are ambiguous and stop the run:
    nothing is merged without being asked for.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ContractError(f"{data_dir}: data folder not found")
    found: dict[str, list[Path]] = {}
    folders: dict[str, list[Path]] = {}
    for path in sorted(data_dir.iterdir()):
        name = path.name
        if path.is_dir():
            if name in TABLES:
                parts = sorted((p for p in path.iterdir()
                                if p.is_file() and table_suffix(p.name)),
                               key=lambda p: (natural_key(p.name), p.name))
                kinds = {is_parquet_path(p) for p in parts}
                if len(kinds) > 1:
                    raise ContractError(f"{name}/: mixes CSV and Parquet parts; use one format")
                if parts:
                    folders[name] = parts
            continue
        suffix = table_suffix(name)
        if suffix is None:
            continue
        stem = name[: -len(suffix)]
        for table in TABLES:
            if stem == table or stem.startswith(table + "_"):
                found.setdefault(table, []).append(path)
    for table, paths in found.items():
        if len(paths) > 1 or table in folders:
            names = [p.name for p in paths] + ([f"{table}/"] if table in folders else [])
            raise ContractError(
                f"{data_dir.name}: {len(names)} files could each be {table} "
                f"({', '.join(names)}); keep one, or put the parts of one table in a folder "
                f"named {table}/")
    return {t: tuple(p) for t, p in {**found, **folders}.items()}


def table_suffix(name: str) -> str | None:
    return next((s for s in TABLE_SUFFIXES if name.endswith(s)), None)


def inspect_table_csvs(table: str, paths, mapping: ColumnMapping,
                       decimal: str | None) -> list[CsvInfo]:
    """:func:`~valuecase.data.csv_files.inspect_csv` for each CSV file of ``table``."""
    if is_parquet_path(paths[0]):
        for path in paths:
            columns = parquet_columns(path)
            check_header(columns, str(path))
            mapping.check_columns(table, columns, str(path))
        return []
    spec, renames = TABLES[table], mapping.for_table(table)
    out = []
    for path in paths:
        amounts = [c for c in csv_header(path) if spec.kind(renames.get(c, c)) == "amount"]
        info = inspect_csv(path, amounts, decimal)
        mapping.check_columns(table, info.columns, str(path))
        out.append(info)
    return out


def parquet_columns(path: Path) -> list[str]:
    """Column names of a Parquet file (read from its footer; an unreadable file gives none:
    the engine then says what is wrong)."""
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except Exception:  # noqa: BLE001 - any reason the footer cannot be read
        return []


def csv_header(path: Path) -> list[str]:
    try:
        with open_text(path) as fh:
            first = fh.readline()
        return parse_header(first)[1]
    except (OSError, UnicodeDecodeError, EOFError, csv.Error):
        return []  # inspect_csv says what is wrong


_NATURAL_RUNS = 3
"""Digit runs of a file name compared as numbers (the rest of the name compares as text)."""
_NATURAL_WIDTH = 30
# digit runs of at most 30 digits (lpad shortens a longer text on Spark, not on DuckDB)
_NATURAL_PATTERN = r"^(\D*)(\d{0,30})(\D*)(\d{0,30})(\D*)(\d{0,30})([\s\S]*)$"


def natural_key(name: str) -> str:
    """The text a file name sorts by in natural order: its first three runs of digits padded
    to 30 digits, so ``part2`` sorts before ``part10``. :func:`file_order` computes the same
    text on an engine, so the order a table's parts are listed in is the order their rows are
    read in (which row of a repeated claim key comes first).

    Examples
    --------
    >>> natural_key("part2.csv") < natural_key("part10.csv")
    True
    """
    groups = re.match(_NATURAL_PATTERN, name, flags=re.ASCII).groups()
    return "".join(g.rjust(_NATURAL_WIDTH, "0") if i % 2 else g
                   for i, g in enumerate(groups))


def file_order(file: ir.StringValue) -> ir.StringValue:
    """:func:`natural_key` of a ``_file`` column, as an engine expression (DuckDB and Spark
    give the same text: regular expressions without back-references, ``lpad``)."""
    parts = []
    for i in range(1, 2 * _NATURAL_RUNS + 2):
        group = file.re_extract(_NATURAL_PATTERN, i)
        parts.append(group.lpad(_NATURAL_WIDTH, "0") if i % 2 == 0 else group)
    return ibis.literal("").concat(*parts)


def is_parquet_path(path: Path) -> bool:
    return Path(path).name.endswith(".parquet")


def engine_message(exc: BaseException) -> str:
    """An engine's error in one line without the data it quotes (DuckDB and Spark may print
    the offending row, which can hold personal data)."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    for marker in ("Original Line", "Row:", "row:", "value "):
        first = first.split(marker)[0]
    return first.strip()[:200] or type(exc).__name__


def file_names(paths) -> str:
    """File names without their folder: notes reach reports, which never show machine paths."""
    return ", ".join(Path(p).name for p in paths)


def files_label(paths) -> str:
    if not paths:
        return "?"
    if len(paths) == 1:
        return str(paths[0])
    return f"{paths[0]} (+{len(paths) - 1} more)"
