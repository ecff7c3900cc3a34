"""Propensity-score nearest-neighbour matching with a caliper, and the matched ATT."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ._data import Covariates, check_frame, covariate_columns
from .effect import Effect, from_result
from .weighting import _propensity_fit


def match(df: pd.DataFrame, treatment: str, covariates: Covariates, caliper: float | None = 0.2,
          ratio: int = 1, replace: bool = False, seed: int = 0,
          order: Literal["largest", "random", "data"] = "largest") -> pd.DataFrame:
    """Greedy nearest-neighbour matching on the logit of the propensity score.

    Each treated unit (in order of decreasing propensity by default, as MatchIt does; or a
    seeded random order) takes its ``ratio`` nearest controls on the logit propensity score
    within ``caliper`` standard deviations of the logit score (SD over all rows). Treated
    units with no control inside the caliper are dropped (count in
    ``attrs["n_treated_unmatched"]``).

    Returns
    -------
    DataFrame
        Matched treated and control rows with ``match_id`` (one per treated unit),
        ``distance`` (logit propensity) and ``weights`` (1 for treated, ``1/k`` for each of
        the k controls of a treated unit). With ``replace=True`` a control can appear in
        several match sets (once per set).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1, 1, 0, 0, 0, 1, 0, 0],
    ...                    "x": [1.0, 2.0, 1.1, 2.2, 0.5, 9.0, 3.0, 1.5]})
    >>> m = match(df, "t", ["x"], caliper=0.5)
    >>> int(m["t"].sum()), len(m)
    (2, 4)
    """
    if ratio < 1:
        raise ValueError(f"ratio must be at least 1, got {ratio}")
    check_frame(df, [treatment, *covariate_columns(df, covariates)], binary=[treatment],
                arms=treatment)
    res, _, a = _propensity_fit(df, treatment, covariates)
    e = np.clip(np.asarray(res.fittedvalues, dtype=float), 1e-12, 1 - 1e-12)
    lps = np.log(e / (1 - e))
    width = np.inf if caliper is None else caliper * float(np.std(lps, ddof=1))
    treated = np.flatnonzero(a == 1)
    controls = np.flatnonzero(a == 0)
    if order == "largest":
        treated = treated[np.argsort(-lps[treated], kind="stable")]
    elif order == "random":
        treated = np.random.default_rng(seed).permutation(treated)
    elif order != "data":
        raise ValueError(f"order must be 'largest', 'random' or 'data', got {order!r}")
    available = np.ones(len(controls), dtype=bool)
    rows, ids, wts = [], [], []
    mid = 0
    for i in treated:
        d = np.abs(lps[controls] - lps[i])
        d = np.where(available, d, np.inf)
        k = min(ratio, int(np.isfinite(d).sum()))
        if k == 0:
            continue
        nearest = np.argsort(d, kind="stable")[:k]
        nearest = nearest[d[nearest] <= width]
        if len(nearest) == 0:
            continue
        if not replace:
            available[nearest] = False
        rows.extend([i, *controls[nearest]])
        ids.extend([mid] * (1 + len(nearest)))
        wts.extend([1.0] + [1.0 / len(nearest)] * len(nearest))
        mid += 1
    out = df.iloc[rows].copy()
    out["match_id"] = np.asarray(ids, dtype=int)
    out["distance"] = lps[rows]
    out["weights"] = np.asarray(wts)
    out.attrs.update(_match_info(mid, len(treated) - mid, width, ratio, replace))
    return out


def _match_info(matched: int, unmatched: int, width: float, ratio: int,
                replace: bool) -> dict[str, float | int | bool]:
    return {"n_treated_matched": matched, "n_treated_unmatched": unmatched,
            "caliper_logit": width, "ratio": ratio, "replace": replace}


def matched_effect(df: pd.DataFrame, outcome: str, treatment: str, covariates: Covariates,
                   caliper: float | None = 0.2, ratio: int = 1, replace: bool = False,
                   seed: int = 0, alpha: float = 0.05) -> Effect:
    """ATT from propensity-score matching, with SE clustered by match set.

    Matches with :func:`match`, then fits weighted least squares of the outcome on the
    treatment indicator in the matched sample (matching weights) with a cluster-robust SE by
    ``match_id`` (as the MatchIt vignette recommends). The SE is conditional on the matched
    sample (it ignores propensity estimation); with ``replace=True`` controls reused across
    sets make it somewhat optimistic.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1, 1, 1, 0, 0, 0, 0, 0, 0, 1],
    ...                    "x": [1.0, 2.0, 3.0, 1.1, 2.2, 2.9, 0.5, 1.9, 3.1, 2.5],
    ...                    "y": [5.0, 6.0, 7.5, 3.0, 4.0, 5.5, 2.0, 4.2, 5.0, 6.5]})
    >>> e = matched_effect(df, "y", "t", ["x"], caliper=None)
    >>> e.estimand, e.details["n_treated_matched"]
    ('ATT', 4)
    """
    check_frame(df, [outcome], arms=None)
    m = match(df, treatment, covariates, caliper=caliper, ratio=ratio, replace=replace,
              seed=seed)
    if m.empty or m[treatment].nunique() < 2 or m["match_id"].nunique() < 2:
        raise ValueError("matching left fewer than two matched sets; widen the caliper")
    x = sm.add_constant(pd.DataFrame({treatment: m[treatment].to_numpy(dtype=float)}),
                        has_constant="add")
    res = sm.WLS(m[outcome].to_numpy(dtype=float), x, weights=m["weights"].to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": m["match_id"].to_numpy()})
    keys = ("n_treated_matched", "n_treated_unmatched", "caliper_logit", "ratio", "replace")
    details = {**{k: m.attrs[k] for k in keys}, "treatment": treatment,
               "n_control_matched": int(m.loc[m[treatment] == 0].index.nunique())}
    rep = "with" if replace else "without"
    return from_result(res, treatment, len(m),
                       f"1:{ratio} nearest-neighbour PS matching {rep} replacement "
                       f"(caliper {caliper} SD of logit PS); WLS, cluster-robust SE by match set",
                       alpha=alpha, outcome=outcome, estimand="ATT", details=details)
