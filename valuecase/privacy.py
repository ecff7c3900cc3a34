"""Privacy helpers for anything that leaves the evaluator's hands (README, "Reports": privacy guard).

- :func:`suppress_small_counts`: counts 1-10 are replaced by a visible marker (CMS cell-size rule).
- :func:`suppress_table`: the same primary rule plus complementary (secondary) suppression, so a
  suppressed cell cannot be back-calculated from a row or column total shown in the table.
- :func:`find_identifiers`: which person identifiers from the input appear in a text (an HTML
  report); the report runner fails when any does. (the report runner's guard reads them from the
  eligibility table); :func:`strip_plotlyjs` drops the inlined plotly.js library before a scan.
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

import html as html_lib
import re
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path

import pandas as pd

from valuecase.errors import ValuecaseError

__all__ = [
    "MIN_CELL_SIZE",
    "SUPPRESSED",
    "IdentifierLeakError",
    "find_identifiers",
    "neutralize_cell",
    "safe_csv",
    "strip_plotlyjs",
    "suppress_small_counts",
    "suppress_table",
]

MIN_CELL_SIZE = 11
"""Smallest count that may be shown (CMS cell-size suppression rule)."""
SUPPRESSED = "<11"
"""Marker shown instead of a suppressed count."""
IDENTIFIER_COLUMNS = ("person_id", "member_id")
"""Eligibility columns whose values must never appear in funder-facing output."""
_FORMULA_START = ("=", "+", "-", "@")
MIN_NUMERIC_ID_DIGITS = 6
"""Identifiers made only of digits are looked for when they have at least this many digits:
shorter ones (``12``) cannot be told from the counts, years and amounts every report prints,
and reports never print person-level rows (their protection is structural)."""
_TOKEN = re.compile(r"[\w-]+")
_TOKEN_ONLY = re.compile(r"[\w-]+\Z")


class IdentifierLeakError(ValuecaseError):
    """A funder-facing report contains person identifiers from the input.

    Examples
    --------
    >>> str(IdentifierLeakError("funder_summary.html: 2 person identifiers"))
    'funder_summary.html: 2 person identifiers'
    """


def _format_count(value: float) -> str:
    return "" if pd.isna(value) else f"{int(value):,}"


def suppress_small_counts(df: pd.DataFrame, columns: Sequence[str],
                          threshold: int = MIN_CELL_SIZE,
                          marker: str = SUPPRESSED) -> pd.DataFrame:
    """Copy of ``df`` where counts in ``columns`` between 1 and ``threshold - 1`` show ``marker``.

    Suppressed columns become strings (with thousands separators) so no number leaks through
    formatting. This is primary suppression only: use :func:`suppress_table` when the table
    (or the text around it) shows totals of these counts.

    Examples
    --------
    >>> df = pd.DataFrame({"site": ["A", "B"], "persons": [1200, 3]})
    >>> suppress_small_counts(df, ["persons"])["persons"].tolist()
    ['1,200', '<11']
    """
    out = df.copy()
    for c in columns:
        values = pd.to_numeric(out[c], errors="coerce")
        small = values.between(1, threshold - 1)
        text = values.map(_format_count)
        out[c] = text.where(~small, marker)
    return out


def suppress_table(df: pd.DataFrame, count_columns: Sequence[str], *,
                   total_row: Hashable | None = None, total_column: str | None = None,
                   threshold: int = MIN_CELL_SIZE, marker: str = SUPPRESSED) -> pd.DataFrame:
    """Cell-size suppression with complementary suppression against shown totals.

    The rule, applied to the grid of ``count_columns`` (rows are ``df``'s rows):

    1. **Primary**: every count from 1 to ``threshold - 1`` shows ``marker`` (0 stays 0: an empty
       cell is not a small cell under the CMS rule).
    2. **Complementary**: a *line* is a set of cells whose sum is shown - each row's cells when
       ``total_column`` holds the row totals, each column's cells when the row labelled
       ``total_row`` holds the column totals (the margins themselves form lines too, ending in
       the grand total). When a line has exactly **one** suppressed cell (counting its total),
       the reader could recover it by subtraction, so the smallest other cell of the line is
       suppressed too (the smallest non-zero cell first, a zero only if nothing else is left;
       the line's total only if the line has no other cell). This repeats until no line has
       a single suppressed cell, because each new suppression can expose another line.

    Totals that appear only outside the table (in text, in another table) are not known here:
    pass them as a margin row or column, or suppress them where they are shown.

    Parameters
    ----------
    df : pandas.DataFrame
        The table as it will be shown. Non-count columns are kept as they are.
    count_columns : sequence of str
        Columns holding counts of persons (or of events of few persons). Include
        ``total_column`` when there is one.
    total_row : hashable, optional
        Index label of the row holding column totals.
    total_column : str, optional
        Column holding row totals (one of ``count_columns``).
    threshold : int, default 11
        Smallest count that may be shown.
    marker : str, default "<11"
        Text shown instead of a suppressed count.

    Returns
    -------
    pandas.DataFrame
        Copy of ``df`` whose count columns are strings with thousands separators or ``marker``.

    Examples
    --------
    A row total would give away the single small cell, so the next-smallest cell goes too:

    >>> t = pd.DataFrame({"ed": [4, 30], "inpatient": [20, 50], "total": [24, 80]},
    ...                  index=["site A", "site B"])
    >>> suppress_table(t, ["ed", "inpatient", "total"], total_column="total").loc["site A"].tolist()
    ['<11', '<11', '24']

    With a totals row, the columns are protected as well (the cascade reaches site B):

    >>> t.loc["all"] = t.sum()
    >>> s = suppress_table(t, ["ed", "inpatient", "total"], total_row="all", total_column="total")
    >>> s.to_dict("list")["ed"], s.to_dict("list")["inpatient"]
    (['<11', '<11', '34'], ['<11', '<11', '70'])
    """
    columns = list(count_columns)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"count columns not in table: {missing}")
    if total_column is not None and total_column not in columns:
        raise ValueError(f"total_column {total_column!r} must be one of count_columns")
    if total_row is not None and total_row not in df.index:
        raise KeyError(f"total_row {total_row!r} not in the table's index")
    if df.index.has_duplicates:
        raise ValueError("suppress_table needs a unique index (rows are addressed by label)")
    values = df[columns].apply(pd.to_numeric, errors="coerce")
    suppressed = values.apply(lambda col: col.between(1, threshold - 1))

    inner_cols = [c for c in columns if c != total_column]
    inner_rows = [r for r in df.index if r != total_row]
    lines: list[tuple[list[tuple[Hashable, str]], tuple[Hashable, str]]] = []
    if total_column is not None:
        for r in df.index:
            lines.append(([(r, c) for c in inner_cols], (r, total_column)))
    if total_row is not None:
        for c in columns:
            lines.append(([(r, c) for r in inner_rows], (total_row, c)))

    changed = True
    while changed:
        changed = False
        for inner, total in lines:
            cells = [*inner, total]
            hidden = [cell for cell in cells if suppressed.at[cell]]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in inner
                          if not suppressed.at[cell] and pd.notna(values.at[cell])]
            if not candidates:
                if suppressed.at[total] or pd.isna(values.at[total]):
                    continue  # a one-cell line whose total is the hidden cell: nothing to add
                choice = total
            else:
                choice = min(candidates, key=lambda cell: (values.at[cell] == 0, values.at[cell]))
            suppressed.at[choice] = True
            changed = True

    out = df.copy()
    for c in columns:
        out[c] = values[c].map(_format_count).where(~suppressed[c], marker)
    return out


def neutralize_cell(value: object) -> object:
    """Prefix an apostrophe to strings a spreadsheet would run as a formula.

    Examples
    --------
    >>> neutralize_cell("@SUM(A1)"), neutralize_cell("Acme"), neutralize_cell(-3)
    ("'@SUM(A1)", 'Acme', -3)
    >>> neutralize_cell("\\t=1+1"), neutralize_cell("ok\\r=HYPERLINK(1)")
    ("'\\t=1+1", "'ok =HYPERLINK(1)")
    """
    if isinstance(value, str) and (value.lstrip(" \t\r\n").startswith(_FORMULA_START)
                                   or value.startswith("\t")
                                   or "\r" in value or "\n" in value):
        # a leading tab or return, or one before a formula, or a line break inside the cell
        # (a second line starting with "=") is what spreadsheets are tricked with
        return "'" + value.replace("\r", " ").replace("\n", " ")
    return value


def safe_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to CSV with every text cell passed through :func:`neutralize_cell`.

    Numbers stay numbers (a negative amount is not text), headers are neutralized too.

    Examples
    --------
    >>> import tempfile
    >>> p = safe_csv(pd.DataFrame({"partner": ["=1+1"]}), Path(tempfile.mkdtemp()) / "x.csv")
    >>> p.read_text().splitlines()[1]
    "'=1+1"
    """
    path = Path(path)
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(neutralize_cell)
    out.columns = [neutralize_cell(str(c)) for c in out.columns]
    out.to_csv(path, index=False)
    return path


def find_identifiers(text: str, identifiers: Iterable[object]) -> list[str]:
    """Identifiers that occur in ``text`` as whole tokens (not inside a longer word or number).

    A token boundary is any character other than a letter, digit, ``_`` or ``-``; ``P0000042``
    is found in ``id=P0000042,`` but not in ``P00000421``. Identifiers of digits only are
    looked for from :data:`MIN_NUMERIC_ID_DIGITS` digits (``12`` is every report's number). The text is also searched with HTML
    entities decoded (``&#80;0000042``). Identifiers made only of word characters and ``-``
    (nearly all) are matched by one pass that splits the text into tokens and intersects sets,
    so 15,000 identifiers against a few MB take well under a second; others fall back to a
    regular expression.

    Parameters
    ----------
    text : str
        Text to search (HTML, CSV...).
    identifiers : iterable
        Identifiers; converted with ``str``; empty strings are ignored.

    Returns
    -------
    list of str
        The identifiers found, sorted.

    Examples
    --------
    >>> find_identifiers("P1, P12 and x-P2 or &#80;3", ["P1", "P2", "P3", "P4", "a.b"])
    ['P1', 'P3']
    >>> find_identifiers("12 stays; member 1000042", ["12", "1000042"])
    ['1000042']
    """
    ids = {str(i) for i in identifiers if str(i)}
    ids = {i for i in ids if not i.isdigit() or len(i) >= MIN_NUMERIC_ID_DIGITS}
    if not ids:
        return []
    texts = [text]
    if "&" in text:
        texts.append(html_lib.unescape(text))
    simple = {i for i in ids if _TOKEN_ONLY.match(i)}
    found: set[str] = set()
    for t in texts:
        found |= simple.intersection(_TOKEN.findall(t))
    other = sorted(ids - simple, key=len, reverse=True)
    for start in range(0, len(other), 500):
        chunk = other[start:start + 500]
        pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, chunk)) + r")(?![\w-])")
        for t in texts:
            found.update(m.group(1) for m in pattern.finditer(t))
    return sorted(found)


def strip_plotlyjs(html: str, plotlyjs: str) -> str:
    """``html`` without the inlined plotly.js library (the only part not worth scanning).

    Only the exact library text (the bundle the report inlined,
    :func:`valuecase.reporting.plotlyjs.bundle_js`) is removed, so chart data, tables and text
    are all kept; when the library is not inlined the text is returned as is.

    Examples
    --------
    >>> strip_plotlyjs("<script>LIB</script><p>P1</p>", plotlyjs="LIB")
    '<script></script><p>P1</p>'
    """
    return html.replace(plotlyjs, "", 1) if plotlyjs else html
