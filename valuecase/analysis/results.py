"""The results of one analysis run, as files: tables as Parquet, values as JSON.

A report run computes every stage once and writes one :class:`Results` per report into
``<staging>/results/<report>/`` (``<table>.parquet`` files and ``values.json``), plus
``provenance.json`` for the run (parameters, stage timings, valuecase version). Notebooks read
them back with :meth:`Results.read` and only present them.

Values are JSON: numbers, text, lists and mappings of them (NumPy scalars are converted;
NaN is kept as NaN).

Examples
--------
>>> import tempfile, pandas as pd
>>> r = Results("demo")
>>> r.tables["rates"] = pd.DataFrame({"period": ["2023"], "rate": [120.5]})
>>> r.values["persons"] = 1500
>>> folder = r.write(tempfile.mkdtemp())
>>> back = Results.read(folder.parent, "demo")
>>> back["persons"], back.table("rates")["rate"].tolist()
(1500, [120.5])
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from valuecase.errors import ValuecaseError

__all__ = ["Results", "read_provenance", "to_json_value", "write_provenance"]

PROVENANCE = "provenance.json"


def to_json_value(value: Any) -> Any:
    """``value`` with NumPy scalars, arrays, tuples, paths and timestamps made JSON-friendly."""
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [to_json_value(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


@dataclass
class Results:
    """Named tables and values of one report, computed by the analysis run.

    Attributes
    ----------
    name : str
        The report (``population``, ``impact``...).
    tables : dict of str to DataFrame
        Written as ``<key>.parquet`` (index kept).
    values : dict
        JSON values (numbers, text, lists, mappings).
    """

    name: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def table(self, key: str) -> pd.DataFrame:
        """The table ``key`` (a copy, so a notebook can change it freely)."""
        try:
            return self.tables[key].copy()
        except KeyError:
            raise KeyError(f"report {self.name!r} has no table {key!r}; has: "
                           f"{', '.join(sorted(self.tables))}") from None

    def __getitem__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise KeyError(f"report {self.name!r} has no value {key!r}; has: "
                           f"{', '.join(sorted(self.values))}") from None

    def get(self, key: str, default: Any = None) -> Any:
        """The value ``key``, or ``default``."""
        return self.values.get(key, default)

    def write(self, results_dir: str | Path) -> Path:
        """Write into ``results_dir/<name>/``; return that folder."""
        folder = Path(results_dir) / self.name
        folder.mkdir(parents=True, exist_ok=True)
        for key, df in self.tables.items():
            _safe_key(key)
            out = df.copy()
            out.columns = [str(c) for c in out.columns]
            out.to_parquet(folder / f"{key}.parquet")
        text = json.dumps(to_json_value(self.values), indent=1, allow_nan=True)
        (folder / "values.json").write_text(text, encoding="utf-8")
        return folder

    @classmethod
    def read(cls, results_dir: str | Path, name: str) -> Results:
        """Read what :meth:`write` wrote.

        Raises
        ------
        ValuecaseError
            The folder has no results for ``name`` (the message says how to get them).
        """
        folder = Path(results_dir) / name
        values_file = folder / "values.json"
        if not values_file.is_file():
            raise ValuecaseError(
                f"no results for report {name!r} in {Path(results_dir)}; run "
                "`valuecase report`, or leave results_dir empty to compute in this notebook")
        values = json.loads(values_file.read_text(encoding="utf-8"))
        tables = {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
        return cls(name, tables, values)


def _safe_key(key: str) -> None:
    if not key or "/" in key or "\\" in key or key.startswith("."):
        raise ValueError(f"table key {key!r} must be a plain file name")


def write_provenance(results_dir: str | Path, provenance: dict[str, Any]) -> Path:
    """Write the run's ``provenance.json`` (parameters, stages and timings, version)."""
    path = Path(results_dir) / PROVENANCE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json_value(provenance), indent=1), encoding="utf-8")
    return path


def read_provenance(results_dir: str | Path) -> dict[str, Any]:
    """The run's provenance (``{}`` when the folder has none)."""
    path = Path(results_dir) / PROVENANCE
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def finite_or_none(x: float | None) -> float | None:
    """``x`` as a float, or None when it is missing or not finite (for JSON values)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
