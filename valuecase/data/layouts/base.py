"""What a data layout is: a reader that turns a folder of source files into contract tables.

A layout (:mod:`valuecase.data.layouts`) maps one source format onto the data contract
(:mod:`valuecase.data.contract`) as Ibis expressions on the run's engine. It hands the loader
:class:`Converted`: one **text** table per contract table, columns named by the contract, plus
``_file`` and ``_row`` (the source file and line each row came from). The loader then types,
validates, rejects and reconciles those rows exactly as it does Tuva-shaped files, so nothing a
layout produces is accepted unchecked and every reject points at a source line.

A layout never drops a source row silently: what it does not turn into a contract row (a
DE-SynPUF person-year with no covered month, an empty carrier line slot) is counted in
:attr:`Converted.notes`.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "claims.csv").write_text("Id,TOTAL\\nC1,10.00\\n")
>>> [p.name for p in source_files(d, "claims", ("claims",))]
['claims.csv']
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir

from valuecase.data.csv_files import inspect_csv
from valuecase.data.engines import Engine
from valuecase.data.files import engine_message, file_names, files_label
from valuecase.data.text_rules import blank_to_null
from valuecase.errors import ContractError

__all__ = ["NO_COST_DATA", "Converted", "Layout", "blank", "literal_text", "optional_column", "read_source",
           "require_columns", "source_files", "union_all"]

NO_COST_DATA = "paid amounts: not in this feed (utilization only)"
"""How a layout says its source carries no paid amounts (a note starting with it): the claims
then hold paid 0 as placeholders, and ``summarize``, ``validate`` and the results show this
sentence in place of every money figure, never $0 (:attr:`~valuecase.data.load.LoadedData.
paid_amounts_known`). The note travels with ``valuecase convert`` in ``conversion.json``."""


@dataclass(frozen=True)
class Converted:
    """Contract tables built from a source folder, before validation.

    Attributes
    ----------
    raw : dict
        Contract table name -> Ibis table of text columns named by the contract, plus
        ``_file`` (source file name) and ``_row`` (its 1-based data line).
    files : dict
        Contract table name -> the source files its rows came from.
    notes : tuple of str
        Mapping facts a reader must know (rules applied, source rows not turned into rows).
    decimals : dict
        Contract table name -> names of files whose amounts use a decimal comma.
    """

    raw: dict[str, ir.Table]
    files: dict[str, tuple[Path, ...]]
    notes: tuple[str, ...] = ()
    decimals: Mapping[str, set[str]] = field(default_factory=dict)


class Layout(Protocol):
    """One source format. ``name`` is what ``--layout`` takes; ``summary`` one line of help."""

    name: str
    summary: str

    def convert(self, eng: Engine, data_dir: Path, **options: Any) -> Converted:
        """Read ``data_dir`` on ``eng`` and return the contract tables as text."""
        ...

    def check_folder(self, data_dir: Path) -> None:
        """Raise :class:`~valuecase.errors.ContractError` when ``data_dir`` lacks a file the
        layout needs (checked before a report run starts; nothing is read)."""
        ...


def source_files(data_dir: str | Path, label: str, stems: Iterable[str] = (),
                 required: bool = True, pattern: str | None = None) -> tuple[Path, ...]:
    """The CSV files of one source table: names that start with one of ``stems`` or, with
    ``pattern``, whose name without its ending matches that regular expression (both
    case-insensitive), ending ``.csv`` or ``.zip`` (a zip holding CSV files is unpacked once
    into a private folder). Parts of one table (``..._Sample_1A.csv``, ``_1B``) are read
    together in name order.

    Raises
    ------
    ContractError
        ``required`` and no file matches.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ContractError(f"{data_dir}: data folder not found")
    stems = tuple(s.lower() for s in stems)
    found: list[Path] = []
    for path in sorted(data_dir.iterdir()):
        name = path.name.lower()
        stem = name.rsplit(".", 1)[0]
        wanted = (re.search(pattern, stem, re.IGNORECASE) is not None if pattern
                  else name.startswith(stems))
        if not path.is_file() or not wanted:
            continue
        if name.endswith(".csv"):
            found.append(path)
        elif name.endswith(".zip"):
            found.extend(_unzipped(path))
    if required and not found:
        wanted = (f"a name matching {pattern!r}" if pattern else
                  f"a name starting {' or '.join(repr(s) for s in stems)}")
        raise ContractError(f"{data_dir.name}: no {label} file ({wanted}, .csv or .zip)")
    return tuple(found)


_UNZIP_DIRS: list[str] = []


def _unzipped(path: Path) -> list[Path]:
    """The CSV members of a zip file, extracted once into a private temporary folder."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith(".csv")
                       and not m.startswith("__MACOSX")]
            if not members:
                raise ContractError(f"{path.name}: the zip file holds no CSV file")
            if not _UNZIP_DIRS:
                _UNZIP_DIRS.append(tempfile.mkdtemp(prefix="valuecase-unzip-"))
                atexit.register(shutil.rmtree, _UNZIP_DIRS[0], True)
            target = Path(_UNZIP_DIRS[0]) / path.stem
            target.mkdir(exist_ok=True)
            out = []
            for member in sorted(members):
                dest = target / Path(member).name
                if not dest.exists():
                    with zf.open(member) as src, dest.open("wb") as dst:
                        shutil.copyfileobj(src, dst)
                out.append(dest)
            return out
    except zipfile.BadZipFile:
        raise ContractError(f"{path.name}: not a readable zip file") from None


def read_source(eng: Engine, name: str, paths: Sequence[Path]) -> ir.Table:
    """Source CSV files as one text table with ``_file`` and ``_row``, each file first checked
    end to end (UTF-8, delimiter, field counts: :func:`~valuecase.data.csv_files.inspect_csv`)."""
    infos = [inspect_csv(p, (), ".") for p in paths]
    try:
        t = eng.read_raw(name, list(paths), [i.delimiter for i in infos])
        t.limit(1).to_pyarrow()
    except Exception as exc:
        raise ContractError(f"{files_label(paths)}: cannot read file "
                            f"({engine_message(exc)})") from None
    # CMS quotes its header names; a stray space or case difference must not hide a column
    renames = {c.strip().upper(): c for c in t.columns if c not in ("_file", "_row")}
    return t.rename({new: old for new, old in renames.items() if new != old})


def require_columns(t: ir.Table, columns: Iterable[str], paths: Sequence[Path]) -> None:
    """Stop with one line when a source file lacks a column the layout needs."""
    missing = [c for c in columns if c not in t.columns]
    if missing:
        raise ContractError(f"{file_names(paths)}: missing column {missing[0]!r} "
                            f"({len(missing)} missing); is this the right --layout?")


def blank(value: ir.StringValue) -> ir.BooleanValue:
    """True where source text is missing or only spaces."""
    return blank_to_null(value).isnull()


def union_all(tables: Sequence[ir.Table]) -> ir.Table:
    """Tables with the same columns stacked (in order)."""
    out = tables[0]
    for t in tables[1:]:
        out = out.union(t, distinct=False)
    return out


def optional_column(t: ir.Table, name: str) -> ir.StringValue:
    """A source column, or NULL text where the source lacks it."""
    return t[name] if name in t.columns else literal_text(None)


def literal_text(text: str | None) -> ir.StringValue:
    """A constant text column (NULL for None)."""
    return ibis.literal(text, type="string")
