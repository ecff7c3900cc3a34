"""Claims without a program (issue 12): the absence of program data is a state of the analysis,
not an error. Nothing that needs the program is computed, the reports that need it say so, and
a calculator-mode ROI file still gives a value case when it gives what the program data would."""

from __future__ import annotations

import shutil

import pytest
import yaml

from valuecase.analysis.parameters import SuiteParameters
from valuecase.analysis.run import Analysis, build_results
from valuecase.datasets import example_params
from valuecase.trace import COUNTS
from valuecase.value.case import unit_cost

pytestmark = pytest.mark.slow

CALCULATOR = example_params("roi-calculator.yml")
PROGRAM_STAGES = ("conditions", "study", "evaluation", "subgroups", "diagnostics")


@pytest.fixture(scope="module")
def claims_only(tmp_path_factory, sample_dir):
    folder = tmp_path_factory.mktemp("claims-only")
    for table in ("eligibility", "medical_claim", "pharmacy_claim"):
        shutil.copy(sample_dir / f"{table}.parquet", folder)
    return folder


@pytest.fixture(scope="module")
def header_only(tmp_path_factory, claims_only):
    """The same claims beside program tables that hold only their header row."""
    folder = tmp_path_factory.mktemp("header-only")
    for path in claims_only.iterdir():
        shutil.copy(path, folder)
    (folder / "program_enrollment.csv").write_text("person_id,enrollment_date\n")
    (folder / "program_costs.csv").write_text("period,amount,category\n")
    return folder


def analysis(folder, roi_file=None) -> Analysis:
    params = {"data_dir": str(folder)} | ({"roi_params_file": str(roi_file)} if roi_file else {})
    return Analysis(SuiteParameters(**params))


def roi_file(tmp_path, drop: dict[str, list[str]]) -> str:
    """The calculator example with fields left out: ``{"": [top-level keys], line: [fields]}``."""
    raw = yaml.safe_load(open(CALCULATOR))
    for key in drop.get("", []):
        raw.pop(key)
    for line, fields in drop.items():
        for field in fields if line else []:
            raw["service_lines"][line].pop(field)
    path = tmp_path / "roi.yml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


@pytest.mark.parametrize("which", ["claims_only", "header_only"])
def test_without_program_data_every_report_has_results_and_nothing_is_invented(which, request):
    folder = request.getfixturevalue(which)
    before = COUNTS.copy()
    a = analysis(folder)  # the default ROI file is in evidence mode
    results = {name: build_results(a, name) for name in
               ("data_quality", "population", "utilization", "impact", "roi", "funder_summary")}
    assert (a.has_program, a.roi_mode, a.has_value_case) == (False, "evidence", False)
    assert ("program_enrollment" in a.data.tables) == (which == "header_only")  # loaded empty
    assert {s: COUNTS[s] - before[s] for s in PROGRAM_STAGES + ("value_case",)} == dict.fromkeys(
        PROGRAM_STAGES + ("value_case",), 0)  # no study, no estimate, no value case
    impact = results["impact"]
    assert "No program data was given" in impact["unavailable"] and not impact.tables
    roi = results["roi"]
    assert "evidence mode" in roi["unavailable"] and "summary" not in roi.values
    funder = results["funder_summary"]
    assert funder["persons"] == 15_000 and not funder["has_program"]
    assert "evidence mode" in funder["no_value_case"]
    assert not {"effects", "ledger", "compared", "subgroups"} & set(funder.tables)
    assert results["population"].values  # the claims reports are made as usual
    with pytest.raises(ValueError, match="no program_enrollment data: an evidence-mode"):
        _ = a.value_case


def test_a_calculator_file_gives_a_value_case_priced_with_claims_unit_costs(header_only,
                                                                            tmp_path):
    a = analysis(header_only, roi_file(tmp_path, {"inpatient": ["unit_cost"]}))
    assert (a.has_program, a.roi_mode, a.calculator_gaps, a.has_value_case) == (
        False, "calculator", [], True)
    roi = build_results(a, "roi")
    assert roi["summary"]["roi"] is not None and "assumed" in roi["basis"]
    assert "No program data was given" in roi["basis"]
    sources = roi.table("assumptions").set_index("assumption")["source"]
    assert sources["service_lines.inpatient.unit_cost"].startswith("claims:")
    assert sources["service_lines.ed.unit_cost"] == "roi.yml (assumption)"
    measured, _ = unit_cost(a.panel, "inpatient_stays", "paid_inpatient")
    assert a.value_case.params.service_lines["inpatient"].unit_cost.base == pytest.approx(
        measured, abs=1e-3)
    funder = build_results(a, "funder_summary")
    assert funder["assumed"] and funder["summary"] == roi["summary"]
    assert "no_value_case" not in funder.values


def test_a_calculator_file_that_leaves_gaps_for_program_data_names_them(claims_only, tmp_path):
    a = analysis(claims_only, roi_file(tmp_path, {"": ["enrollment"], "ed": ["baseline_rate"]}))
    assert a.calculator_gaps == ["enrollment.members", "service_lines.ed.baseline_rate"]
    assert not a.has_value_case
    roi = build_results(a, "roi")  # no error: the report says what the file must give
    assert "enrollment\\.members" in roi["unavailable"] and "summary" not in roi.values
    assert roi["unavailable_short"] == ("No program data: the calculator-mode ROI file must "
                                        "give enrollment.members, service_lines.ed.baseline_rate.")
    assert "calculator mode but leaves out" in build_results(a, "funder_summary")["no_value_case"]
