"""Numbers as people read them (issue 26, part 2): every rendered report of the bundled sample
and of DE-SynPUF (500 people) in calculator mode is scanned for what a reader should never
see: scientific notation, snake_case headers, a bare index, Python values (``True``, ``nan``,
``None``), and, in headless Chromium at a narrow and a wide window, a number broken across
lines inside a table cell.

Both suites are written by the CLI as a user runs it, with ``VALUECASE_STRICT_LABELS`` set, so
a table column without a human label in ``valuecase.present.formatting.COLUMN_LABELS`` fails
the run instead of reaching a report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from valuecase.datasets import example_params
from valuecase.present.formatting import STRICT_LABELS_ENV

from browser import CHROMIUM_ARGS, chromium_path

pytestmark = [pytest.mark.notebook]

REPORTS = ("data_quality", "population", "utilization", "impact", "roi", "partners",
           "funder_summary")
SCIENTIFIC = re.compile(r"\d\.?\d*e[+-]\d+", re.I)
SNAKE = re.compile(r"[a-z]+_[a-z]+")
PYTHON_VALUES = re.compile(r"\b(True|False|nan|NaN|None|NaT|inf)\b")
DEFAULT_INDEX = {"", "index", "level_0", "Unnamed: 0"}


def _report(*args: str) -> Path:
    out = Path(args[args.index("--out") + 1])
    env = {**os.environ, STRICT_LABELS_ENV: "1"}
    r = subprocess.run([sys.executable, "-m", "valuecase.cli", "report", *args],
                       capture_output=True, text=True, timeout=1200, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "reports"
    return _report("--out", str(out), "--params", str(example_params("sample.yml")),
                   "--jobs", "2")


@pytest.fixture(scope="module")
def desynpuf_calculator(tmp_path_factory, desynpuf500) -> Path:
    """DE-SynPUF has no program data: the value case comes from a calculator-mode ROI file."""
    folder = tmp_path_factory.mktemp("desynpuf")
    params = folder / "calculator.yml"
    params.write_text(f"roi_params_file: {example_params('roi-calculator.yml')}\n")
    return _report("--layout", "desynpuf", "--data", str(desynpuf500), "--out",
                   str(folder / "reports"), "--params", str(params), "--jobs", "2")


@pytest.fixture(params=["sample_reports", "desynpuf_calculator"])
def reports(request) -> Path:
    return request.getfixturevalue(request.param)


def _soup(path: Path) -> BeautifulSoup:
    """The report's visible content. The run-metadata header is left out: it lists the run's
    parameters by their names and values as written in a parameters file (``data_dir``,
    ``trigger_min_stays``), which is what a reader looks up there."""
    soup = BeautifulSoup(path.read_text(), "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    for tag in soup.select("header.vc-run-metadata"):
        tag.decompose()
    return soup


def test_the_scan_finds_what_it_looks_for():
    """The patterns catch the issue's own examples (so a clean scan means something)."""
    assert SCIENTIFIC.search("5.445e+05") and SCIENTIFIC.search("-2.424E-06")
    assert not SCIENTIFIC.search("2023-01 member-years 1,234.5")
    assert SNAKE.search("costs_borne") and not SNAKE.search("Costs borne")
    assert PYTHON_VALUES.search("primary False") and not PYTHON_VALUES.search("Nonetheless")


def test_no_report_shows_scientific_notation_code_names_or_python_values(reports):
    problems = []
    for name in (*REPORTS, "index"):
        soup = _soup(reports / f"{name}.html")
        text = soup.get_text(" ")
        problems += [f"{name}: scientific {m.group()}" for m in SCIENTIFIC.finditer(text)]
        problems += [f"{name}: value {m.group()!r} in "
                     f"{text[max(0, m.start() - 40):m.end() + 20]!r}"
                     for m in PYTHON_VALUES.finditer(text)]
        tables = soup.find_all("table", class_="valuecase-table")
        for table in tables:
            headers = [th.get_text(" ", strip=True) for th in table.select("thead th")]
            problems += [f"{name}: snake_case header {h!r}" for h in headers if SNAKE.search(h)]
            problems += [f"{name}: default index header {h!r}" for h in headers
                         if h in DEFAULT_INDEX]
            problems += [f"{name}: row label cell {th.get_text()!r}"
                         for th in table.select("tbody th")]
    assert problems == [], problems


def test_every_report_has_formatted_tables(reports):
    """The scan above is not vacuous: the reports have tables with numeric cells, money with
    its currency symbol, and percentages."""
    cells = []
    for name in REPORTS:
        cells += [td.get_text() for td in _soup(reports / f"{name}.html").select("td.num")]
    assert len(cells) > 50
    assert any(c.startswith(("$", "-$")) for c in cells)
    assert any(c.endswith("%") for c in cells)


_BROKEN_NUMBERS = """() => {
  const broken = [];
  const number = /[-+$<]*\\d[\\d,.]*%?/g;
  for (const cell of document.querySelectorAll('table.valuecase-table td, table.valuecase-table th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(number)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0)
                              .map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0] + ' in ' + cell.textContent.slice(0, 60));
      }
    }
    if (cell.matches('td.num')) {  // a numeric cell is one line of text
      const range = document.createRange();
      range.selectNodeContents(cell);
      const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0)
                            .map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push('cell ' + cell.textContent);
    }
  }
  return broken;
}"""


def broken_numbers(pages: list[Path], widths: tuple[int, ...] = (800, 1200)) -> dict:
    """Numbers in table cells that Chromium lays out on more than one line, by page and
    window width (at most five per page)."""
    from playwright.sync_api import sync_playwright

    broken = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                    headless=True)
        try:
            for width in widths:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route("**/*", lambda route: route.continue_()
                           if route.request.url.startswith("file:") else route.abort())
                for path in pages:
                    page.goto(path.resolve().as_uri(), wait_until="load")
                    found = page.evaluate(_BROKEN_NUMBERS)
                    if found:
                        broken[f"{path.stem} at {width}px"] = found[:5]
                page.close()
        finally:
            browser.close()
    return broken


@pytest.mark.browser
def test_the_browser_check_sees_a_number_broken_across_lines(tmp_path):
    """The issue's "231,38"/"7": a narrow cell that may wrap anywhere splits the number; the
    check must see it (and a number that fits must pass)."""
    cell = ('<table class="valuecase-table"><tr><td style="{}">231,387 and 2023Q1</td>'
            "</tr></table>")
    bad, good = tmp_path / "bad.html", tmp_path / "good.html"
    bad.write_text(cell.format("width:3em;max-width:3em;overflow-wrap:anywhere"))
    good.write_text(cell.format(""))
    assert "bad at 800px" in broken_numbers([bad], (800,))
    assert broken_numbers([good], (800,)) == {}


@pytest.mark.browser
def test_no_number_in_a_table_breaks_across_lines_in_chromium(reports):
    assert broken_numbers([reports / f"{name}.html" for name in REPORTS]) == {}
