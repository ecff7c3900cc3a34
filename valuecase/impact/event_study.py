"""Event study: coefficients by event time and a joint Wald test of the pre-period ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ._data import Covariates, check_frame, covariate_columns, design


@dataclass(frozen=True)
class WaldTest:
    """Joint Wald test: chi-square ``statistic`` on ``df`` degrees of freedom."""

    statistic: float
    df: int
    p_value: float
    method: str


def _fit(panel: pd.DataFrame, outcome: str, treated: str, event_time: str, cluster: str,
         ref: int, window: tuple[int, int], covariates: Covariates, period: str | None,
         unit: str | None):
    check_frame(panel, [outcome, treated, event_time, cluster, period, unit,
                        *covariate_columns(panel, covariates)], binary=[treated], arms=treated)
    lo, hi = window
    if not lo <= ref <= hi:
        raise ValueError(f"ref {ref} must lie inside window {window}")
    et = panel[event_time].to_numpy()
    if not np.allclose(et, np.round(et)):
        raise ValueError(f"event time {event_time!r} must hold whole numbers")
    keep = (et >= lo) & (et <= hi)
    d = panel.loc[keep]
    if len(d) == 0:
        raise ValueError(f"no rows with {event_time} inside window {window}")
    et = d[event_time].to_numpy().astype(int)
    g = d[treated].to_numpy(dtype=float)
    times = [k for k in range(lo, hi + 1) if k != ref and (et == k).any()]
    cols = {f"treated_x_{k}": g * (et == k) for k in times}
    x = pd.DataFrame(cols, index=d.index)
    fe = pd.get_dummies(d[event_time].astype(int), prefix="et", drop_first=True, dtype=float)
    parts = [x, fe]
    if period is not None:
        parts.append(pd.get_dummies(d[period], prefix="period", drop_first=True, dtype=float))
    cov = design(d, covariates)
    parts.append(cov)
    xx = pd.concat(parts, axis=1)
    y = d[outcome].to_numpy(dtype=float)
    if unit is not None:
        # within transformation: exact two-way FE by Frisch-Waugh-Lovell
        codes = pd.factorize(d[unit])[0]
        def demean(a: np.ndarray) -> np.ndarray:
            df_ = pd.DataFrame(a)
            return (df_ - df_.groupby(codes).transform("mean")).to_numpy()
        xv = demean(xx.to_numpy(dtype=float))
        y = demean(y[:, None])[:, 0]
        keepcol = np.abs(xv).max(axis=0) > 1e-10
        xx = pd.DataFrame(xv[:, keepcol], columns=xx.columns[keepcol], index=d.index)
    else:
        xx.insert(0, treated, g)
        xx = sm.add_constant(xx, has_constant="add")
    xx = _drop_collinear(xx, n_keep=len(times) + (0 if unit is not None else 2))
    groups = pd.factorize(d[cluster])[0]
    res = sm.OLS(y, xx).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    return res, times, d


def _drop_collinear(x: pd.DataFrame, n_keep: int) -> pd.DataFrame:
    """Drop fixed-effect columns that are linear combinations of earlier columns.

    Event-time and calendar-period dummies coincide when everyone enrolls at once; the
    first ``n_keep`` columns (constant and event-time x treated terms) are never dropped.
    """
    v = x.to_numpy(dtype=float)
    keep: list[int] = list(range(n_keep))
    rank = np.linalg.matrix_rank(v[:, keep]) if keep else 0
    for j in range(n_keep, v.shape[1]):
        r = np.linalg.matrix_rank(v[:, keep + [j]])
        if r > rank:
            keep.append(j)
            rank = r
    return x.iloc[:, keep]


def event_study(panel: pd.DataFrame, outcome: str, treated: str, event_time: str, cluster: str,
                ref: int = -1, window: tuple[int, int] = (-6, 6), covariates: Covariates = None,
                period: str | None = None, unit: str | None = None,
                alpha: float = 0.05) -> pd.DataFrame:
    """Event-study coefficients by event time, relative to ``ref``, cluster-robust SE.

    Specification: OLS of the outcome on ``treated x 1{event_time = k}`` for every k in
    ``window`` except ``ref``, with event-time fixed effects (common to both groups),
    calendar-``period`` fixed effects if given, and person fixed effects if ``unit`` is given
    (absorbed by the within transformation; otherwise a ``treated`` main effect). Comparison
    units need an event time too: the pseudo-enrollment date of a comparison member selected
    by the same trigger. Rows outside ``window`` are dropped. SEs are cluster-robust by
    ``cluster`` (CR1) with t inference on G - 1 df.

    Returns
    -------
    DataFrame
        Indexed by event time: ``estimate, se, ci_low, ci_high, p_value``; the reference row
        is 0 with SE 0 and ``reference`` True.

    Examples
    --------
    >>> from valuecase.impact.simulate import simulate_panel
    >>> p = simulate_panel(n_population=400, effect=-2.0, seed=1)
    >>> es = event_study(p, "y", "treated", "event_time", "person", window=(-3, 2))
    >>> list(es.index), bool(es.loc[-1, "reference"])
    ([-3, -2, -1, 0, 1, 2], True)
    """
    res, times, _ = _fit(panel, outcome, treated, event_time, cluster, ref, window, covariates,
                         period, unit)
    ci = res.conf_int(alpha=alpha)
    rows = []
    for k in times:
        name = f"treated_x_{k}"
        rows.append({"event_time": k, "estimate": float(res.params[name]),
                     "se": float(res.bse[name]), "ci_low": float(ci.loc[name].iloc[0]),
                     "ci_high": float(ci.loc[name].iloc[1]),
                     "p_value": float(res.pvalues[name]), "reference": False})
    rows.append({"event_time": ref, "estimate": 0.0, "se": 0.0, "ci_low": 0.0, "ci_high": 0.0,
                 "p_value": float("nan"), "reference": True})
    return pd.DataFrame(rows).set_index("event_time").sort_index()


def pretrend_test(panel: pd.DataFrame, outcome: str, treated: str, event_time: str,
                  cluster: str, ref: int = -1, window: tuple[int, int] = (-6, 6),
                  covariates: Covariates = None, period: str | None = None,
                  unit: str | None = None) -> WaldTest:
    """Joint Wald test that all pre-period event-study coefficients (k < 0, k != ref) are 0.

    Uses the cluster-robust covariance of :func:`event_study` (same arguments) and a
    chi-square reference distribution. A small p-value says the groups were already moving
    apart before enrollment.

    Examples
    --------
    >>> from valuecase.impact.simulate import simulate_panel
    >>> p = simulate_panel(n_population=400, effect=-2.0, seed=1)
    >>> t = pretrend_test(p, "y", "treated", "event_time", "person", window=(-3, 2))
    >>> t.df, t.p_value > 0.01
    (2, True)
    """
    res, times, _ = _fit(panel, outcome, treated, event_time, cluster, ref, window, covariates,
                         period, unit)
    pre = [f"treated_x_{k}" for k in times if k < 0]
    if not pre:
        raise ValueError("no pre-period event times other than the reference to test")
    b = res.params[pre].to_numpy()
    v = res.cov_params().loc[pre, pre].to_numpy()
    stat = float(b @ np.linalg.solve(v, b))
    return WaldTest(stat, len(pre), float(stats.chi2.sf(stat, len(pre))),
                    f"Wald chi-square, cluster-robust by {cluster}, H0: all pre-period "
                    f"coefficients = 0 (ref {ref})")
