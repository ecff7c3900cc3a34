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
"""

from __future__ import annotations

from pathlib import Path

from valuecase.data.contract import TABLES
from valuecase.data.csv_files import CsvInfo, inspect_csv, parse_header
from valuecase.data.mapping import ColumnMapping
from valuecase.errors import ContractError

__all__ = ["TABLE_SUFFIXES", "csv_header", "engine_message", "file_names", "files_label",
           "find_table_files", "inspect_table_csvs", "is_parquet_path", "table_suffix"]

TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet")
"""File endings read as tables."""


def find_table_files(data_dir: str | Path) -> dict[str, tuple[Path, ...]]:
    """Files for each contract table in ``data_dir``.

    A table is **one** file named ``t.csv``, ``t.csv.gz``, ``t.parquet`` or starting with
    ``t_`` (Tuva's ``eligibility_seed.csv``), or a sub-folder ``t/`` whose CSV or Parquet files
    are the parts of one table, read in name order. Two files that could both be table ``t``
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
                parts = sorted(p for p in path.iterdir() if p.is_file() and table_suffix(p.name))
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
        return []
    spec, renames = TABLES[table], mapping.for_table(table)
    out = []
    for path in paths:
        amounts = [c for c in csv_header(path) if spec.kind(renames.get(c, c)) == "amount"]
        out.append(inspect_csv(path, amounts, decimal))
    return out


def csv_header(path: Path) -> list[str]:
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return []  # inspect_csv says what is wrong
    return parse_header(first)[1]


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
