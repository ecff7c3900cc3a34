"""The ROI assumptions file: pydantic models of the YAML, and a loader with one-line errors.

Numbers may carry uncertainty (:mod:`valuecase.value.distributions`); errors are one line each
(:mod:`valuecase.value.validation_errors`).

Examples
--------
>>> p = RoiParams.model_validate({
...     "mode": "calculator", "partners": ["payer"],
...     "enrollment": {"members": 1000},
...     "service_lines": {"ed": {"baseline_rate": 0.25, "reduction": "5e-1", "unit_cost": 300}},
...     "program_costs": {"staff": {"partner": "payer", "annual": 100000}}})
>>> p.service_lines["ed"].reduction.base
0.5
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from valuecase.errors import ParametersError
from valuecase.value.distributions import (
    Count,
    Distribution,
    FrozenModel,
    NonNeg,
    Number,
    Share,
    UncertainNonNeg,
    to_number,
)
from valuecase.value.validation_errors import format_validation_error
from valuecase.yaml_file import read_yaml_mapping

__all__ = [
    "CapitationPmpm",
    "CaseRate",
    "Distribution",
    "EffectSpec",
    "FeeForService",
    "ProgramCost",
    "RoiParams",
    "ServiceLine",
    "SharedSavings",
    "format_validation_error",
    "load_roi_params",
]


# --------------------------------------------------------------------------- service lines
class EffectSpec(FrozenModel):
    """An estimated effect with its uncertainty (evidence mode).

    ``scale``: ``difference`` = change in events per member-month (negative = fewer events);
    ``ratio`` = the rate ratio (0.86 = 14% fewer events), ``se`` on the log scale, as
    :class:`valuecase.impact.Effect` reports count models; ``log_ratio`` = the log rate ratio
    (a Poisson / negative-binomial coefficient; -0.15 = 14% fewer), everything on the log scale.
    Give ``se`` or ``ci_low`` and ``ci_high`` (95%). ``draws`` (bootstrap) replace the normal.
    """

    estimate: Number
    se: NonNeg | None = None
    ci_low: Number | None = None
    ci_high: Number | None = None
    scale: Literal["difference", "ratio", "log_ratio"] = "difference"
    draws: list[Number] | None = None

    @model_validator(mode="after")
    def _check(self) -> EffectSpec:
        if self.se is None and (self.ci_low is None or self.ci_high is None):
            raise ValueError("give se, or both ci_low and ci_high")
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError("give both ci_low and ci_high, or neither")
        if self.scale == "ratio":
            bad = [x for x in (self.estimate, self.ci_low, self.ci_high) if x is not None and x <= 0]
            if bad:
                raise ValueError(f"a rate ratio must be > 0 (got {bad[0]}); for a log rate "
                                 "ratio (a Poisson coefficient) use scale: log_ratio")
        return self


class ServiceLine(FrozenModel):
    """One service line (ED visits, inpatient stays ...): baseline rate, effect and unit cost."""

    label: str | None = None
    baseline_rate: UncertainNonNeg | None = None  # events per member per year
    unit_cost: UncertainNonNeg | None = None  # cost per event in year 1
    reduction: Annotated[Distribution, BeforeValidator(
        lambda v: _reduction(v))] | None = None  # calculator: share of events avoided
    effect: EffectSpec | None = None  # evidence mode
    paid_by: str | None = None  # partner paying the claims (default: first partner)


def _reduction(v: Any) -> Distribution:
    d = Distribution.parse(v)
    if d.high > 1:
        raise ValueError(f"a reduction is a share of events and must be <= 1 (got {d.high:g}); "
                         "write 15% as 0.15")
    return d


# --------------------------------------------------------------------------- costs, enrollment
def _number_or_list(v: Any, uncertain: bool = False, maximum: float | None = None,
                    as_list: bool = False) -> Any:
    """A non-negative number (or uncertain number) or a list of non-negative numbers."""

    def one(x: Any, where: str = "") -> float:
        try:
            x = float(to_number(x))
        except (TypeError, ValueError) as exc:
            msg = str(exc) if isinstance(exc, ValueError) else f"must be a number (got {x!r})"
            raise ValueError(f"{where}{msg}") from None
        if x < 0 or (maximum is not None and x > maximum):
            rng = ">= 0" if maximum is None else f"between 0 and {maximum:g}"
            raise ValueError(f"{where}must be {rng} (got {x:g})")
        return x

    if isinstance(v, list):
        if not v:
            raise ValueError("must not be an empty list")
        return [one(x, f"item {i + 1}: ") for i, x in enumerate(v)]
    if as_list:
        return [one(v)]
    if uncertain:
        return Distribution.parse(v, 0.0)
    return one(v)


class ProgramCost(FrozenModel):
    """A program cost category, the partner paying it, and either ``annual`` or ``per_member_year``.

    ``annual`` is one number (every year, may be uncertain) or a list with one number per year.
    """

    partner: str
    annual: Annotated[Distribution | list[float], BeforeValidator(
        lambda v: _number_or_list(v, uncertain=True))] | None = None
    per_member_year: UncertainNonNeg | None = None

    @model_validator(mode="after")
    def _one(self) -> ProgramCost:
        if (self.annual is None) == (self.per_member_year is None):
            raise ValueError("give exactly one of annual or per_member_year")
        return self


class Enrollment(FrozenModel):
    """Members per year: ``members`` (one number, or one per year), times an optional ``ramp``."""

    members: Annotated[float | list[float], BeforeValidator(_number_or_list)]
    ramp: Annotated[list[float], BeforeValidator(lambda v: _number_or_list(v, maximum=1.0,
                                                                            as_list=True))] | None = None


# --------------------------------------------------------------------------- payment models
class FeeForService(FrozenModel):
    """The payer pays the provider per event; avoided events cost the provider lost revenue."""

    model: Literal["fee_for_service"]
    payer: str
    provider: str
    service_lines: list[str] = Field(min_length=1)
    hospital_variable_cost_share: Share


class CaseRate(FrozenModel):
    """A fee per enrollee per year paid by one partner to another."""

    model: Literal["case_rate"]
    from_: str = Field(alias="from")
    to: str
    fee_per_enrollee_year: NonNeg


class CapitationPmpm(FrozenModel):
    """The payer pays the provider a PMPM; the provider bears (and saves on) these lines."""

    model: Literal["capitation_pmpm"]
    payer: str
    provider: str
    pmpm: NonNeg
    service_lines: list[str] = Field(min_length=1)


class SharedSavings(FrozenModel):
    """``share`` of the ``from`` partner's savings goes to ``to`` if they reach the MSR.

    Savings are the ``from`` partner's avoided spending on ``service_lines`` (default: all lines it
    saves on), net of the program costs it bears when ``net_of_costs``; sharing starts once savings
    reach ``minimum_savings_rate`` x baseline spending on those lines, from the first dollar
    (``first_dollar: true``, as in the Medicare Shared Savings Program) or above the MSR only.
    Settled year by year; no transfer in a year without savings.
    """

    model: Literal["shared_savings"]
    from_: str = Field(alias="from")
    to: str
    share: Share
    minimum_savings_rate: Share = 0.0
    first_dollar: bool = True
    net_of_costs: bool = True
    service_lines: list[str] | None = None


PaymentModel = Annotated[FeeForService | CaseRate | CapitationPmpm | SharedSavings,
                         Field(discriminator="model")]


class UncertaintySettings(FrozenModel):
    """Monte Carlo settings."""

    draws: Count = Field(default=10_000, ge=100)
    seed: Count = 20240601
    roi_target: Number = 0.0


# --------------------------------------------------------------------------- the file
class RoiParams(FrozenModel):
    """All assumptions of one value case (see ``params/roi-calculator.yml``)."""

    mode: Literal["calculator", "evidence"]
    horizon_years: Count = Field(default=3, ge=1, le=30)
    discount_rate: Number = Field(default=0.03, ge=0, lt=1)
    cost_trend: Number = Field(default=0.0, gt=-1, le=1)
    savings_lag_months: Count = Field(default=0, ge=0)
    partners: list[str] = Field(min_length=1)
    enrollment: Enrollment
    service_lines: dict[str, ServiceLine] = Field(min_length=1)
    program_costs: dict[str, ProgramCost] = Field(min_length=1)
    payment_models: list[PaymentModel] = Field(default_factory=list)
    uncertainty: UncertaintySettings = Field(default_factory=UncertaintySettings)

    @model_validator(mode="after")
    def _cross_check(self) -> RoiParams:
        h = self.horizon_years
        partners = set(self.partners)
        if len(partners) != len(self.partners):
            raise ValueError("partners: names must be unique")

        def partner(where: str, name: str | None) -> None:
            if name is not None and name not in partners:
                raise ValueError(f"{where}: unknown partner {name!r}; declared partners: "
                                 f"{', '.join(self.partners)}")

        def lines(where: str, names: list[str] | None) -> None:
            for name in names or []:
                if name not in self.service_lines:
                    raise ValueError(f"{where}: unknown service line {name!r}; declared: "
                                     f"{', '.join(self.service_lines)}")

        for field, value in (("members", self.enrollment.members),
                             ("ramp", self.enrollment.ramp)):
            if isinstance(value, list) and len(value) not in (1, h):
                raise ValueError(f"enrollment.{field}: give one value or {h} (one per year; "
                                 f"horizon_years is {h}), got {len(value)}")
        for key, line in self.service_lines.items():
            where = f"service_lines.{key}"
            partner(f"{where}.paid_by", line.paid_by)
            if self.mode == "calculator":
                for need in ("baseline_rate", "reduction", "unit_cost"):
                    if getattr(line, need) is None:
                        raise ValueError(f"{where}.{need}: required in calculator mode")
                if line.effect is not None:
                    raise ValueError(f"{where}.effect: calculator mode uses reduction, not "
                                     "effect (set mode: evidence to use an estimated effect)")
            elif line.reduction is not None:
                raise ValueError(f"{where}.reduction: evidence mode uses effect, not reduction "
                                 "(set mode: calculator to assume a reduction)")
            elif (line.effect is not None and line.effect.scale != "difference"
                  and line.baseline_rate is None):
                raise ValueError(f"{where}.baseline_rate: required for an effect on the "
                                 f"{line.effect.scale} scale")
        for key, cost in self.program_costs.items():
            partner(f"program_costs.{key}.partner", cost.partner)
            if isinstance(cost.annual, list) and len(cost.annual) != h:
                raise ValueError(f"program_costs.{key}.annual: give one number, or {h} (one per "
                                 f"year; horizon_years is {h}), got {len(cost.annual)}")
        owner: dict[str, str] = {}
        for i, pm in enumerate(self.payment_models):
            where = f"payment_models.{i}"
            for role in ("payer", "provider", "from_", "to"):
                if hasattr(pm, role):
                    partner(f"{where}.{role.rstrip('_')}", getattr(pm, role))
            lines(f"{where}.service_lines", pm.service_lines if hasattr(pm, "service_lines")
                  else None)
            if isinstance(pm, FeeForService | CapitationPmpm):
                for name in pm.service_lines:
                    if name in owner:
                        raise ValueError(f"{where}.service_lines: {name!r} already has a payment "
                                         f"model ({owner[name]}); give each line at most one")
                    owner[name] = pm.model
        return self

    def members_by_year(self) -> list[float]:
        """Active members (member-years) in each year: members x ramp share."""
        h = self.horizon_years
        m = self.enrollment.members
        members = [float(m)] * h if not isinstance(m, list) else [float(x) for x in m] * (
            h if len(m) == 1 else 1)
        r = self.enrollment.ramp
        ramp = [1.0] * h if r is None else [float(x) for x in r] * (h if len(r) == 1 else 1)
        return [a * b for a, b in zip(members, ramp, strict=True)]


# --------------------------------------------------------------------------- errors and loading


def read_roi_assumptions(path: str | Path) -> dict[str, Any]:
    """The raw assumptions of an ROI file: the whole file, or its ``roi:`` section when the file
    is a larger parameters file. The one reader for every ROI file (calculator and evidence).

    Examples
    --------
    >>> from valuecase.datasets import example_params
    >>> read_roi_assumptions(example_params("roi-sample.yml"))["mode"]
    'evidence'
    """
    raw = read_yaml_mapping(Path(path), "ROI parameters file")
    if "roi" in raw and isinstance(raw["roi"], dict) and "mode" not in raw:
        raw = dict(raw["roi"])  # an `roi:` section inside a larger parameters file
    return raw


def load_roi_params(path: str | Path) -> RoiParams:
    """Read and validate an ROI parameters YAML file.

    Parameters
    ----------
    path : str or Path
        The YAML file (see ``params/roi-calculator.yml`` and ``params/roi-evidence.yml``).

    Returns
    -------
    RoiParams

    Raises
    ------
    ParametersError
        One line naming the file and the field, e.g.
        ``params/roi.yml: service_lines.ed.unit_cost: must be >= 0 (got -300)``.

    Examples
    --------
    >>> from valuecase.datasets import example_params
    >>> p = load_roi_params(example_params("roi-calculator.yml"))
    >>> p.mode, p.horizon_years
    ('calculator', 3)
    """
    path = Path(path)
    raw = read_roi_assumptions(path)
    try:
        return RoiParams.model_validate(raw)
    except ValidationError as exc:
        raise ParametersError(format_validation_error(exc, str(path))) from None
