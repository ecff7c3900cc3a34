"""Covariate balance: means per arm, standardized mean differences, variance ratios."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ._data import Covariates, check_frame, covariate_columns, design

SMD_THRESHOLD = 0.1


def _wmean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted mean and (reliability-weights) unbiased weighted variance, as cobalt computes."""
    sw = w.sum()
    m = float(np.sum(w * x) / sw)
    denom = sw**2 - np.sum(w**2)
    v = float(sw / denom * np.sum(w * (x - m) ** 2)) if denom > 0 else float("nan")
    return m, v


def balance(df: pd.DataFrame, treatment: str, covariates: Covariates,
            weights: str | Sequence[float] | np.ndarray | pd.Series | None = None,
            estimand: Literal["ATE", "ATT"] = "ATE") -> pd.DataFrame:
    """Balance table: per covariate mean per arm, SMD, variance ratio and a flag.

    The standardized mean difference is ``(mean_treated - mean_control) / s`` where the
    standardizer ``s`` comes from the *unweighted* samples, as cobalt and MatchIt report it:
    ``sqrt((v1 + v0) / 2)`` for the ATE and the treated SD for the ATT. With ``weights`` the
    means and variances in the numerator and in the variance ratio are weighted; the
    standardizer stays the same, so weighted and unweighted SMDs are comparable. Binary
    covariates are standardized too. Formula terms (``"C(sex) + age"``) are expanded into
    their columns. ``flag`` is ``|smd| >= 0.1``.

    Parameters
    ----------
    weights : str or array-like, optional
        A column name or one weight per row (e.g. IP weights or matching weights).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1, 1, 1, 0, 0, 0], "age": [60.0, 70, 80, 40, 50, 60],
    ...                    "female": [1, 0, 1, 0, 1, 1]})
    >>> balance(df, "t", ["age", "female"])[["smd", "flag"]].round(2)
            smd   flag
    age     2.0   True
    female  0.0  False
    """
    if estimand not in ("ATE", "ATT"):
        raise ValueError(f"estimand must be 'ATE' or 'ATT', got {estimand!r}")
    wcol = [weights] if isinstance(weights, str) else []
    check_frame(df, [treatment, *covariate_columns(df, covariates), *wcol], binary=[treatment],
                arms=treatment)
    x = design(df, covariates)
    if weights is None:
        w = np.ones(len(df))
    else:
        w = np.asarray(df[weights] if isinstance(weights, str) else weights, dtype=float)
        if w.shape != (len(df),):
            raise ValueError(f"weights must have one value per row ({len(df)}), got {w.shape}")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("weights must be finite and non-negative")
    t = df[treatment].to_numpy() == 1
    rows = []
    for col in x.columns:
        v = x[col].to_numpy(dtype=float)
        m1, v1 = _wmean_var(v[t], w[t])
        m0, v0 = _wmean_var(v[~t], w[~t])
        u1, u0 = np.var(v[t], ddof=1), np.var(v[~t], ddof=1)
        s = np.sqrt((u1 + u0) / 2) if estimand == "ATE" else np.sqrt(u1)
        smd = (m1 - m0) / s if s > 0 else (0.0 if m1 == m0 else np.inf)
        vr = v1 / v0 if v0 > 0 else np.nan
        rows.append({"covariate": col, "mean_treated": m1, "mean_control": m0, "smd": smd,
                     "variance_ratio": vr, "flag": bool(abs(smd) >= SMD_THRESHOLD)})
    out = pd.DataFrame(rows).set_index("covariate")
    out.index.name = None
    return out
