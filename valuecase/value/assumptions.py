"""The ROI assumptions file: pydantic models of the YAML, and a loader with one-line errors.

Any number may be written plain (``unit_cost: 300``) or with uncertainty:

- ``{value: 0.15, low: 0.05, high: 0.25}`` - a range, sampled as triangular(low, value, high);
- ``{dist: normal, mean: 0.15, sd: 0.05}``, ``{dist: triangular, low, mode, high}``,
  ``{dist: uniform, low, high}``, ``{dist: lognormal, median, sdlog}``.

YAML traps are handled: ``1e-3`` (a string to YAML 1.1) is read as the number 0.001;
``yes`` / ``no`` / ``on`` / ``off`` in a numeric field is an error, never 1 or 0.

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

import math
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from scipy import stats

from valuecase.errors import ParametersError
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

_BOOL_WORDS = "YAML reads yes/no/on/off as true/false; write a number"


def _to_number(v: Any) -> Any:
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


def _to_int(v: Any) -> Any:
    v = _to_number(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


Number = Annotated[float, BeforeValidator(_to_number)]
Count = Annotated[int, BeforeValidator(_to_int)]
NonNeg = Annotated[float, BeforeValidator(_to_number), Field(ge=0)]
Share = Annotated[float, BeforeValidator(_to_number), Field(ge=0, le=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- uncertain numbers
class Distribution(_Model):
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
                    raw[k] = _to_number(raw[k])
                except ValueError as exc:
                    raise ValueError(f"{k}: {exc}") from None
            d = cls.model_validate(raw)
        else:
            d = cls(dist="fixed", value=_to_number(v))
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


def _uncertain(minimum: float | None = None) -> Any:
    return Annotated[Distribution, BeforeValidator(lambda v: Distribution.parse(v, minimum))]


Uncertain = _uncertain()
UncertainNonNeg = _uncertain(0.0)


# --------------------------------------------------------------------------- service lines
class EffectSpec(_Model):
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


class ServiceLine(_Model):
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
            x = float(_to_number(x))
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


class ProgramCost(_Model):
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


class Enrollment(_Model):
    """Members per year: ``members`` (one number, or one per year), times an optional ``ramp``."""

    members: Annotated[float | list[float], BeforeValidator(_number_or_list)]
    ramp: Annotated[list[float], BeforeValidator(lambda v: _number_or_list(v, maximum=1.0,
                                                                            as_list=True))] | None = None


# --------------------------------------------------------------------------- payment models
class FeeForService(_Model):
    """The payer pays the provider per event; avoided events cost the provider lost revenue."""

    model: Literal["fee_for_service"]
    payer: str
    provider: str
    service_lines: list[str] = Field(min_length=1)
    hospital_variable_cost_share: Share


class CaseRate(_Model):
    """A fee per enrollee per year paid by one partner to another."""

    model: Literal["case_rate"]
    from_: str = Field(alias="from")
    to: str
    fee_per_enrollee_year: NonNeg


class CapitationPmpm(_Model):
    """The payer pays the provider a PMPM; the provider bears (and saves on) these lines."""

    model: Literal["capitation_pmpm"]
    payer: str
    provider: str
    pmpm: NonNeg
    service_lines: list[str] = Field(min_length=1)


class SharedSavings(_Model):
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


class UncertaintySettings(_Model):
    """Monte Carlo settings."""

    draws: Count = Field(default=10_000, ge=100)
    seed: Count = 20240601
    roi_target: Number = 0.0


# --------------------------------------------------------------------------- the file
class RoiParams(_Model):
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
_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (check the spelling)",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of names to values",
    "model_type": "must be a mapping of names to values",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}


def format_validation_error(exc: ValidationError, source: str = "parameters") -> str:
    """One line ``source: field.path: message (got value)`` from a pydantic ``ValidationError``.

    Examples
    --------
    >>> try:
    ...     RoiParams.model_validate({"mode": "calculator"})
    ... except ValidationError as exc:
    ...     print(format_validation_error(exc, "roi.yml"))
    roi.yml: partners: required field is missing (and 3 more problems)
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = [str(x) for x in first["loc"]]
    # drop the tag a discriminated union adds to the location (payment_models.0.case_rate.to)
    loc = [x for i, x in enumerate(loc) if not (i > 0 and loc[i - 1].isdigit()
                                                 and x in _PAYMENT_TAGS)]
    kind, ctx, got = first["type"], first.get("ctx") or {}, first.get("input")
    if kind == "value_error":
        msg = str(ctx.get("error", first["msg"]))
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
              "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        msg = f"must be {op} {bound} (got {got!r})"
    elif kind == "literal_error":
        msg = f"must be one of {ctx.get('expected')} (got {got!r})"
    elif kind == "union_tag_invalid":
        loc.append(str(ctx.get("discriminator", "model")).strip("'"))
        msg = f"unknown {ctx.get('discriminator', 'kind').strip(chr(39))} {ctx.get('tag')!r}; " \
              f"choose from {ctx.get('expected_tags')}"
    elif kind == "union_tag_not_found":
        msg = f"needs a {ctx.get('discriminator', 'kind').strip(chr(39))} field; choose from " \
              f"{', '.join(sorted(_PAYMENT_TAGS))}"
    elif kind == "too_short":
        msg = f"must have at least {ctx.get('min_length')} entry"
    elif kind in _MESSAGES:
        msg = _MESSAGES[kind]
        if kind not in ("missing", "extra_forbidden"):
            msg += f" (got {got!r})"
    else:
        msg = first["msg"]
    path = ".".join(loc)
    head = f"{source}: {path}: {msg}" if path else f"{source}: {msg}"
    if len(errors) > 1:
        head += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return head.replace("\n", " ")


_PAYMENT_TAGS = {"fee_for_service", "case_rate", "capitation_pmpm", "shared_savings"}


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
