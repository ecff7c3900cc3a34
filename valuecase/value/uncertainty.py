"""Uncertainty: seeded Monte Carlo, one-way sensitivities (tornado) and the break-even effect.

Monte Carlo draws every uncertain input (effects, unit costs, baseline rates, program costs) at
once and runs the vectorised projection engine on all draws together, so 10,000 draws take a
fraction of a second. P(ROI > 0) is P(net savings > 0) (horizon totals, undiscounted).

Examples
--------
>>> from valuecase.value.assumptions import load_roi_params
>>> from valuecase.value.projection import build_model
>>> from valuecase.datasets import example_params
>>> model = build_model(load_roi_params(example_params("roi-calculator.yml")))
>>> mc = monte_carlo(model, draws=2000, seed=1)
>>> 0 < mc.prob_positive() < 1
True
>>> tornado(model)["input"].iloc[0]
'service_lines.inpatient.reduction'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from valuecase.value.projection import ValueModel

__all__ = ["BreakEven", "MonteCarloResult", "breakeven_effect", "monte_carlo", "tornado"]


@dataclass(frozen=True)
class MonteCarloResult:
    """Draws of the outcome metrics; one element per draw.

    Attributes
    ----------
    gross_savings, program_cost, net_savings, npv, roi : ndarray
        Horizon totals (``npv`` discounted); ``roi = net / cost``.
    payback_month : ndarray
        First month with cumulative net savings >= 0 (NaN if never within the horizon).
    seed, draws : int
    roi_target : float
    """

    gross_savings: np.ndarray = field(repr=False)
    program_cost: np.ndarray = field(repr=False)
    net_savings: np.ndarray = field(repr=False)
    npv: np.ndarray = field(repr=False)
    roi: np.ndarray = field(repr=False)
    payback_month: np.ndarray = field(repr=False)
    seed: int
    draws: int
    roi_target: float = 0.0

    def prob_positive(self) -> float:
        """P(net savings > 0), which is P(ROI > 0)."""
        return float(np.mean(self.net_savings > 0))

    def prob_roi_above(self, target: float | None = None) -> float:
        """P(ROI > target) (default: the ``roi_target`` of the parameters)."""
        t = self.roi_target if target is None else target
        return float(np.mean(self.roi > t))

    def percentiles(self, q: tuple[float, ...] = (5, 25, 50, 75, 95)) -> pd.DataFrame:
        """Percentiles of each metric; index ``percentile``."""
        data = {k: np.nanpercentile(getattr(self, k), q)
                for k in ("gross_savings", "program_cost", "net_savings", "npv", "roi")}
        return pd.DataFrame(data, index=pd.Index(q, name="percentile"))

    def summary(self) -> str:
        """Plain-words summary.

        Examples
        --------
        >>> from valuecase.value.assumptions import load_roi_params
        >>> from valuecase.value.projection import build_model
        >>> from valuecase.datasets import example_params
        >>> m = build_model(load_roi_params(example_params("roi-calculator.yml")))
        >>> print(monte_carlo(m, draws=1000, seed=3).summary().splitlines()[0])
        Monte Carlo, 1,000 draws (seed 3):
        """
        pct = np.nanpercentile(self.net_savings, [5, 50, 95])
        pb = self.payback_month
        paid = np.mean(~np.isnan(pb))
        target = ("" if self.roi_target == 0 else
                  f"; P(ROI > {self.roi_target:.0%}) = {self.prob_roi_above():.1%}")
        return (f"Monte Carlo, {self.draws:,} draws (seed {self.seed}):\n"
                f"net savings median {pct[1]:,.0f} (90% interval {pct[0]:,.0f} to {pct[2]:,.0f})\n"
                f"P(net savings > 0) = P(ROI > 0) = {self.prob_positive():.1%}{target}\n"
                f"pays back within the horizon in {paid:.1%} of draws")


def monte_carlo(model: ValueModel, draws: int | None = None, seed: int | None = None
                ) -> MonteCarloResult:
    """Seeded Monte Carlo over every uncertain input.

    Parameters
    ----------
    model : ValueModel
        From :func:`valuecase.value.projection.build_model`.
    draws : int, optional
        Number of draws (default: ``uncertainty.draws`` of the parameters, 10,000).
    seed : int, optional
        Random seed (default: ``uncertainty.seed`` of the parameters); same seed, same result.

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> from valuecase.value.assumptions import load_roi_params
    >>> from valuecase.value.projection import build_model
    >>> from valuecase.datasets import example_params
    >>> m = build_model(load_roi_params(example_params("roi-calculator.yml")))
    >>> a, b = monte_carlo(m, 500, seed=9), monte_carlo(m, 500, seed=9)
    >>> bool((a.net_savings == b.net_savings).all())
    True
    """
    u = model.params.uncertainty
    n = int(u.draws if draws is None else draws)
    s = int(u.seed if seed is None else seed)
    if n < 1:
        raise ValueError(f"draws must be >= 1 (got {n})")
    ev = model.evaluate(model.sample(n, s))
    return MonteCarloResult(gross_savings=ev.gross, program_cost=ev.cost, net_savings=ev.net,
                            npv=ev.npv, roi=ev.metric("roi"), payback_month=ev.payback(),
                            seed=s, draws=n, roi_target=float(u.roi_target))


def tornado(model: ValueModel, metric: str = "net_savings") -> pd.DataFrame:
    """One-way sensitivities: each uncertain input at its low and high, the others at base.

    Parameters
    ----------
    model : ValueModel
    metric : {"net_savings", "npv", "roi", "gross_savings", "program_cost"}
        Outcome to vary.

    Returns
    -------
    DataFrame
        One row per uncertain input, largest ``swing`` (``|at_high - at_low|``) first, with
        ``input, label, interval, low, base, high, at_low, at_high, base_value, swing``.

    Examples
    --------
    >>> from valuecase.value.assumptions import load_roi_params
    >>> from valuecase.value.projection import build_model
    >>> from valuecase.datasets import example_params
    >>> t = tornado(build_model(load_roi_params(example_params("roi-calculator.yml"))))
    >>> bool(t["swing"].is_monotonic_decreasing)
    True
    """
    names = [k for k, i in model.inputs.items() if i.uncertain and i.low != i.high]
    base = model.base_values()
    k = len(names)
    values = {key: np.repeat(v, 2 * k + 1) for key, v in base.items()}
    for j, name in enumerate(names):
        values[name][2 * j] = model.inputs[name].low
        values[name][2 * j + 1] = model.inputs[name].high
    out = model.evaluate(values).metric(metric)
    rows = []
    for j, name in enumerate(names):
        i = model.inputs[name]
        rows.append({"input": name, "label": i.label, "interval": i.interval, "low": i.low,
                     "base": i.base, "high": i.high, "at_low": out[2 * j],
                     "at_high": out[2 * j + 1], "base_value": out[-1],
                     "swing": abs(out[2 * j + 1] - out[2 * j])})
    cols = ["input", "label", "interval", "low", "base", "high", "at_low", "at_high",
            "base_value", "swing"]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class BreakEven:
    """The effect at which net savings are zero, placed against the effect's interval.

    ``position`` is where the break-even value lies relative to ``[low, high]``: ``"inside"``,
    ``"below"`` or ``"above"``; ``text`` says what that means in plain words.
    """

    line: str
    value: float
    low: float
    high: float
    estimate: float
    interval: str
    position: str
    text: str


def breakeven_effect(model: ValueModel, line: str, metric: str = "net_savings") -> BreakEven:
    """Break-even effect of one service line (others at base), against its CI or assumed range.

    Net savings are linear in avoided events, so the break-even is exact: solve for the avoided
    events per member-year that make ``metric`` zero, then convert back to the effect's scale.

    Parameters
    ----------
    model : ValueModel
    line : str
        Service-line key.
    metric : {"net_savings", "npv"}
        Break even on undiscounted net savings over the horizon, or on NPV.

    Returns
    -------
    BreakEven

    Examples
    --------
    >>> from valuecase.value.assumptions import RoiParams
    >>> from valuecase.value.projection import build_model
    >>> p = RoiParams.model_validate({"mode": "calculator", "horizon_years": 1,
    ...     "partners": ["payer"], "enrollment": {"members": 100_000},
    ...     "service_lines": {"ed": {"baseline_rate": 0.25, "unit_cost": 300,
    ...         "reduction": {"value": 0.5, "low": 0.3, "high": 0.7}}},
    ...     "program_costs": {"staff": {"partner": "payer", "annual": 3_000_000}}})
    >>> b = breakeven_effect(build_model(p), "ed")
    >>> round(b.value, 6), b.position
    (0.4, 'inside')
    """
    lines = {x.key: x for x in model.lines}
    if line not in lines:
        raise KeyError(f"unknown service line {line!r}; known: {', '.join(lines)}")
    ln = lines[line]
    inp = model.effect_input(line)
    base = model.base_values()
    y0, y1 = model.evaluate(base, avoided={line: np.array([0.0, 1.0])}).metric(metric)
    slope = y1 - y0
    if slope == 0:
        value = float("nan")
    else:
        value = model.effect_for_avoided(ln, -y0 / slope, base)
    lo, hi = sorted((inp.low, inp.high))
    # a larger reduction saves more; a larger effect (events or log ratio) saves less
    more_is_better = ln.kind == "reduction"
    if np.isnan(value):
        position = "undefined"
        text = (f"{ln.label}: net savings do not depend on this effect (unit cost or members "
                "are zero), so there is no break-even effect.")
    else:
        position = "inside" if lo <= value <= hi else ("below" if value < lo else "above")
        word = "reduction" if ln.kind == "reduction" else "effect"
        where = f"the {inp.interval} ({lo:.4g} to {hi:.4g})"
        if position == "inside":
            who = ("the evidence cannot rule out" if inp.interval == "95% CI"
                   else "the assumptions allow")
            text = (f"{ln.label}: the break-even {word} ({value:.4g}) lies inside {where}: "
                    f"{who} that the program loses money, and that it saves.")
        elif (position == "below") == more_is_better:
            text = (f"{ln.label}: the break-even {word} ({value:.4g}) lies {position} {where}: "
                    "even the least favourable end of the interval covers the program's cost.")
        else:
            text = (f"{ln.label}: the break-even {word} ({value:.4g}) lies {position} {where}: "
                    "even the most favourable end of the interval does not cover the cost.")
    return BreakEven(line=line, value=float(value), low=float(lo), high=float(hi),
                     estimate=float(inp.base), interval=inp.interval, position=position,
                     text=text)
