"""Seeded nonparametric bootstrap (row or cluster) for any scalar estimator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .effect import Effect


def effect_from_draws(estimate: float, draws: np.ndarray, n: int, method: str, *,
                      alpha: float = 0.05, **kwargs: Any) -> Effect:
    """Effect with bootstrap SE (SD of draws), percentile CI and a normal-approximation p-value."""
    draws = np.asarray(draws, dtype=float)
    se = float(np.std(draws, ddof=1))
    lo, hi = (float(v) for v in np.quantile(draws, [alpha / 2, 1 - alpha / 2]))
    p = float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else float("nan")
    details = dict(kwargs.pop("details", {}) or {})
    details.setdefault("ci_level", 1 - alpha)
    return Effect(float(estimate), se, lo, hi, p, int(n), method, details=details, **kwargs)


def bootstrap_ci(df: pd.DataFrame, estimator: Callable[[pd.DataFrame], float],
                 n_boot: int = 1000, seed: int = 0, cluster: str | None = None,
                 alpha: float = 0.05, method: str = "") -> Effect:
    """Bootstrap SE and percentile CI for any estimator ``DataFrame -> float``.

    Rows are resampled with replacement; with ``cluster`` whole clusters are resampled
    (all rows of a person or practice together) and each drawn copy of a cluster gets a
    new id in the ``cluster`` column, so estimators that cluster see distinct clusters. The
    estimate is ``estimator(df)``; the SE is the SD of the bootstrap draws; the CI is the
    percentile interval; the p-value is the normal approximation ``estimate / SE``.
    Resamples on which the estimator raises ``ValueError`` (e.g. an empty arm) are skipped and
    counted in ``details["n_failed"]``. Results are identical for the same ``seed``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]})
    >>> e = bootstrap_ci(df, lambda d: d["y"].mean(), n_boot=200, seed=3)
    >>> e.estimate, e.ci_low <= e.estimate <= e.ci_high
    (4.5, True)
    >>> e.se == bootstrap_ci(df, lambda d: d["y"].mean(), n_boot=200, seed=3).se
    True
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise ValueError("the data frame has no rows")
    if n_boot < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    if cluster is not None and cluster not in df.columns:
        raise ValueError(f"missing column(s): {cluster}")
    if cluster is not None and df[cluster].isna().any():
        raise ValueError(f"{int(df[cluster].isna().sum()):,} rows have missing values in {cluster}")
    estimate = float(estimator(df))
    rng = np.random.default_rng(seed)
    draws: list[float] = []
    failed = 0
    if cluster is None:
        n = len(df)
        for _ in range(n_boot):
            sample = df.iloc[rng.integers(0, n, n)]
            try:
                draws.append(float(estimator(sample)))
            except ValueError:
                failed += 1
        n_units = n
    else:
        codes, _ = pd.factorize(df[cluster])
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(codes.max() + 2))
        groups = [order[bounds[g]:bounds[g + 1]] for g in range(codes.max() + 1)]
        g = len(groups)
        for _ in range(n_boot):
            pick = rng.integers(0, g, g)
            idx = np.concatenate([groups[k] for k in pick])
            new_id = np.repeat(np.arange(g), [len(groups[k]) for k in pick])
            sample = df.iloc[idx].copy()
            sample[cluster] = new_id
            try:
                draws.append(float(estimator(sample)))
            except ValueError:
                failed += 1
        n_units = g
    arr = np.asarray(draws)
    arr = arr[np.isfinite(arr)]
    if len(arr) < 2:
        raise ValueError("bootstrap failed: fewer than two resamples gave an estimate")
    unit = f"cluster bootstrap by {cluster}" if cluster else "row bootstrap"
    label = method or "estimator"
    return effect_from_draws(estimate, arr, len(df),
                             f"{label} ({unit}, {n_boot} draws, percentile CI, seed {seed})",
                             alpha=alpha, details={"n_boot": n_boot, "n_failed": failed,
                                                   "seed": seed, "n_resampled_units": n_units})
