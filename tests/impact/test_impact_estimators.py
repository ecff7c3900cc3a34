"""Contract test over every estimator, input errors, and each estimator's own behaviour."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from valuecase import impact
from valuecase.impact import (
    Effect,
    as_frame,
    balance,
    bootstrap_ci,
    count_model,
    did,
    difference_in_means,
    event_study,
    gamma_glm,
    ipw,
    match,
    matched_effect,
    minimum_detectable_effect,
    minimum_detectable_rate_ratio,
    pretrend_test,
    regression_adjusted,
    simulate_cohort,
    simulate_panel,
    two_part,
)

COVS = ["age", "female", "risk"]


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return simulate_cohort(n=400, seed=11)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate_panel(n_population=200, seed=11)


# name -> (data fixture, estimator, expected n)
CASES: dict[str, tuple[str, Callable[[pd.DataFrame], Effect], Callable[[pd.DataFrame], int]]] = {
    "difference_in_means": ("cohort", lambda d: difference_in_means(d, "y", "treated"), len),
    "regression_adjusted": ("cohort", lambda d: regression_adjusted(d, "y", "treated", COVS), len),
    "regression_formula": ("cohort", lambda d: regression_adjusted(
        d, "y", "treated", "age + C(female) + risk + I(risk**2)"), len),
    "ipw_ate": ("cohort", lambda d: ipw(d, "y", "treated", COVS), len),
    "ipw_att_trim": ("cohort", lambda d: ipw(d, "y", "treated", COVS, "ATT", trim=0.05), len),
    "ipw_wls": ("cohort", lambda d: ipw(d, "y", "treated", COVS, variance="robust_wls"), len),
    "did": ("panel", lambda d: did(d, "y", "treated", "post"), len),
    "did_cluster": ("panel", lambda d: did(d, "y", "treated", "post", cluster="person"), len),
    "did_covariates": ("panel", lambda d: did(d, "y", "treated", "post", cluster="person",
                                              covariates=["period"]), len),
    "poisson": ("cohort", lambda d: count_model(d, "visits", "treated", "member_months", COVS),
                len),
    "negbin": ("cohort", lambda d: count_model(d, "visits", "treated", "member_months",
                                               family="negbin"), len),
    "gamma": ("cohort", lambda d: gamma_glm(d.loc[d["paid"] > 0], "paid", "treated", ["risk"]),
              lambda d: int((d["paid"] > 0).sum())),
    "two_part": ("cohort", lambda d: two_part(d, "paid", "treated", ["risk"], n_boot=40), len),
    "matched": ("cohort", lambda d: matched_effect(d, "y", "treated", COVS),
                lambda d: len(match(d, "treated", COVS))),
    "bootstrap": ("cohort", lambda d: bootstrap_ci(
        d, lambda x: x["y"].mean(), n_boot=50, seed=1), len),
}


@pytest.mark.parametrize("name", list(CASES))
def test_contract(name, request):
    fixture, estimator, expected_n = CASES[name]
    data = request.getfixturevalue(fixture)
    e = estimator(data)
    assert isinstance(e, Effect)
    values = [e.estimate, e.se, e.ci_low, e.ci_high, e.p_value]
    assert all(math.isfinite(v) for v in values), e
    assert e.ci_low <= e.estimate <= e.ci_high
    assert e.se > 0 and 0 <= e.p_value <= 1
    assert e.n == expected_n(data)
    assert e.method.strip()
    assert e.scale in ("difference", "ratio")
    assert e.summary().count("\n") == 0 and f"n = {e.n:,}" in e.summary()
    again = estimator(data)
    assert again.to_dict() == e.to_dict()  # deterministic (fixed seeds)
    with pytest.raises(ValueError):
        estimator(data.iloc[:0])


def test_public_api_names():
    for name in ["difference_in_means", "regression_adjusted", "ipw", "did", "balance",
                 "count_model", "gamma_glm", "two_part", "match", "matched_effect",
                 "event_study", "pretrend_test", "bootstrap_ci", "minimum_detectable_effect",
                 "minimum_detectable_rate_ratio", "Effect", "as_frame"]:
        assert name in impact.__all__ and callable(getattr(impact, name))


def test_effect_summary_and_frame():
    e = Effect(-123.4, 64.6, -250.1, 3.3, 0.056, 1234, "IP weighting", outcome="paid",
               estimand="ATT")
    assert e.summary().startswith("ATT on paid: \u2212123.4 (95% CI \u2212250.1 to 3.30; SE 64.60;"
                                  " p = 0.056; n = 1,234)")
    frame = as_frame([e, e])
    assert list(frame["estimate"]) == [-123.4, -123.4] and "details" not in frame
    with pytest.raises(AttributeError):
        e.estimate = 0.0  # frozen


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.drop(columns="risk"), "missing column"),
        (lambda d: d.assign(treated=d["treated"] * 2), "must be 0/1"),
        (lambda d: d.assign(treated=0), "no treated"),
        (lambda d: d.assign(treated=1), "no control"),
        (lambda d: d.assign(y=d["y"].where(d.index >= 3)), "3 rows have missing values"),
        (lambda d: d.assign(age=d["age"].where(d.index != 7)), "1 rows have missing values in age"),
    ],
)
def test_clear_value_errors(cohort, mutate, message):
    bad = mutate(cohort)
    with pytest.raises(ValueError, match=message):
        regression_adjusted(bad, "y", "treated", COVS)
    with pytest.raises(ValueError, match=message):
        ipw(bad, "y", "treated", COVS)


def test_formula_errors_and_equivalence(cohort):
    with pytest.raises(ValueError, match="missing column"):
        regression_adjusted(cohort, "y", "treated", "age + weight")
    a = regression_adjusted(cohort, "y", "treated", COVS)
    b = regression_adjusted(cohort, "y", "treated", "age + female + risk")
    assert a.estimate == pytest.approx(b.estimate, abs=1e-10)
    assert a.se == pytest.approx(b.se, abs=1e-10)


def test_cost_and_count_input_checks(cohort):
    with pytest.raises(ValueError, match="positive"):
        gamma_glm(cohort, "paid", "treated")
    with pytest.raises(ValueError, match="exposure"):
        count_model(cohort.assign(member_months=0), "visits", "treated", "member_months")
    with pytest.raises(ValueError, match="whole numbers"):
        count_model(cohort.assign(visits=0.5), "visits", "treated", "member_months")


def test_balance_flags_imbalance_and_weighting_removes_it():
    c = simulate_cohort(n=3000, seed=5, confounding=1.5)
    raw = balance(c, "treated", COVS)
    assert list(raw.columns) == ["mean_treated", "mean_control", "smd", "variance_ratio", "flag"]
    assert raw.loc["risk", "flag"] and raw.loc["risk", "smd"] > 0.5
    assert not raw.loc["female", "flag"]  # female does not drive treatment
    t = c["treated"] == 1
    hand = (c.loc[t, "risk"].mean() - c.loc[~t, "risk"].mean()) / np.sqrt(
        (c.loc[t, "risk"].var() + c.loc[~t, "risk"].var()) / 2)
    assert raw.loc["risk", "smd"] == pytest.approx(hand, rel=1e-12)
    e = impact.propensity_score(c, "treated", COVS).to_numpy()
    w = impact.ipw_weights(c["treated"].to_numpy(), e, "ATE")
    weighted = balance(c, "treated", COVS, weights=w)
    assert (weighted["smd"].abs() < 0.1).all() and not weighted["flag"].any()


def test_ipw_reports_ess_and_trimming(cohort):
    e = ipw(cohort, "y", "treated", COVS, trim=0.1)
    d = e.details
    assert 0 < d["ess_treated"] <= d["n_treated"] and 0 < d["ess_control"] <= d["n_control"]
    untrimmed = ipw(cohort, "y", "treated", COVS)
    assert d["n_trimmed"] > 0 and untrimmed.details["n_trimmed"] == 0
    assert d["weight_max"] <= 1 / 0.1 and e.estimate != untrimmed.estimate
    with pytest.raises(ValueError, match="estimand"):
        ipw(cohort, "y", "treated", COVS, estimand="ATC")


def test_matching_with_caliper_drops_unmatched():
    c = simulate_cohort(n=800, seed=3, confounding=2.0)
    wide = match(c, "treated", COVS, caliper=None)
    tight = match(c, "treated", COVS, caliper=0.05)
    assert wide.attrs["n_treated_unmatched"] == 0
    assert tight.attrs["n_treated_unmatched"] > 0
    assert tight["match_id"].nunique() == tight.attrs["n_treated_matched"]
    assert (tight.groupby("match_id")["treated"].agg(["sum", "count"]) == [1, 2]).all().all()
    assert tight.groupby("match_id")["distance"].agg(lambda s: s.max() - s.min()).max() <= \
        tight.attrs["caliper_logit"]
    # without replacement every control is used at most once
    assert not tight.loc[tight["treated"] == 0, "person"].duplicated().any()
    two = match(c, "treated", COVS, caliper=None, ratio=2)
    assert set(two.loc[two["treated"] == 0, "weights"]) <= {0.5, 1.0}


def test_bootstrap_seed_and_cluster(panel):
    def est(d):
        m = d.groupby(["treated", "post"])["y"].mean()
        return m[(1, 1)] - m[(1, 0)] - m[(0, 1)] + m[(0, 0)]

    a = bootstrap_ci(panel, est, n_boot=100, seed=4, cluster="person")
    b = bootstrap_ci(panel, est, n_boot=100, seed=4, cluster="person")
    c = bootstrap_ci(panel, est, n_boot=100, seed=5, cluster="person")
    assert a.to_dict() == b.to_dict() and a.se != c.se
    assert a.details["n_resampled_units"] == panel["person"].nunique()
    assert "cluster bootstrap" in a.method
    # the cluster bootstrap SE is close to the cluster-robust analytic SE
    analytic = did(panel, "y", "treated", "post", cluster="person").se
    assert a.se == pytest.approx(analytic, rel=0.3)


def test_minimum_detectable_effect_closed_form():
    for n1, n0, sd in [(100, 100, 1.0), (250, 1000, 850.0), (40, 4000, 3.2)]:
        closed = 2.8 * sd * np.sqrt(1 / n1 + 1 / n0)
        assert minimum_detectable_effect(n1, n0, sd) == pytest.approx(closed, rel=0.01)
    base = minimum_detectable_effect(100, 100, 1.0)
    assert minimum_detectable_effect(100, 100, 1.0, icc=0.1, cluster_size=11) == \
        pytest.approx(base * np.sqrt(2.0))
    rr = minimum_detectable_rate_ratio(500, 500, baseline_rate=0.05, exposure=12)
    assert rr == pytest.approx(np.exp(-2.8016 * np.sqrt((1 / 0.6) * (2 / 500))), rel=1e-3)
    assert minimum_detectable_rate_ratio(500, 500, 0.05, 12, overdispersion=1.0) < rr
    with pytest.raises(ValueError):
        minimum_detectable_effect(0, 10, 1.0)


def test_event_study_shape_and_pretrend_detection():
    p = simulate_panel(n_population=2000, seed=8, effect=-2.0)
    es = event_study(p, "y", "treated", "event_time", "person", window=(-3, 2))
    assert list(es.columns) == ["estimate", "se", "ci_low", "ci_high", "p_value", "reference"]
    assert es.loc[-1, "estimate"] == 0 and es.loc[-1, "reference"]
    assert (es.loc[[0, 1, 2], "ci_high"] < 0).all()
    assert pretrend_test(p, "y", "treated", "event_time", "person", window=(-3, 2)).p_value > 0.01
    # same model with person and calendar fixed effects: same post coefficients here
    fe = event_study(p, "y", "treated", "event_time", "person", window=(-3, 2), unit="person",
                     period="period")
    assert fe.loc[1, "estimate"] == pytest.approx(es.loc[1, "estimate"], abs=1e-8)
    # a diverging pre-trend in the treated group is detected
    bad = p.assign(y=p["y"] + 1.0 * p["treated"] * p["event_time"].clip(upper=0))
    test = pretrend_test(bad, "y", "treated", "event_time", "person", window=(-3, 2))
    assert test.df == 2 and test.p_value < 0.001


def test_exposure_weighted_did_is_the_did_of_pooled_rates():
    """Weighted by member months, each cell mean is events / exposure of the group."""
    df = pd.DataFrame({"id": [1, 1, 2, 2, 3, 3, 4, 4], "g": [1, 1, 1, 1, 0, 0, 0, 0],
                       "post": [0, 1] * 4, "mm": [12, 2, 6, 12, 12, 12, 3, 9],
                       "events": [3, 1, 1, 2, 2, 1, 1, 3]})
    df["rate"] = df["events"] / df["mm"] * 12
    pooled = (df.groupby(["g", "post"])["events"].sum() / df.groupby(["g", "post"])["mm"].sum()
              * 12)
    expected = (pooled[(1, 1)] - pooled[(1, 0)]) - (pooled[(0, 1)] - pooled[(0, 0)])
    e = impact.did(df, "rate", "g", "post", cluster="id", weights="mm")
    assert e.estimate == pytest.approx(expected, rel=1e-12)
    assert e.details["treated_change"] == pytest.approx(pooled[(1, 1)] - pooled[(1, 0)])
    # a person-period without exposure carries no weight (its rate would be undefined)
    more = pd.concat([df, pd.DataFrame({"id": [5], "g": [1], "post": [1], "mm": [0],
                                        "events": [0], "rate": [np.nan]})])
    assert impact.did(more, "rate", "g", "post", cluster="id", weights="mm").estimate == (
        pytest.approx(expected, rel=1e-12))
    with pytest.raises(ValueError, match="must not be negative"):
        impact.did(df.assign(mm=-df["mm"]), "rate", "g", "post", weights="mm")


def test_exposure_weighted_did_is_unbiased_and_less_variable_than_person_rates():
    """Simulation with a known effect: follow-up of 1-12 months, Poisson events, rate ratio
    0.8 in the program group's follow-up. The weighted DiD recovers the true difference of
    rates; the unweighted one is noisier (short follow-ups weigh as much as long ones)."""
    rng = np.random.default_rng(2024)
    n, base, true_did = 400, 1.2, 1.2 * 0.8 - 1.2
    weighted, unweighted = [], []
    for _ in range(200):
        g = np.repeat([1, 0], n // 2)
        frailty = rng.gamma(2.0, 0.5, n)
        mm_base, mm_follow = np.full(n, 12), rng.integers(1, 13, n)
        ev_base = rng.poisson(base / 12 * mm_base * frailty)
        ev_follow = rng.poisson(base * np.where(g == 1, 0.8, 1.0) / 12 * mm_follow * frailty)
        df = pd.DataFrame({"id": np.tile(np.arange(n), 2), "g": np.tile(g, 2),
                           "post": np.repeat([0, 1], n),
                           "mm": np.concatenate([mm_base, mm_follow]),
                           "ev": np.concatenate([ev_base, ev_follow])})
        df["rate"] = df["ev"] / df["mm"] * 12
        weighted.append(impact.did(df, "rate", "g", "post", cluster="id", weights="mm").estimate)
        unweighted.append(impact.did(df, "rate", "g", "post", cluster="id").estimate)
    weighted, unweighted = np.array(weighted), np.array(unweighted)
    assert abs(weighted.mean() - true_did) < 3 * weighted.std() / np.sqrt(len(weighted))
    assert weighted.var() < 0.85 * unweighted.var()
