"""Social needs: resolved shares by domain, and time to resolution with censoring (lifelines)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from valuecase.partners.needs import needs_by_domain, resolution_times, time_to_resolution

AS_OF = pd.Timestamp("2024-01-09")


def _needs(rows):
    cols = ["person_id", "domain", "identified_date", "resolved_date", "status"]
    return pd.DataFrame(rows, columns=cols).astype(
        {"identified_date": "datetime64[ns]", "resolved_date": "datetime64[ns]"})


@pytest.fixture
def tiny():
    """Five utilities needs identified on 1 January, followed to 9 January:
    resolved on day 2, closed unresolved on day 3, resolved on days 4 and 5, and one still open
    whose resolved_date (day 1) must be ignored."""
    return _needs([
        ("a", "utilities", "2024-01-01", "2024-01-03", "resolved"),
        ("b", "utilities", "2024-01-01", "2024-01-04", "closed_unresolved"),
        ("c", "utilities", "2024-01-01", "2024-01-05", "resolved"),
        ("d", "utilities", "2024-01-01", "2024-01-06", "resolved"),
        ("e", "utilities", "2024-01-01", "2024-01-02", "open"),
    ])


def test_censoring_rules(tiny):
    t = resolution_times(tiny, AS_OF)
    assert t["days"].tolist() == [2, 3, 4, 5, 8]  # the open need runs to as_of
    assert t["resolved"].tolist() == [True, False, True, True, False]
    # closed unresolved without a date: censored at as_of
    undated = tiny.assign(resolved_date=tiny["resolved_date"].where(tiny["person_id"] != "b"))
    assert resolution_times(undated, AS_OF)["days"].tolist() == [2, 8, 4, 5, 8]


def test_km_median_by_hand(tiny):
    # by hand: S(2) = 4/5 = 0.8; at day 4, 3 at risk (b censored at 3): S = 0.8 x 2/3 = 0.533;
    # at day 5, 2 at risk: S = 0.533 x 1/2 = 0.267 -> the median (first S <= 0.5) is day 5
    t = time_to_resolution(tiny, AS_OF, horizon_days=4, min_count=1).set_index("domain")
    row = t.loc["utilities"]
    assert row["median_days"] == 5
    assert row[["needs", "resolved", "censored"]].tolist() == [5, 3, 2]
    assert row["resolved_by_horizon"] == pytest.approx(1 - 0.8 * 2 / 3)
    assert 0 <= row["horizon_ci_low"] <= row["resolved_by_horizon"] <= row["horizon_ci_high"] <= 1
    assert row["median_ci_low"] <= 5 <= row["median_ci_high"]
    assert t.loc["all", "median_days"] == 5
    # the same numbers straight from lifelines on the hand-made durations
    from lifelines import KaplanMeierFitter
    kmf = KaplanMeierFitter().fit([2, 3, 4, 5, 8], [1, 0, 1, 1, 0])
    band = kmf.confidence_interval_survival_function_.loc[4]
    assert row["horizon_ci_low"] == pytest.approx(1 - band.iloc[1])
    assert row["horizon_ci_high"] == pytest.approx(1 - band.iloc[0])


def test_an_unresolved_need_is_never_counted_as_resolved(tiny):
    t = needs_by_domain(tiny, min_count=1).set_index("domain")
    assert t.loc["utilities", ["identified", "resolved"]].tolist() == [5, 3]
    assert t.loc["utilities", "share"] == pytest.approx(3 / 5)
    all_open = tiny.assign(status="open")
    assert needs_by_domain(all_open, min_count=1).set_index("domain").loc["all", "resolved"] == 0
    km = time_to_resolution(all_open, AS_OF, min_count=1).set_index("domain")
    assert km.loc["utilities", "resolved"] == 0 and np.isinf(km.loc["utilities", "median_days"])
    assert km.loc["utilities", "resolved_by_horizon"] == 0


def test_domains_and_wilson_interval():
    rows = [(f"h{i}", "housing_instability", "2024-01-01",
             "2024-02-01" if i < 20 else None, "resolved" if i < 20 else "open")
            for i in range(30)]
    rows += [(f"f{i}", "food_insecurity", "2024-01-01", None, "open") for i in range(12)]
    t = needs_by_domain(_needs(rows), min_count=1).set_index("domain")
    assert t.index.tolist() == ["housing_instability", "food_insecurity", "all"]
    assert t.loc["all", ["identified", "resolved"]].tolist() == [42, 20]
    # Wilson 20/30 by hand: (p + z2/2n -/+ z sqrt(p q / n + z2/4n2)) / (1 + z2/n)
    z, n, p = 1.959964, 30, 20 / 30
    centre, half = p + z * z / (2 * n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert t.loc["housing_instability", "ci_low"] == pytest.approx(
        (centre - half) / (1 + z * z / n), abs=1e-6)
    assert t.loc["housing_instability", "ci_high"] == pytest.approx(
        (centre + half) / (1 + z * z / n), abs=1e-6)


def test_resolved_without_a_date_is_not_placed_in_time():
    rows = [(f"p{i}", "transportation", "2024-01-01", "2024-01-11", "resolved")
            for i in range(3)] + [("x", "transportation", "2024-01-01", None, "resolved")]
    t = time_to_resolution(_needs(rows), "2024-03-01", min_count=1).set_index("domain")
    assert t.loc["transportation", ["needs", "resolved", "not_placed"]].tolist() == [3, 3, 1]
    assert t.loc["transportation", "median_days"] == 10


def test_small_domains_are_suppressed_with_their_complement():
    rows = [(f"h{i}", "housing_instability", "2024-01-01",
             "2024-01-20" if i < 15 else None, "resolved" if i < 15 else "open")
            for i in range(30)]
    rows += [(f"f{i}", "food_insecurity", "2024-01-01", None, "open") for i in range(5)]
    needs = _needs(rows)
    t = needs_by_domain(needs).set_index("domain")
    assert t.loc["food_insecurity", ["identified", "share", "ci_low"]].isna().all()
    # housing = all - food, so it goes too; the total stays
    assert np.isnan(t.loc["housing_instability", "identified"])
    assert t.loc["all", ["identified", "resolved"]].tolist() == [35, 15]
    assert t["suppressed"].tolist() == [True, True, False]
    km = time_to_resolution(needs, "2024-06-30").set_index("domain")
    assert km.loc["food_insecurity", ["needs", "median_days"]].isna().all()
    assert km.loc["food_insecurity", "suppressed"]
    # 15 of 35 resolved (day 19), the rest censored at as_of: the median is not reached
    assert km.loc["all", "needs"] == 35 and np.isinf(km.loc["all", "median_days"])
    assert km.loc["all", "resolved_by_horizon"] == pytest.approx(15 / 35)
