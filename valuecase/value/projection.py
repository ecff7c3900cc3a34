"""Multi-year projection of savings and program costs: one vectorised engine for base case and draws.

A :class:`ValueModel` turns validated :class:`~valuecase.value.assumptions.RoiParams` (plus, in evidence
mode, effects and unit costs passed in by the caller) into named inputs, each with a base value, a
low / high for sensitivity analysis and a sampler for Monte Carlo. :meth:`ValueModel.evaluate`
computes savings per service line and costs per category for every year from arrays of input
values, so the base case, the tornado and 10,000 Monte Carlo draws share one code path.

Timing: year ``t`` savings are ``active members_t x avoided events per member-year x unit cost x
(1 + cost_trend) ** (t - 1)``, spread evenly over the months of the year and starting after
``savings_lag_months``; program costs are spread evenly over the months of their year. NPV
discounts each year's net savings at year end (``t = 1..H``).

Examples
--------
>>> from valuecase.value.assumptions import load_roi_params
>>> from valuecase.datasets import example_params
>>> proj = project(build_model(load_roi_params(example_params("roi-calculator.yml"))))
>>> list(proj.annual.columns[:4])
['members', 'gross_savings', 'program_cost', 'net_savings']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from valuecase.errors import ParametersError
from valuecase.value.arithmetic import RoiSummary, payback_month, summarize
from valuecase.value.assumptions import Distribution, EffectSpec, RoiParams
from valuecase.value.inputs import Input, effect_input

__all__ = ["Evaluation", "Input", "Projection", "ValueModel", "build_model", "project"]

@dataclass(frozen=True)
class _Line:
    key: str
    label: str
    kind: str  # reduction | difference | ratio | log_ratio
    paid_by: str


@dataclass(frozen=True)
class Evaluation:
    """Arrays from :meth:`ValueModel.evaluate`; ``n`` scenarios (draws) in the first axis.

    ``savings`` (n, lines, years), ``baseline_spend`` (n, lines, years; NaN when the baseline
    rate is unknown), ``costs`` (n, categories, years), ``monthly_net`` (n, 12 x years).
    """

    savings: np.ndarray
    baseline_spend: np.ndarray
    costs: np.ndarray
    monthly_net: np.ndarray
    discount_rate: float

    @property
    def gross(self) -> np.ndarray:
        return self.savings.sum(axis=(1, 2))

    @property
    def cost(self) -> np.ndarray:
        return self.costs.sum(axis=(1, 2))

    @property
    def net(self) -> np.ndarray:
        return self.gross - self.cost

    @property
    def npv(self) -> np.ndarray:
        annual = self.savings.sum(axis=1) - self.costs.sum(axis=1)
        t = np.arange(1, annual.shape[1] + 1)
        return (annual / (1.0 + self.discount_rate) ** t).sum(axis=1)

    def metric(self, name: str) -> np.ndarray:
        """``net_savings``, ``npv``, ``gross_savings``, ``program_cost`` or ``roi``."""
        if name == "net_savings":
            return self.net
        if name == "npv":
            return self.npv
        if name == "gross_savings":
            return self.gross
        if name == "program_cost":
            return self.cost
        if name == "roi":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(self.cost > 0, self.net / self.cost, np.nan)
        raise ValueError(f"unknown metric {name!r}; use net_savings, npv, gross_savings, "
                         "program_cost or roi")

    def payback(self) -> np.ndarray:
        """Payback month per scenario (NaN where cumulative net savings never reach 0)."""
        cum = np.cumsum(self.monthly_net, axis=1)
        tol = 1e-9 * np.maximum(1.0, np.abs(self.monthly_net).sum(axis=1, keepdims=True))
        ok = cum >= -tol
        first = ok.argmax(axis=1).astype(float) + 1
        first[~ok.any(axis=1)] = np.nan
        return first


@dataclass(frozen=True)
class ValueModel:
    """Validated assumptions compiled into named inputs; see :func:`build_model`.

    ``joint`` holds inputs drawn together (input name -> equal-length arrays, one element per
    bootstrap resample): the Monte Carlo picks whole resamples for them, so a rate ratio comes
    with the baseline rate of the same resample.
    """

    params: RoiParams
    inputs: dict[str, Input]
    lines: tuple[_Line, ...]
    members: np.ndarray
    joint: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def years(self) -> int:
        return self.params.horizon_years

    @property
    def categories(self) -> list[str]:
        return list(self.params.program_costs)

    def effect_input(self, line: str) -> Input:
        """The effect (evidence) or reduction (calculator) input of one service line."""
        for suffix in ("effect", "reduction"):
            if f"service_lines.{line}.{suffix}" in self.inputs:
                return self.inputs[f"service_lines.{line}.{suffix}"]
        raise KeyError(f"unknown service line {line!r}; known: "
                       f"{', '.join(x.key for x in self.lines)}")

    def base_values(self) -> dict[str, np.ndarray]:
        """Every input at its base value, as length-1 arrays."""
        return {k: np.array([i.base]) for k, i in self.inputs.items()}

    def sample(self, n: int, seed: int) -> dict[str, np.ndarray]:
        """``n`` Monte Carlo draws of every input (fixed inputs repeated), reproducible by seed.

        Inputs in :attr:`joint` take the values of one resample per draw (the same resample
        for all of them); the others are drawn independently.
        """
        rng = np.random.default_rng(seed)
        out = {k: (i.sample(rng, n) if i.uncertain else np.full(n, i.base))
               for k, i in self.inputs.items()}
        if self.joint:
            rows = rng.integers(0, len(next(iter(self.joint.values()))), n)
            for k, values in self.joint.items():
                out[k] = np.asarray(values, dtype=float)[rows]
        return out

    def avoided(self, line: _Line, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """Avoided events per member-year for one line, from its effect / reduction values."""
        x = np.asarray(values[f"service_lines.{line.key}.{_effect_name(line)}"], dtype=float)
        b = values.get(f"service_lines.{line.key}.baseline_rate")
        if line.kind == "difference":
            return -12.0 * x  # events per member-month; negative = fewer events
        b = np.asarray(b, dtype=float)
        if line.kind == "reduction":
            return b * x
        if line.kind == "log_ratio":
            return b * (1.0 - np.exp(x))
        return b * (1.0 - x)  # ratio: the rate ratio itself

    def effect_for_avoided(self, line: _Line, avoided: float,
                           values: Mapping[str, np.ndarray]) -> float:
        """Inverse of :meth:`avoided`: the effect value giving ``avoided`` events per member-year."""
        if line.kind == "difference":
            return -avoided / 12.0
        b = float(np.asarray(values[f"service_lines.{line.key}.baseline_rate"])[0])
        share = avoided / b if b > 0 else np.inf
        if line.kind == "reduction":
            return share
        if line.kind == "log_ratio":
            return float(np.log(1.0 - share)) if share < 1 else -np.inf
        return 1.0 - share  # ratio

    def evaluate(self, values: Mapping[str, np.ndarray],
                 avoided: Mapping[str, np.ndarray] | None = None) -> Evaluation:
        """Savings and costs by year for each scenario in ``values`` (arrays of equal length).

        ``avoided`` optionally overrides avoided events per member-year of some lines.
        """
        h, p = self.years, self.params
        n = max(np.size(v) for v in [*values.values(), *(avoided or {}).values()])
        t = np.arange(h)
        growth = (1.0 + p.cost_trend) ** t
        months = np.arange(12 * h)
        lagged = (months >= p.savings_lag_months).reshape(h, 12)
        frac = lagged.mean(axis=1)
        m = self.members
        savings_rate = np.zeros((n, len(self.lines), h))  # full-year savings before the lag
        spend = np.full((n, len(self.lines), h), np.nan)
        for j, line in enumerate(self.lines):
            a = (avoided or {}).get(line.key)
            a = self.avoided(line, values) if a is None else np.asarray(a, dtype=float)
            c = np.asarray(values[f"service_lines.{line.key}.unit_cost"], dtype=float)
            c = np.clip(c, 0, None)
            savings_rate[:, j, :] = np.broadcast_to(np.reshape(a * c, (-1, 1)) * (m * growth),
                                                    (n, h))
            b = values.get(f"service_lines.{line.key}.baseline_rate")
            if b is not None:
                bc = np.clip(np.asarray(b, dtype=float), 0, None) * c
                spend[:, j, :] = np.broadcast_to(np.reshape(bc, (-1, 1)) * (m * growth), (n, h))
        savings = savings_rate * frac
        costs = np.zeros((n, len(self.categories), h))
        for k, (name, cost) in enumerate(p.program_costs.items()):
            if cost.per_member_year is not None:
                v = np.clip(values[f"program_costs.{name}.per_member_year"], 0, None)
                costs[:, k, :] = np.reshape(v, (-1, 1)) * m
            elif isinstance(cost.annual, list):
                costs[:, k, :] = np.asarray(cost.annual, dtype=float)
            else:
                v = np.clip(values[f"program_costs.{name}.annual"], 0, None)
                costs[:, k, :] = np.reshape(v, (-1, 1))
        monthly = (np.repeat(savings_rate.sum(axis=1), 12, axis=1) * lagged.ravel()
                   - np.repeat(costs.sum(axis=1), 12, axis=1)) / 12.0
        return Evaluation(savings=savings, baseline_spend=spend, costs=costs,
                          monthly_net=monthly, discount_rate=p.discount_rate)


def _effect_name(line: _Line) -> str:
    return "reduction" if line.kind == "reduction" else "effect"


def build_model(params: RoiParams, *, effects: Mapping[str, Any] | None = None,
                unit_costs: Mapping[str, Any] | None = None,
                effect_draws: Mapping[str, Any] | None = None,
                joint_draws: Mapping[str, Any] | None = None) -> ValueModel:
    """Compile parameters (and caller-supplied evidence) into a :class:`ValueModel`.

    Parameters
    ----------
    params : RoiParams
        Validated assumptions.
    effects : mapping of service line -> effect, optional
        Evidence mode: objects with ``estimate``, ``se``, ``ci_low``, ``ci_high`` and optionally
        ``scale`` (default ``difference``), e.g. :class:`valuecase.impact.Effect`. Override the
        YAML ``effect`` of that line. ``difference``: events per member-month (negative = fewer);
        ``ratio``: rate ratio, se on the log scale; ``log_ratio``: log rate ratio.
    unit_costs : mapping of service line -> number or uncertain-number spec, optional
        Unit costs measured in the data (paid per stay, per ED visit); override the YAML.
    effect_draws : mapping of service line -> array, optional
        Bootstrap draws of the effect, resampled in Monte Carlo.
    joint_draws : mapping of input name -> array, optional
        Inputs drawn together, one element per resample (e.g. each service line's
        ``service_lines.<line>.effect`` and ``.baseline_rate`` from
        :func:`valuecase.value.joint_draws.joint_effect_draws`); arrays of equal length.

    Returns
    -------
    ValueModel

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from valuecase.value.assumptions import load_roi_params
    >>> from valuecase.datasets import example_params
    >>> p = load_roi_params(example_params("roi-evidence.yml"))
    >>> eff = SimpleNamespace(estimate=-0.02, se=0.008, ci_low=None, ci_high=None)
    >>> m = build_model(p, effects={"ed": eff}, unit_costs={"ed": 1250.0})
    >>> m.inputs["service_lines.ed.effect"].base
    -0.02
    """
    effects, unit_costs, effect_draws = effects or {}, unit_costs or {}, effect_draws or {}
    for where, given in (("effects", effects), ("unit_costs", unit_costs),
                         ("effect_draws", effect_draws)):
        unknown = set(given) - set(params.service_lines)
        if unknown:
            raise ParametersError(f"{where}: unknown service line {sorted(unknown)[0]!r}; "
                                  f"declared: {', '.join(params.service_lines)}")
    inputs: dict[str, Input] = {}
    lines = []
    for key, sl in params.service_lines.items():
        label = sl.label or key
        pre = f"service_lines.{key}"
        if sl.baseline_rate is not None:
            inputs[f"{pre}.baseline_rate"] = Input(f"{pre}.baseline_rate",
                                                   f"{label}: baseline rate", sl.baseline_rate)
        cost = unit_costs.get(key, sl.unit_cost)
        if cost is None:
            raise ParametersError(f"{pre}.unit_cost: missing; put it in the parameters file or "
                                  f"pass unit_costs={{'{key}': ...}}")
        try:
            cost = Distribution.parse(cost, 0.0)
        except ValueError as exc:
            raise ParametersError(f"unit_costs.{key}: {exc}") from None
        inputs[f"{pre}.unit_cost"] = Input(f"{pre}.unit_cost", f"{label}: unit cost", cost)
        if params.mode == "calculator":
            kind = "reduction"
            inputs[f"{pre}.reduction"] = Input(f"{pre}.reduction", f"{label}: reduction",
                                               sl.reduction)
        else:
            e = effects.get(key, sl.effect)
            if e is None:
                raise ParametersError(f"{pre}.effect: missing; put it in the parameters file or "
                                      f"pass effects={{'{key}': ...}}")
            kind = getattr(e, "scale", None) or "difference"
            if kind not in ("difference", "ratio", "log_ratio"):
                raise ParametersError(f"effects.{key}.scale: must be difference, ratio or "
                                      f"log_ratio (got {kind!r})")
            if kind == "ratio" and not float(e.estimate) > 0:
                raise ParametersError(f"effects.{key}.estimate: a rate ratio must be > 0 (got "
                                      f"{e.estimate}); for a log rate ratio use scale log_ratio")
            if not isinstance(e, EffectSpec) and getattr(e, "se", None) is None and (
                    getattr(e, "ci_low", None) is None or getattr(e, "ci_high", None) is None):
                raise ParametersError(f"effects.{key}: needs se or ci_low and ci_high")
            if kind != "difference" and sl.baseline_rate is None:
                raise ParametersError(f"{pre}.baseline_rate: required for an effect on the "
                                      f"{kind} scale")
            draws = effect_draws.get(key, getattr(e, "draws", None))
            inputs[f"{pre}.effect"] = effect_input(f"{pre}.effect", f"{label}: effect", e,
                                                    kind, draws)
        lines.append(_Line(key, label, kind, sl.paid_by or params.partners[0]))
    for name, c in params.program_costs.items():
        if c.per_member_year is not None:
            inputs[f"program_costs.{name}.per_member_year"] = Input(
                f"program_costs.{name}.per_member_year", f"{name}: cost per member-year",
                c.per_member_year)
        elif not isinstance(c.annual, list):
            inputs[f"program_costs.{name}.annual"] = Input(
                f"program_costs.{name}.annual", f"{name}: annual cost", c.annual)
    joint = {k: np.asarray(v, dtype=float) for k, v in dict(joint_draws or {}).items()}
    unknown = sorted(set(joint) - set(inputs))
    if unknown:
        raise ParametersError(f"joint_draws: unknown input {unknown[0]!r}")
    if len({len(v) for v in joint.values()}) > 1 or any(len(v) < 2 for v in joint.values()):
        raise ParametersError("joint_draws: every input needs the same number (>= 2) of draws")
    return ValueModel(params=params, inputs=inputs, lines=tuple(lines),
                      members=np.asarray(params.members_by_year(), dtype=float), joint=joint)


@dataclass(frozen=True)
class Projection:
    """Base-case projection: yearly and monthly tables, ROI summary, NPV and payback.

    Attributes
    ----------
    annual : DataFrame
        Index ``year`` (1..H): members, gross_savings, program_cost, net_savings,
        discount_factor, pv_net_savings, cumulative_net_savings.
    monthly : DataFrame
        Index ``month`` (1..12H): year, net_savings, cumulative_net_savings.
    savings_by_line, baseline_spend_by_line : DataFrame
        Index year, one column per service line.
    costs_by_category : DataFrame
        Index year, one column per program cost category.
    summary : RoiSummary
        Over the horizon, undiscounted.
    npv : float
    payback_month : int or None
    model : ValueModel
    """

    annual: pd.DataFrame
    monthly: pd.DataFrame
    savings_by_line: pd.DataFrame
    baseline_spend_by_line: pd.DataFrame
    costs_by_category: pd.DataFrame
    summary: RoiSummary | None
    npv: float
    payback_month: int | None
    model: ValueModel = field(repr=False)

    @property
    def params(self) -> RoiParams:
        return self.model.params


def project(model: ValueModel) -> Projection:
    """Project the base case year by year.

    Parameters
    ----------
    model : ValueModel
        From :func:`build_model`.

    Returns
    -------
    Projection

    Examples
    --------
    >>> from valuecase.value.assumptions import RoiParams
    >>> p = RoiParams.model_validate({"mode": "calculator", "partners": ["payer"],
    ...     "horizon_years": 2, "discount_rate": 0.1, "enrollment": {"members": 100},
    ...     "service_lines": {"ed": {"baseline_rate": 1, "reduction": 0.5, "unit_cost": 22}},
    ...     "program_costs": {"staff": {"partner": "payer", "annual": 1000}}})
    >>> proj = project(build_model(p))
    >>> proj.annual["net_savings"].tolist(), round(proj.npv, 2), proj.payback_month
    ([100.0, 100.0], 173.55, 1)
    """
    ev = model.evaluate(model.base_values())
    years = pd.RangeIndex(1, model.years + 1, name="year")
    gross, cost = ev.savings[0].sum(axis=0), ev.costs[0].sum(axis=0)
    net = gross - cost
    disc = 1.0 / (1.0 + model.params.discount_rate) ** np.arange(1, model.years + 1)
    annual = pd.DataFrame({"members": model.members, "gross_savings": gross,
                           "program_cost": cost, "net_savings": net, "discount_factor": disc,
                           "pv_net_savings": net * disc,
                           "cumulative_net_savings": np.cumsum(net)}, index=years)
    mnet = ev.monthly_net[0]
    monthly = pd.DataFrame({"year": np.repeat(np.arange(1, model.years + 1), 12),
                            "net_savings": mnet, "cumulative_net_savings": np.cumsum(mnet)},
                           index=pd.RangeIndex(1, 12 * model.years + 1, name="month"))
    keys = [x.key for x in model.lines]
    total_cost = float(cost.sum())
    return Projection(
        annual=annual, monthly=monthly,
        savings_by_line=pd.DataFrame(ev.savings[0].T, index=years, columns=keys),
        baseline_spend_by_line=pd.DataFrame(ev.baseline_spend[0].T, index=years, columns=keys),
        costs_by_category=pd.DataFrame(ev.costs[0].T, index=years, columns=model.categories),
        summary=summarize(float(gross.sum()), total_cost) if total_cost > 0 else None,
        npv=float(ev.npv[0]), payback_month=payback_month(mnet), model=model)
