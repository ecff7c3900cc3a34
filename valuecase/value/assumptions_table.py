"""The finance report's assumptions table: every ROI assumption with its value, written as
what it is (money, a percentage, a rate), and where it came from.

Examples
--------
>>> import yaml
>>> from valuecase.datasets import example_params
>>> params = RoiParams.model_validate(
...     yaml.safe_load(example_params("roi-calculator.yml").read_text()))
>>> assumptions_table(params, {})["assumption"].iloc[:2].tolist()
['horizon_years', 'discount_rate']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from valuecase.value.assumptions import RoiParams

__all__ = ["assumptions_table"]


def assumptions_table(params: RoiParams, sources: dict[str, str],
                      show: Callable[[str, float], str] | None = None) -> pd.DataFrame:
    """Every assumption with its value and source, for the finance report.

    Parameters
    ----------
    params, sources
        What :func:`read_roi_assumptions` returned.
    show : callable, optional
        Writes one number of the assumption named by its key (``"service_lines.ed.unit_cost"``)
        as text; the reports pass :func:`valuecase.present.formatting.input_value`, so a unit
        cost reads ``$975`` and a discount rate ``3.0%``. Plain numbers otherwise.

    Examples
    --------
    >>> import yaml
    >>> from valuecase.datasets import example_params
    >>> raw = yaml.safe_load(example_params("roi-calculator.yml").read_text())
    >>> params = RoiParams.model_validate(raw)
    >>> table = assumptions_table(params, {})
    >>> table.set_index("assumption").loc["service_lines.ed.unit_cost", "value"]
    '1,000'
    >>> table = assumptions_table(params, {}, show=lambda key, x: f"{key.split('.')[-1]}={x}")
    >>> table.set_index("assumption").loc["discount_rate", "value"]
    'discount_rate=0.03'
    """
    def shown(key: str, value: Any) -> str:
        return _show(value, lambda x: show(key, x) if show else _num(x))

    rows = [(key, shown(key, getattr(params, key))) for key in
            ("horizon_years", "discount_rate", "cost_trend", "savings_lag_months")]
    rows += [("enrollment.members", shown("enrollment.members", params.enrollment.members)),
             ("partners", ", ".join(params.partners))]
    for line, spec in params.service_lines.items():
        for field in ("baseline_rate", "unit_cost", "effect", "reduction"):
            value = getattr(spec, field)
            if value is None:
                continue
            key = f"service_lines.{line}.{field}"
            rows.append((key, shown(key, value)))
    for name, cost in params.program_costs.items():
        value = cost.annual if cost.annual is not None else cost.per_member_year
        per = "per year" if cost.annual is not None else "per member-year"
        rows.append((f"program_costs.{name}",  # "...cost": written as money
                     f"{shown(f'program_costs.{name}.cost', value)} {per}, paid by "
                     f"{cost.partner}"))
    for i, pm in enumerate(params.payment_models):
        fields = pm.model_dump(exclude_none=True, by_alias=True)
        kind = fields.pop("model", type(pm).__name__)
        rows.append((f"payment_models[{i}]", f"{kind}: " + "; ".join(
            f"{k.replace('_', ' ')} "
            f"{_field(v, lambda x, i=i, k=k: shown(f'payment_models[{i}].{k}', x))}"
            for k, v in fields.items())))
    u = params.uncertainty
    rows.append(("uncertainty", f"{u.draws:,} Monte Carlo draws, seed {u.seed}, ROI target "
                                f"{u.roi_target:.0%}"))
    out = pd.DataFrame(rows, columns=["assumption", "value"])
    out["source"] = out["assumption"].map(lambda k: sources.get(k, "default"))
    out["value"] = out["value"].astype(str)
    return out


def _field(value: Any, number: Callable[[Any], str]) -> str:
    """A payment model's field as a reader says it: a flag "yes"/"no" ("first dollar yes", not
    "first dollar True"), a list joined, a number by ``number``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return number(value) if isinstance(value, (int, float)) else str(value)


def _show(value: Any, number: Callable[[float], str]) -> str:
    """An assumption's value as text, its numbers written by ``number``."""
    if hasattr(value, "estimate"):
        if value.ci_low is not None:
            return (f"{value.estimate:.4g} (95% CI {value.ci_low:.4g} to {value.ci_high:.4g}; "
                    f"{value.scale})")
        return f"{value.estimate:.4g} (SE {value.se:.4g}; {value.scale})"
    if hasattr(value, "base"):
        if value.uncertain:
            return f"{number(value.base)} (range {number(value.low)} to {number(value.high)})"
        return number(value.base)
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        return number(value)
    if isinstance(value, list):  # one number per year
        return ", ".join(number(v) for v in value)
    return str(value)


def _num(x: float) -> str:
    """Readable number: thousands separators, 2 decimals below 100, none above."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}"
