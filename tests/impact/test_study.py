"""The evaluation study: cohorts, windows, the regression-to-the-mean guard, and estimates."""

from __future__ import annotations

import pandas as pd
import pytest

from valuecase.data.load import load
from valuecase.impact import evaluation, study
from valuecase.panel.member_panel import build_panel, build_stays
from valuecase.population import cohorts
from valuecase.present import interpret


def make_study(data_dir, design="eligible_not_enrolled", **kw):
    data = load(data_dir)
    panel = build_panel(data)
    trig = cohorts.trigger_dates(build_stays(data), cohorts.Trigger(
        2, 182, cohorts.baseline_end(panel, 12)))
    return study.build_study(panel, trig, data.frame("program_enrollment"),
                             study.StudyDesign(design=design, **kw))


@pytest.fixture(scope="module")
def sample_study(sample_dir):
    return make_study(sample_dir)


@pytest.fixture(scope="module")
def null_randomized(tmp_path_factory):
    """A randomized program with zero true effect (the Camden lesson)."""
    from valuecase.synth import SynthConfig, generate

    out = tmp_path_factory.mktemp("null-rct")
    generate(SynthConfig(members=15_000, randomized=True, effect_inpatient=0.0, effect_ed=0.0,
                         seed=77), out)
    return out


def test_windows_and_funnel_add_up(sample_study):
    s = sample_study
    p = s.persons
    assert set(p["treated"]) == {0, 1}
    assert p["person_id"].is_unique
    assert (p["baseline_member_months"].between(1, 12)).all()
    assert (p["followup_member_months"].between(1, 12)).all()
    f = s.funnel.set_index("step")["persons"]
    assert f["analysed: program"] == (p["treated"] == 1).sum()
    assert f["program enrollees"] - f["program: dropped, trigger not found in claims"] >= f[
        "analysed: program"]
    # the periods table is the persons table stacked: same totals
    per = s.periods
    assert per.loc[per["post"] == 1, "inpatient_stays"].sum() == p[
        "followup_inpatient_stays"].sum()
    assert set(s.event_time["event_time"]) <= set(range(-12, 13)) - {0}


def test_comparison_index_is_trigger_plus_program_lag(sample_study):
    p = sample_study.persons
    comp = p[p["treated"] == 0]
    lag = (comp["index_date"] - comp["trigger_date"]).dt.days
    assert (lag == round(sample_study.lag_days)).all() or (
        (lag - sample_study.lag_days).abs() < 1).all()


def test_both_groups_share_the_trigger_spike_in_baseline(sample_study):
    rates = study.event_time_rates(sample_study, "inpatient_stays")
    peak = rates.loc[rates.groupby("group")["rate"].idxmax()].set_index("group")["event_time"]
    # the trigger stays sit just before index in both groups: the design is aligned
    assert peak["program"] == peak["comparison"] == -1


def test_bad_design():
    with pytest.raises(ValueError, match="design must be"):
        study.StudyDesign(design="before_after")
    with pytest.raises(ValueError, match="followup_months"):
        study.StudyDesign(followup_months=0)


def test_missing_enrollment_is_clear(sample_dir):
    data = load(sample_dir)
    with pytest.raises(ValueError, match="program_enrollment"):
        study.build_study(build_panel(data), pd.DataFrame(columns=["person_id", "trigger_date"]),
                          None)


@pytest.mark.slow
def test_null_rct_naive_drop_is_regression_to_the_mean(null_randomized):
    rct = make_study(null_randomized, design="randomized")
    naive = study.naive_pre_post(rct, "inpatient_stays").set_index("group")
    assert naive.loc["program", "relative_change"] < -0.3  # a big "drop" with no effect
    ev = evaluation.evaluate(rct)
    did = ev.get("inpatient_stays", "DiD")
    assert did.ci_low < 0 < did.ci_high  # DiD against randomized controls: no effect
    assert abs(did.estimate) < 0.3 * abs(naive.loc["program", "change"])
    rr = ev.primary["inpatient_stays"]
    assert rr.ci_low < 1 < rr.ci_high
    assert "not statistically distinguishable" in interpret.describe_effect(rr, "stays")


@pytest.mark.slow
def test_wrong_comparison_group_is_warned_and_biased(null_randomized):
    wrong = make_study(null_randomized, design="all_non_enrolled")
    assert study.RTM_WARNING in wrong.warnings
    did = evaluation.evaluate(wrong, outcomes=("inpatient_stays",)).get("inpatient_stays", "DiD")
    assert did.ci_high < 0  # a spurious "effect": what the guard warns about
    right = make_study(null_randomized, design="randomized")
    assert not right.warnings


def test_placebo_periods(sample_study):
    plac = study.placebo_periods(sample_study, split=-6)
    assert set(plac["post"]) == {0, 1}
    assert (plac.groupby("person_id")["post"].nunique() == 2).all()
    with pytest.raises(ValueError, match="split"):
        study.placebo_periods(sample_study, split=3)


def test_evaluate_reports_every_estimator(sample_study):
    ev = evaluation.evaluate(sample_study)
    e = ev.effects
    assert set(e["outcome"]) == set(sample_study.design.outcomes)
    assert e.groupby("outcome")["primary"].sum().eq(1).all()
    for col in ("estimate", "se", "ci_low", "ci_high", "p_value", "n", "method"):
        assert e[col].notna().all()
    assert (e["ci_low"] <= e["estimate"]).all() and (e["estimate"] <= e["ci_high"]).all()
    assert ev.primary["inpatient_stays"].scale == "ratio"
    # ATT weighting balances every covariate the report shows
    assert (ev.balance_after["smd"].abs() < 0.1).all()
    assert (ev.balance_before["smd"].abs() >= 0.1).any()


