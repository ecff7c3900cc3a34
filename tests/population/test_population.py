"""Population metrics: rates per 1,000 with CIs, PMPM, annual costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from valuecase import population as pop


def test_poisson_ci_matches_published_garwood_values():
    # Exact 95% limits for a count of 10 (Garwood 1936 tables): 4.795, 18.39
    r = pop.rate_per_1000(10, 12_000)
    assert r["rate"] == pytest.approx(10)
    assert r["ci_low"] == pytest.approx(4.795, abs=0.001)
    assert r["ci_high"] == pytest.approx(18.390, abs=0.001)
    zero = pop.rate_per_1000(0, 12_000)
    assert zero["ci_low"] == 0 and zero["ci_high"] == pytest.approx(3.689, abs=0.001)


def test_poisson_ci_covers_truth_in_simulation():
    rng = np.random.default_rng(7)
    true_rate, mm = 150.0, 4_000  # per 1,000 member-years
    counts = rng.poisson(true_rate * mm / 12_000, size=2_000)
    cover = np.mean([(lambda r: r["ci_low"] <= true_rate <= r["ci_high"])(
        pop.rate_per_1000(k, mm)) for k in counts])
    assert 0.94 <= cover <= 0.99  # exact intervals are conservative


def test_wilson_interval_known_value():
    # Wilson 95% interval for 1 of 6 (Newcombe 1998, table I): 0.0301 to 0.5635
    r = pop.proportion_ci(1, 6)
    assert r["ci_low"] == pytest.approx(0.0301, abs=0.0001)
    assert r["ci_high"] == pytest.approx(0.5635, abs=0.0001)


def test_utilization_summary_on_seed10(seed10_panel):
    s = pop.utilization_summary(seed10_panel, by="all").iloc[0]
    assert s["member_months"] == 309
    assert s["inpatient_stays"] == 1  # Tuva's acute rule: one 11x + DRG claim has room and board
    assert s["inpatient_stays_per_1000"] == pytest.approx(1 / 309 * 12_000)
    assert s["pmpm_total"] == pytest.approx(seed10_panel["paid_total"].sum() / 309)
    assert s["index_stays"] == 0  # that stay ended against medical advice (07): no index stay
    by_year = pop.utilization_summary(seed10_panel, by="year")
    assert by_year["member_months"].sum() == 309
    assert by_year["period"].tolist() == ["2016", "2017", "2018"]


def test_pmpm_by_category_adds_up(seed10_panel):
    long = pop.pmpm_by_category(seed10_panel, by="year")
    total = long.groupby("period")["paid"].sum()
    direct = seed10_panel.groupby(seed10_panel["month"].dt.year.astype(str))["paid_total"].sum()
    pd.testing.assert_series_equal(total, direct, check_names=False)


def test_annual_costs_and_latest_full_year(seed10_panel):
    a = pop.annual_costs(seed10_panel)
    assert a["member_months"].sum() == 309
    assert a["paid_total"].sum() == pytest.approx(seed10_panel["paid_total"].sum())
    assert pop.latest_full_year(seed10_panel) == 2018


def test_bad_period_is_a_clear_error(seed10_panel):
    with pytest.raises(ValueError, match="by must be"):
        pop.utilization_summary(seed10_panel, by="fortnight")


def test_age_bands():
    bands = pop.age_band(pd.Series([0, 17, 18, 34, 35, 64, 65, None]))
    assert bands.tolist() == ["0-17", "0-17", "18-34", "18-34", "35-49", "50-64", "65+",
                              "unknown"]


def test_utilization_by_group_adds_up(seed10_panel):
    p = seed10_panel.assign(age_band=pop.age_band(seed10_panel["age"]))
    g = pop.utilization_summary(p, by="all", group="gender")
    assert set(g["gender"]) == {"female", "male"}
    assert g["member_months"].sum() == 309
    assert g["inpatient_stays"].sum() == seed10_panel["inpatient_stays"].sum() == 1
    a = pop.utilization_summary(p, by="year", group="age_band")
    assert a["member_months"].sum() == 309
    assert (a["inpatient_stays_per_1000_ci_low"] <= a["inpatient_stays_per_1000"]).all()


def test_decile_transition_rows_sum_to_one():
    rng = np.random.default_rng(0)
    ids = [f"P{i:04d}" for i in range(1000)]
    persistent = rng.lognormal(0, 1, 1000)
    panel = pd.DataFrame({
        "person_id": ids * 2, "year": [2022] * 1000 + [2023] * 1000,
        "paid_total": np.concatenate([persistent * rng.lognormal(0, .3, 1000),
                                      persistent * rng.lognormal(0, .3, 1000)])})
    m = pop.decile_transition(panel, 2022, 2023)
    assert m.shape == (10, 10)
    assert m.sum(axis=1).to_numpy() == pytest.approx(np.ones(10))
    assert np.diag(m).mean() > 0.2  # persistent costs stay near the diagonal
    same = pop.decile_transition(panel.assign(year=[2022] * 1000 + [2023] * 1000,
                                              paid_total=np.tile(persistent, 2)), 2022, 2023)
    assert np.diag(same).tolist() == [1.0] * 10


def test_summarize_period_on_tuva_demo(demo100):
    from valuecase.data.load import load
    from valuecase.data.mapping import ColumnMapping
    from valuecase.panel.member_panel import build_panel
    from valuecase.population.summary import summarize

    data = load(demo100, mapping=ColumnMapping.from_dict({"patient_id": "person_id",
                                                          "ms_drg_code": "drg_code"}))
    s = summarize(data, start="2018", end="2018")
    assert s["member_months"] == 820
    # README: 9 claims with bill type 11x and an MS-DRG, 7 with room and board; Tuva counts 7
    assert s["inpatient_stays"] == 7 and s["readmissions_30d"] == 0
    panel = build_panel(data)
    assert panel["person_id"].nunique() == 100  # members without claims are counted
    claimants = set(data.frame("medical_claim")["person_id"])
    assert len(set(panel["person_id"]) - claimants) == 13
    assert (data.frame("medical_claim")["paid_amount"] < 0).sum() == 5


def _panel_with_thin_edges() -> pd.DataFrame:
    """Two full years of 50 people, plus one person's single month before them and 3 people's
    two months after: the first and last periods of a real extract."""
    rows = []
    for p in range(50):
        for m in pd.date_range("2020-01-01", "2021-12-01", freq="MS"):
            rows.append((f"P{p:02d}", m, 1 if (p + m.month) % 9 == 0 else 0))
    rows.append(("P00", pd.Timestamp("2019-12-01"), 1))
    for p in range(3):
        for m in pd.date_range("2022-01-01", "2022-02-01", freq="MS"):
            rows.append((f"P{p:02d}", m, 0))
    df = pd.DataFrame(rows, columns=["person_id", "month", "ed_visits"])
    return df.assign(year=df["month"].dt.year, paid_total=100.0)


def test_thin_first_and_last_periods_are_marked_partial_and_labelled():
    summary = pop.utilization_summary(_panel_with_thin_edges(), by="year")
    assert summary["period"].tolist() == ["2019", "2020", "2021", "2022"]
    assert summary["partial"].tolist() == [True, False, False, True]
    # the 2019 rate rests on 1 member month: its CI is the kind that flattened every chart
    assert summary.loc[0, "ed_visits_per_1000_ci_high"] > 40_000
    shown = pop.rate_table(summary, ["period"])
    assert shown["period"].tolist() == ["2019 (partial)", "2020", "2021", "2022 (partial)"]
    # a breakdown by group over all months has no periods to mark
    by_gender = pop.utilization_summary(_panel_with_thin_edges().assign(gender="f"), by="all",
                                        group="gender")
    assert "partial" not in by_gender


def test_no_period_is_partial_when_all_are_alike():
    s = pd.DataFrame({"period": ["2020Q1", "2020Q2", "2020Q3"], "member_months": [300, 290, 151]})
    assert pop.mark_partial_periods(s)["partial"].tolist() == [False, False, False]
    assert pop.mark_partial_periods(s.iloc[:0])["partial"].tolist() == []
