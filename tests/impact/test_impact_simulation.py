"""Simulations with known truth: recovery, CI coverage, and the regression-to-the-mean trap."""

from __future__ import annotations

import numpy as np
import pytest

from valuecase.impact import (
    count_model,
    did,
    gamma_glm,
    ipw,
    matched_effect,
    regression_adjusted,
    simulate_cohort,
    simulate_panel,
    two_part,
)

COVS = ["age", "female", "risk"]
N_SIM = 250


def _covered(e, truth) -> bool:
    return e.ci_low <= truth <= e.ci_high


def _recovers(e, truth, tol) -> bool:
    """Close to the truth in absolute terms and within 4 standard errors (a single seeded
    draw; coverage is checked separately over many simulations)."""
    return abs(e.estimate - truth) < tol and abs(e.estimate - truth) < 4 * e.se


@pytest.mark.slow
def test_did_cluster_robust_ci_covers_truth():
    hits = [_covered(did(simulate_panel(n_population=300, seed=s), "y", "treated", "post",
                         cluster="person"), -1.0) for s in range(N_SIM)]
    rate = float(np.mean(hits))
    print(f"did cluster-robust 95% CI coverage over {N_SIM} simulations: {rate:.3f}")
    assert 0.92 <= rate <= 0.98


@pytest.mark.slow
def test_ipw_mestimation_ci_covers_truth():
    hits = [_covered(ipw(simulate_cohort(n=300, seed=s), "y", "treated", COVS), 2.0)
            for s in range(N_SIM)]
    rate = float(np.mean(hits))
    print(f"ipw (ATE, M-estimation SE) 95% CI coverage over {N_SIM} simulations: {rate:.3f}")
    assert 0.92 <= rate <= 0.98


def test_regression_to_the_mean_naive_change_vs_did():
    p = simulate_panel(n_population=4000, seed=21, effect=-1.0)
    truth = p.attrs["effect"]
    tr = p.loc[p["treated"] == 1]
    naive = tr.loc[tr["post"] == 1, "y"].mean() - tr.loc[tr["post"] == 0, "y"].mean()
    assert naive < truth - 0.6  # pre/post on the program arm alone shows a much larger "drop"
    e = did(p, "y", "treated", "post", cluster="person")
    assert _covered(e, truth) and abs(e.estimate - truth) < 0.15
    # both groups regress to the mean by the same amount when selected by the same rule
    assert e.details["comparison_change"] < -0.5
    # a comparison group not selected by the trigger (everyone else) is biased
    everyone = simulate_panel(n_population=4000, seed=21, effect=-1.0, keep="all")
    wrong = everyone.loc[(everyone["treated"] == 1) | ~everyone["selected"]]
    bad = did(wrong, "y", "treated", "post", cluster="person")
    assert not _covered(bad, truth) and bad.estimate < truth - 0.6


def test_random_selection_has_no_regression_to_the_mean():
    p = simulate_panel(n_population=4000, seed=22, selection="random")
    tr = p.loc[p["treated"] == 1]
    naive = tr.loc[tr["post"] == 1, "y"].mean() - tr.loc[tr["post"] == 0, "y"].mean()
    assert naive == pytest.approx(-1.0, abs=0.2)


def test_confounded_cohort_adjustment_recovers_effect():
    c = simulate_cohort(n=4000, seed=2)
    naive = c.loc[c["treated"] == 1, "y"].mean() - c.loc[c["treated"] == 0, "y"].mean()
    assert naive > 2.0 + 1.0  # confounding by risk biases the raw difference upwards
    for e in [regression_adjusted(c, "y", "treated", COVS), ipw(c, "y", "treated", COVS),
              ipw(c, "y", "treated", COVS, estimand="ATT")]:
        assert _recovers(e, 2.0, 0.25), e.summary()


def test_matching_recovers_att():
    # a large comparison pool (about 1 treated to 4 controls), as for a complex-care program
    c = simulate_cohort(n=4000, seed=4, treat_logit=-1.5)
    e = matched_effect(c, "y", "treated", COVS)
    assert _recovers(e, 2.0, 0.15), e.summary()
    assert "match set" in e.method


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_count_model_recovers_rate_ratio(family):
    c = simulate_cohort(n=6000, seed=7, rate_ratio=0.75)
    e = count_model(c, "visits", "treated", "member_months", ["risk", "age"], family=family)
    assert e.scale == "ratio" and _covered(e, 0.75)
    assert e.estimate == pytest.approx(0.75, abs=0.06)
    assert np.log(e.ci_high) - np.log(e.estimate) == pytest.approx(1.96 * e.se, rel=1e-3)
    # without the offset-relevant covariate (risk is a confounder) the ratio is biased upwards
    crude = count_model(c, "visits", "treated", "member_months", family=family)
    assert crude.estimate > e.estimate + 0.1


def test_gamma_and_two_part_recover_cost_effects():
    c = simulate_cohort(n=5000, seed=9, cost_ratio=0.8)
    g = gamma_glm(c.loc[c["paid"] > 0], "paid", "treated", ["risk"])
    assert _covered(g, 0.8) and g.estimate == pytest.approx(0.8, abs=0.05)
    truth = c.attrs["two_part_difference"]
    tp = two_part(c, "paid", "treated", ["risk"], n_boot=80, seed=3)
    assert tp.ci_low <= truth <= tp.ci_high
    assert tp.estimate == pytest.approx(truth, rel=0.25)
    assert tp.details["mean_treated"] - tp.details["mean_control"] == pytest.approx(tp.estimate)
