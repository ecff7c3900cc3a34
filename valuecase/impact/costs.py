"""Cost outcomes: gamma GLM with log link, and the two-part (hurdle) model."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ._data import Covariates, binary, check_frame, covariate_columns, design
from .effect import Effect, from_result


def _x(df: pd.DataFrame, treatment: str, covariates: Covariates) -> pd.DataFrame:
    x = design(df, covariates)
    x.insert(0, treatment, binary(df[treatment]))
    return sm.add_constant(x, has_constant="add")


def gamma_glm(df: pd.DataFrame, outcome: str, treatment: str, covariates: Covariates = None,
              alpha: float = 0.05) -> Effect:
    """Cost ratio from a gamma GLM with log link (robust HC0 SE).

    Requires strictly positive outcomes (use :func:`two_part` when some costs are zero). The
    result is on the ratio scale: ``estimate`` and the CI are ratios of mean cost, treated
    over control; ``se`` is the SE of the log ratio.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"paid": [100.0, 150, 120, 200, 260, 240], "t": [1, 1, 1, 0, 0, 0]})
    >>> round(gamma_glm(df, "paid", "t").estimate, 3)
    0.529
    """
    check_frame(df, [outcome, treatment, *covariate_columns(df, covariates)],
                binary=[treatment], arms=treatment)
    y = df[outcome].to_numpy(dtype=float)
    if (y <= 0).any():
        raise ValueError(f"gamma_glm needs positive {outcome!r}; {int((y <= 0).sum()):,} rows "
                         "are zero or negative (use two_part for costs with zeros)")
    res = sm.GLM(y, _x(df, treatment, covariates),
                 family=sm.families.Gamma(link=sm.families.links.Log())).fit(cov_type="HC0")
    details = {"n_treated": int((df[treatment] == 1).sum()),
               "n_control": int((df[treatment] == 0).sum()), "treatment": treatment,
               "log_estimate": float(res.params[treatment])}
    return from_result(res, treatment, len(df), "gamma GLM, log link, robust (HC0) SE",
                       alpha=alpha, scale="ratio", outcome=outcome, estimand="cost ratio",
                       details=details)


def _two_part_fit(y: np.ndarray, x: np.ndarray, col: int) -> tuple[float, float, float]:
    """Mean predicted cost with everyone treated and everyone untreated (recycled predictions)."""
    anyc = (y > 0).astype(float)
    logit = sm.GLM(anyc, x, family=sm.families.Binomial()).fit()
    pos = y > 0
    gam = sm.GLM(y[pos], x[pos], family=sm.families.Gamma(link=sm.families.links.Log())).fit()
    x1, x0 = x.copy(), x.copy()
    x1[:, col], x0[:, col] = 1.0, 0.0
    m1 = float(np.mean(logit.predict(x1) * gam.predict(x1)))
    m0 = float(np.mean(logit.predict(x0) * gam.predict(x0)))
    return m1 - m0, m1, m0


def two_part(df: pd.DataFrame, outcome: str, treatment: str, covariates: Covariates = None,
             seed: int = 0, n_boot: int = 500, alpha: float = 0.05) -> Effect:
    """Two-part cost model: logit for any cost, gamma GLM (log link) for positive costs.

    The effect is the difference in mean predicted cost with everyone treated versus
    everyone untreated (recycled predictions; an average treatment effect on the cost
    scale). SE and percentile CI come from a nonparametric bootstrap of rows with the given
    ``seed``; the p-value is the normal approximation ``estimate / SE``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"paid": [0, 100.0, 150, 0, 120, 200, 0, 260, 240, 300],
    ...                    "t": [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]})
    >>> e = two_part(df, "paid", "t", n_boot=50, seed=1)
    >>> round(e.estimate, 1)
    -126.0
    """
    check_frame(df, [outcome, treatment, *covariate_columns(df, covariates)],
                binary=[treatment], arms=treatment)
    y = df[outcome].to_numpy(dtype=float)
    if (y < 0).any():
        raise ValueError(f"two_part needs non-negative {outcome!r}; {int((y < 0).sum()):,} rows "
                         "are negative")
    if not (y > 0).any():
        raise ValueError(f"two_part needs some positive {outcome!r}")
    xdf = _x(df, treatment, covariates)
    x = xdf.to_numpy(dtype=float)
    col = list(xdf.columns).index(treatment)
    est, m1, m0 = _two_part_fit(y, x, col)
    rng = np.random.default_rng(seed)
    boots = []
    n = len(y)
    for _ in range(n_boot):
        i = rng.integers(0, n, n)
        xi = x[i]
        if xi[:, col].min() == xi[:, col].max() or not (y[i] > 0).any():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rare separation in tiny resamples
            try:
                boots.append(_two_part_fit(y[i], xi, col)[0])
            except (np.linalg.LinAlgError, ValueError):
                continue
    boots_arr = np.asarray(boots)
    if len(boots_arr) < 2:
        raise ValueError("two_part bootstrap failed: too few valid resamples")
    from .bootstrap import effect_from_draws

    details = {"n_treated": int((df[treatment] == 1).sum()),
               "n_control": int((df[treatment] == 0).sum()), "treatment": treatment,
               "mean_treated": m1, "mean_control": m0, "ratio": m1 / m0,
               "n_boot": n_boot, "n_boot_used": len(boots_arr), "seed": seed}
    return effect_from_draws(est, boots_arr, n, "two-part model (logit + gamma log link), "
                             f"recycled predictions, bootstrap SE and percentile CI (seed {seed})",
                             alpha=alpha, outcome=outcome, estimand="ATE (mean cost)",
                             details=details)
