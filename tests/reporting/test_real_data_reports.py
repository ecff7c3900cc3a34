"""Reports that make sense on real data (issue 26, part 3), run by the CLI as a user would on
the Synthea export of 11 people, declared in Australian dollars: no "nan%" concentration
intervals, partial periods labelled and kept off the rate charts, axes of counts and rates from
zero, money in the data's currency and no US benchmark beside it, years with stays but no
inpatient spend flagged, table cells that do not break inside a number."""

from __future__ import annotations

import re

import pytest
from test_no_program import report, text_of

from valuecase.datasets import example_params

from browser import CHROMIUM_ARGS, chromium_path

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

PARAMS = ("layout: synthea\ncurrency: AUD\nnotebooks:\n  utilization:\n    period: month\n"
          f"roi_params_file: {example_params('roi-calculator.yml')}\n")
PAGES = ("data_quality", "population", "utilization")
MONEY_PAGES = (*PAGES, "roi", "funder_summary")  # the value case from a calculator file
BARE_DOLLAR = re.compile(r"(?<![A-Z])\$")
"""A dollar sign that is not part of A$: money shown in US dollars."""


@pytest.fixture(scope="module")
def aud_reports(tmp_path_factory, synthea11):
    folder = tmp_path_factory.mktemp("aud")
    (folder / "params.yml").write_text(PARAMS)
    out = folder / "reports"
    r = report("--params", str(folder / "params.yml"), "--data", str(synthea11), "--out",
               str(out), *[a for p in MONEY_PAGES for a in ("--only", p)], "--jobs", "2")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    return out


def test_concentration_of_ten_people_says_n_too_small(aud_reports):
    text = text_of(aud_reports / "population.html")
    assert "n too small" in text
    assert "nan" not in text.lower().replace("%", " ").split()
    assert "nan% – nan%" not in text


def test_money_is_in_the_data_currency_and_no_us_benchmark_is_shown(aud_reports):
    population = text_of(aud_reports / "population.html")
    assert "No benchmark is shown" in population and "in AUD" in population
    assert "the top 1% hold about 21–24%" not in population
    for page in MONEY_PAGES:
        text = text_of(aud_reports / f"{page}.html")
        assert "A$" in text, page
        assert BARE_DOLLAR.findall(text) == [], (page, BARE_DOLLAR.search(text))
    assert "PMPM (A$) by period and service category" in population
    assert "Paid (A$)" in population  # column headers written for dollars
    roi = text_of(aud_reports / "roi.html")
    # the assumptions read as what they are: money in A$, rates as percentages
    assert "A$14,000 (range A$11,000 to A$17,000)" in roi and "3.0%" in roi


def test_money_axes_and_hover_labels_are_in_the_data_currency(aud_reports):
    """The value-case charts (tornado, Monte Carlo, payback, ledger) tick and hover in A$."""
    html = (aud_reports / "roi.html").read_text()
    prefixes = re.findall(r'"tickprefix":\s*"([^"]*)"', html)
    formats = re.findall(r'"(?:hovertemplate|tickformat)":\s*"([^"]*)"', html)
    assert prefixes.count("A$") >= 3 and set(prefixes) == {"A$"}, prefixes
    assert any("A$%{" in f for f in formats), formats
    assert [f for f in formats if BARE_DOLLAR.search(f)] == []  # no d3 "$" (US dollars)


def test_partial_periods_are_labelled_and_left_off_rate_charts(aud_reports):
    population = text_of(aud_reports / "population.html")
    # 2012 has 1 member month and 2025 has 6, against ~130 in a full year
    assert "2012 (partial)" in population and "2025 (partial)" in population
    assert "Left out (partial period" in (aud_reports / "population.html").read_text()
    # the table keeps the row, labelled; the charts leave it out (checked in Chromium below)
    assert "2012 (partial) 0 (0–44,267)" in population


def test_years_with_stays_but_no_inpatient_spend_are_flagged(aud_reports):
    text = text_of(aud_reports / "data_quality.html")
    assert "acute inpatient stays but A$0 inpatient spend in 2014, 2019, 2022" in text


def _in_chromium(path, script):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                    headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=60_000)
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
                ".every(d => d.querySelector('.main-svg'))", timeout=30_000)
            return page.evaluate(script)
        finally:
            browser.close()


AXES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => ({
    title: (d.layout.title && d.layout.title.text) || '',
    types: d.data.map(t => t.type || 'scatter'),
    x: d.data.flatMap(t => Array.from(t.x || []).map(String)),
    y0: d._fullLayout.yaxis.range[0]}))"""

WRAPPED = """() => Array.from(document.querySelectorAll('table.valuecase-table td.num'))
    .filter(td => { const r = document.createRange(); r.selectNodeContents(td);
                    return r.getClientRects().length > 1; })
    .map(td => td.textContent)"""


@pytest.mark.browser
def test_count_and_rate_axes_start_at_zero_in_chromium(aud_reports):
    for page in ("population", "utilization"):
        charts = _in_chromium(aud_reports / f"{page}.html", AXES)
        checked = [c for c in charts if "per 1,000" in c["title"] or "PMPM" in c["title"]]
        assert len(checked) >= 3, (page, charts)
        for c in checked:
            assert c["y0"] <= 0, (page, c)
        rates = [c for c in checked if "per 1,000" in c["title"] and page == "population"]
        for c in rates:  # 2012 (1 member month) and 2025 (6) are partial years
            assert "2013" in c["x"] and not {"2012", "2025"} & set(c["x"]), c


@pytest.mark.browser
def test_number_cells_stay_on_one_line_in_chromium(aud_reports):
    for page in PAGES:
        assert _in_chromium(aud_reports / f"{page}.html", WRAPPED) == [], page