def test_rtm_table_and_primary_did_agree(sample_study):
    """The report's lesson adds up: program change - comparison change = the primary DiD."""
    ev = evaluation.evaluate(sample_study, outcomes=("inpatient_stays", "paid_total"))
    for outcome in ("inpatient_stays", "paid_total"):
        naive = study.naive_pre_post(sample_study, outcome).set_index("group")["change"]
        did = ev.get(outcome, "DiD (exposure-weighted")
        assert did.estimate == pytest.approx(naive["program"] - naive["comparison"], rel=1e-9)
        assert "exposure-weighted" in did.method
    assert ev.primary["paid_total"] is ev.get("paid_total", "DiD (exposure-weighted")
    # the unweighted person-rate DiD is still there, labelled as a sensitivity
    assert "sensitivity" in ev.effects.query("outcome == 'paid_total'")["estimator"].str.cat()


def _tiny_panel(ids, months=6, with_demographics=True):
    rows = []
    for pid in ids:
        for m in pd.date_range("2023-01-01", periods=months, freq="MS"):
            rows.append({"person_id": pid, "month": m, "inpatient_stays": 0, "ed_visits": 0,
                         "bed_days": 0, "readmissions_30d": 0, "paid_total": 10.0,
                         "age": 40 if with_demographics else None,
                         "gender": "female" if with_demographics else None})
    return pd.DataFrame(rows)


def test_randomized_design_keeps_both_arms_whole():
    panel = _tiny_panel(["A", "B", "C", "D"])
    triggers = pd.DataFrame({"person_id": ["A", "C"],
                             "trigger_date": pd.to_datetime(["2023-02-10"] * 2)})
    enr = pd.DataFrame({"person_id": ["A", "B", "C", "D"],
                        "enrollment_date": ["2023-03-01"] * 4,
                        "arm": ["program", "program", "control", "control"]})
    s = study.build_study(panel, triggers, enr, study.StudyDesign(
        design="randomized", baseline_months=2, followup_months=2))
    assert s.persons.groupby("treated").size().to_dict() == {0: 2, 1: 2}


def test_randomized_follow_up_loss_is_reported_by_arm_and_a_difference_warned():
    """Persons who leave before any follow-up month have no exposure; the loss by arm is the
    check that dropping them kept the randomization."""
    ids = [f"P{i:02d}" for i in range(40)]
    panel = _tiny_panel(ids)
    # 15 of 20 program persons leave at the index month (their coverage ends in February)
    gone = set(ids[:15])
    panel = panel[~(panel["person_id"].isin(gone) & (panel["month"] >= "2023-03-01"))]
    enr = pd.DataFrame({"person_id": ids, "enrollment_date": ["2023-02-01"] * 40,
                        "arm": ["program"] * 20 + ["control"] * 20})
    design = study.StudyDesign(design="randomized", baseline_months=1, followup_months=2)
    s = study.build_study(panel, pd.DataFrame(columns=["person_id", "trigger_date"]), enr, design)
    loss = s.followup_loss.set_index("group")
    assert loss.loc["program", ["persons", "lost"]].tolist() == [20, 15]
    assert loss.loc["comparison", ["persons", "lost"]].tolist() == [20, 0]
    assert loss["p_value"].iloc[0] < 0.001
    assert any("follow-up loss differs by arm" in w for w in s.warnings)
    even = study.build_study(_tiny_panel(ids), pd.DataFrame(columns=["person_id", "trigger_date"]),
                             enr, design)
    assert even.followup_loss["lost"].sum() == 0
    assert not any("follow-up loss" in w for w in even.warnings)


def test_trigger_after_enrollment_is_dropped_from_the_program():
    panel = _tiny_panel(["A", "B", "C"])
    triggers = pd.DataFrame({"person_id": ["A", "B", "C"], "trigger_date": pd.to_datetime(
        ["2023-02-10", "2023-04-20", "2023-02-10"])})
    enr = pd.DataFrame({"person_id": ["A", "B"], "enrollment_date": ["2023-03-01"] * 2})
    s = study.build_study(panel, triggers, enr, study.StudyDesign(baseline_months=2,
                                                                  followup_months=2))
    assert s.persons.loc[s.persons["treated"] == 1, "person_id"].tolist() == ["A"]
    f = s.funnel.set_index("step")["persons"]
    assert f["program: dropped, trigger after enrollment"] == 1


def test_data_without_demographics_keeps_everyone():
    panel = _tiny_panel(["A", "B"], with_demographics=False)
    triggers = pd.DataFrame({"person_id": ["A", "B"],
                             "trigger_date": pd.to_datetime(["2023-02-10"] * 2)})
    enr = pd.DataFrame({"person_id": ["A"], "enrollment_date": ["2023-03-01"]})
    s = study.build_study(panel, triggers, enr, study.StudyDesign(baseline_months=2,
                                                                  followup_months=2))
    assert sorted(s.persons["treated"]) == [0, 1]
    assert s.persons["age_missing"].tolist() == [1, 1]


def test_diagnostics_flag_a_diverging_comparison(null_randomized, sample_study):
    rct = evaluation.diagnostics(make_study(null_randomized, design="randomized"))
    assert rct.pretrend.df > 0 and 0 <= rct.pretrend.p_value <= 1
    assert rct.placebo.ci_low <= rct.placebo.estimate <= rct.placebo.ci_high
    wrong = evaluation.diagnostics(make_study(null_randomized, design="all_non_enrolled"))
    assert wrong.concerns()  # selected on a recent spike: pre-trends and placebo both fail
    assert any("pre-trend" in c or "placebo" in c for c in wrong.concerns())
