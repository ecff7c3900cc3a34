"""Small simulators with known truth, used by the tests and the documentation.

* :func:`simulate_panel` - a person x period panel with a program effect and **regression to
  the mean**: people are chosen because their look-back (pre-period) outcome was high, so
  it falls afterwards even without a program.
* :func:`simulate_cohort` - one row per person with confounded treatment and a continuous
  outcome, a count with member-month exposure, and a cost with zeros.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd


def simulate_panel(n_population: int = 2000, n_pre: int = 3, n_post: int = 3,
                   effect: float = -1.0, selection: Literal["high_pre", "random"] = "high_pre",
                   select_share: float = 0.3, treat_share: float = 0.5,
                   sd_person: float = 1.0, sd_noise: float = 2.0, trend: float = 0.0,
                   keep: Literal["selected", "all"] = "selected", seed: int = 0) -> pd.DataFrame:
    """Two-group panel with a known effect and regression to the mean.

    Outcome ``y_it = 10 + u_i + trend * t + e_it (+ effect if treated and post)`` with a
    persistent person level ``u_i ~ N(0, sd_person)`` and transient noise
    ``e_it ~ N(0, sd_noise)``. With ``selection="high_pre"`` the top ``select_share`` of the
    population by pre-period mean are *selected* (the program trigger and look-back), and
    each selected person is treated with probability ``treat_share``; the others are the
    comparison group chosen by the same rule. The selected group's pre-period mean is high
    partly by chance (transient noise), so it regresses towards the mean afterwards.

    Parameters
    ----------
    keep : {"selected", "all"}
        ``"selected"`` returns treated plus same-rule comparison persons; ``"all"`` returns
        the whole population (column ``selected``), for showing the bias of a comparison
        group not selected by the trigger.

    Returns
    -------
    DataFrame
        Columns ``person, period, event_time, post, treated, selected, y``; the true effect is
        in ``attrs["effect"]``.

    Examples
    --------
    >>> p = simulate_panel(n_population=200, seed=0)
    >>> sorted(p.columns)
    ['event_time', 'period', 'person', 'post', 'selected', 'treated', 'y']
    >>> p.attrs["effect"]
    -1.0
    """
    if n_pre < 1 or n_post < 1:
        raise ValueError("need at least one pre and one post period")
    rng = np.random.default_rng(seed)
    t_all = n_pre + n_post
    u = rng.normal(0, sd_person, n_population)
    noise = rng.normal(0, sd_noise, (n_population, t_all))
    y = 10 + u[:, None] + trend * np.arange(t_all)[None, :] + noise
    pre_mean = y[:, :n_pre].mean(axis=1)
    n_sel = max(2, int(round(select_share * n_population)))
    if selection == "high_pre":
        selected = np.zeros(n_population, dtype=bool)
        selected[np.argsort(-pre_mean, kind="stable")[:n_sel]] = True
    elif selection == "random":
        selected = np.zeros(n_population, dtype=bool)
        selected[rng.choice(n_population, n_sel, replace=False)] = True
    else:
        raise ValueError(f"selection must be 'high_pre' or 'random', got {selection!r}")
    treated = selected & (rng.random(n_population) < treat_share)
    post = np.arange(t_all) >= n_pre
    y = y + effect * treated[:, None] * post[None, :]
    out = pd.DataFrame({
        "person": np.repeat(np.arange(n_population), t_all),
        "period": np.tile(np.arange(t_all), n_population),
        "event_time": np.tile(np.arange(t_all) - n_pre, n_population),
        "post": np.tile(post.astype(int), n_population),
        "treated": np.repeat(treated.astype(int), t_all),
        "selected": np.repeat(selected, t_all),
        "y": y.ravel(),
    })
    if keep == "selected":
        out = out.loc[out["selected"]].reset_index(drop=True)
    out.attrs["effect"] = float(effect)
    return out


def simulate_cohort(n: int = 1000, effect: float = 2.0, confounding: float = 1.0,
                    rate_ratio: float = 0.8, cost_ratio: float = 0.85,
                    any_cost_odds_ratio: float = 0.8, nb_dispersion: float = 0.5,
                    treat_logit: float = -0.3, seed: int = 0) -> pd.DataFrame:
    """One row per person: confounded treatment, continuous, count and cost outcomes.

    Covariates ``age`` (standardized), ``female`` and ``risk``; treatment is logistic with
    intercept ``treat_logit`` and slopes on ``risk`` and ``age`` scaled by ``confounding``
    (0 = randomized). Outcomes:

    * ``y = 1 + effect * treated + 2 risk + age + 0.5 female + N(0, 1)``;
    * ``visits`` ~ negative binomial (NB2 dispersion ``nb_dispersion``) with mean
      ``member_months * exp(-2.5 + log(rate_ratio) * treated + 0.4 risk)``;
    * ``paid``: zero with probability from a logit in treatment (odds ratio
      ``any_cost_odds_ratio``) and risk; when positive, gamma (shape 2) with mean
      ``exp(7 + log(cost_ratio) * treated + 0.5 risk)``.

    The truth is in ``attrs``: ``effect``, ``rate_ratio``, ``cost_ratio`` and
    ``two_part_difference`` (sample average of the difference in expected cost between
    everyone treated and everyone untreated).

    Examples
    --------
    >>> c = simulate_cohort(n=50, seed=0)
    >>> sorted(c.attrs)
    ['any_cost_odds_ratio', 'cost_ratio', 'effect', 'rate_ratio', 'two_part_difference']
    """
    rng = np.random.default_rng(seed)
    age = rng.normal(0, 1, n)
    female = (rng.random(n) < 0.55).astype(int)
    risk = rng.normal(0, 1, n)
    p_treat = 1 / (1 + np.exp(-(treat_logit + confounding * (0.8 * risk + 0.4 * age))))
    a = (rng.random(n) < p_treat).astype(int)
    y = 1 + effect * a + 2 * risk + age + 0.5 * female + rng.normal(0, 1, n)
    months = rng.integers(1, 13, n)
    mu = months * np.exp(-2.5 + np.log(rate_ratio) * a + 0.4 * risk)
    lam = mu * rng.gamma(1 / nb_dispersion, nb_dispersion, n)
    visits = rng.poisson(lam)

    def p_any(t: np.ndarray | int) -> np.ndarray:
        return 1 / (1 + np.exp(-(0.5 + np.log(any_cost_odds_ratio) * t + 0.6 * risk)))

    def m_pos(t: np.ndarray | int) -> np.ndarray:
        return np.exp(7 + np.log(cost_ratio) * t + 0.5 * risk)

    shape = 2.0
    positive = rng.random(n) < p_any(a)
    paid = np.where(positive, rng.gamma(shape, m_pos(a) / shape), 0.0)
    out = pd.DataFrame({"person": np.arange(n), "age": age, "female": female, "risk": risk,
                        "treated": a, "y": y, "member_months": months, "visits": visits,
                        "paid": paid})
    out.attrs.update({"effect": float(effect), "rate_ratio": float(rate_ratio),
                      "cost_ratio": float(cost_ratio),
                      "any_cost_odds_ratio": float(any_cost_odds_ratio),
                      "two_part_difference": float(np.mean(p_any(1) * m_pos(1)
                                                           - p_any(0) * m_pos(0)))})
    return out
