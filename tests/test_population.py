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
    assert s["inpatient_stays"] == 6
    assert s["inpatient_stays_per_1000"] == pytest.approx(6 / 309 * 12_000)
    assert s["pmpm_total"] == pytest.approx(seed10_panel["paid_total"].sum() / 309)
    assert s["readmission_rate"] == pytest.approx(1 / s["index_stays"])
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
