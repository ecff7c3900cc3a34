"""Notebook execution and HTML rendering, checked in a real (headless) browser."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

from valuecase.reporting.execute import (
    NotebookExecutionError,
    ParameterError,
    check_parameters,
    execute_notebook,
    notebook_parameters,
)
from valuecase.reporting.html import data_fingerprint, render_html
from valuecase.reporting.index import ReportEntry, write_index
from valuecase.reporting.plotlyjs import bundle_js

from browser import open_report

NOTEBOOKS = Path(__file__).parents[1] / "fixtures" / "notebooks"
TINY = NOTEBOOKS / "tiny.py"
BROKEN = NOTEBOOKS / "broken.py"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EVIL = "<script>alert(1)</script>"
FINGERPRINT = "0123456789abcdef"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Execute tiny.py once (n=7) and render it; shared by the report tests."""
    tmp = tmp_path_factory.mktemp("tiny")
    workdir = tmp / "work"
    workdir.mkdir()
    ipynb = execute_notebook(TINY, tmp / "tiny.ipynb", {"n": 7}, cwd=workdir, progress=False)
    html_path = render_html(
        ipynb,
        tmp / "tiny.html",
        title=f"Tiny for {EVIL}",
        metadata={"data_fingerprint": FINGERPRINT, "parameters": {"n": 7, "partner": EVIL}},
    )
    return {
        "ipynb": ipynb,
        "html": html_path,
        "text": html_path.read_text("utf-8"),
        "workdir": workdir,
    }


@pytest.mark.notebook
def test_executed_notebook_uses_this_interpreter_and_cwd(tiny_run: dict) -> None:
    nb = nbformat.read(tiny_run["ipynb"], as_version=4)
    printed = "".join(
        out.get("text", "")
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream"
    )
    assert f"KERNEL_EXECUTABLE={sys.executable}" in printed
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "n = 7" in injected[0].source
    assert list(tiny_run["workdir"].iterdir()) == []  # kernel left no files in its cwd


@pytest.mark.notebook
def test_html_is_self_contained_and_hides_code(tiny_run: dict) -> None:
    text = tiny_run["text"]
    plotlyjs = bundle_js()
    assert text.count(plotlyjs) == 1
    rest = text.replace(plotlyjs, "")  # plotly.js itself mentions CDNs and MathJax in strings
    assert not re.search(r"<script[^>]*\ssrc=", rest, re.I)
    assert not re.search(r"<link[^>]*href=[\"']?(https?:)?//", rest, re.I)
    for needle in ("cdn.", "require.js", "mathjax"):
        assert needle not in rest.lower(), needle
    # code hidden, parameters cells gone, remove_cell output gone
    assert "import plotly.graph_objects" not in text
    assert "show_table(" not in text
    assert "scale = 1.5" not in text and "n = 7" not in text
    assert "KERNEL_EXECUTABLE" not in text
    assert not re.search(r"class=\"[^\"]*(jp-InputPrompt|jp-InputArea-editor)", text)
    # charts have stable ids
    assert 'id="valuecase-fig-1"' in text and 'id="valuecase-fig-2"' in text
    assert tiny_run["html"].stat().st_size < 1_500_000


@pytest.mark.notebook
def test_metadata_block_is_present_and_escaped(tiny_run: dict) -> None:
    text = tiny_run["text"]
    header = text[text.index('<header class="vc-run-metadata"') : text.index("</header>")]
    assert FINGERPRINT in header
    # the title names the page (escaped) and is not repeated above the report's own heading
    title = text[text.index("<title>") : text.index("</title>")]
    assert "Tiny for &lt;script&gt;alert(1)&lt;/script&gt;" in title
    assert "Tiny for" not in header and "<h1" not in header
    assert "partner" in header and EVIL not in header
    from valuecase import __version__

    assert __version__ in header
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", header)
    # user-supplied table cell escaped, never raw
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in text
    assert text.count(EVIL) == 0


@pytest.mark.notebook
@pytest.mark.browser
def test_report_renders_in_chromium(tiny_run: dict) -> None:
    shot = ARTIFACTS / "tiny.png"
    shot.unlink(missing_ok=True)
    report = open_report(tiny_run["html"], screenshot=shot)
    assert report.charts == 2
    assert report.charts_rendered == 2
    assert report.console_errors == []
    assert report.external_requests == []
    assert "This markdown paragraph must appear in the rendered report." in report.text
    assert EVIL in report.text  # shown as text, so it was not executed as a script
    assert "Rows shown: 7 for <i>Tiny</i>" in report.text  # show_markdown escapes HTML
    assert shot.stat().st_size > 10_000


def test_notebook_parameters_reports_types() -> None:
    params = notebook_parameters(TINY)
    assert {name: p["value_type"] for name, p in params.items()} == {
        "title": "str",
        "n": "int",
        "scale": "float",
    }


def test_unknown_parameter_is_named() -> None:
    with pytest.raises(ParameterError, match=r"tiny\.py.*'sclae'.*accepted: n, scale, title"):
        check_parameters(TINY, {"sclae": 2.0})


@pytest.mark.parametrize(
    ("params", "ok"),
    [
        ({"n": "20"}, False),
        ({"n": True}, False),
        ({"n": 2.5}, False),
        ({"n": 3}, True),
        ({"scale": 2}, True),
        ({"scale": "2"}, False),
        ({"title": 3}, False),
        ({"title": "x"}, True),
    ],
)
def test_parameter_types_are_checked(params: dict, ok: bool) -> None:
    if ok:
        check_parameters(TINY, params)
    else:
        with pytest.raises(ParameterError, match=next(iter(params))):
            check_parameters(TINY, params)


@pytest.mark.notebook
def test_broken_notebook_names_cell_and_keeps_partial(tmp_path: Path) -> None:
    out = tmp_path / "broken.ipynb"
    with pytest.raises(NotebookExecutionError) as info:
        execute_notebook(BROKEN, out, {"divisor": 0}, cwd=tmp_path, progress=False)
    message = str(info.value)
    assert "broken.py" in message and "cell 3" in message
    assert "result = numerator / divisor" in message and "ZeroDivisionError" in message
    assert info.value.cell == 3
    nb = nbformat.read(out, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "ZeroDivisionError"


@pytest.mark.browser
def test_index_page(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<p>a</p>", "utf-8")
    (tmp_path / "b c.html").write_text("<p>b</p>", "utf-8")
    index = write_index(
        tmp_path,
        [
            ReportEntry("a", "Population & cost", tmp_path / "a.html", "Who the people are."),
            ReportEntry("b", f"ROI {EVIL}", tmp_path / "b c.html", "Net savings."),
        ],
        {"data_fingerprint": FINGERPRINT, "parameters": {"site": EVIL}},
    )
    text = index.read_text("utf-8")
    assert 'href="a.html"' in text and 'href="b%20c.html"' in text
    assert "Population &amp; cost" in text and EVIL not in text
    report = open_report(index)
    assert report.external_requests == [] and report.console_errors == []
    assert "Population & cost" in report.text and f"ROI {EVIL}" in report.text
    assert "Who the people are." in report.text and FINGERPRINT in report.text


def test_data_fingerprint_tracks_content_and_names(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x\n1\n")
    b.write_text("y\n2\n")
    first = data_fingerprint([a, b])
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert data_fingerprint([b, a]) == first
    a.write_text("x\n2\n")
    changed = data_fingerprint([a, b])
    assert changed != first
    renamed = a.rename(tmp_path / "c.csv")
    assert data_fingerprint([renamed, b]) != changed
