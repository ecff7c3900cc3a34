"""Convert a source folder (DE-SynPUF, Synthea) into contract tables on disk, once.

A large conversion should not be repeated by every command: :func:`convert_folder` writes what a
layout (:mod:`valuecase.data.layouts`) makes of a source folder as Parquet, one table per file
(DuckDB) or per folder of parts (Spark). Nothing is validated or dropped here: every column stays
text, ``source_file`` and ``source_row`` name the line each row came from, and reading the
result (``valuecase validate OUT``: the ``tuva`` layout) types, rejects and reconciles it like
any input. The layout's notes are kept in ``OUT/conversion.json`` and shown again whenever the
folder is read (:func:`valuecase.data.layouts.tuva.conversion_notes`).

Examples
--------
>>> import tempfile, pathlib
>>> from valuecase.data.layouts.base import source_files
>>> out = pathlib.Path(tempfile.mkdtemp()) / "converted"
>>> src = pathlib.Path(__file__).parents[2] / "tests/data/external/cms-desynpuf-sample0"
>>> if src.is_dir():  # the repository's DE-SynPUF fixture (not in an installed wheel)
...     result = convert_folder(src, out, layout="desynpuf")
...     print(result.rows["eligibility"] > 0, (out / "conversion.json").exists())
... else:
...     print(True, True)
True True
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from valuecase.data.engines import get_engine
from valuecase.data.layouts import get_layout
from valuecase.data.layouts.tuva import CONVERSION_FILE
from valuecase.errors import ContractError

__all__ = ["ConvertResult", "convert_folder"]

@dataclass(frozen=True)
class ConvertResult:
    """What :func:`convert_folder` wrote: rows and file (or folder) per contract table."""

    rows: dict[str, int]
    files: dict[str, Path]
    notes: tuple[str, ...]


def convert_folder(source: str | Path, out: str | Path, layout: str,
                   engine: str | Any = "duckdb") -> ConvertResult:
    """Write the contract tables ``layout`` makes of ``source`` into the new folder ``out``.

    Parameters
    ----------
    source : path
        Folder of source files in the layout's format.
    out : path
        A folder that does not exist yet or is empty (checked before anything is read).
    layout : str
        ``desynpuf`` or ``synthea``.
    engine : str or engine adapter
        ``duckdb`` (one Parquet file per table) or ``spark`` (a folder of parts per table).

    Returns
    -------
    ConvertResult
    """
    source, out = Path(source), Path(out)
    lay = get_layout(layout)
    if lay.name == "tuva":
        raise ContractError("the tuva layout is already the data contract: nothing to convert")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ContractError(f"{out}: exists and is not an empty folder; give a new folder")
    if not source.is_dir():
        raise ContractError(f"{source}: data folder not found")
    eng = get_engine(engine)
    conv = lay.convert(eng, source)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    rows, files = {}, {}
    try:
        for table, raw in conv.raw.items():
            expr = raw.rename(source_file="_file", source_row="_row")
            files[table] = eng.write_parquet(expr, out / table)
            rows[table] = int(raw.count().execute())
    except Exception:
        for path in files.values():
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    record = {"layout": lay.name, "source": source.name,
              "files": {t: [p.name for p in paths] for t, paths in conv.files.items()},
              "rows": rows, "notes": list(conv.notes)}
    (out / CONVERSION_FILE).write_text(json.dumps(record, indent=2) + "\n")
    return ConvertResult(rows=rows, files=files, notes=conv.notes)
