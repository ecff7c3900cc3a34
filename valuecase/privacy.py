"""Privacy helpers for anything that leaves the evaluator's hands (DESIGN.md section 9).

- :func:`suppress_small_counts`: counts 1-10 are replaced by a visible marker (CMS cell-size rule).
- :func:`find_identifiers`: which person identifiers from the input appear in a text (an HTML
  report); the report runner fails when any does.
- :func:`neutralize_cell` / :func:`safe_csv`: spreadsheet formula injection is neutralized in CSV
  exports (cells starting with ``= + - @`` get a leading apostrophe).

Examples
--------
>>> import pandas as pd
>>> suppress_small_counts(pd.DataFrame({"persons": [0, 4, 25]}), ["persons"])["persons"].tolist()
['0', '<11', '25']
>>> neutralize_cell("=HYPERLINK(1)")
"'=HYPERLINK(1)"
>>> find_identifiers("table: P0000042 and P1", ["P0000042", "P0000043"])
['P0000042']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

MIN_CELL_SIZE = 11
"""Smallest count that may be shown (CMS cell-size suppression rule)."""
SUPPRESSED = "<11"
"""Marker shown instead of a suppressed count."""
_FORMULA_START = ("=", "+", "-", "@")


def suppress_small_counts(df: pd.DataFrame, columns: Sequence[str],
                          threshold: int = MIN_CELL_SIZE,
                          marker: str = SUPPRESSED) -> pd.DataFrame:
    """Copy of ``df`` where counts in ``columns`` between 1 and ``threshold - 1`` show ``marker``.

    Suppressed columns become strings (with thousands separators) so no number leaks through
    formatting.
    """
    out = df.copy()
    for c in columns:
        values = pd.to_numeric(out[c], errors="coerce")
        small = values.between(1, threshold - 1)
        text = values.map(lambda v: "" if pd.isna(v) else f"{int(v):,}")
        out[c] = text.where(~small, marker)
    return out


def neutralize_cell(value: object) -> object:
    """Prefix an apostrophe to strings a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to CSV with every text cell passed through :func:`neutralize_cell`."""
    path = Path(path)
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(neutralize_cell)
    out.columns = [neutralize_cell(str(c)) for c in out.columns]
    out.to_csv(path, index=False)
    return path


def find_identifiers(text: str, identifiers: Iterable[str]) -> list[str]:
    """Identifiers that occur in ``text`` as whole tokens (not inside a longer word or number)."""
    ids = sorted({str(i) for i in identifiers if str(i)}, key=len, reverse=True)
    if not ids:
        return []
    found: list[str] = []
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start:chunk_start + 500]
        pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, chunk)) + r")(?![\w-])")
        found.extend(m.group(1) for m in pattern.finditer(text))
    return sorted(set(found))
