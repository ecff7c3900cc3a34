"""One parameters model: meaning checked up front, every problem listed, exit 2 before any
notebook starts; the notebooks' parameters cells agree with the schema."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from valuecase.analysis.parameters import (
    REPORT_FIELDS,
    SuiteParameters,
    check_parameters,
)
from valuecase.errors import ParametersError
from valuecase.reporting.execute import notebook_parameters
from valuecase.reporting.suite import NOTEBOOK_DIR, SUITE

VALUECASE = str(Path(sys.executable).with_name("valuecase"))


def test_every_suite_notebook_declares_exactly_the_schema_parameters_with_its_defaults():
    defaults = SuiteParameters()
    for nb in SUITE:
        declared = notebook_parameters(NOTEBOOK_DIR / f"{nb.name}.py")
        section = getattr(defaults.notebooks, nb.name).model_dump()
        expected = {"results_dir": "", **{k: getattr(defaults, k)
                                          for k in REPORT_FIELDS[nb.name]}, **section}
        assert set(declared) == set(expected), nb.name
        for name, value in expected.items():
            assert ast.literal_eval(declared[name]["default"]) == value, (nb.name, name)


def test_meaning_is_checked_and_every_problem_is_listed(tmp_path):
    params = tmp_path / "p.yml"
    params.write_text("design: randomised\nbaseline_months: 0\ntrigger_min_stays: 0\n"
                      "seed: yes\nnotebooks:\n  population:\n    period: weekly\n"
                      "  impact:\n    placebo_split: 3\n")
    with pytest.raises(ParametersError) as err:
        check_parameters(params)
    lines = str(err.value).splitlines()
    assert len(lines) == 6, lines
    text = str(err.value)
    assert "design: must be one of 'eligible_not_enrolled', 'randomized'" in text
    assert "(got 'randomised')" in text
    assert "baseline_months: must be >= 1 (got 0)" in text
    assert "trigger_min_stays: must be >= 1 (got 0)" in text
    assert "seed: " in text and "yes/no" in text
    assert "notebooks.population.period: must be one of" in text
    assert "notebooks.impact.placebo_split: must be <= -1 (got 3)" in text


def test_unknown_keys_and_other_data_in_a_section_are_rejected(tmp_path):
    params = tmp_path / "p.yml"
    params.write_text("folowup_months: 6\nnotebooks:\n  funder_summary:\n"
                      "    data_dir: /tmp/other\n  frist: {}\n")
    with pytest.raises(ParametersError) as err:
        check_parameters(params)
    text = str(err.value)
    assert "folowup_months: unknown parameter" in text
    assert "notebooks.funder_summary.data_dir: unknown parameter" in text
    assert "notebooks.frist: unknown parameter" in text


def test_roi_file_data_folder_and_out_are_checked(tmp_path):
    roi = tmp_path / "roi.yml"
    roi.write_text("mode: evidence\nhorizon_years: 0\npartners: [payer]\n")
    params = tmp_path / "p.yml"
    params.write_text("roi_params_file: roi.yml\n")
    out_file = tmp_path / "out.html"
    out_file.write_text("x")
    with pytest.raises(ParametersError) as err:
        check_parameters(params, data_dir=tmp_path / "nowhere", out_dir=out_file)
    text = str(err.value)
    assert "roi.yml: horizon_years" in text
    assert f"--data {tmp_path / 'nowhere'}: folder not found" in text
    assert "--out" in text and "is not a folder" in text
    missing = tmp_path / "q.yml"
    missing.write_text("roi_params_file: missing.yml\n")
    with pytest.raises(ParametersError, match="missing.yml"):
        check_parameters(missing)


def test_params_pointing_at_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ParametersError, match="is a folder"):
        check_parameters(tmp_path)


def test_bad_parameters_exit_2_before_any_notebook_starts(tmp_path):
    roi = tmp_path / "roi.yml"
    roi.write_text(": not yaml [")
    params = tmp_path / "p.yml"
    params.write_text("design: randomised\nfollowup_months: 0\nroi_params_file: roi.yml\n")
    out = tmp_path / "reports"
    r = subprocess.run([VALUECASE, "report", "--params", str(params), "--out", str(out)],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert "design: must be one of" in r.stderr
    assert "followup_months: must be >= 1 (got 0)" in r.stderr
    assert "roi.yml" in r.stderr
    assert "running" not in r.stderr and "analysis" not in r.stderr  # nothing started
    assert not out.exists()
    assert not list(tmp_path.glob(".reports-staging-*"))


def test_defaults_point_at_the_bundled_sample_and_roi_file():
    p = check_parameters()
    assert (p.resolved_data_dir() / "eligibility.parquet").is_file()
    assert p.resolved_roi_file().name == "roi-sample.yml"


def test_example_parameters_file_passes_the_check():
    from valuecase.datasets import example_params

    p = check_parameters(example_params("sample.yml"))
    assert p.notebooks.population.period == "year"
    assert p.notebooks.utilization.period == "quarter"
    assert p.resolved_roi_file() == example_params("roi-sample.yml").resolve()


def test_the_data_folder_comes_from_the_command_line_only(tmp_path):
    params = tmp_path / "p.yml"
    params.write_text("data_dir: /somewhere/else\n")
    with pytest.raises(ParametersError, match="data_dir is not set in a parameters file; use --data"):
        check_parameters(params)


def test_layout_comes_from_the_parameters_file_and_its_files_are_checked(tmp_path, desynpuf500,
                                                                           seed10):
    params = tmp_path / "p.yml"
    params.write_text("layout: desynpuf\n")
    assert check_parameters(params, data_dir=desynpuf500).layout == "desynpuf"
    # a Tuva folder read as DE-SynPUF: the layout's own files are missing, said before a run
    with pytest.raises(ParametersError, match=r"layout desynpuf.*no beneficiary summary file"):
        check_parameters(params, data_dir=seed10)
    params.write_text("layout: cms\n")
    with pytest.raises(ParametersError, match="layout"):
        check_parameters(params, data_dir=desynpuf500)
    # --layout on the command line wins over the file
    assert check_parameters(params, data_dir=seed10, overrides={"layout": "tuva"}).layout == "tuva"


def test_currency_is_an_iso_code_with_one_default(tmp_path):
    assert SuiteParameters().currency == "USD"
    params = tmp_path / "p.yml"
    params.write_text("currency: AUD\n")
    assert check_parameters(params).currency == "AUD"
    for bad in ("AUS", "aud", "$", "12"):
        params.write_text(f"currency: '{bad}'\n")
        with pytest.raises(ParametersError) as err:
            check_parameters(params)
        assert f"currency: {bad!r} is not an ISO 4217 currency code" in str(err.value), bad
    params.write_text("currency: 36\n")  # a number, not a code
    with pytest.raises(ParametersError, match="currency: must be text"):
        check_parameters(params)


def test_a_bad_currency_exits_2_with_one_line(tmp_path):
    params = tmp_path / "p.yml"
    params.write_text("currency: dollars\n")
    r = subprocess.run([VALUECASE, "report", "--params", str(params), "--out",
                        str(tmp_path / "r")], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        f"error: {params}: currency: 'dollars' is not an ISO 4217 currency code "
        "(e.g. USD, AUD, EUR, GBP) (got 'dollars')"]
