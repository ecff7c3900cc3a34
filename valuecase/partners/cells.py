"""Counts a funder may see in the partner-data analyses: Wilson intervals and suppression.

Every table of :mod:`~valuecase.partners.engagement`, :mod:`~valuecase.partners.needs`,
:mod:`~valuecase.partners.experience` and :mod:`~valuecase.partners.partner_costs` goes through
:func:`suppress_counts` before it is returned, so a small cell is never shown as a number:

1. **Primary**: a count of persons from 1 to ``min_count - 1`` becomes NaN (0 stays 0: an empty
   cell is not a small cell under the CMS rule, as in :mod:`valuecase.privacy`).
2. **Complement of a share**: for a share ``numerator / denominator`` whose denominator is
   shown, the persons *not* in the numerator are known by subtraction; when they are 1 to
   ``min_count - 1`` the numerator is hidden too. A hidden denominator hides its numerator.
3. **Complementary across rows**: when the table has a total row (``total_row``), a column
   with exactly one hidden cell would give it away by subtraction, so the smallest other cell
   is hidden too (:func:`valuecase.privacy.suppress_table` does this cascade).

Shares, intervals and means derived from a hidden count become NaN too, and the boolean column
``suppressed`` marks every row with a hidden count.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"reached": [3, 39], "eligible": [50, 50], "share": [0.06, 0.78]})
>>> s = suppress_counts(t, ["reached", "eligible"], shares=[("reached", "eligible")],
...                     derived={"reached": ["share"]})
>>> s.to_dict("list")
{'reached': [nan, 39.0], 'eligible': [50.0, 50.0], 'share': [nan, 0.78], 'suppressed': [True, False]}
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from valuecase.privacy import MIN_CELL_SIZE, suppress_table

__all__ = ["MIN_CELL_SIZE", "month_days", "suppress_counts", "wilson_interval"]

_HIDDEN = "\x00hidden"


def wilson_interval(count: Sequence[float] | pd.Series | float,
                    nobs: Sequence[float] | pd.Series | float,
                    alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``count / nobs`` (statsmodels ``proportion_confint``).

    Parameters
    ----------
    count, nobs : array-like or float
        Successes and trials; a trial count of 0 gives NaN bounds.
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds.

    Examples
    --------
    81 of 263 (Newcombe 1998, Statistics in Medicine 17:857, Table I: 0.2553 to 0.3662):

    >>> low, high = wilson_interval([81], [263])
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.2553, 0.3662)
    """
    k = np.atleast_1d(np.asarray(count, dtype=float))
    n = np.atleast_1d(np.asarray(nobs, dtype=float))
    ok = n > 0
    low = np.full(np.broadcast(k, n).shape, np.nan)
    high = low.copy()
    if ok.any():
        k_b, n_b = np.broadcast_arrays(k, n)
        lo, hi = proportion_confint(k_b[ok], n_b[ok], alpha=alpha, method="wilson")
        low[ok], high[ok] = lo, hi
    return low, high


def suppress_counts(table: pd.DataFrame, counts: Sequence[str], *,
                    shares: Sequence[tuple[str, str]] = (),
                    derived: Mapping[str, Sequence[str]] | None = None,
                    total_row: Hashable | None = None,
                    min_count: int = MIN_CELL_SIZE) -> pd.DataFrame:
    """Hide small counts (and what derives from them) as NaN; add a ``suppressed`` column.

    Parameters
    ----------
    table : pandas.DataFrame
        The table as a funder would see it (unique index).
    counts : sequence of str
        Columns holding counts of persons (or of contacts of few persons).
    shares : sequence of (str, str)
        ``(numerator, denominator)`` pairs of ``counts`` shown as a share.
    derived : mapping of str to sequence of str, optional
        For a count column, the columns computed from it (share, interval, mean, rate): NaN
        wherever the count is hidden.
    total_row : hashable, optional
        Index label of the row holding the column totals (complementary suppression).
    min_count : int, default 11
        Smallest count that may be shown; ``min_count <= 1`` shows every count.

    Returns
    -------
    pandas.DataFrame
        Copy of ``table`` with hidden cells NaN (count columns as float) and a boolean
        ``suppressed`` column (or-ed with an existing one).

    Examples
    --------
    Domain B's 4 would follow from the total, so domain A's 20 is hidden too:

    >>> t = pd.DataFrame({"needs": [20, 4, 24]}, index=["A", "B", "all"])
    >>> suppress_counts(t, ["needs"], total_row="all")["needs"].tolist()
    [nan, nan, 24.0]
    """
    derived = dict(derived or {})
    out = table.copy()
    if table.index.has_duplicates:
        raise ValueError("suppress_counts needs a unique index")
    values = out[list(counts)].apply(pd.to_numeric, errors="coerce").astype(float)
    hidden = pd.DataFrame(False, index=out.index, columns=list(counts))
    if min_count > 1:
        hidden |= values.apply(lambda c: c.between(1, min_count - 1))
        while True:
            before = hidden.to_numpy().copy()
            for num, den in shares:
                rest = values[den] - values[num]
                hidden[num] |= rest.between(1, min_count - 1) & ~hidden[den]
                hidden[num] |= hidden[den]
            if total_row is not None:
                # the privacy helper's cascade, with the cells hidden so far marked small
                marked = values.mask(hidden, 1.0)
                shown = suppress_table(marked, list(counts), total_row=total_row,
                                       threshold=min_count, marker=_HIDDEN)
                hidden |= shown == _HIDDEN
            if (hidden.to_numpy() == before).all():
                break
    for c in counts:
        out[c] = values[c].mask(hidden[c])
        for d in derived.get(c, ()):
            out[d] = pd.to_numeric(out[d], errors="coerce").astype(float).mask(hidden[c])
    row = hidden.any(axis=1)
    out["suppressed"] = (out["suppressed"].astype(bool) | row) if "suppressed" in table else row
    return out


def month_days() -> float:
    """Days in an average month (365.25 / 12), the unit of member-months here.

    Examples
    --------
    >>> month_days()
    30.4375
    """
    return 365.25 / 12
