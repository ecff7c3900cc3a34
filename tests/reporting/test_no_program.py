"""Claims without a program (issue 12): every report is written; the reports that need program
data say so plainly; a calculator-mode ROI file still gives a value case. Run by the CLI as a
user would, opened in headless Chromium."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from valuecase.datasets import example_params

from browser import open_report

pytestmark = [pytest.mark.notebook]

VALUECASE = [sys.executable, "-m", "valuecase.cli"]
REPORTS = ("data_quality", "population", "utilization", "impact", "roi", "partners",
           "funder_summary")


def text_of(path: Path) -> str:
    raw = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", path.read_text(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*VALUECASE, "report", *args], capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def claims_only(tmp_path_factory, sample_dir):
    folder = tmp_path_factory.mktemp("claims-only")
    for table in ("eligibility", "medical_claim", "pharmacy_claim"):
        shutil.copy(sample_dir / f"{table}.parquet", folder)
    out = folder.parent / "claims-only-reports"
    r = report("--data", str(folder), "--out", str(out), "--jobs", "2")
    assert r.returncode == 0, r.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def calculator(tmp_path_factory, sample_dir):
    """The same claims beside a header-only program_enrollment (loaded empty, with a note),
    reported with a parameters file whose ROI file is the calculator example."""
    folder = tmp_path_factory.mktemp("header-only")
    for table in ("eligibility", "medical_claim", "pharmacy_claim"):
        shutil.copy(sample_dir / f"{table}.parquet", folder)
    (folder / "program_enrollment.csv").write_text("person_id,enrollment_date\n")
    params = folder.parent / "calculator.yml"  # relative *_file paths: beside the parameters
    shutil.copy(example_params("roi-calculator.yml"), folder.parent)
    params.write_text("roi_params_file: roi-calculator.yml\nseed: 7\n")
    out = folder.parent / "header-only-reports"
    r = report("--data", str(folder), "--out", str(out), "--params", str(params),
               "--jobs", "2")
    assert r.returncode == 0, r.stderr[-3000:]
    return out


def test_every_report_is_written_and_the_impact_parts_say_there_is_no_program(claims_only):
    for name in REPORTS:
        text = text_of(claims_only / f"{name}.html")
        assert "Traceback" not in text and not re.search(r"\w+Error\b", text), name
    assert "No program data was given" in text_of(claims_only / "impact.html")
    assert "No partner data was given" in text_of(claims_only / "partners.html")
    roi = text_of(claims_only / "roi.html")  # the sample's ROI file is in evidence mode
    assert "No program data was given" in roi and "evidence mode" in roi
    funder = text_of(claims_only / "funder_summary.html")
    assert "No program data was given" in funder and "No value case" in funder
    assert "15,000 people" in funder  # the population part is still there
    index = text_of(claims_only / "index.html")
    assert "No program data: nothing to evaluate" in index


@pytest.mark.browser
def test_the_no_program_reports_render_in_chromium(claims_only):
    for name in ("impact", "funder_summary"):
        seen = open_report(claims_only / f"{name}.html")
        assert seen.console_errors == [] and seen.external_requests == []
        assert "No program data was given" in seen.text


def test_a_layout_without_program_data_gets_a_calculator_value_case(desynpuf500, tmp_path):
    params = tmp_path / "calculator.yml"
    params.write_text(f"roi_params_file: {example_params('roi-calculator.yml')}\n")
    out = tmp_path / "reports"
    r = report("--layout", "desynpuf", "--data", str(desynpuf500), "--out", str(out),
               "--params", str(params))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "496 persons" in text_of(out / "population.html")
    assert "DE-SynPUF enrollment" in text_of(out / "data_quality.html")  # the layout's rule
    assert "No program data was given" in text_of(out / "impact.html")
    roi = text_of(out / "roi.html")
    assert re.search(r"ROI -?\d+\.\d%", roi) and "reductions assumed in the ROI file" in roi
    funder = text_of(out / "funder_summary.html")
    assert "assumed" in funder and "No program data was given" in funder


def test_a_synthea_export_gets_its_claims_reports(synthea11, tmp_path):
    out = tmp_path / "reports"
    r = report("--layout", "synthea", "--data", str(synthea11), "--out", str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    for name in REPORTS:
        assert "Traceback" not in text_of(out / f"{name}.html"), name
    assert "11 persons" in text_of(out / "population.html")
    assert "ECHECK" in text_of(out / "data_quality.html")  # the layout's paid rule is stated
    assert "No program data was given" in text_of(out / "impact.html")


def test_a_header_only_program_table_and_a_calculator_file_give_an_assumed_value_case(
        calculator):
    assert {p.name for p in calculator.glob("*.html")} == {f"{n}.html" for n in REPORTS} | {
        "index.html"}
    for name in REPORTS:
        text = text_of(calculator / f"{name}.html")
        assert "Traceback" not in text and not re.search(r"\w+Error\b", text), name
    assert "No program data was given" in text_of(calculator / "impact.html")
    roi = text_of(calculator / "roi.html")
    assert re.search(r"ROI -?\d+\.\d%", roi) and "reductions assumed in the ROI file" in roi
    assert "No program data was given" in roi and "roi-calculator.yml (assumption)" in roi
    funder = text_of(calculator / "funder_summary.html")
    assert "rests on assumed reductions" in funder and re.search(r"an ROI of -?\d+\.\d%", funder)
    assert "No program data was given" in funder
    assert "(assumed reductions); no program data." in text_of(calculator / "index.html")


@pytest.mark.browser
def test_the_calculator_roi_report_draws_its_charts_in_chromium(calculator):
    seen = open_report(calculator / "roi.html")
    assert seen.console_errors == [] and seen.external_requests == []
    assert seen.charts >= 3 and seen.charts_rendered == seen.charts
    assert "reductions assumed in the ROI file" in seen.text


def test_the_impact_notebook_opened_by_hand_says_why_and_stops(tmp_path, sample_dir):
    """In JupyterLab, with no results folder, the notebook computes its own results: without
    program data it shows the message and stops on its first cell, with no traceback."""
    import jupytext
    import papermill

    from valuecase.reporting.suite import NOTEBOOK_DIR

    data = tmp_path / "claims"
    data.mkdir()
    for table in ("eligibility", "medical_claim", "pharmacy_claim"):
        shutil.copy(sample_dir / f"{table}.parquet", data)
    nb = jupytext.read(NOTEBOOK_DIR / "impact.py")
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3",
                                          "language": "python"})
    jupytext.write(nb, tmp_path / "impact.ipynb")
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(str(tmp_path / "impact.ipynb"), str(tmp_path / "out.ipynb"),
                                   parameters={"data_dir": str(data)}, kernel_name="python3",
                                   progress_bar=False)
    assert err.value.ename == "ReportUnavailable"
    assert err.value.traceback == ["impact: No program data: nothing to evaluate. (the message "
                                   "above says why; the other reports still run)"]
    executed = (tmp_path / "out.ipynb").read_text()
    assert "No program data was given" in executed and "KeyError" not in executed
