"""Joint uncertainty: effect and baseline rate drawn together from a person-level bootstrap."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from valuecase.datasets import example_params
from valuecase.errors import ParametersError
from valuecase.value.case import build_value_case, measure_evidence
from valuecase.value.joint_draws import joint_effect_draws
from valuecase.value.projection import build_model

ROI_SAMPLE = example_params("roi-sample.yml")


@pytest.fixture(scope="module")
def evidence(run):
    return measure_evidence(run.study, run.evaluation, run.panel,
                            run.table("program_enrollment"), run.table("program_costs"), seed=5)


def test_each_draw_holds_a_ratio_and_the_baseline_it_implies():
    # one arm of 2 persons: every resample's observed rate is one of few values, so the
    # product ratio x baseline (= the resample's observed program rate) is checkable exactly
    persons = pd.DataFrame({"treated": [1, 1, 0, 0, 0, 0], "followup_member_months": 12,
                            "followup_inpatient_stays": [1, 3, 2, 2, 1, 4],
                            "followup_ed_visits": [3, 1, 1, 3, 2, 2]})
    d = joint_effect_draws(SimpleNamespace(persons=persons), SimpleNamespace(covariates="1"),
                           draws=300, seed=2)
    observed = d["service_lines.inpatient.effect"] * d["service_lines.inpatient.baseline_rate"]
    # program resamples {1,1}, {1,3}, {3,3}: observed rate 1, 2 or 3 per member-year
    assert set(np.round(observed, 9)) == {1.0, 2.0, 3.0}
    # within a resample the two lines share the persons: ED rate 3 goes with stays rate 1
    ed = d["service_lines.ed.effect"] * d["service_lines.ed.baseline_rate"]
    both = pd.DataFrame({"ip": np.round(observed, 9), "ed": np.round(ed, 9)}).drop_duplicates()
    assert set(map(tuple, both.to_numpy())) == {(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)}


def test_bootstrap_agrees_with_the_models_robust_se_and_takes_its_scale(run, evidence):
    raw = joint_effect_draws(run.study, run.evaluation, draws=400, seed=5)
    for line, outcome in (("inpatient", "inpatient_stays"), ("ed", "ed_visits")):
        e = run.evaluation.primary[outcome]
        boot_se = np.log(raw[f"service_lines.{line}.effect"]).std(ddof=1)
        assert boot_se == pytest.approx(e.se, rel=0.3)
        # the value case's draws: centred on the estimate, spread = the model's HC3 SE
        logs = np.log(evidence.draws[f"service_lines.{line}.effect"])
        assert logs.std(ddof=1) == pytest.approx(e.se, rel=1e-9)
        assert logs.mean() == pytest.approx(np.log(e.estimate), rel=1e-9)
        # each draw's baseline still goes with its own resample's observed rate
        observed = (raw[f"service_lines.{line}.effect"]
                    * raw[f"service_lines.{line}.baseline_rate"])
        rescaled = (evidence.draws[f"service_lines.{line}.effect"]
                    * evidence.draws[f"service_lines.{line}.baseline_rate"])
        assert np.allclose(observed, rescaled)
        assert len(evidence.draws) == 400
    # the baseline's SE now comes from the draws, and is wider than Poisson sqrt(n)
    prog = run.study.persons[run.study.persons["treated"] == 1]
    poisson = (np.sqrt(prog["followup_inpatient_stays"].sum())
               / prog["followup_member_months"].sum() * 12
               / run.evaluation.primary["inpatient_stays"].estimate)
    assert evidence.baseline_rate_se["inpatient"] > poisson


def test_monte_carlo_draws_whole_resamples(evidence):
    vc = build_value_case(evidence, ROI_SAMPLE, seed=5)
    assert set(vc.model.joint) == set(evidence.draws.columns)
    values = vc.model.sample(2000, seed=1)
    pairs = pd.DataFrame({k: values[k] for k in evidence.draws.columns})
    known = set(map(tuple, evidence.draws.round(12).to_numpy()))
    assert set(map(tuple, pairs.round(12).to_numpy())) <= known
    assert "drawn jointly" in vc.sources["service_lines.ed.baseline_rate"]


def test_a_value_the_file_gives_is_not_replaced_by_draws(evidence, tmp_path):
    raw = yaml.safe_load(open(ROI_SAMPLE))
    raw["service_lines"]["inpatient"]["baseline_rate"] = 0.5
    f = tmp_path / "roi.yml"
    f.write_text(yaml.safe_dump(raw))
    vc = build_value_case(evidence, f, seed=5)
    assert "service_lines.inpatient.baseline_rate" not in vc.model.joint
    assert "service_lines.inpatient.effect" in vc.model.joint
    assert (vc.model.sample(100, 3)["service_lines.inpatient.baseline_rate"] == 0.5).all()


def test_joint_draws_are_checked(evidence):
    vc = build_value_case(evidence, ROI_SAMPLE, seed=5)
    with pytest.raises(ParametersError, match="unknown input"):
        build_model(vc.params, joint_draws={"service_lines.nope.effect": [1.0, 2.0]})
    with pytest.raises(ParametersError, match="same number"):
        build_model(vc.params, joint_draws={"service_lines.ed.effect": [0.9, 1.0],
                                            "service_lines.ed.baseline_rate": [1.0, 2.0, 3.0]})


def test_no_bootstrap_when_asked(run):
    ev = measure_evidence(run.study, run.evaluation, run.panel,
                          run.table("program_enrollment"), run.table("program_costs"), draws=0)
    assert ev.draws is None
    assert "bootstrap" not in ev.sources["service_lines.ed.effect"]
