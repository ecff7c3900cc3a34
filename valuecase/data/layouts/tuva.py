"""The Tuva layout: files already shaped like the contract (the Tuva Project input layer).

One file per table named by it (``medical_claim.csv``, ``eligibility_seed.csv``,
``pharmacy_claim.parquet``) or a folder of its parts (:func:`~valuecase.data.files.
find_table_files`); columns renamed by a column mapping where they differ. CSV files are checked
end to end first and their decimal separator detected (:mod:`valuecase.data.csv_files`).

Examples
--------
>>> from valuecase import datasets
>>> from valuecase.data.engines import get_engine
>>> conv = TuvaLayout().convert(get_engine(), datasets.sample_dir())
>>> sorted(conv.raw)[:3]
['eligibility', 'experience_survey', 'medical_claim']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from valuecase.data.engines import Engine
from valuecase.data.files import (
    engine_message,
    file_names,
    files_label,
    find_table_files,
    inspect_table_csvs,
)
from valuecase.data.layouts.base import Converted
from valuecase.data.mapping import ColumnMapping
from valuecase.errors import ContractError

__all__ = ["CONVERSION_FILE", "TuvaLayout", "conversion_notes"]

CONVERSION_FILE = "conversion.json"
"""Written by ``valuecase convert`` beside the tables: layout, source files and notes."""


class TuvaLayout:
    """Contract-shaped files (the default layout)."""

    name = "tuva"
    summary = "Tuva input layer: eligibility, medical_claim, pharmacy_claim (+ program tables)"

    def check_folder(self, data_dir: Path) -> None:
        """An eligibility table must be there."""
        if "eligibility" not in find_table_files(data_dir):
            raise ContractError("no eligibility table (eligibility.csv / .parquet)")

    def convert(self, eng: Engine, data_dir: Path, mapping: ColumnMapping | None = None,
                decimal_separator: str | None = None, **_: Any) -> Converted:
        """Each table's files read as they are (columns renamed later by ``mapping``)."""
        files = find_table_files(data_dir)
        mapping = mapping or ColumnMapping()
        raw, decimals, notes = {}, {}, conversion_notes(data_dir)
        for table, paths in files.items():
            csvs = inspect_table_csvs(table, paths, mapping, decimal_separator)
            if csvs and all(info.rows == 0 for info in csvs):
                if table == "eligibility":  # no members: nothing to analyse
                    raise ContractError(f"{files_label(paths)}: no data rows (only a header): "
                                        "there are no members to analyse")
                notes.append(f"{file_names(paths)} has no data rows (only a header): "
                             f"the reports show no {table.replace('_', ' ')} data")
            decimals[table] = {info.path.name for info in csvs if info.decimal == ","}
            delimiters = [info.delimiter for info in csvs] if csvs else None
            try:
                raw[table] = eng.read_raw(table, paths, delimiters)
                raw[table].limit(1).to_pyarrow()  # a first row read: a broken file stops here
            except Exception as exc:
                raise ContractError(f"{files_label(paths)}: cannot read file "
                                    f"({engine_message(exc)})") from None
        return Converted(raw=raw, files=files, notes=tuple(notes), decimals=decimals)


def conversion_notes(data_dir: str | Path) -> list[str]:
    """The notes of the conversion that wrote ``data_dir`` (empty when it was not converted)."""
    path = Path(data_dir) / CONVERSION_FILE
    if not path.is_file():
        return []
    try:
        record = json.loads(path.read_text())
        layout, notes = str(record["layout"]), [str(n) for n in record.get("notes", [])]
    except (ValueError, KeyError, TypeError, OSError):
        raise ContractError(f"{path.name}: unreadable conversion record; convert again") from None
    return [f"converted from the {layout} layout by valuecase convert"] + notes
