"""The report suite as a funder meets it: run by the CLI, opened in headless Chromium."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from browser import open_report
from conftest import ARTIFACTS

from valuecase.privacy import find_identifiers
from valuecase.reporting.render import NotebookExecutionError
from valuecase.reporting.suite import SUITE, run_suite

pytestmark = [pytest.mark.notebook]


@pytest.fixture(scope="module")
def built(sample_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    r = subprocess.run([sys.executable, "-m", "valuecase.cli", "report", "--data",
                        str(sample_dir), "--out", str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r


def test_report_writes_every_notebook_and_index(built):
    out, r = built
    for nb in SUITE:
        assert (out / f"{nb.name}.html").stat().st_size > 100_000
        assert (out / f"{nb.name}.ipynb").exists()
        assert nb.name in r.stdout  # the final table lists what was written
    index = (out / "index.html").read_text()
    for nb in SUITE:
        assert f'href="{nb.name}.html"' in index
    assert "Data fingerprint" in index or "data fingerprint" in index.lower()
    assert not list(out.parent.glob(f".{out.name}-staging-*"))  # staging cleaned up


@pytest.mark.browser
@pytest.mark.parametrize("name", [nb.name for nb in SUITE])
def test_report_renders_in_chromium(built, name):
    out, _ = built
    html = out / f"{name}.html"
    assert html.stat().st_size < 6_000_000
    seen = open_report(html, screenshot=ARTIFACTS / f"report-{name}.png")
    assert seen.charts >= 3
    assert seen.charts_rendered == seen.charts
    assert seen.console_errors == []
    assert seen.external_requests == []
    assert "Traceback" not in seen.text


@pytest.mark.browser
def test_index_renders_in_chromium(built):
    out, _ = built
    seen = open_report(out / "index.html", screenshot=ARTIFACTS / "report-index.png")
    assert seen.console_errors == [] and seen.external_requests == []
    for nb in SUITE:
        assert nb.title in seen.text


def test_population_report_numbers_come_from_the_panel(built, sample_dir):
    from valuecase.load import load
    from valuecase.panel import build_panel

    text = (built[0] / "population.html").read_text()
    panel = build_panel(load(sample_dir))
    assert f"{panel['person_id'].nunique():,} persons" in text
    assert f"{len(panel):,} member months" in text


def test_reports_contain_no_person_identifier(built, sample_dir):
    ids = pd.read_parquet(sample_dir / "eligibility.parquet", columns=["person_id"])["person_id"]
    for nb in SUITE:
        text = (built[0] / f"{nb.name}.html").read_text()
        assert find_identifiers(text, ids) == []


def test_failed_run_keeps_previous_reports(built, tmp_path, sample_dir):
    out = tmp_path / "published"
    out.mkdir()
    (out / "index.html").write_text("previous good index")
    (out / "population.html").write_text("previous good report")
    broken_dir = tmp_path / "notebooks"
    broken_dir.mkdir()
    (broken_dir / "population.py").write_text(
        '# %% tags=["parameters"]\ndata_dir = ""\nmapping_file = ""\nperiod = "year"\n'
        "persistence_top = 0.05\n\n# %%\nx = 1\n\n# %%\nraise RuntimeError('boom')\n")
    with pytest.raises(NotebookExecutionError, match=r"population.* cell 3.*boom"):
        run_suite(sample_dir, out, notebook_dir=broken_dir, only=["population"], progress=False)
    assert (out / "index.html").read_text() == "previous good index"
    assert (out / "population.html").read_text() == "previous good report"


def test_unknown_notebook_parameter_fails_before_running(tmp_path, sample_dir):
    params = tmp_path / "p.yml"
    params.write_text("notebooks:\n  population:\n    perod: year\n")
    r = subprocess.run([sys.executable, "-m", "valuecase.cli", "report", "--data",
                        str(sample_dir), "--out", str(tmp_path / "out"), "--params", str(params)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert "perod" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out" / "index.html").exists()


def test_sample_parameters_file_runs_through_check(tmp_path, sample_dir):
    from valuecase.reporting.render import check_parameters
    from valuecase.reporting.suite import NOTEBOOK_DIR, notebook_parameters_for, read_params

    params_file = Path(__file__).resolve().parents[1] / "params" / "sample.yml"
    params = read_params(params_file)
    for nb in SUITE:
        check_parameters(NOTEBOOK_DIR / f"{nb.name}.py",
                         notebook_parameters_for(nb.name, sample_dir, params_file, params))
