"""``Effect``: the one result type every impact estimator returns."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

_MINUS = "\u2212"


def _num(x: float) -> str:
    """Format a number for a summary line (unicode minus, thousands separators)."""
    if not math.isfinite(x):
        return str(x)
    a = abs(x)
    if a >= 100:
        s = f"{a:,.1f}"
    elif a >= 1:
        s = f"{a:.2f}"
    elif a == 0:
        s = "0"
    else:
        s = f"{a:.3g}"
    return (_MINUS if x < 0 else "") + s


@dataclass(frozen=True)
class Effect:
    """An estimated effect with its uncertainty and the method that produced it.

    Parameters
    ----------
    estimate : float
        Point estimate. On the ``"difference"`` scale it is a difference in means; on the
        ``"ratio"`` scale (count and cost models) it is a rate or cost ratio.
    se : float
        Standard error. On the ``"ratio"`` scale it is the SE of the *log* ratio.
    ci_low, ci_high : float
        95% (or ``1 - alpha``) confidence limits on the same scale as ``estimate``.
    p_value : float
        Two-sided p-value for no effect (difference 0 or ratio 1).
    n : int
        Number of rows (or persons) used.
    method : str
        The method and the type of standard error, e.g. ``"difference in means (OLS, classical SE)"``.
    outcome, estimand : str
        Outcome column and estimand (``"ATE"``, ``"ATT"``, ...).
    scale : str
        ``"difference"`` or ``"ratio"``.
    details : Mapping
        Diagnostics: arm sizes, effective sample sizes, weights trimmed, ...

    Examples
    --------
    >>> e = Effect(-123.4, 64.6, -250.1, 3.3, 0.056, 1234, "IP weighting", outcome="paid",
    ...            estimand="ATT")
    >>> print(e.summary())
    ATT on paid: −123.4 (95% CI −250.1 to 3.30; SE 64.60; p = 0.056; n = 1,234) [IP weighting]
    >>> e.to_dict()["n"]
    1234
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    method: str
    outcome: str = ""
    estimand: str = ""
    scale: str = "difference"
    details: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One readable line: estimate, 95% CI, SE, p-value, n and method."""
        what = self.estimand or "Effect"
        if self.scale == "ratio":
            what += " (ratio)"
        head = f"{what} on {self.outcome}" if self.outcome else what
        level = self.details.get("ci_level", 0.95) if self.details else 0.95
        se_label = "SE(log)" if self.scale == "ratio" else "SE"
        p = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.3f}"
        return (f"{head}: {_num(self.estimate)} ({level:.0%} CI {_num(self.ci_low)} to "
                f"{_num(self.ci_high)}; {se_label} {_num(self.se)}; {p}; n = {self.n:,}) "
                f"[{self.method}]")

    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dictionary (``details`` copied)."""
        d = asdict(self)
        d["details"] = dict(self.details)
        return d

    def __str__(self) -> str:
        return self.summary()

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Effect:
        """An Effect from a row of an effects table (extra columns ignored).

        Examples
        --------
        >>> e = Effect(0.9, 0.1, 0.74, 1.1, 0.3, 200, "Poisson", scale="ratio")
        >>> Effect.from_record({**e.to_dict(), "estimator": "x"}) == e
        True
        """
        names = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in dict(record).items() if k in names}
        values["n"] = int(values["n"])
        values["details"] = dict(values.get("details") or {})
        return cls(**values)


def is_significant(effect: Any) -> bool:
    """True when the 95% CI excludes no effect (0, or 1 on the ratio scale).

    Examples
    --------
    >>> is_significant(Effect(0.7, 0.1, 0.58, 0.85, 0.001, 500, "m", scale="ratio"))
    True
    """
    null = 1.0 if getattr(effect, "scale", "difference") == "ratio" else 0.0
    return not (effect.ci_low <= null <= effect.ci_high)


def as_frame(effects: Iterable[Effect] | Mapping[str, Effect]) -> pd.DataFrame:
    """Stack effects into a DataFrame, one row each (details left out).

    Examples
    --------
    >>> a = Effect(1.0, 0.5, 0.02, 1.98, 0.046, 10, "m1")
    >>> as_frame({"first": a, "second": a})[["estimate", "n"]]
            estimate   n
    first        1.0  10
    second       1.0  10
    """
    if isinstance(effects, Mapping):
        index = list(effects.keys())
        items = list(effects.values())
    else:
        items = list(effects)
        index = None
    rows = [{k: v for k, v in e.to_dict().items() if k != "details"} for e in items]
    return pd.DataFrame(rows, index=index)


def normal_effect(estimate: float, se: float, n: int, method: str, *, alpha: float = 0.05,
                  scale: str = "difference", **kwargs: Any) -> Effect:
    """Effect with a normal-approximation (Wald) CI and p-value.

    On the ratio scale ``estimate`` and ``se`` are on the log scale and are exponentiated.
    """
    z = stats.norm.ppf(1 - alpha / 2)
    lo, hi = estimate - z * se, estimate + z * se
    p = float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else float("nan")
    if scale == "ratio":
        estimate, lo, hi = np.exp(estimate), np.exp(lo), np.exp(hi)
    details = dict(kwargs.pop("details", {}) or {})
    details.setdefault("ci_level", 1 - alpha)
    return Effect(float(estimate), float(se), float(lo), float(hi), p, int(n), method,
                  scale=scale, details=details, **kwargs)


def from_result(res: Any, term: str, n: int, method: str, *, alpha: float = 0.05,
                scale: str = "difference", **kwargs: Any) -> Effect:
    """Effect for one coefficient of a fitted statsmodels result (its own t or z inference)."""
    b = float(res.params[term])
    se = float(res.bse[term])
    lo, hi = (float(v) for v in np.asarray(res.conf_int(alpha=alpha).loc[term]))
    p = float(res.pvalues[term])
    if scale == "ratio":
        b, lo, hi = math.exp(b), math.exp(lo), math.exp(hi)
    details = dict(kwargs.pop("details", {}) or {})
    details.setdefault("ci_level", 1 - alpha)
    return Effect(b, se, lo, hi, p, int(n), method, scale=scale, details=details, **kwargs)
