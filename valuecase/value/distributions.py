"""Numbers in ROI files: YAML-safe coercion and uncertain values (``Distribution``).

Any number may be written plain (``unit_cost: 300``) or with uncertainty:

- ``{value: 0.15, low: 0.05, high: 0.25}`` - a range, sampled as triangular(low, value, high);
- ``{dist: normal, mean: 0.15, sd: 0.05}``, ``{dist: triangular, low, mode, high}``,
  ``{dist: uniform, low, high}``, ``{dist: lognormal, median, sdlog}``.

YAML traps are handled: ``1e-3`` (a string to YAML 1.1) is read as the number 0.001;
``yes`` / ``no`` / ``on`` / ``off`` in a numeric field is an error, never 1 or 0.

Examples
--------
>>> to_number("1e-3")
0.001
>>> Distribution.parse({"value": 0.15, "low": 0.05, "high": 0.25}).base
0.15
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from scipy import stats

__all__ = ["Count", "Distribution", "FrozenModel", "NonNeg", "Number", "Share", "Uncertain",
           "UncertainNonNeg", "to_int", "to_number", "uncertain"]

_BOOL_WORDS = "YAML reads yes/no/on/off as true/false; write a number"


def to_number(v: Any) -> Any:
    """Accept ints, floats and numeric strings (``'1e-3'``); refuse booleans with a clear message."""
    if isinstance(v, bool):
        raise ValueError(f"must be a number, not a yes/no value ({_BOOL_WORDS})")
    if isinstance(v, str):
        try:
            v = float(v.strip().replace("_", ""))
        except ValueError:
            raise ValueError(f"must be a number (got {v!r})") from None
    if isinstance(v, (int, float)) and not math.isfinite(v):
        raise ValueError(f"must be a finite number (got {v})")
    return v


def to_int(v: Any) -> Any:
    v = to_number(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


Number = Annotated[float, BeforeValidator(to_number)]
Count = Annotated[int, BeforeValidator(to_int)]
NonNeg = Annotated[float, BeforeValidator(to_number), Field(ge=0)]
Share = Annotated[float, BeforeValidator(to_number), Field(ge=0, le=1)]


class FrozenModel(BaseModel):
    """Base of every ROI schema model: unknown fields rejected, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Distribution(FrozenModel):
    """A number with optional uncertainty; ``base`` is the point value used without Monte Carlo.

    ``low`` / ``high`` are the one-way sensitivity bounds (the range given, or the central 95% of
    the distribution). ``sample(rng, n)`` draws Monte Carlo values.

    Examples
    --------
    >>> import numpy as np
    >>> d = Distribution.parse({"dist": "normal", "mean": 10, "sd": 1})
    >>> d.base, round(d.low, 2), round(d.high, 2)
    (10.0, 8.04, 11.96)
    >>> d.sample(np.random.default_rng(0), 3).shape
    (3,)
    """

    dist: Literal["fixed", "range", "normal", "triangular", "uniform", "lognormal"]
    value: float | None = None
    low_: float | None = Field(default=None, alias="low")
    high_: float | None = Field(default=None, alias="high")
    mean: float | None = None
    sd: float | None = None
    mode: float | None = None
    median: float | None = None
    sdlog: float | None = None

    _NEEDS: ClassVar[dict[str, tuple[str, ...]]] = {"fixed": ("value",), "range": ("value", "low", "high"), "normal": ("mean", "sd"),
              "triangular": ("low", "mode", "high"), "uniform": ("low", "high"),
              "lognormal": ("median", "sdlog")}

    @classmethod
    def parse(cls, v: Any, minimum: float | None = None) -> Distribution:
        """Build from a plain number, a numeric string, or a mapping (see module docstring)."""
        if isinstance(v, Distribution):
            d = v
        elif isinstance(v, dict):
            raw = dict(v)
            if "dist" not in raw:
                raw["dist"] = "range" if ("low" in raw or "high" in raw) else "fixed"
            if raw["dist"] not in cls._NEEDS:
                raise ValueError(f"unknown dist {raw['dist']!r}; choose from "
                                 f"{', '.join(cls._NEEDS)}")
            needs = cls._NEEDS[raw["dist"]]
            allowed = {"dist", *needs}
            extra = sorted(set(raw) - allowed)
            if extra:
                raise ValueError(f"{raw['dist']} takes {', '.join(needs)}; unknown key "
                                 f"{extra[0]!r}")
            missing = [k for k in needs if k not in raw]
            if missing:
                raise ValueError(f"{raw['dist']} needs {', '.join(needs)}; missing {missing[0]!r}")
            for k in needs:
                try:
                    raw[k] = to_number(raw[k])
                except ValueError as exc:
                    raise ValueError(f"{k}: {exc}") from None
            d = cls.model_validate(raw)
        else:
            d = cls(dist="fixed", value=to_number(v))
        d._check(minimum)
        return d

    def _check(self, minimum: float | None) -> None:
        if self.dist == "range" and not (self.low_ <= self.value <= self.high_):
            raise ValueError(f"need low <= value <= high (got {self.low_}, {self.value}, "
                             f"{self.high_})")
        if self.dist == "triangular" and not (self.low_ <= self.mode <= self.high_):
            raise ValueError(f"need low <= mode <= high (got {self.low_}, {self.mode}, "
                             f"{self.high_})")
        if self.dist == "uniform" and not self.low_ <= self.high_:
            raise ValueError(f"need low <= high (got {self.low_}, {self.high_})")
        if self.dist == "normal" and self.sd < 0:
            raise ValueError(f"sd: must be >= 0 (got {self.sd})")
        if self.dist == "lognormal" and (self.median <= 0 or self.sdlog < 0):
            raise ValueError("lognormal needs median > 0 and sdlog >= 0")
        if minimum is not None:
            lowest = {"fixed": self.value, "range": self.low_, "normal": self.mean,
                      "triangular": self.low_, "uniform": self.low_,
                      "lognormal": self.median}[self.dist]
            if lowest < minimum:
                raise ValueError(f"must be >= {minimum:g} (got {lowest:g})")

    @property
    def uncertain(self) -> bool:
        """False for a plain number (or a degenerate distribution)."""
        return self.low != self.high

    @property
    def base(self) -> float:
        """Point value: the value, mean, mode, median or mid-point."""
        return float({"fixed": self.value, "range": self.value, "normal": self.mean,
                      "triangular": self.mode, "uniform": None if self.low_ is None else
                      (self.low_ + self.high_) / 2, "lognormal": self.median}[self.dist])

    @property
    def low(self) -> float:
        """Low end for one-way sensitivity (2.5th percentile of normal / lognormal)."""
        return self._bounds()[0]

    @property
    def high(self) -> float:
        """High end for one-way sensitivity (97.5th percentile of normal / lognormal)."""
        return self._bounds()[1]

    def _bounds(self) -> tuple[float, float]:
        z = float(stats.norm.ppf(0.975))
        if self.dist == "fixed":
            return self.value, self.value
        if self.dist == "normal":
            return self.mean - z * self.sd, self.mean + z * self.sd
        if self.dist == "lognormal":
            return self.median * math.exp(-z * self.sdlog), self.median * math.exp(z * self.sdlog)
        return float(self.low_), float(self.high_)

    def sample(self, rng: Any, n: int) -> Any:
        """``n`` draws as a float array (a range is drawn as triangular(low, value, high))."""
        import numpy as np

        if self.dist == "fixed" or not self.uncertain:
            return np.full(n, self.base)
        if self.dist == "normal":
            return rng.normal(self.mean, self.sd, n)
        if self.dist == "lognormal":
            return self.median * np.exp(rng.normal(0.0, self.sdlog, n))
        if self.dist == "uniform":
            return rng.uniform(self.low_, self.high_, n)
        mode = self.value if self.dist == "range" else self.mode
        return rng.triangular(self.low_, mode, self.high_, n)


def uncertain(minimum: float | None = None) -> Any:
    return Annotated[Distribution, BeforeValidator(lambda v: Distribution.parse(v, minimum))]


Uncertain = uncertain()
UncertainNonNeg = uncertain(0.0)
