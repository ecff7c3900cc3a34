"""Social needs identified and resolved (``social_needs``), by screening domain.

- :func:`needs_by_domain`: needs identified and resolved per domain (the CMS Accountable
  Health Communities domains: housing instability, food insecurity, transportation, utilities,
  interpersonal safety), the resolved share and its Wilson 95% interval.
- :func:`time_to_resolution`: days from identification to resolution with censoring, by the
  Kaplan-Meier estimator of ``lifelines`` (``KaplanMeierFitter``): the median days with its
  95% interval and the share resolved by 90 days with its 95% interval.

Only ``status == "resolved"`` is a resolution: an open need is never counted as resolved,
whatever its ``resolved_date`` says. Censoring: an open need is followed to ``as_of``; a
``closed_unresolved`` need to its close date (``closed_date`` when the table has that column,
else its ``resolved_date``) or, without one, to ``as_of``.

Examples
--------
>>> import pandas as pd
>>> needs = pd.DataFrame({"person_id": ["a", "b"], "domain": ["food_insecurity"] * 2,
...     "identified_date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
...     "resolved_date": pd.to_datetime(["2024-01-11", None]), "status": ["resolved", "open"]})
>>> needs_by_domain(needs, min_count=1)[["domain", "identified", "resolved", "share"]]
            domain  identified  resolved  share
0  food_insecurity         2.0       1.0    0.5
1              all         2.0       1.0    0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from valuecase.data.contract import SOCIAL_NEED_DOMAINS
from valuecase.partners.cells import MIN_CELL_SIZE, suppress_counts, wilson_interval

__all__ = ["AHC_DOMAINS", "needs_by_domain", "resolution_times", "time_to_resolution"]

AHC_DOMAINS = SOCIAL_NEED_DOMAINS
"""The core health-related social needs of the CMS Accountable Health Communities screening
tool (the contract's ``social_needs.domain`` values)."""


def _resolved(social_needs: pd.DataFrame) -> pd.Series:
    return social_needs["status"].astype("string").str.strip().str.lower().eq("resolved") \
        .fillna(False).astype(bool)


def needs_by_domain(social_needs: pd.DataFrame, min_count: int = MIN_CELL_SIZE) -> pd.DataFrame:
    """Needs identified and resolved per domain, with the resolved share and its Wilson CI.

    Parameters
    ----------
    social_needs : pandas.DataFrame
        ``person_id, domain, identified_date, resolved_date, status``.
    min_count : int, default 11
        Smallest count shown; the row ``all`` is the total of the domains (complementary
        suppression), and unresolved needs are the complement of resolved ones.

    Returns
    -------
    pandas.DataFrame
        ``domain, identified, resolved, share, ci_low, ci_high, persons`` (with a need in the
        domain), ``suppressed``; AHC domains first, then any other, then ``all``.

    Examples
    --------
    >>> needs = pd.DataFrame({"person_id": list("abc"), "domain": ["utilities"] * 3,
    ...     "identified_date": pd.to_datetime(["2024-01-01"] * 3),
    ...     "resolved_date": pd.to_datetime(["2024-02-01", "2024-02-01", None]),
    ...     "status": ["resolved", "open", "open"]})
    >>> needs_by_domain(needs, min_count=1)["resolved"].tolist()  # an open need is not resolved
    [1.0, 1.0]
    """
    d = social_needs.assign(_resolved=_resolved(social_needs))
    g = d.groupby("domain").agg(identified=("_resolved", "size"),
                                resolved=("_resolved", "sum"),
                                persons=("person_id", "nunique"))
    order = [x for x in AHC_DOMAINS if x in g.index] + sorted(
        str(x) for x in g.index if x not in AHC_DOMAINS)
    g = g.reindex(order)
    g.loc["all"] = [len(d), int(d["_resolved"].sum()), d["person_id"].nunique()]
    g["share"] = g["resolved"] / g["identified"].where(g["identified"] > 0)
    g["ci_low"], g["ci_high"] = wilson_interval(g["resolved"], g["identified"])
    g = g[["identified", "resolved", "share", "ci_low", "ci_high", "persons"]]
    out = suppress_counts(g, ["identified", "resolved", "persons"],
                          shares=[("resolved", "identified")], total_row="all",
                          derived={"resolved": ["share", "ci_low", "ci_high"]},
                          min_count=min_count)
    return out.rename_axis("domain").reset_index()


def resolution_times(social_needs: pd.DataFrame, as_of: str | pd.Timestamp) -> pd.DataFrame:
    """Each need's follow-up in days and whether it ends in a resolution (the survival data).

    Needs identified after ``as_of`` are dropped. A resolved need without a usable date (none,
    before its identification, or after ``as_of``) cannot be placed in time: it is kept with
    ``usable = False``.

    Parameters
    ----------
    social_needs : pandas.DataFrame
        ``domain, identified_date, resolved_date, status`` (optionally ``closed_date``).
    as_of : str or pandas.Timestamp
        The data's last date: where open needs are censored.

    Returns
    -------
    pandas.DataFrame
        ``domain, days, resolved`` (the event indicator), ``usable``.

    Examples
    --------
    >>> needs = pd.DataFrame({"domain": ["utilities"] * 3,
    ...     "identified_date": pd.to_datetime(["2024-01-01"] * 3),
    ...     "resolved_date": pd.to_datetime(["2024-01-21", "2024-01-11", "2024-01-05"]),
    ...     "status": ["resolved", "closed_unresolved", "open"]})
    >>> resolution_times(needs, "2024-03-01")[["days", "resolved"]].to_dict("list")
    {'days': [20, 10, 60], 'resolved': [True, False, False]}
    """
    as_of = pd.Timestamp(as_of)
    d = social_needs[social_needs["identified_date"] <= as_of]
    resolved = _resolved(d)
    status = d["status"].astype("string").str.strip().str.lower()
    close = d["closed_date"] if "closed_date" in d else d["resolved_date"]
    close = close.where(status.eq("closed_unresolved").fillna(False).astype(bool))
    close = close.where((close >= d["identified_date"]) & (close <= as_of))
    end = d["resolved_date"].where(resolved).fillna(close).fillna(as_of)
    days = (end - d["identified_date"]).dt.days
    usable = ~resolved | (d["resolved_date"].notna() & (days >= 0)
                          & (d["resolved_date"] <= as_of))
    return pd.DataFrame({"domain": d["domain"].to_numpy(), "days": days.to_numpy(),
                         "resolved": resolved.to_numpy(), "usable": usable.to_numpy()})


def _km_row(times: pd.DataFrame, horizon_days: int, alpha: float) -> dict[str, float]:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    t = times[times["usable"]]
    row = {"needs": len(t), "resolved": int(t["resolved"].sum()),
           "censored": int((~t["resolved"]).sum()), "not_placed": int((~times["usable"]).sum())}
    nan = dict.fromkeys(("median_days", "median_ci_low", "median_ci_high",
                         "resolved_by_horizon", "horizon_ci_low", "horizon_ci_high"), np.nan)
    if t.empty:
        return row | nan
    kmf = KaplanMeierFitter(alpha=alpha).fit(t["days"], event_observed=t["resolved"])
    ci = median_survival_times(kmf.confidence_interval_)
    s = float(kmf.survival_function_at_times(horizon_days).iloc[0])
    band = kmf.confidence_interval_survival_function_
    at = band[band.index <= horizon_days].iloc[-1]
    return row | {"median_days": float(kmf.median_survival_time_),
                  "median_ci_low": float(ci.iloc[0, 0]), "median_ci_high": float(ci.iloc[0, 1]),
                  "resolved_by_horizon": 1 - s,
                  "horizon_ci_low": 1 - float(at.iloc[1]), "horizon_ci_high": 1 - float(at.iloc[0])}


def time_to_resolution(social_needs: pd.DataFrame, as_of: str | pd.Timestamp,
                       horizon_days: int = 90, alpha: float = 0.05,
                       min_count: int = MIN_CELL_SIZE) -> pd.DataFrame:
    """Days to resolution per domain and overall: Kaplan-Meier (lifelines) with censoring.

    The median comes from ``KaplanMeierFitter.median_survival_time_`` (``inf`` when fewer
    than half of the needs are resolved within the follow-up) and its interval from
    ``lifelines.utils.median_survival_times`` on the pointwise band; the share resolved by
    ``horizon_days`` is 1 - S(horizon) with the band's bounds (lifelines' exponential
    Greenwood, i.e. log(-log), interval).

    Parameters
    ----------
    social_needs : pandas.DataFrame
        ``domain, identified_date, resolved_date, status`` (optionally ``closed_date``).
    as_of : str or pandas.Timestamp
        The data's last date.
    horizon_days : int, default 90
        Days after identification for the share resolved.
    alpha : float, default 0.05
        1 - confidence level.
    min_count : int, default 11
        Smallest count shown (needs, resolved and censored; the row ``all`` is the total).

    Returns
    -------
    pandas.DataFrame
        ``domain, needs, resolved, censored, not_placed`` (resolved without a usable date,
        left out), ``median_days, median_ci_low, median_ci_high, resolved_by_horizon,
        horizon_ci_low, horizon_ci_high, horizon_days, suppressed``.

    Examples
    --------
    >>> needs = pd.DataFrame({"domain": ["utilities"] * 3,
    ...     "identified_date": pd.to_datetime(["2024-01-01"] * 3),
    ...     "resolved_date": pd.to_datetime(["2024-01-11", "2024-01-21", None]),
    ...     "status": ["resolved", "resolved", "open"]})
    >>> t = time_to_resolution(needs, "2024-03-01", min_count=1)
    >>> t.loc[0, ["needs", "resolved", "median_days"]].astype(float).tolist()
    [3.0, 2.0, 20.0]
    """
    times = resolution_times(social_needs, as_of)
    order = [x for x in AHC_DOMAINS if x in set(times["domain"])] + sorted(
        str(x) for x in set(times["domain"]) if x not in AHC_DOMAINS)
    rows = {dom: _km_row(times[times["domain"] == dom], horizon_days, alpha) for dom in order}
    rows["all"] = _km_row(times, horizon_days, alpha)
    g = pd.DataFrame.from_dict(rows, orient="index")
    g["horizon_days"] = horizon_days
    stats = ["median_days", "median_ci_low", "median_ci_high", "resolved_by_horizon",
             "horizon_ci_low", "horizon_ci_high"]
    out = suppress_counts(g, ["needs", "resolved", "censored", "not_placed"],
                          shares=[("resolved", "needs"), ("censored", "needs")],
                          total_row="all", derived={"resolved": stats, "censored": stats},
                          min_count=min_count)
    return out.rename_axis("domain").reset_index()
