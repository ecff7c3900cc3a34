"""The report suite as a funder meets it: run by the CLI, opened in headless Chromium.

One module-scoped build (``valuecase report --jobs 2`` on the bundled sample, run from another
folder, with every stage call logged) serves every test here; the fixture-notebook tests of the
runner itself are in ``test_suite.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

from valuecase import __version__
from valuecase.datasets import example_params
from valuecase.privacy import find_identifiers, strip_plotlyjs
from valuecase.reporting.plotlyjs import BUNDLE_TRACE_TYPES, bundle_js, trace_types
from valuecase.reporting.suite import SUITE

from browser import CHROMIUM_ARGS, chromium_path, open_report
from conftest import ARTIFACTS

STAGES = ("load", "panel", "stays", "trigger", "conditions", "study", "evaluation", "subgroups",
          "diagnostics", "value_case", "partners")

pytestmark = [pytest.mark.notebook]

COUNT_HEADER = re.compile(r"\b(persons|people|members|patients|enrollees|count|n)\b", re.I)


def small_counts_in_tables(html: str) -> dict:
    """Cells of count columns (header names persons, members, count...) showing 1-10.

    Returns ``{"checked": number of count cells seen, "small": [offending cell texts]}``.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    checked, small = 0, []
    for table in soup.find_all("table"):
        rows = table.find_all("tr")
        if not rows:
            continue
        header = [c.get_text(" ", strip=True) for c in rows[0].find_all(["th", "td"])]
        wanted = [i for i, h in enumerate(header) if COUNT_HEADER.search(h)]
        for row in rows[1:]:
            cells = [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
            for i in wanted:
                if i >= len(cells):
                    continue
                checked += 1
                number = cells[i].replace(",", "")
                if number.isdigit() and 1 <= int(number) <= 10:
                    small.append(cells[i])
    return {"checked": checked, "small": small}


@pytest.fixture(scope="module")
def built(sample_reports):
    """The whole suite written by valuecase installed from its wheel into a fresh environment,
    run from a folder outside the repository, with every stage call logged (one build per
    session: ``sample_reports`` in ``tests/conftest.py``)."""
    return sample_reports


@pytest.fixture(scope="module")
def identifiers(sample_dir) -> pd.Series:
    elig = pd.read_parquet(sample_dir / "eligibility.parquet", columns=["person_id", "member_id"])
    return pd.concat([elig["person_id"], elig["member_id"]]).drop_duplicates()


def test_every_stage_runs_once_per_report_run(built):
    counts = built[2]
    assert {s: counts[s] for s in STAGES} == dict.fromkeys(STAGES, 1), counts
    assert "analysis: done in" in built[1].stderr


def test_report_writes_every_notebook_and_index(built):
    out, r, _ = built
    for nb in SUITE:
        assert 50_000 < (out / f"{nb.name}.html").stat().st_size <= 1_500_000, nb.name
        assert (out / f"{nb.name}.ipynb").exists()
        # the final table: name, file, size and the one-line summary
        line = next(line for line in r.stdout.splitlines() if line.startswith(nb.name + " "))
        assert str(out / f"{nb.name}.html") in line and re.search(r"\d+\.\d MB", line)
        assert len(line.split("MB", 1)[1].strip()) > 10, line
        # with --jobs, one line per notebook as it starts and finishes, with seconds
        assert re.search(rf"\] {nb.name}: running", r.stderr)
        assert re.search(rf"{nb.name}: done in \d+\.\d s", r.stderr)
    index = (out / "index.html").read_text()
    for nb in SUITE:
        assert f'href="{nb.name}.html"' in index
    assert not list(out.parent.glob(f".{out.name}-staging-*"))  # staging cleaned up


def test_run_metadata_on_every_report_and_index(built, sample_dir):
    from valuecase.data.load import find_table_files
    from valuecase.reporting.html import data_fingerprint

    out = built[0]
    fingerprint = data_fingerprint([p for ps in find_table_files(sample_dir).values() for p in ps])
    for page in [f"{nb.name}.html" for nb in SUITE] + ["index.html"]:
        raw = (out / page).read_text()
        text = open_report(out / page).text
        assert f"Data fingerprint\n{fingerprint}" in text, page
        assert f"valuecase version\n{__version__}" in text, page
        assert re.search(r"Run date\n20\d\d-\d\d-\d\d \d\d:\d\d UTC", text), page
        assert "Parameters file\nsample.yml" in text, page
        assert "Data folder\nsample" in text, page
        # no machine path in any report: not the data folder, not the parameters file's
        for path in (sample_dir.resolve(), example_params("sample.yml").parent, out.parent):
            assert str(path) not in raw, (page, path)
    population = open_report(out / "population.html").text
    assert "period\tyear" in population  # a value from the parameters file


def test_index_lists_each_report_with_its_summary(built):
    out, r, _ = built
    index = open_report(out / "index.html").text
    for nb in SUITE:
        line = next(line for line in r.stdout.splitlines() if line.startswith(nb.name + " "))
        summary = line.split("MB", 1)[1].strip().rstrip("…")
        assert nb.title in index and summary in index, nb.name


@pytest.mark.browser
@pytest.mark.parametrize("name", [nb.name for nb in SUITE])
def test_report_renders_in_chromium(built, name):
    out = built[0]
    html = out / f"{name}.html"
    raw = html.read_text()
    assert html.stat().st_size <= 1_500_000
    data_part = strip_plotlyjs(raw, bundle_js())
    assert raw.count(bundle_js()) == 1  # the plotly.js bundle inlined once
    assert trace_types(raw) <= BUNDLE_TRACE_TYPES  # ...and it can draw every chart
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"?https?:", raw)  # nothing fetched
    charts = len(re.findall(r"Plotly\.newPlot\(", data_part))
    seen = open_report(html, screenshot=ARTIFACTS / f"report-{name}.png")
    assert charts >= 1 and seen.charts == charts  # every chart in the file became a plot...
    assert seen.charts_rendered == seen.charts  # ...and drew its svg
    assert seen.console_errors == []
    assert seen.external_requests == []
    assert "Traceback" not in seen.text


