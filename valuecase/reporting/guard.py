"""The privacy guard of a report run: funder-facing reports must not contain any person
identifier of the input.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> d = Path(tempfile.mkdtemp())
>>> _ = (d / "eligibility.csv").write_text("person_id,member_id\\nP7,M7\\nP8,\\n")
>>> sorted(person_identifiers(d))
['M7', 'P7', 'P8']
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from valuecase.privacy import (
    IDENTIFIER_COLUMNS,
    IdentifierLeakError,
    find_identifiers,
    strip_plotlyjs,
)

__all__ = ["person_identifiers", "scan_funder_reports"]


def scan_funder_reports(staging: Path, funder: Sequence[Any],
                        identifiers: set[str]) -> dict[str, float]:
    """Fail when a funder-facing report in ``staging`` contains a person identifier.

    The inlined plotly.js library is skipped (it is the same for every report and holds no
    data); everything else - text, tables, chart data, metadata - is scanned.

    Returns
    -------
    dict
        Seconds spent per report (the guard is part of the run's timings).

    Raises
    ------
    IdentifierLeakError
        Names the report and the number of identifiers found (never the identifiers).
    """
    from valuecase.reporting.plotlyjs import bundle_js

    timings: dict[str, float] = {}
    for nb in funder:
        html = staging / f"{nb.name}.html"
        start = time.perf_counter()
        found = find_identifiers(strip_plotlyjs(html.read_text(encoding="utf-8"), bundle_js()), identifiers)
        timings[nb.name] = time.perf_counter() - start
        if found:
            raise IdentifierLeakError(
                f"funder-facing report {nb.name}.html contains {len(found)} person "
                f"identifier{'s' if len(found) != 1 else ''} from the input (person_id/member_id); "
                f"reports not published. The rendered file is kept for review in {staging}"
            )
    return timings



def person_identifiers(data_dir: str | Path, mapping: object | None = None,
                       engine: object = "duckdb", layout: str = "tuva") -> set[str]:
    """All ``person_id`` and ``member_id`` values of the eligibility table in ``data_dir``.

    Reads the raw files (CSV or Parquet, every part) without validating them, on ``engine``
    (a name, an adapter or a SparkSession, as :func:`valuecase.data.engines.get_engine`); a
    column mapping (:class:`valuecase.data.mapping.ColumnMapping`) is applied to find the
    identifier columns. For another ``layout`` (``desynpuf``, ``synthea``) the identifiers of
    the eligibility rows it makes are read.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "eligibility.csv").write_text("patient,member_id\\nP7,M7\\nP8,\\n")
    >>> from valuecase.data.mapping import ColumnMapping
    >>> sorted(person_identifiers(d, ColumnMapping.from_dict({"patient": "person_id"})))
    ['M7', 'P7', 'P8']
    """
    from valuecase.data.engines import get_engine
    from valuecase.data.layouts import get_layout
    from valuecase.data.load import find_table_files

    if layout != "tuva":  # the layout's eligibility rows, as text, before validation
        raw = get_layout(layout).convert(get_engine(engine), Path(data_dir)).raw["eligibility"]
        renames: dict[str, str] = {}
    else:
        paths = find_table_files(data_dir).get("eligibility", ())
        if not paths:
            return set()
        renames = mapping.for_table("eligibility") if mapping is not None else {}  # type: ignore[attr-defined]
        raw = get_engine(engine).read_raw("eligibility", paths)
    ids: set[str] = set()
    for c in raw.columns:
        if renames.get(c, c) not in IDENTIFIER_COLUMNS:
            continue
        value = raw[c].cast("string")
        found = raw.select(v=value).filter(value.notnull()).distinct().to_pyarrow()
        ids.update(v.strip() for v in found["v"].to_pylist() if v.strip())
    return ids
