"""Cost concentration: top-k% shares, Gini, Lorenz curve, persistence (stable API, README "Metric definitions").

Weights are survey-style person weights (as in MEPS): a person with weight 2 stands for two people.
Shares are computed on the weighted Lorenz curve with linear interpolation inside the person who
straddles a cut-off, so results do not jump with the sample size.

Examples
--------
>>> import numpy as np
>>> costs = np.array([0, 0, 10, 10, 80])
>>> top_share(costs, shares=(0.2,)).round(2).tolist()
[0.8]
>>> round(gini(costs), 2)
0.68
>>> persistence(pd.Series({"a": 100, "b": 1, "c": 2, "d": 3}),
...             pd.Series({"a": 50, "b": 60, "c": 1, "d": 2}), top=0.25)
0.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

DEFAULT_SHARES = (0.01, 0.05, 0.1, 0.5)
MIN_PERSONS_FOR_CI = 30
"""Fewest persons a concentration CI is shown for: below it a bootstrap of the top 1% resamples
a fraction of one person (and all-zero resamples make it undefined)."""


def _prepare(values, weights) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, dtype=float).ravel()
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float).ravel()
    if v.shape != w.shape:
        raise ValueError(f"values ({v.size}) and weights ({w.size}) differ in length")
    keep = ~np.isnan(v)
    v, w = v[keep], w[keep]
    if v.size == 0:
        raise ValueError("no values to measure concentration on")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and non-negative")
    if w.sum() <= 0:
        raise ValueError("weights sum to zero")
    if v @ w == 0:
        raise ValueError("total cost is zero; concentration is undefined")
    return v, w


def lorenz(values: Sequence[float] | np.ndarray | pd.Series,
           weights: Sequence[float] | np.ndarray | None = None,
           max_points: int | None = None) -> pd.DataFrame:
    """Lorenz curve: cumulative population share vs cumulative cost share, lowest costs first.

    Parameters
    ----------
    max_points : int, optional
        Keep about this many points, evenly spaced along the curve (both ends always kept);
        by default one point per person.

    Returns
    -------
    pandas.DataFrame
        Columns ``population_share`` and ``cost_share``, starting at (0, 0), ending at (1, 1).
    """
    v, w = _prepare(values, weights)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    pop = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    cost = np.concatenate([[0.0], np.cumsum(v * w) / (v @ w)])
    if max_points is not None and len(pop) > max_points:
        keep = np.unique(np.linspace(0, len(pop) - 1, max(2, max_points)).round().astype(int))
        pop, cost = pop[keep], cost[keep]
    return pd.DataFrame({"population_share": pop, "cost_share": cost})


def top_share(values: Sequence[float] | np.ndarray | pd.Series,
              shares: Sequence[float] = DEFAULT_SHARES,
              weights: Sequence[float] | np.ndarray | None = None) -> pd.Series:
    """Share of total cost held by the costliest ``p`` of the population, for each ``p``.

    Parameters
    ----------
    values : array-like
        Cost per person (e.g. annual paid).
    shares : sequence of float
        Population shares in (0, 1], e.g. 0.01 for the top 1%.
    weights : array-like, optional
        Person weights.

    Returns
    -------
    pandas.Series
        Indexed by share; the bottom 50% share is ``1 - top_share(v, [0.5])``.
    """
    v, w = _prepare(values, weights)
    if any(not 0 < s <= 1 for s in shares):
        raise ValueError("shares must lie in (0, 1]")
    order = np.argsort(-v, kind="stable")
    v, w = v[order], w[order]
    pop = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    cost = np.concatenate([[0.0], np.cumsum(v * w) / (v @ w)])
    out = np.interp(np.asarray(shares, dtype=float), pop, cost)
    return pd.Series(out, index=pd.Index(list(shares), name="share"), name="cost_share")


def gini(values: Sequence[float] | np.ndarray | pd.Series,
         weights: Sequence[float] | np.ndarray | None = None) -> float:
    """Gini coefficient: 1 - 2 x area under the Lorenz curve (trapezoids; weighted if given)."""
    curve = lorenz(values, weights)
    x, y = curve["population_share"].to_numpy(), curve["cost_share"].to_numpy()
    area = np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2)
    return float(1 - 2 * area)


def persistence(first: pd.Series, second: pd.Series, top: float = 0.05) -> float:
    """Share of the first period's top group still in the top group in the second period.

    Only persons present in both periods count (as in MEPS panel estimates). The top group is
    the ``ceil(top * n)`` costliest persons of each period, ties broken by person id.

    Parameters
    ----------
    first, second : pandas.Series
        Cost per person, indexed by person id.
    top : float
        Size of the top group as a population share.
    """
    if not 0 < top < 1:
        raise ValueError("top must lie in (0, 1)")
    common = first.index.intersection(second.index)
    if len(common) == 0:
        raise ValueError("no person is present in both periods")
    k = max(1, math.ceil(top * len(common)))

    def top_ids(s: pd.Series) -> set:
        d = s.loc[common].rename("cost").to_frame()
        d["pid"] = d.index.astype(str)
        d = d.sort_values(["cost", "pid"], ascending=[False, True], kind="stable")
        return set(d.index[:k])

    a, b = top_ids(first), top_ids(second)
    return len(a & b) / len(a)


def bootstrap_concentration(values: Sequence[float] | np.ndarray | pd.Series,
                            shares: Sequence[float] = DEFAULT_SHARES, n_boot: int = 500,
                            seed: int = 0, alpha: float = 0.05) -> pd.DataFrame:
    """Top shares and Gini with percentile bootstrap confidence intervals (persons resampled).

    Parameters
    ----------
    values : array-like
        Cost per person.
    shares : sequence of float
        Top shares to report.
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same intervals.

    Returns
    -------
    pandas.DataFrame
        ``statistic, estimate, se, ci_low, ci_high, n, method``; statistics ``top 1%`` ... and
        ``Gini``.

    Examples
    --------
    >>> x = np.random.default_rng(3).lognormal(0, 1.5, 2_000)
    >>> b = bootstrap_concentration(x, shares=(0.05,), n_boot=200, seed=1)
    >>> b["statistic"].tolist()
    ['top 5%', 'Gini']
    >>> bool((b["ci_low"] < b["estimate"]).all() and (b["estimate"] < b["ci_high"]).all())
    True
    """
    v, _ = _prepare(values, None)
    rng = np.random.default_rng(seed)
    sv = np.sort(v)
    n = v.size

    def stats_of(sample_sorted: np.ndarray) -> np.ndarray:
        # a resample without spending has no concentration: NaN, not a warning in the report
        with np.errstate(invalid="ignore", divide="ignore"):
            return _stats(sample_sorted)

    def _stats(sample_sorted: np.ndarray) -> np.ndarray:
        desc = sample_sorted[::-1]
        cum = np.concatenate([[0.0], np.cumsum(desc)]) / desc.sum()
        pop = np.arange(n + 1) / n
        tops = np.interp(shares, pop, cum)
        asc = np.concatenate([[0.0], np.cumsum(sample_sorted)]) / sample_sorted.sum()
        g = 1 - np.sum((asc[1:] + asc[:-1]) / n)
        return np.concatenate([tops, [g]])

    est = stats_of(sv)
    draws = np.empty((n_boot, len(shares) + 1))
    for i in range(n_boot):
        draws[i] = stats_of(np.sort(sv[rng.integers(0, n, n)]))
    lo, hi = np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
    names = [f"top {s * 100:g}%" for s in shares] + ["Gini"]
    return pd.DataFrame({"statistic": names, "estimate": est, "se": draws.std(axis=0, ddof=1),
                         "ci_low": lo, "ci_high": hi, "n": n,
                         "method": f"percentile bootstrap ({n_boot} resamples, seed {seed})"})


def concentration_ci_text(ci_low: float, ci_high: float, n: int, percent: bool = True) -> str:
    """The 95% CI of a concentration statistic as text, or ``"n too small"``.

    ``"n too small"`` when ``n`` is below :data:`MIN_PERSONS_FOR_CI` or a bound is not a
    number (a bootstrap of few persons, many with no cost, has resamples with no spending).

    Examples
    --------
    >>> concentration_ci_text(0.2, 0.25, 500), concentration_ci_text(0.31, 0.35, 500, False)
    ('20.0% – 25.0%', '0.310 – 0.350')
    >>> concentration_ci_text(float("nan"), float("nan"), 10)
    'n too small'
    """
    if n < MIN_PERSONS_FOR_CI or not (np.isfinite(ci_low) and np.isfinite(ci_high)):
        return "n too small"
    return f"{ci_low:.1%} – {ci_high:.1%}" if percent else f"{ci_low:.3f} – {ci_high:.3f}"