def test_index_says_what_each_report_answers_and_tells_the_samples_story(built):
    out = built[0]
    index = open_report(out / "index.html").text
    for nb in SUITE:
        assert nb.question and nb.audience and nb.question in index, nb.name
    assert "Data: the synthetic sample bundled with valuecase (Tuva input layer): 15,000 people" \
        in index
    # the sample's negative ROI and failed pre-trend check are explained, from its truth.json
    assert "These claims are synthetic" in index and "is this sample's result, not a fault" in index
    assert "The pre-trend check fails (p = 0.0" in index


@pytest.mark.browser
def test_index_renders_in_chromium(built):
    out = built[0]
    seen = open_report(out / "index.html", screenshot=ARTIFACTS / "report-index.png")
    assert seen.console_errors == [] and seen.external_requests == []
    for nb in SUITE:
        assert nb.title in seen.text


@pytest.mark.browser
def test_report_prints_to_a_multi_page_pdf(built):
    from playwright.sync_api import sync_playwright

    html = built[0] / "population.html"
    pdf = ARTIFACTS / "report-population.pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.wait_for_function("() => Array.from(document.querySelectorAll("
                                   "'.plotly-graph-div')).every(d => d.querySelector('.main-svg'))")
            page.emulate_media(media="print")
            data = page.pdf(format="Letter", print_background=True)
        finally:
            browser.close()
    pdf.write_bytes(data)
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages > 1, pages
    assert len(data) > 50_000


def test_population_report_numbers_come_from_the_panel(built, sample_dir):
    from valuecase.data.load import load
    from valuecase.panel.member_panel import build_panel

    text = (built[0] / "population.html").read_text()
    panel = build_panel(load(sample_dir))
    assert f"{panel['person_id'].nunique():,} persons" in text
    assert f"{len(panel):,} member months" in text


def test_reports_contain_no_person_identifier(built, identifiers):
    for page in [f"{nb.name}.html" for nb in SUITE] + ["index.html"]:
        text = (built[0] / page).read_text()
        assert find_identifiers(text, identifiers) == [], page
    # the scan would see one: the sample's ids are in the notebooks (kept .ipynb), not the HTML
    assert find_identifiers(f"x {identifiers.iloc[-1]} y", identifiers) == [identifiers.iloc[-1]]


def test_funder_facing_reports_have_no_identifier_or_small_count(built, identifiers):
    funder = [nb for nb in SUITE if nb.funder_facing]
    for nb in funder:
        html = (built[0] / f"{nb.name}.html").read_text()
        assert find_identifiers(html, identifiers) == [], nb.name
        assert small_counts_in_tables(html)["small"] == [], nb.name
    assert funder, "the suite has no funder-facing report (the funder summary must be one)"
    # the CLI ran the guard on exactly these reports
    guard_line = next(line for line in built[1].stdout.splitlines()
                      if line.startswith("privacy guard:"))
    assert all(nb.name in guard_line for nb in funder)
    assert f"{len(identifiers):,} person identifiers, none found" in guard_line


def test_a_relative_out_folder_works(tmp_path):
    """`make reports` passes `--out reports`: relative to where the command runs, while the
    notebooks run inside the staging folder."""
    r = subprocess.run([sys.executable, "-m", "valuecase.cli", "report", "--out", "reports",
                        "--only", "data_quality"], capture_output=True, text=True, cwd=tmp_path,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "reports" / "data_quality.html").stat().st_size > 50_000
    assert not list(tmp_path.glob(".reports-staging-*"))



def test_subgroup_effects_and_the_equity_row_are_reported(built):
    """The impact report shows effects by subgroup; the funder summary says, from the
    interaction test, whether the effect differed by age band or sex."""
    import html
    import re

    for name in ("impact", "funder_summary"):
        text = html.unescape(re.sub(r"<[^>]+>", " ", (built[0] / f"{name}.html").read_text()))
        assert "interaction test p" in text, name
        assert re.search(r"[Bb]y (age band|sex), the effect on acute inpatient stays", text), name
    impact = (built[0] / "impact.html").read_text()
    assert "Rate ratios by subgroup" in impact
    assert "Persons without any follow-up month, by group" in impact


def test_the_estimand_is_named_in_the_impact_roi_and_funder_reports(built):
    """One estimand from effect to ROI (issue 13, item 1): each report that shows or prices
    the primary effect says what it measures, and the ROI report's enrollment source is the
    follow-up exposure the effect was estimated on."""
    import html
    import re

    for name in ("impact", "roi", "funder_summary"):
        text = re.sub(r"\s+", " ", html.unescape(re.sub(
            r"<[^>]+>", " ", (built[0] / f"{name}.html").read_text())))
        assert "What the primary effect measures (the estimand)" in text, name
        assert "over the 12 months after each person's index date" in text, name
    roi = html.unescape((built[0] / "roi.html").read_text())
    assert "follow-up member-years per enrollee" in roi


PARTNER_COUNTS = re.compile(r"^(Eligible|Reached|Contacts|People|Identified|Resolved|Still open|"
                            r"Needs|Respondents|Top box)$")  # the columns' human labels


def test_the_partners_report_shows_the_partner_measures_with_small_counts_hidden(built):
    """Issue 14, item 5: reach, engagement, needs, time to resolution, experience and cost by
    partner from the sample's partner tables; counts under 11 never shown; the funder
    summary's value-domain table says the two domains are measured."""
    from bs4 import BeautifulSoup

    from valuecase.analysis.parameters import SuiteParameters
    from valuecase.analysis.run import Analysis
    from valuecase.present.formatting import percent

    m = Analysis(SuiteParameters()).partner_measures
    html = (built[0] / "partners.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    text = soup.get_text(" ", strip=True)
    reach90 = m.reach.set_index("window_days").loc[90]
    assert percent(reach90["share"]) in text and f"{reach90['reached']:,.0f}" in text
    assert "Descriptive, not causal" in text and "Kaplan–Meier" in text
    assert "Follow-up acute stays and ED visits per member-year by contact intensity" in text
    assert "Housing instability" in text  # the coded domain by its name
    checked = 0
    for table in soup.find_all("table"):
        rows = table.find_all("tr")
        header = [c.get_text(strip=True) for c in rows[0].find_all(["th", "td"])]
        wanted = [i for i, h in enumerate(header) if PARTNER_COUNTS.match(h)]
        for row in rows[1:]:
            cells = [c.get_text(strip=True).replace(",", "") for c in row.find_all(["th", "td"])]
            for i in wanted:
                checked += 1
                assert not (cells[i].isdigit() and 1 <= int(cells[i]) <= 10), (header[i], cells)
    assert checked > 50
    funder = BeautifulSoup((built[0] / "funder_summary.html").read_text(),
                           "html.parser").get_text(" ", strip=True)
    assert "measured (partner records)" in funder and "measured (survey)" in funder


@pytest.mark.browser
def test_the_partners_report_draws_its_charts_in_chromium(built):
    seen = open_report(built[0] / "partners.html")
    assert seen.console_errors == [] and seen.external_requests == []
    assert seen.charts == seen.charts_rendered == 2


def test_no_raw_partner_identifier_reaches_a_report_or_a_linkage_output(built, tmp_path):
    """Issue 14: a partner's identifiers (names, birth dates, Medicaid ids) are turned into
    keyed tokens on its own machine; neither the token files, the crosswalk, nor any report
    holds one in clear. Run as partners would: the CLI writes the synthetic files, tokenizes
    both sides and links them."""
    import subprocess
    import sys

    cli = [sys.executable, "-m", "valuecase.cli", "link"]
    secret = tmp_path / "secret"
    secret.write_text("a shared secret of more than sixteen bytes")
    for args in (["synth", str(tmp_path / "ids")],
                 ["tokenize", str(tmp_path / "ids" / "payer.csv"), "--secret-file", str(secret),
                  "--out", str(tmp_path / "payer.parquet")],
                 ["tokenize", str(tmp_path / "ids" / "partner.csv"), "--secret-file",
                  str(secret), "--out", str(tmp_path / "partner.parquet")],
                 ["match", str(tmp_path / "payer.parquet"), str(tmp_path / "partner.parquet"),
                  "--out", str(tmp_path / "crosswalk.csv")]):
        r = subprocess.run([*cli, *args], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
    partner = pd.read_csv(tmp_path / "ids" / "partner.csv", dtype=str)
    # identifiers as written: full names, birth dates, Medicaid ids and the partner's own
    # client ids (a surname alone is also a word: "Wilson" interval, colour "white")
    names = (partner["first_name"].fillna("") + " " + partner["last_name"].fillna("")).str.strip()
    raw = {v for v in names if " " in v}
    for col in ("birth_date", "medicaid_id", "person_id"):
        raw |= {v for v in partner[col].dropna() if len(v) >= 6}
    assert len(raw) > 1000
    shared = [tmp_path / "payer.parquet", tmp_path / "partner.parquet",
              tmp_path / "crosswalk.csv", *built[0].glob("*.html")]
    for path in shared:
        data = path.read_bytes().decode("utf-8", "replace")
        # the inlined plotly.js library is code, not data (its colour names include "brown")
        data = re.sub(r"<script[^>]*>(?:(?!</script>).){100000,}</script>", "", data,
                      flags=re.S)
        found = [v for v in raw if v in data]
        assert found == [], (path.name, found[:5])
