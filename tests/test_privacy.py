"""Privacy helpers: complementary suppression, identifier scan, CSV formula neutralization."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from valuecase.privacy import (
    SUPPRESSED,
    find_identifiers,
    safe_csv,
    strip_plotlyjs,
    suppress_small_counts,
    suppress_table,
)


def _hidden(df: pd.DataFrame, columns) -> set[tuple]:
    return {(r, c) for r in df.index for c in columns if df.at[r, c] == SUPPRESSED}


def _recoverable(values: pd.DataFrame, hidden: set[tuple], total_row, total_column) -> list:
    """Cells a reader can compute exactly: lines (row/column with a shown total) with 1 unknown."""
    cols = list(values.columns)
    lines = []
    if total_column is not None:
        inner = [c for c in cols if c != total_column]
        lines += [[(r, c) for c in inner] + [(r, total_column)] for r in values.index]
    if total_row is not None:
        inner_rows = [r for r in values.index if r != total_row]
        lines += [[(r, c) for r in inner_rows] + [(total_row, c)] for c in cols]
    return [cell for line in lines for cell in line
            if cell in hidden and sum(x in hidden for x in line) == 1]


def test_primary_suppression_marks_1_to_10_only():
    df = pd.DataFrame({"persons": [0, 1, 10, 11, 12_345], "label": ["a", "b", "c", "d", "e"]})
    out = suppress_table(df, ["persons"])
    assert out["persons"].tolist() == ["0", "<11", "<11", "11", "12,345"]
    assert out["label"].tolist() == df["label"].tolist()
    assert suppress_small_counts(df, ["persons"])["persons"].tolist() == out["persons"].tolist()


def test_row_total_forces_second_cell_in_that_row():
    df = pd.DataFrame({"ed": [3, 40], "ip": [25, 60], "rx": [90, 70], "total": [118, 170]},
                      index=["A", "B"])
    out = suppress_table(df, ["ed", "ip", "rx", "total"], total_column="total")
    # 3 is primary; the smallest other cell of row A (25) is the complement; row B is untouched
    assert out.loc["A"].tolist() == ["<11", "<11", "90", "118"]
    assert out.loc["B"].tolist() == ["40", "60", "70", "170"]


def test_primary_suppression_alone_would_be_back_calculable():
    df = pd.DataFrame({"ed": [3, 40], "ip": [25, 60], "total": [28, 100]}, index=["A", "B"])
    naive = suppress_small_counts(df, ["ed", "ip", "total"])
    hidden = _hidden(naive, ["ed", "ip", "total"])
    assert _recoverable(df, hidden, None, "total") == [("A", "ed")]  # 28 - 25 = 3
    out = suppress_table(df, ["ed", "ip", "total"], total_column="total")
    assert _recoverable(df, _hidden(out, ["ed", "ip", "total"]), None, "total") == []


def test_margins_cascade_until_no_line_has_a_single_hidden_cell():
    rng = np.random.default_rng(7)
    for _ in range(200):
        counts = rng.choice([0, 2, 5, 9, 12, 30, 80, 200], size=(4, 3))
        df = pd.DataFrame(counts, columns=["x", "y", "z"], index=list("abcd"))
        df["total"] = df.sum(axis=1)
        df.loc["all"] = df.sum()
        cols = ["x", "y", "z", "total"]
        out = suppress_table(df, cols, total_row="all", total_column="total")
        hidden = _hidden(out, cols)
        assert _recoverable(df, hidden, "all", "total") == []
        for r in df.index:  # every small count is hidden; shown cells show their exact value
            for c in cols:
                v = df.at[r, c]
                if 1 <= v <= 10:
                    assert (r, c) in hidden
                elif (r, c) not in hidden:
                    assert out.at[r, c] == f"{v:,}"


def test_complement_prefers_smallest_nonzero_cell():
    df = pd.DataFrame({"a": [4], "b": [0], "c": [50], "d": [15], "total": [69]})
    out = suppress_table(df, ["a", "b", "c", "d", "total"], total_column="total")
    assert out.iloc[0].tolist() == ["<11", "0", "50", "<11", "69"]


def test_suppress_table_rejects_bad_arguments():
    df = pd.DataFrame({"n": [5, 20]})
    with pytest.raises(KeyError, match="missing"):
        suppress_table(df, ["missing"])
    with pytest.raises(ValueError, match="total_column"):
        suppress_table(df, ["n"], total_column="other")
    with pytest.raises(KeyError, match="total_row"):
        suppress_table(df, ["n"], total_row="all")


def test_find_identifiers_respects_token_boundaries_and_entities():
    text = ('<td>P0000042</td> P00000421 x_P0000043 M0000007-b "M0000008" &#80;0000044 '
            "id:P0000045.")
    ids = ["P0000042", "P0000043", "P0000044", "P0000045", "M0000007", "M0000008", "P0000046"]
    assert find_identifiers(text, ids) == ["M0000008", "P0000042", "P0000044", "P0000045"]
    assert find_identifiers(text, []) == []
    assert find_identifiers("member A.1 and B/2", ["A.1", "B/2", "C.3"]) == ["A.1", "B/2"]


def test_identifier_scan_is_fast_on_a_large_report():
    ids = [f"P{i:07d}" for i in range(1, 15_001)] + [f"M{i:07d}" for i in range(1, 15_001)]
    filler = "<tr><td>Inpatient</td><td class='num'>1,234</td><td>$56,789</td></tr>\n" * 70_000
    text = filler + "<p>Example member M0014999</p>" + filler
    assert len(text) > 5_000_000
    start = time.perf_counter()
    found = find_identifiers(text, ids)
    elapsed = time.perf_counter() - start
    assert found == ["M0014999"]
    assert elapsed < 5, elapsed


def test_strip_plotlyjs_keeps_chart_data():
    import plotly.offline

    lib = plotly.offline.get_plotlyjs()
    html = f"<script>{lib}</script><div>Plotly.newPlot('x', [{{'text': ['P0000001']}}])</div>"
    stripped = strip_plotlyjs(html, lib)
    assert len(stripped) < 200 and "P0000001" in stripped
    assert strip_plotlyjs("<p>no library</p>", lib) == "<p>no library</p>"


def test_safe_csv_neutralizes_formulas_read_back(tmp_path: Path):
    df = pd.DataFrame({
        "partner": ["=HYPERLINK(\"http://x\",\"click\")", "+1+2", "-3+cmd", "@SUM(A1)",
                    "Acme", "a=b"],
        "paid": [-12.5, 3.0, 0.0, 1.0, 2.0, 5.0],
    })
    path = safe_csv(df.rename(columns={"paid": "=paid"}), tmp_path / "export.csv")
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["partner", "'=paid"]
    cells = [r[0] for r in rows[1:]]
    assert cells == ["'=HYPERLINK(\"http://x\",\"click\")", "'+1+2", "'-3+cmd", "'@SUM(A1)",
                     "Acme", "a=b"]
    assert not any(c.startswith(("=", "+", "-", "@")) for row in rows for c in row
                   if not c.lstrip("-").replace(".", "").isdigit())
    back = pd.read_csv(path)
    assert back["'=paid"].tolist() == [-12.5, 3.0, 0.0, 1.0, 2.0, 5.0]  # numbers stay numbers


def test_safe_csv_also_catches_a_leading_tab_or_an_embedded_return(tmp_path: Path):
    df = pd.DataFrame({"partner": ["\t=1+1", " =cmd", "ok\r=HYPERLINK(\"http://x\")",
                                   "two\nlines", "plain"]})
    path = safe_csv(df, tmp_path / "export.csv")
    with path.open(newline="") as fh:
        cells = [r[0] for r in list(csv.reader(fh))[1:]]
    assert cells == ["'\t=1+1", "' =cmd", "'ok =HYPERLINK(\"http://x\")", "'two lines", "plain"]
    # no cell (and no line of a cell) a spreadsheet would start reading as a formula
    assert not any(line.lstrip(" \t").startswith(("=", "+", "-", "@"))
                   for c in cells for line in c.splitlines())


def test_numeric_identifiers_match_only_when_distinctive():
    page = "<td>12</td><td>2024</td> 1,234 stays; member <td>1000042</td> 100004200"
    ids = ["12", "2024", "1234", "1000042", "4200"]
    # short numbers are every report's counts and years; a long numeric id is still caught
    assert find_identifiers(page, ids) == ["1000042"]
    assert find_identifiers("x 0012345 y", ["0012345"]) == ["0012345"]
