"""The sample reports as funders forward them (issue 26): no chart control reaches the network,
every report prints without cut tables or charts, the funder summary prints on two pages at A4
and at US Letter, and ``valuecase report --pdf`` wrote a PDF beside each report.

Uses the session's one suite build (``sample_reports`` in ``tests/conftest.py``)."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest

from valuecase.reporting.plotlyjs import bundle_js
from valuecase.reporting.suite import SUITE

from browser import CHROMIUM_ARGS, chromium_path, click_every_chart_control
from conftest import ARTIFACTS

pytestmark = [pytest.mark.notebook, pytest.mark.browser]

LOCAL_BUTTONS = ["Download plot as a PNG", "Zoom", "Reset axes"]
"""The mode bar every chart keeps: tools that work inside the page."""

PAPER_WIDTHS = {"A4": 210 / 25.4 * 96, "Letter": 8.5 * 96}
"""Paper widths in CSS pixels."""
SIDE_MARGIN = 11 / 25.4 * 96
"""The print stylesheet's left and right page margin (11 mm) in CSS pixels."""


def _pdf_pages(data: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), unicodedata.normalize("NFKC", text)  # the "fi" ligature: "fi"


@pytest.mark.parametrize("name", [nb.name for nb in SUITE])
def test_no_chart_control_reaches_the_network(sample_reports, name):
    seen = click_every_chart_control(sample_reports[0] / f"{name}.html")
    assert seen.buttons, "no chart"
    assert all(buttons == LOCAL_BUTTONS for buttons in seen.buttons), seen.buttons
    assert all(c["showSendToCloud"] is False and c["displaylogo"] is False
               for c in seen.configs), seen.configs
    assert seen.network_links == []  # no plotly logo, no link to any http(s) address
    assert seen.external_requests == [] and seen.popups == 0  # after clicking every button
    assert len(seen.downloads) == len(seen.buttons)  # each chart's PNG, made in the page


def test_the_control_check_sees_plotlys_own_buttons(tmp_path):
    """The check above fails on a chart with plotly.js's defaults (its share button, its logo
    linking to plotly.com)."""
    import plotly.graph_objects as go

    page = tmp_path / "defaults.html"
    chart = go.Figure(go.Bar(x=["a", "b"], y=[1, 2])).to_html(
        full_html=False, include_plotlyjs=False, config={"responsive": True})
    page.write_text(f"<html><head><script>{bundle_js()}</script></head><body>{chart}</body>"
                    "</html>")
    seen = click_every_chart_control(page)
    assert "Share chart..." in seen.buttons[0] and seen.configs[0]["showSendToCloud"] is True
    assert seen.network_links == ["https://plotly.com/"]
    assert seen.external_requests and seen.popups == 1


def _print(html, paper: str) -> tuple[bytes, list[str]]:
    """Print ``html`` as a reader would (Chromium's print engine, paper ``paper``) and list
    what sticks out past the printable width in the print layout of that paper."""
    from playwright.sync_api import sync_playwright

    width = round(PAPER_WIDTHS[paper] - 2 * SIDE_MARGIN)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.wait_for_function("() => Array.from(document.querySelectorAll("
                                   "'.plotly-graph-div')).every(d => d.querySelector('.main-svg'))")
            data = page.pdf(format=paper, print_background=True)
            # the print layout: print media at the printable width, charts redrawn for print
            page.emulate_media(media="print")
            page.set_viewport_size({"width": width, "height": 1000})
            page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
            cut = page.evaluate("""(w) => Array.from(document.querySelectorAll(
                    'table, tr, .js-plotly-plot, .main-svg, img, pre, .jp-OutputArea-output'))
                .filter(e => e.getBoundingClientRect().right > w + 0.5
                             || e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
                                && getComputedStyle(e).overflowX !== 'visible')
                .map(e => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right)
                          + ' ' + (e.innerText || '').slice(0, 40))""", width)
            rows = page.evaluate("""() => Array.from(document.querySelectorAll('tr'))
                .filter(r => getComputedStyle(r).breakInside !== 'avoid').length""")
            heads = page.evaluate("""() => Array.from(document.querySelectorAll('thead'))
                .filter(h => getComputedStyle(h).display !== 'table-header-group').length""")
            bars = page.evaluate("""() => Array.from(document.querySelectorAll('.modebar'))
                .filter(b => getComputedStyle(b).display !== 'none').length""")
        finally:
            browser.close()
    problems = cut + [f"{rows} table rows may break"] * bool(rows)
    problems += [f"{heads} table headers not repeated"] * bool(heads)
    problems += [f"{bars} mode bars printed"] * bool(bars)
    return data, problems


@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("name", [nb.name for nb in SUITE])
def test_every_report_prints_without_cut_tables_or_charts(sample_reports, name, paper):
    data, problems = _print(sample_reports[0] / f"{name}.html", paper)
    assert problems == []
    pages, text = _pdf_pages(data)
    (ARTIFACTS / f"print-{name}-{paper}.pdf").parent.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"print-{name}-{paper}.pdf").write_bytes(data)
    if name == "funder_summary":
        assert pages <= 2, f"the funder summary prints on {pages} pages at {paper}"
        for chart in ("Change vs comparison group", "Net savings across",
                      "Who pays and who saves"):
            assert chart in text  # ...with its charts
    assert "Data fingerprint" in text and "Traceback" not in text


def test_report_pdf_wrote_a_pdf_beside_each_report(sample_reports):
    out, r, _ = sample_reports
    for nb in SUITE:
        pdf = out / f"{nb.name}.pdf"
        pages, text = _pdf_pages(pdf.read_bytes())
        heading = re.search(r"<h1[^>]*>(.*?)<", (out / f"{nb.name}.html").read_text()).group(1)
        assert pages >= 1 and " ".join(heading.split()) in " ".join(text.split()), nb.name
        assert "Data fingerprint" in text
        assert str(pdf) in r.stdout and re.search(rf"{nb.name}\.pdf: printed in \d+\.\d s",
                                                  r.stderr)
        if nb.funder_facing:
            assert pages <= 2, (nb.name, pages)
    assert (out / "data_quality.html").stat().st_size <= 1_500_000
