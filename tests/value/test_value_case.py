"""From impact estimates and claims to ROI assumptions; plain-language text from numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from valuecase.datasets import example_params
from valuecase.errors import ParametersError
from valuecase.impact import Effect
from valuecase.panel import build_panel
from valuecase.present import interpret
from valuecase.value.assumptions_table import assumptions_table
from valuecase.value.case import assemble_params, measure_evidence
from valuecase.value.domains import value_domains
from valuecase.value.projection import build_model, project

ROI_SAMPLE = example_params("roi-sample.yml")


@pytest.fixture(scope="module")
def evidence(run):
    return measure_evidence(run.study, run.evaluation, run.panel,
                            run.table("program_enrollment"), run.table("program_costs"))


def test_evidence_is_measured_in_the_data(run, evidence):
    # the evidence is aggregated on the engine; check it against the panel in pandas
    panel = build_panel(run.data)
    assert evidence.unit_costs["inpatient"] == pytest.approx(
        panel["paid_inpatient"].sum() / panel["inpatient_stays"].sum())
    with_stays = panel[panel["inpatient_stays"] > 0]
    per_stay = with_stays["paid_inpatient"] / with_stays["inpatient_stays"]
    assert evidence.unit_cost_se["inpatient"] == pytest.approx(
        per_stay.std(ddof=1) / np.sqrt(len(per_stay)))
    prog = run.study.persons[run.study.persons["treated"] == 1]
    rr = run.evaluation.primary["ed_visits"].estimate
    observed = prog["followup_ed_visits"].sum() / prog["followup_member_months"].sum() * 12
    assert evidence.baseline_rates["ed"] == pytest.approx(observed / rr)
    # savings priced on it reproduce the observed rate after the effect
    assert evidence.baseline_rates["ed"] * rr == pytest.approx(observed)
    assert evidence.effects["inpatient"] is run.evaluation.primary["inpatient_stays"]
    # the caseload behind the costs (calculator mode): member-years enrolled in the cost window
    enrolled = run.data.frame("program_enrollment")["person_id"]
    assert 0 < evidence.caseload <= len(enrolled)
    assert (evidence.caseload * 12) == pytest.approx(round(evidence.caseload * 12))
    window = panel[panel["month"] > panel["month"].max() - pd.DateOffset(months=12)]
    assert evidence.caseload * 12 <= window["person_id"].isin(enrolled).sum()
    # the exposure of the estimated effect (evidence mode): program starts in the cost window
    # x follow-up member-years per enrollee whose whole follow-up window is in the data
    enr = run.data.frame("program_enrollment")
    costs_end = pd.to_datetime(run.data.frame("program_costs")["period"]).max()
    start = pd.to_datetime(enr["enrollment_date"]).dt.to_period("M").dt.to_timestamp()
    starts = enr.loc[start > costs_end - pd.DateOffset(months=12), "person_id"].nunique()
    whole = prog[prog["index_month"] + pd.DateOffset(months=12) <= panel["month"].max()]
    assert 0 < len(whole) < len(prog)
    per = whole["followup_member_months"].sum() / 12 / len(whole)
    assert evidence.members == pytest.approx(starts * per)
    assert "intention to treat" in evidence.sources["enrollment.members"]
    assert evidence.baseline_rate_se["inpatient"] > 0 and evidence.unit_cost_se["ed"] > 0
    costs = run.data.frame("program_costs")
    assert set(evidence.program_costs) == set(costs["category"])
    assert sum(c["annual"] for c in evidence.program_costs.values()) < costs["amount"].sum()


def test_yaml_wins_over_data_and_sources_say_so(evidence):
    raw = yaml.safe_load(open(ROI_SAMPLE))
    raw["service_lines"]["ed"]["unit_cost"] = 500
    params, sources = assemble_params(raw, evidence, "mine.yml")
    assert params.service_lines["ed"].unit_cost.base == 500
    assert sources["service_lines.ed.unit_cost"] == "mine.yml (assumption)"
    assert sources["service_lines.inpatient.unit_cost"].startswith("claims:")
    table = assumptions_table(params, sources)
    assert table["source"].ne("").all()
    assert (table["assumption"] == "service_lines.inpatient.effect").any()


def test_projection_from_sample_uses_the_measured_numbers(evidence):
    params, _ = assemble_params(yaml.safe_load(open(ROI_SAMPLE)), evidence)
    proj = project(build_model(params))
    e = evidence.effects["inpatient"]
    year1_members = params.members_by_year()[0]
    # hand check: inpatient gross savings in year 1 = members x rate x (1 - RR) x unit cost,
    # less the savings lag (1 of 12 months)
    line = params.service_lines["inpatient"]
    assert line.baseline_rate.base == pytest.approx(evidence.baseline_rates["inpatient"],
                                                    abs=1e-4)  # filled in, rounded
    assert line.baseline_rate.uncertain and line.unit_cost.uncertain  # sampling error drawn
    assert line.unit_cost.base == pytest.approx(evidence.unit_costs["inpatient"], abs=1e-4)
    expected = (year1_members * line.baseline_rate.base * (1 - e.estimate)
                * line.unit_cost.base * 11 / 12)
    assert proj.savings_by_line.loc[1, "inpatient"] == pytest.approx(expected, rel=1e-6)


def test_bad_yaml_gets_one_clear_line(evidence):
    raw = yaml.safe_load(open(ROI_SAMPLE))
    raw["payment_models"][0]["model"] = "barter"
    with pytest.raises(ParametersError, match=r"x.yml: payment_models"):
        assemble_params(raw, evidence, "x.yml")


def test_value_domains_cover_funder_questions(run):
    d = value_domains(run.evaluation, frozenset(run.data.tables))
    assert d["domain"].tolist() == ["Utilization and cost", "People reached",
                                    "Participant experience", "Social needs resolved", "Equity",
                                    "Workforce"]
    assert "Acute stays" in d.iloc[0]["evidence"]
    # without partner measures the two domains say what data they need
    assert (d.set_index("domain").loc[["People reached", "Participant experience",
                                       "Social needs resolved"], "status"]
            == "not measured").all()
    # with the sample's partner tables they are measured, with CIs, and called descriptive
    d = value_domains(run.evaluation, frozenset(run.data.tables), run.partner_measures)
    rows = d.set_index("domain")
    assert rows.loc["Social needs resolved", "status"] == "measured (partner records)"
    needs = run.partner_measures.needs.set_index("domain").loc["all"]
    assert (f"{needs['resolved']:,.0f} of {needs['identified']:,.0f} social needs"
            in rows.loc["Social needs resolved", "evidence"])
    assert "95% CI" in rows.loc["Social needs resolved", "evidence"]
    assert rows.loc["Participant experience", "status"] == "measured (survey)"
    assert "a description" in rows.loc["Participant experience", "evidence"]
    reach = run.partner_measures.reach.set_index("window_days").loc[90]
    assert f"{reach['share']:.0%} within 90 days (95% CI" in rows.loc["People reached",
                                                                       "evidence"]


def test_interpretation_follows_the_numbers():
    sig = Effect(0.7, 0.1, 0.58, 0.85, 0.001, 500, "m", scale="ratio")
    null = Effect(0.95, 0.2, 0.64, 1.41, 0.8, 500, "m", scale="ratio")
    up = Effect(0.3, 0.1, 0.1, 0.5, 0.003, 500, "m")
    assert "lower by 30%" in interpret.describe_effect(sig, "stays")
    assert "statistically distinguishable" in interpret.describe_effect(sig, "stays")
    assert "not statistically" in interpret.describe_effect(null, "stays")
    assert "an increase" in interpret.describe_effect(up, "visits")
    assert interpret.is_significant(sig) and not interpret.is_significant(null)
    assert "could easily be missed" in interpret.describe_mde(0.7, 0.9)
    assert "beyond" in interpret.describe_mde(0.7, 0.6)
    assert interpret.count_text(10) == "<11" and interpret.count_text(11) == "11"
    assert interpret.money(-5) == "-$5"


def test_build_value_case_end_to_end(evidence, tmp_path):
    from valuecase.value.case import build_value_case

    vc = build_value_case(evidence, ROI_SAMPLE)
    s = vc.projection.summary
    assert s.roi == pytest.approx((s.gross_savings - s.program_cost) / s.program_cost)
    assert s.benefit_cost_ratio == pytest.approx(s.gross_savings / s.program_cost)
    assert vc.ledger.table["net_position"].sum() == pytest.approx(vc.ledger.total_net_savings)
    assert len(vc.monte_carlo.net_savings) == vc.params.uncertainty.draws
    with pytest.raises(ParametersError, match="not found"):
        build_value_case(evidence, tmp_path / "missing.yml")


def test_a_nested_roi_section_reads_the_same_through_every_reader(tmp_path, evidence):
    from valuecase.value.assumptions import load_roi_params
    from valuecase.value.case import build_value_case, check_roi_file

    nested = tmp_path / "nested.yml"
    nested.write_text("roi:\n" + "".join(f"  {line}\n" for line in
                                           ROI_SAMPLE.read_text().splitlines()))
    assert check_roi_file(nested).horizon_years == check_roi_file(ROI_SAMPLE).horizon_years
    assert build_value_case(evidence, nested, seed=5).monte_carlo.seed == 5
    calc = tmp_path / "calc.yml"
    calc.write_text("roi:\n" + "".join(f"  {line}\n" for line in example_params(
        "roi-calculator.yml").read_text().splitlines()))
    assert load_roi_params(calc).mode == "calculator"


def test_an_assumed_reduction_is_sourced_to_the_file_not_a_default(evidence):
    raw = yaml.safe_load(open(example_params("roi-calculator.yml")))
    params, sources = assemble_params(raw, evidence, "calc.yml")
    table = assumptions_table(params, sources).set_index("assumption")["source"]
    assert table["service_lines.inpatient.reduction"] == "calc.yml (assumption)"
    assert table["service_lines.ed.reduction"] == "calc.yml (assumption)"
    assert "default" not in set(table)


def test_without_a_program_costs_table_the_services_cost_is_the_program_cost(run):
    """Issue 14, item 2: activity-based partner costs feed the value case when there is no
    program_costs table, each with its source in the assumptions table."""
    services = run.table("program_services")
    evidence = measure_evidence(run.study, run.evaluation, run.panel,
                                run.table("program_enrollment"), None, services)
    day = pd.to_datetime(services["service_date"])
    last = day.max().to_period("M").to_timestamp() + pd.offsets.MonthEnd(0)
    window = services[day > last - pd.DateOffset(months=12)]
    assert sum(c["annual"] for c in evidence.program_costs.values()) == pytest.approx(
        window["cost"].sum())
    by_partner = window.groupby("partner")["cost"].sum()
    for partner, amount in by_partner.items():
        assert sum(c["annual"] for c in evidence.program_costs.values()
                   if c["partner"] == partner) == pytest.approx(amount)
    params, sources = assemble_params(yaml.safe_load(open(ROI_SAMPLE)), evidence)
    table = assumptions_table(params, sources)
    cost_rows = table[table["assumption"].str.startswith("program_costs.")]
    assert len(cost_rows) == len(evidence.program_costs)
    assert cost_rows["source"].str.contains("program_services table, activity-based").all()
