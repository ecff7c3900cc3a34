"""Column mapping: rename a user's columns to the data contract without editing their files.

A mapping is a YAML file (or the ``column_mapping`` section of a parameters file)::

    column_mapping:
      patient_id: person_id            # applies to every table that has the column
      medical_claim:                   # applies to one table only
        ms_drg_code: drg_code
    decimal_separator: ","             # optional: how the files write amounts (else detected)

Examples
--------
>>> m = ColumnMapping.from_dict({"patient_id": "person_id", "medical_claim": {"ms_drg_code": "drg_code"}})
>>> m.for_table("medical_claim")
{'patient_id': 'person_id', 'ms_drg_code': 'drg_code'}
>>> m.for_table("eligibility")
{'patient_id': 'person_id'}
>>> ColumnMapping.from_dict({"decimal_separator": ","}).decimal_separator
','
>>> m.check_columns("medical_claim", ["patient_id", "person_id"], "medical_claim.csv")
Traceback (most recent call last):
...
valuecase.errors.ContractError: medical_claim.csv: the column mapping renames 'patient_id' to 'person_id', which the file already has (column 2 'person_id'); drop the rename or one of the columns
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from valuecase.data.contract import TABLES
from valuecase.errors import ContractError, ParametersError
from valuecase.yaml_file import read_yaml_mapping


@dataclass(frozen=True)
class ColumnMapping:
    """Renames from source column names to contract names, globally and per table."""

    global_renames: dict[str, str] = field(default_factory=dict)
    table_renames: dict[str, dict[str, str]] = field(default_factory=dict)
    decimal_separator: str | None = None

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None, source: str = "mapping") -> ColumnMapping:
        """Build from a dict; keys that are table names hold per-table renames."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise ParametersError(f"{source}: column_mapping must be a mapping of old: new names")
        decimal = raw.get("decimal_separator")
        if decimal not in (None, "auto", ".", ","):
            raise ParametersError(f"{source}: decimal_separator must be auto, '.' or ',', "
                                  f"got {decimal!r}")
        if "column_mapping" in raw:
            raw = raw["column_mapping"] or {}
        raw = {k: v for k, v in raw.items() if k != "decimal_separator"}
        global_renames: dict[str, str] = {}
        table_renames: dict[str, dict[str, str]] = {}
        for key, value in raw.items():
            if key in TABLES:
                if not isinstance(value, Mapping):
                    raise ParametersError(
                        f"{source}: column_mapping.{key} must be a mapping of old: new names"
                    )
                table_renames[key] = {str(k): _target(source, f"{key}.{k}", v)
                                      for k, v in value.items()}
            else:
                global_renames[str(key)] = _target(source, str(key), value)
        return cls(global_renames, table_renames, None if decimal == "auto" else decimal)

    @classmethod
    def from_file(cls, path: str | Path) -> ColumnMapping:
        """Read a mapping YAML file (either bare renames or a ``column_mapping`` section)."""
        path = Path(path)
        raw = read_yaml_mapping(path, "mapping file")
        return cls.from_dict(raw, source=str(path))

    def for_table(self, table: str) -> dict[str, str]:
        """All renames that apply to ``table`` (per-table renames win over global ones)."""
        return {**self.global_renames, **self.table_renames.get(table, {})}

    def check_columns(self, table: str, columns: list[str] | tuple[str, ...],
                      label: str) -> None:
        """Stop when two of a file's columns end up with one name once renamed (names
        compared trimmed and case-folded, as the engines do): a rename onto a column the
        file already has, or two columns renamed to one name. Nothing is chosen silently.

        Raises
        ------
        ContractError
            Naming both columns.
        """
        renames = self.for_table(table)
        seen: dict[str, tuple[int, str]] = {}
        for i, col in enumerate(columns):
            target = renames.get(col, col)
            folded = target.strip().casefold()
            if folded not in seen:
                seen[folded] = (i, col)
                continue
            j, other = seen[folded]
            renamed = [c for c in (other, col) if c in renames]
            if len(renamed) == 2:
                problem = (f"the column mapping renames both '{other}' and '{col}' to "
                           f"'{target}'; keep one of the renames")
            else:
                source = renamed[0] if renamed else col
                kept, k = (col, i + 1) if source == other else (other, j + 1)
                problem = (f"the column mapping renames '{source}' to '{renames[source]}', "
                           f"which the file already has (column {k} '{kept}'); drop the "
                           "rename or one of the columns")
            raise ContractError(f"{label}: {problem}")


def _target(source: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ParametersError(
            f"{source}: column_mapping.{where} must name a contract column, got {value!r}"
        )
    return value
