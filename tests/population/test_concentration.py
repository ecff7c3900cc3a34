"""Concentration functions against closed forms and hand-checkable cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from valuecase.population import concentration as conc


@pytest.fixture(scope="module")
def lognormal_sample():
    sigma = 1.6
    return sigma, np.random.default_rng(42).lognormal(mean=7.0, sigma=sigma, size=2_000_000)


def test_gini_matches_lognormal_closed_form(lognormal_sample):
    sigma, x = lognormal_sample
    expected = 2 * stats.norm.cdf(sigma / np.sqrt(2)) - 1
    assert conc.gini(x) == pytest.approx(expected, abs=0.003)


@pytest.mark.parametrize("p", [0.01, 0.05, 0.1, 0.5])
def test_top_share_matches_lognormal_closed_form(lognormal_sample, p):
    sigma, x = lognormal_sample
    expected = 1 - stats.norm.cdf(stats.norm.ppf(1 - p) - sigma)
    assert conc.top_share(x, shares=(p,))[p] == pytest.approx(expected, abs=0.004)


def test_lorenz_shape(lognormal_sample):
    _, x = lognormal_sample
    curve = conc.lorenz(x[:10_000])
    assert list(curve.columns) == ["population_share", "cost_share"]
    assert curve.iloc[0].tolist() == [0.0, 0.0]
    assert curve.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert (np.diff(curve["cost_share"]) >= -1e-12).all()
    assert (curve["cost_share"] <= curve["population_share"] + 1e-12).all()


def test_weights_equal_duplication():
    rng = np.random.default_rng(1)
    x = rng.gamma(0.5, 1000, size=500)
    w = rng.integers(1, 5, size=500)
    dup = np.repeat(x, w)
    assert conc.gini(x, weights=w) == pytest.approx(conc.gini(dup), abs=1e-12)
    pd.testing.assert_series_equal(conc.top_share(x, weights=w), conc.top_share(dup))


def test_equal_costs_have_no_concentration():
    x = np.full(100, 250.0)
    assert conc.gini(x) == pytest.approx(0.0, abs=1e-12)
    assert conc.top_share(x, shares=(0.05,))[0.05] == pytest.approx(0.05)


def test_one_person_holds_everything():
    x = np.zeros(100)
    x[7] = 1000.0
    assert conc.top_share(x, shares=(0.01,))[0.01] == pytest.approx(1.0)
    assert conc.gini(x) == pytest.approx(0.99)


def test_persistence():
    first = pd.Series(np.arange(100, dtype=float), index=[f"P{i:03d}" for i in range(100)])
    assert conc.persistence(first, first, top=0.05) == 1.0
    assert conc.persistence(first, -first, top=0.05) == 0.0
    second = first.copy()
    second[["P099", "P098"]] = 0  # two of the top five drop out
    assert conc.persistence(first, second, top=0.05) == pytest.approx(3 / 5)
    # persons in only one period do not count: without the two leavers, the top five of the
    # remaining 98 (P093-P097) are the same in both periods
    assert conc.persistence(first, second.drop(["P099", "P098"]), top=0.05) == 1.0


def test_bad_input_raises_clearly():
    with pytest.raises(ValueError, match="no values"):
        conc.gini([])
    with pytest.raises(ValueError, match="zero"):
        conc.top_share([0, 0, 0])
    with pytest.raises(ValueError, match="length"):
        conc.gini([1, 2], weights=[1])
    with pytest.raises(ValueError, match="shares"):
        conc.top_share([1, 2], shares=(1.5,))


def test_bootstrap_is_seeded_and_covers_closed_form():
    sigma = 1.2
    x = np.random.default_rng(11).lognormal(0, sigma, 5_000)
    a = conc.bootstrap_concentration(x, shares=(0.05,), n_boot=300, seed=4)
    b = conc.bootstrap_concentration(x, shares=(0.05,), n_boot=300, seed=4)
    pd.testing.assert_frame_equal(a, b)
    row = a.set_index("statistic")
    assert row.loc["Gini", "estimate"] == pytest.approx(conc.gini(x), abs=1e-3)
    truth = 2 * stats.norm.cdf(sigma / np.sqrt(2)) - 1
    assert row.loc["Gini", "ci_low"] < truth < row.loc["Gini", "ci_high"]
    assert row.loc["top 5%", "se"] > 0


def test_ci_of_ten_people_with_little_spending_is_n_too_small_not_nan():
    # ten people, most without spending: many resamples have none, so the interval is undefined
    costs = np.array([0, 0, 0, 0, 0, 0, 0, 0, 5.0, 900.0])
    boot = conc.bootstrap_concentration(costs, n_boot=200, seed=3)
    assert boot[["ci_low", "ci_high"]].isna().any().any() or (boot["n"] < 30).all()
    texts = [conc.concentration_ci_text(lo, hi, n, percent=s != "Gini") for s, lo, hi, n in
             zip(boot["statistic"], boot["ci_low"], boot["ci_high"], boot["n"], strict=True)]
    assert texts == ["n too small"] * len(boot)


def test_ci_of_enough_people_is_shown():
    costs = np.random.default_rng(5).lognormal(0, 1.5, 400)
    b = conc.bootstrap_concentration(costs, shares=(0.05,), n_boot=200, seed=1)
    top5, gini_row = b.iloc[0], b.iloc[1]
    text = conc.concentration_ci_text(top5["ci_low"], top5["ci_high"], int(top5["n"]))
    assert text == f"{top5['ci_low']:.1%} – {top5['ci_high']:.1%}"
    assert conc.concentration_ci_text(gini_row["ci_low"], gini_row["ci_high"], 400,
                                      percent=False).startswith("0.")
    assert conc.concentration_ci_text(0.1, float("inf"), 400) == "n too small"
