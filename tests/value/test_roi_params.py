"""The ROI parameters file: examples load; bad files give one clear line naming file and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from valuecase import value as roi
from valuecase.datasets import example_params
from valuecase.errors import ParametersError
from valuecase.value import assumptions

GOOD = textwrap.dedent("""\
    mode: calculator
    horizon_years: 2
    partners: [payer, hospital]
    enrollment: {members: 1000}
    service_lines:
      ed:
        baseline_rate: 0.25
        reduction: {value: 0.15, low: 0.05, high: 0.25}
        unit_cost: 300
    program_costs:
      staff: {partner: payer, annual: 10000}
    payment_models:
      - {model: fee_for_service, payer: payer, provider: hospital, service_lines: [ed],
         hospital_variable_cost_share: 0.4}
    """)


def _write(tmp_path: Path, text: str, name: str = "roi.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _error(tmp_path: Path, text: str) -> str:
    path = _write(tmp_path, text)
    with pytest.raises(ParametersError) as info:
        roi.load_roi_params(path)
    msg = str(info.value)
    assert "\n" not in msg, msg
    assert msg.startswith(f"{path}: "), msg
    assert "pydantic" not in msg and "validation error" not in msg.lower(), msg
    return msg


@pytest.mark.parametrize("name", ["roi-calculator.yml", "roi-evidence.yml"])
def test_example_files_load(name):
    p = roi.load_roi_params(example_params(name))
    assert p.mode in ("calculator", "evidence")
    assert p.horizon_years == 3


def test_every_calculator_field_is_commented():
    lines = example_params("roi-calculator.yml").read_text().splitlines()
    fields = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")
              and ":" in ln and not ln.rstrip().endswith(":")]
    uncommented = [ln for ln in fields if "#" not in ln]
    assert not uncommented, uncommented


def test_good_file_and_model_validate_agree(tmp_path):
    a = roi.load_roi_params(_write(tmp_path, GOOD))
    b = roi.RoiParams.model_validate(yaml.safe_load(GOOD))
    assert a == b
    assert a.service_lines["ed"].reduction.low == 0.05


def test_yaml_exponent_without_dot_is_a_number(tmp_path):
    text = GOOD.replace("unit_cost: 300", "unit_cost: 3e2").replace("annual: 10000",
                                                                    "annual: 1e4")
    assert yaml.safe_load(text)["service_lines"]["ed"]["unit_cost"] == "3e2"  # the YAML trap
    p = roi.load_roi_params(_write(tmp_path, text))
    assert p.service_lines["ed"].unit_cost.base == 300.0
    assert p.program_costs["staff"].annual.base == 10_000.0
    q = roi.RoiParams.model_validate({**yaml.safe_load(GOOD), "discount_rate": "1e-3"})
    assert q.discount_rate == pytest.approx(0.001)


@pytest.mark.parametrize("word", ["yes", "no", "on", "off"])
def test_yes_no_in_numeric_field_is_a_clear_error(tmp_path, word):
    msg = _error(tmp_path, GOOD.replace("unit_cost: 300", f"unit_cost: {word}"))
    assert "service_lines.ed.unit_cost" in msg
    assert "must be a number" in msg and "yes/no" in msg


def test_missing_field(tmp_path):
    msg = _error(tmp_path, GOOD.replace("partners: [payer, hospital]\n", ""))
    assert "partners: required field is missing" in msg


def test_missing_field_in_calculator_line(tmp_path):
    msg = _error(tmp_path, GOOD.replace("    baseline_rate: 0.25\n", ""))
    assert "service_lines.ed.baseline_rate: required in calculator mode" in msg


def test_wrong_type(tmp_path):
    msg = _error(tmp_path, GOOD.replace("horizon_years: 2", "horizon_years: three"))
    assert "horizon_years: must be a number" in msg and "'three'" in msg


def test_wrong_type_in_range(tmp_path):
    msg = _error(tmp_path, GOOD.replace("low: 0.05", "low: small"))
    assert "service_lines.ed.reduction" in msg and "low" in msg and "'small'" in msg


def test_negative_cost(tmp_path):
    msg = _error(tmp_path, GOOD.replace("unit_cost: 300", "unit_cost: -300"))
    assert msg.endswith("service_lines.ed.unit_cost: must be >= 0 (got -300)"), msg


def test_negative_program_cost(tmp_path):
    msg = _error(tmp_path, GOOD.replace("annual: 10000", "annual: [-5, 4]"))
    assert "program_costs.staff.annual" in msg and "must be >= 0" in msg


def test_unknown_payment_model(tmp_path):
    msg = _error(tmp_path, GOOD.replace("model: fee_for_service", "model: bundled_payment"))
    assert "payment_models.0.model: unknown model 'bundled_payment'" in msg
    assert "fee_for_service" in msg and "shared_savings" in msg


def test_error_inside_payment_model_names_the_field(tmp_path):
    msg = _error(tmp_path, GOOD.replace("hospital_variable_cost_share: 0.4",
                                        "hospital_variable_cost_share: 1.4"))
    assert "payment_models.0.hospital_variable_cost_share: must be <= 1" in msg


def test_unknown_partner(tmp_path):
    msg = _error(tmp_path, GOOD.replace("provider: hospital", "provider: hospitl"))
    assert "payment_models.0.provider: unknown partner 'hospitl'" in msg


def test_unknown_field_is_caught(tmp_path):
    msg = _error(tmp_path, GOOD.replace("horizon_years: 2", "horizon_yeras: 2"))
    assert "horizon_yeras: unknown field" in msg


def test_unknown_distribution(tmp_path):
    msg = _error(tmp_path, GOOD.replace("unit_cost: 300", "unit_cost: {dist: gamma, shape: 2}"))
    assert "service_lines.ed.unit_cost" in msg and "gamma" in msg


def test_reduction_written_as_percent(tmp_path):
    msg = _error(tmp_path, GOOD.replace("high: 0.25", "high: 25"))
    assert "service_lines.ed.reduction" in msg and "0.15" in msg


def test_per_year_list_length(tmp_path):
    msg = _error(tmp_path, GOOD.replace("annual: 10000", "annual: [1, 2, 3]"))
    assert "program_costs.staff.annual: give one number, or 2" in msg


def test_mode_mismatch(tmp_path):
    msg = _error(tmp_path, GOOD.replace("mode: calculator", "mode: evidence"))
    assert "service_lines.ed.reduction: evidence mode uses effect" in msg


def test_effect_needs_se_or_ci():
    with pytest.raises(ValueError, match="give se, or both ci_low and ci_high"):
        assumptions.EffectSpec.model_validate({"estimate": -0.1})
    e = assumptions.EffectSpec.model_validate({"estimate": "-1e-1", "se": 0.05})
    assert e.estimate == -0.1 and e.scale == "difference"


def test_not_yaml_and_not_found(tmp_path):
    msg = _error(tmp_path, "mode: [calculator\n")
    assert "not valid YAML" in msg
    with pytest.raises(ParametersError, match="not found"):
        roi.load_roi_params(tmp_path / "nope.yml")
    msg = _error(tmp_path, "- just\n- a list\n")
    assert "top level must be a mapping" in msg


def test_evidence_mode_effect_and_unit_costs_from_caller():
    p = roi.load_roi_params(example_params("roi-evidence.yml"))
    with pytest.raises(ParametersError, match=r"service_lines.ed.unit_cost: missing"):
        roi.build_model(p)
    with pytest.raises(ParametersError, match=r"unit_costs.ed: must be >= 0"):
        roi.build_model(p, unit_costs={"ed": -5})
    with pytest.raises(ParametersError, match=r"unknown service line 'icu'"):
        roi.build_model(p, unit_costs={"icu": 5})
    m = roi.build_model(p, unit_costs={"ed": 1250.0})
    assert m.inputs["service_lines.ed.unit_cost"].base == 1250.0
    assert m.inputs["service_lines.inpatient.effect"].interval == "95% CI"


def test_negative_rate_ratio_points_to_log_ratio():
    with pytest.raises(ValueError, match="use scale: log_ratio"):
        assumptions.EffectSpec.model_validate({"estimate": -0.15, "se": 0.06, "scale": "ratio"})
