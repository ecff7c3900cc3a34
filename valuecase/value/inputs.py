"""``Input``: one numeric assumption of the value model, with its bounds and sampler."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from valuecase.value.assumptions import Distribution

__all__ = ["Input", "effect_input"]

_Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Input:
    """One numeric assumption: base value, sensitivity bounds and a Monte Carlo sampler.

    Examples
    --------
    >>> import numpy as np
    >>> i = Input("x", "X", Distribution.parse({"value": 2, "low": 1, "high": 4}))
    >>> i.base, i.low, i.high, i.interval
    (2.0, 1.0, 4.0, 'assumed range')
    """

    name: str
    label: str
    dist: Distribution
    bounds: tuple[float, float] | None = None  # overrides dist low/high (an effect's CI)
    draws: np.ndarray | None = field(default=None, repr=False)  # bootstrap draws to resample
    interval: str = "assumed range"

    @property
    def base(self) -> float:
        return self.dist.base

    @property
    def low(self) -> float:
        return self.bounds[0] if self.bounds is not None else self.dist.low

    @property
    def high(self) -> float:
        return self.bounds[1] if self.bounds is not None else self.dist.high

    @property
    def uncertain(self) -> bool:
        return self.low != self.high or (self.draws is not None and np.ptp(self.draws) > 0)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws (resampled bootstrap draws when given)."""
        if self.draws is not None:
            return rng.choice(self.draws, size=n, replace=True)
        return np.asarray(self.dist.sample(rng, n), dtype=float)



def effect_input(name: str, label: str, e: Any, scale: str,
                 draws: np.ndarray | None) -> Input:
    """The input of a measured effect: lognormal on the ratio scale (median the estimate,
    sdlog its log-scale SE), normal otherwise; bounds are its 95% CI.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> i = effect_input("e", "E", SimpleNamespace(estimate=0.8, se=0.1, ci_low=0.66,
    ...                                          ci_high=0.97), "ratio", None)
    >>> i.base, i.interval
    (0.8, '95% CI')
    """
    est = float(e.estimate)
    lo, hi = getattr(e, "ci_low", None), getattr(e, "ci_high", None)
    se = getattr(e, "se", None)
    if scale == "ratio":  # se is on the log scale; CI from it if missing
        if lo is None or hi is None:
            lo, hi = est * np.exp(-_Z95 * se), est * np.exp(_Z95 * se)
        dist = Distribution(dist="lognormal", median=est,
                            sdlog=se if se is not None else np.log(hi / lo) / (2 * _Z95))
    else:
        if se is None:
            se = (float(hi) - float(lo)) / (2 * _Z95)
        if lo is None or hi is None:
            lo, hi = est - _Z95 * se, est + _Z95 * se
        dist = Distribution(dist="normal", mean=est, sd=float(se))
    arr = None if draws is None else np.asarray(draws, dtype=float)
    return Input(name, label, dist, bounds=(float(lo), float(hi)), draws=arr, interval="95% CI")


