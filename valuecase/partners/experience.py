"""Participant experience survey (``experience_survey``): one summary row per item.

:func:`experience_items` gives, per ``item_id``: respondents, the response rate (respondents
over persons enrolled, or over a denominator the caller gives), the mean response with a
t-based 95% interval, and the top-box share (responses equal to the item's ``scale_max``) with
a Wilson 95% interval. A person answering an item more than once counts once, with their latest
answer (``survey_date``); a missing response is no response.

Examples
--------
>>> import pandas as pd
>>> s = pd.DataFrame({"person_id": ["a", "b"], "item_id": ["q1", "q1"], "response": [5.0, 3.0],
...                   "scale_min": 1, "scale_max": 5,
...                   "survey_date": pd.to_datetime(["2024-06-01", "2024-06-02"])})
>>> experience_items(s, denominator=4, min_count=1)[["item_id", "respondents", "response_rate",
...                                                    "mean", "top_box_share"]]
  item_id  respondents  response_rate  mean  top_box_share
0      q1          2.0            0.5   4.0            0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from valuecase.partners.cells import MIN_CELL_SIZE, suppress_counts, wilson_interval

__all__ = ["experience_items", "mean_interval"]


def mean_interval(values: pd.Series | np.ndarray, alpha: float = 0.05) -> tuple[float, float,
                                                                                   float]:
    """Mean and its t-based interval: mean -/+ t(1 - alpha/2, n - 1) x sd / sqrt(n).

    Parameters
    ----------
    values : array-like
        Responses (NaN ignored).
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    (float, float, float)
        Mean, lower and upper bound (bounds NaN below two values).

    Examples
    --------
    >>> [round(x, 4) for x in mean_interval([1.0, 2.0, 3.0])]  # 2 -/+ 4.3027 x 1 / sqrt(3)
    [2.0, -0.4841, 4.4841]
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan
    mean = float(x.mean())
    if n < 2:
        return mean, np.nan, np.nan
    half = float(stats.t.ppf(1 - alpha / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half


def experience_items(experience_survey: pd.DataFrame,
                     program_enrollment: pd.DataFrame | None = None,
                     denominator: int | None = None, alpha: float = 0.05,
                     min_count: int = MIN_CELL_SIZE) -> pd.DataFrame:
    """Respondents, response rate, mean (t CI) and top-box share (Wilson CI) per survey item.

    Parameters
    ----------
    experience_survey : pandas.DataFrame
        ``person_id, item_id, response, scale_min, scale_max, survey_date``.
    program_enrollment : pandas.DataFrame, optional
        The program's enrollment: its distinct persons are the response rate's denominator.
    denominator : int, optional
        The persons surveyed (or eligible), when known; overrides ``program_enrollment``.
    alpha : float, default 0.05
        1 - confidence level of both intervals.
    min_count : int, default 11
        Smallest count shown: respondents, top-box answers, and their complements
        (non-respondents, answers below the top box).

    Returns
    -------
    pandas.DataFrame
        ``item_id, scale_min, scale_max, respondents, denominator, response_rate, mean,
        mean_ci_low, mean_ci_high, top_box, top_box_share, top_box_ci_low, top_box_ci_high,
        suppressed``.

    Raises
    ------
    ValueError
        Without a denominator, when an item has more than one scale, or a response lies
        outside its item's scale.

    Examples
    --------
    >>> s = pd.DataFrame({"person_id": list("abc"), "item_id": "q1", "response": [4, 5, 5],
    ...                   "scale_min": 1, "scale_max": 5, "survey_date": pd.Timestamp("2024-06-01")})
    >>> t = experience_items(s, denominator=10, min_count=1)
    >>> t.loc[0, ["respondents", "top_box"]].astype(float).tolist()
    [3.0, 2.0]
    """
    if denominator is None:
        if program_enrollment is None:
            raise ValueError("experience_items needs program_enrollment or a denominator "
                             "(the persons surveyed) for the response rate")
        denominator = int(program_enrollment["person_id"].nunique())
    s = experience_survey[experience_survey["response"].notna()]
    if "survey_date" in s:
        s = s.sort_values("survey_date", kind="stable")
    s = s.drop_duplicates(["person_id", "item_id"], keep="last")
    scales = s.groupby("item_id")[["scale_min", "scale_max"]].nunique()
    mixed = scales.index[(scales > 1).any(axis=1)].tolist()
    if mixed:
        raise ValueError(f"items with more than one scale: {mixed}")
    outside = s[(s["response"] < s["scale_min"]) | (s["response"] > s["scale_max"])]
    if len(outside):
        raise ValueError(f"{len(outside)} responses outside their item's scale (items "
                         f"{sorted(outside['item_id'].astype(str).unique())})")
    rows = []
    for item, g in s.groupby("item_id", sort=True):
        mean, low, high = mean_interval(g["response"], alpha)
        rows.append({"item_id": item, "scale_min": g["scale_min"].iloc[0],
                     "scale_max": g["scale_max"].iloc[0], "respondents": len(g),
                     "denominator": denominator, "mean": mean, "mean_ci_low": low,
                     "mean_ci_high": high,
                     "top_box": int((g["response"] == g["scale_max"]).sum())})
    cols = ["item_id", "scale_min", "scale_max", "respondents", "denominator", "mean",
            "mean_ci_low", "mean_ci_high", "top_box"]
    t = pd.DataFrame(rows, columns=cols)
    t["response_rate"] = t["respondents"] / (denominator if denominator > 0 else np.nan)
    t["top_box_share"] = t["top_box"] / t["respondents"].where(t["respondents"] > 0)
    t["top_box_ci_low"], t["top_box_ci_high"] = wilson_interval(t["top_box"], t["respondents"],
                                                                alpha)
    t = t[["item_id", "scale_min", "scale_max", "respondents", "denominator", "response_rate",
           "mean", "mean_ci_low", "mean_ci_high", "top_box", "top_box_share", "top_box_ci_low",
           "top_box_ci_high"]]
    top = ["top_box_share", "top_box_ci_low", "top_box_ci_high"]
    return suppress_counts(
        t, ["respondents", "denominator", "top_box"],
        shares=[("respondents", "denominator"), ("top_box", "respondents")],
        derived={"respondents": ["response_rate", "mean", "mean_ci_low", "mean_ci_high", *top],
                 "top_box": top},
        min_count=min_count)
