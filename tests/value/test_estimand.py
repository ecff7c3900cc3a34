"""One estimand from effect to ROI (issue 13, item 1): the value case prices the impact
study's intention-to-treat rate ratio on the exposure it was estimated on, so that feeding it
the true effect gives the true savings. The truth comes from the generator's untreated twin
(same seed, no effect: the same people and events, minus the events the program avoided)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from valuecase.analysis.parameters import SuiteParameters
from valuecase.analysis.run import Analysis
from valuecase.analysis.simulation import FixedRatio
from valuecase.synth import SynthConfig, generate
from valuecase.value.case import SERVICE_LINE_OUTCOMES, assemble_params, measure_evidence
from valuecase.value.projection import build_model, project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    root = tmp_path_factory.mktemp("estimand")
    cfg = SynthConfig(members=6000, seed=31, randomized=True)
    out = {}
    for name, c in (("program", cfg),
                    ("twin", dataclasses.replace(cfg, effect_inpatient=0.0, effect_ed=0.0))):
        generate(c, root / name)
        out[name] = Analysis(SuiteParameters(data_dir=str(root / name), design="randomized"))
    return out


def test_savings_from_the_true_effect_equal_the_true_savings(worlds):
    a, twin = worlds["program"], worlds["twin"]
    prog = a.study.persons[a.study.persons["treated"] == 1].set_index("person_id")
    untreated = twin.study.persons.set_index("person_id").loc[prog.index]
    evidence = measure_evidence(a.study, a.evaluation, a.panel, a.table("program_enrollment"),
                                a.table("program_costs"))
    effects, rates, avoided = {}, {}, {}
    mm = prog["followup_member_months"].sum()
    for line, outcome in SERVICE_LINE_OUTCOMES.items():
        y1, y0 = prog[f"followup_{outcome}"].sum(), untreated[f"followup_{outcome}"].sum()
        assert y1 < y0  # the program avoided events in these windows
        ratio = y1 / y0  # the true value of the primary estimand (ITT rate ratio)
        effects[line] = FixedRatio.of(ratio)
        rates[line] = y0 / mm * 12  # the true untreated rate per follow-up member-year
        avoided[line] = y0 - y1
    # the value case over the study's own program group (fed the true ratio and the true
    # untreated rate): its follow-up member-years, one
    # year, no lag, trend or discounting
    evidence = dataclasses.replace(evidence, effects=effects, baseline_rates=rates,
                                   members=mm / 12)
    raw = {"mode": "evidence", "horizon_years": 1, "discount_rate": 0, "cost_trend": 0,
           "savings_lag_months": 0, "partners": ["payer"],
           "service_lines": {line: {"paid_by": "payer"} for line in SERVICE_LINE_OUTCOMES},
           "program_costs": {"staff": {"partner": "payer", "annual": 1000}}}
    params, sources = assemble_params(raw, evidence)
    proj = project(build_model(params))
    for line in SERVICE_LINE_OUTCOMES:
        true_savings = avoided[line] * evidence.unit_costs[line]
        # equal up to the 4-decimal rounding of the baseline rate written into the params
        assert proj.savings_by_line.loc[1, line] == pytest.approx(true_savings, rel=1e-4)


def test_the_old_exposure_would_have_understated_the_savings(worlds):
    """The active caseload (member-years enrolled) is shorter than the follow-up the ratio
    covers: pricing the diluted ITT ratio on it undercounts (the issue's -22%)."""
    a = worlds["program"]
    prog = a.study.persons[a.study.persons["treated"] == 1]
    enr = a.table("program_enrollment")
    enr = enr[enr["arm"] == "program"]
    start, stop = (pd.to_datetime(enr[c]) for c in ("enrollment_date", "disenrollment_date"))
    enrolled_days = (stop.fillna(start.max()) - start).dt.days
    assert enrolled_days.mean() / 365.25 < prog["followup_member_months"].mean() / 12


def test_the_untreated_twin_differs_only_in_the_program_members_followup(worlds):
    """The generator thins program members' events inside their enrollment and draws the same
    random numbers whatever the effect: comparison persons and every baseline count are the
    same in the twin, so the twin's follow-up counts are the program members' own untreated
    outcomes."""
    a, twin = (worlds[k].study.persons.set_index("person_id") for k in ("program", "twin"))
    assert a.index.equals(twin.index)
    counts = [f"{w}_{o}" for w in ("baseline", "followup")
              for o in ("inpatient_stays", "ed_visits", "bed_days", "readmissions_30d")]
    comparison = a["treated"] == 0
    pd.testing.assert_frame_equal(a.loc[comparison, counts], twin.loc[comparison, counts])
    base = [c for c in counts if c.startswith("baseline")]
    pd.testing.assert_frame_equal(a[base], twin[base])
    follow = [c for c in counts if c.startswith("followup")]
    treated = a.loc[~comparison, follow]
    assert (treated <= twin.loc[~comparison, follow]).all().all()
