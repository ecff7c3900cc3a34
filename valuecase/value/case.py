"""From the impact stage and the claims to the ROI assumptions (evidence mode).

The finance team's YAML holds what only they know (horizon, discount rate, partners, payment
models). What the data can tell — the effect per service line with its uncertainty, the baseline
rate the program works against, the unit cost of an avoided event, the program's enrollment and
its costs — is measured here and filled into the parameters **only where the YAML leaves it out**,
and every value carries its source so the report can list it.

Examples
--------
>>> SERVICE_LINE_OUTCOMES["inpatient"]
'inpatient_stays'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from valuecase.population.aggregate import as_table
from valuecase.trace import stage
from valuecase.value.assumptions import (
    RoiParams,
    format_validation_error,
    read_roi_assumptions,
)
from valuecase.value.exposure import active_member_years, followup_exposure

SERVICE_LINE_OUTCOMES = {"inpatient": "inpatient_stays", "ed": "ed_visits"}
"""ROI service line -> study outcome (count) measured in the claims."""
_PAID_COLUMN = {"inpatient": "paid_inpatient", "ed": "ed_visit_paid"}
UNIT_COST_RULES = {
    "inpatient": "paid per acute stay: all claims of the merged stay",
    "ed": ("paid per ED visit: all of the person's medical claim lines that day, facility and "
           "professional (Tuva's encounter grouping), except acute inpatient claims, which "
           "are priced on the stay"),
}
"""How the claims price one event of each service line (shown with the unit cost's source)."""


@dataclass(frozen=True)
class Evidence:
    """Inputs measured in the data, each with a plain-language source."""

    effects: dict[str, Any]
    baseline_rates: dict[str, float]
    unit_costs: dict[str, float]
    members: float
    program_costs: dict[str, dict[str, Any]]
    sources: dict[str, str]
    baseline_rate_se: dict[str, float]
    unit_cost_se: dict[str, float]
    caseload: float = math.nan
    """Active program member-years per year: the exposure of a calculator-mode reduction
    (``members`` is the follow-up exposure of the evidence-mode effect; see
    :mod:`valuecase.value.exposure`)."""
    draws: pd.DataFrame | None = None
    """Joint bootstrap draws of each line's effect and baseline rate
    (:func:`valuecase.value.joint_draws.joint_effect_draws`), drawn together in Monte Carlo."""


def measure_evidence(study: Any, evaluation: Any, panel: pd.DataFrame | ir.Table,
                     program_enrollment: pd.DataFrame | None,
                     program_costs: pd.DataFrame | None,
                     program_services: pd.DataFrame | None = None, *, seed: int = 0,
                     draws: int = 400) -> Evidence:
    """Measure effects, baseline rates, unit costs, enrollment and program costs in the data.

    ``study`` and ``evaluation`` come from :func:`valuecase.impact.study.build_study` and
    :func:`valuecase.impact.evaluation.evaluate`; ``panel`` is the member-month panel; the
    two tables are the loaded ``program_enrollment`` and ``program_costs`` (None when absent).

    - effect: the primary estimate of :func:`valuecase.impact.evaluation.evaluate` (Poisson rate ratio
      with its 95% CI);
    - baseline rate: the program group's counterfactual rate per member-year, i.e. its
      observed follow-up rate divided by the estimated rate ratio (what program members would
      have had without the program);
    - unit cost: paid per event over all members (:data:`UNIT_COST_RULES`: a stay by all
      its claims, an ED visit by all medical claims of the visit day but acute inpatient ones);
    - members: follow-up member-years per year, i.e. program starts in the 12 months the
      program costs cover x follow-up member-years per enrollee (the exposure the
      intention-to-treat effect was estimated on; :func:`~valuecase.value.exposure.
      followup_exposure`); the active caseload (member-years enrolled in those months) is kept
      as ``caseload`` for calculator-mode reductions;
    - program costs: the ``program_costs`` table, last 12 months, per category and partner;
      without one, the cost recorded on partners' service contacts (``program_services``,
      activity-based, last 12 months: :func:`valuecase.partners.partner_costs.activity_costs`).

    The effects and baseline rates carry their sampling error jointly: ``draws`` person-level
    bootstrap resamples of the study (``seed``), each with its rate ratios (their spread
    scaled to the primary model's HC3 SE) and the baseline rates they imply
    (:func:`~valuecase.value.joint_draws.joint_effect_draws`); the baseline rates' SEs are
    those draws' SDs. Unit costs carry the standard error of the mean paid per
    event. The Monte Carlo draws from both (``draws=0``: no bootstrap, Poisson SEs).
    """
    from valuecase.value.joint_draws import joint_effect_draws

    st, ev = study, evaluation
    prog = st.persons[st.persons["treated"] == 1]
    effects, rates, costs, sources = {}, {}, {}, {}
    rate_se, cost_se = {}, {}
    for line, outcome in SERVICE_LINE_OUTCOMES.items():
        e = ev.primary[outcome]
        effects[line] = e
        sources[f"service_lines.{line}.effect"] = (
            f"impact report: {e.method}, n = {e.n:,}")
        # the program group's counterfactual rate: what they had, undone by the effect
        mm = prog["followup_member_months"].sum()
        n_events = prog[f"followup_{outcome}"].sum()
        ratio = e.estimate if getattr(e, "scale", "difference") == "ratio" else math.nan
        rates[line] = float(n_events / mm * 12 / ratio) if mm and ratio > 0 else math.nan
        rate_se[line] = (float(math.sqrt(n_events) / mm * 12 / ratio) if mm and ratio > 0
                         else math.nan)
        sources[f"service_lines.{line}.baseline_rate"] = (
            "program group's follow-up rate without the program: observed rate "
            f"({int(n_events):,} events / {int(mm):,} member months) / rate ratio "
            f"{ratio:.3f}")
        costs[line], cost_se[line] = unit_cost(panel, outcome, _PAID_COLUMN[line])
        sources[f"service_lines.{line}.unit_cost"] = (
            f"claims: {UNIT_COST_RULES[line]}; all members, all months")
    cost_lines: dict[str, dict[str, Any]] = {}
    data_end = pd.Timestamp(as_table(panel).month.max().to_pyarrow().as_py())
    window_end = data_end
    if program_costs is not None:
        pc = program_costs.copy()
        pc["period"] = pd.to_datetime(pc["period"])
        window_end = pc["period"].max()
        last = pc[pc["period"] > pc["period"].max() - pd.DateOffset(months=12)]
        if "partner" not in last:
            last = last.assign(partner=None)
        by = last.groupby(["category", "partner"], dropna=False)["amount"].sum()
        partners_per_category = by.groupby(level=0).size()
        for (cat, partner), amount in by.items():
            key = cat if partners_per_category[cat] == 1 else f"{cat} ({partner})"
            cost_lines[key] = {"partner": partner, "annual": round(float(amount), 2)}
            sources[f"program_costs.{key}"] = "program_costs table, last 12 months"
    elif program_services is not None and "cost" in program_services and \
            program_services["cost"].notna().any():
        from valuecase.partners.measures import as_partner_frame
        from valuecase.partners.partner_costs import activity_costs

        activity = activity_costs(as_partner_frame(program_services))
        window_end = activity.window_end.to_period("M").to_timestamp()
        cost_lines.update(activity.program_costs)
        sources.update(activity.sources)
    members, sources["enrollment.members"] = followup_exposure(st, program_enrollment,
                                                               window_end, data_end)
    caseload = active_member_years(panel, program_enrollment, window_end)
    sources["enrollment.caseload"] = (
        f"active program caseload, member-years enrolled in the 12 months to {window_end:%B %Y} "
        "(the months the program costs cover)")
    boot = None
    if draws:
        boot = joint_effect_draws(st, ev, draws=draws, seed=seed, log_se={
            line: float(ev.primary[o].se) for line, o in SERVICE_LINE_OUTCOMES.items()
            if getattr(ev.primary[o], "scale", "") == "ratio"})
        for line in SERVICE_LINE_OUTCOMES:
            rate_se[line] = float(boot[f"service_lines.{line}.baseline_rate"].std(ddof=1))
            for f in ("effect", "baseline_rate"):
                sources[f"service_lines.{line}.{f}"] += (
                    f"; drawn jointly from a person-level bootstrap of the study ({len(boot):,} "
                    f"resamples within arm, seed {seed})")
    return Evidence(effects, rates, costs, members, cost_lines, sources, rate_se, cost_se,
                    caseload=caseload, draws=boot)


def unit_cost(panel: pd.DataFrame | ir.Table, outcome: str, paid: str) -> tuple[float, float]:
    """Paid per event over all members and months, and the standard error of the mean paid
    per event among person-months with events (computed on the engine)."""
    t = as_table(panel)
    totals = t.aggregate(events=t[outcome].sum(), paid=t[paid].sum())
    w = t.filter(t[outcome] > 0)
    per_event = w[paid] / w[outcome]
    spread = w.aggregate(n=w.count(), sd=per_event.std(how="sample"))
    a = totals.to_pyarrow().to_pylist()[0]
    b = spread.to_pyarrow().to_pylist()[0]
    events = a["events"] or 0
    cost = float(a["paid"] / events) if events else math.nan
    n = b["n"] or 0
    se = float(b["sd"] / math.sqrt(n)) if n > 1 and b["sd"] is not None else 0.0
    return cost, se


def assemble_params(raw: dict[str, Any], evidence: Evidence, source: str = "parameters",
                    seed: int | None = None) -> tuple[RoiParams, dict[str, str]]:
    """Fill the gaps of the YAML with the evidence and validate.

    Returns
    -------
    (RoiParams, sources)
        ``sources`` maps every filled or given field to where it came from.
    """
    from pydantic import ValidationError

    from valuecase.errors import ParametersError

    raw = {k: v for k, v in raw.items()}
    sources: dict[str, str] = {}
    lines = {k: dict(v or {}) for k, v in (raw.get("service_lines") or {}).items()}
    for line, spec in lines.items():
        for field, value, se in (
                ("baseline_rate", evidence.baseline_rates.get(line),
                 evidence.baseline_rate_se.get(line)),
                ("unit_cost", evidence.unit_costs.get(line), evidence.unit_cost_se.get(line))):
            key = f"service_lines.{line}.{field}"
            if field in spec:
                sources[key] = f"{source} (assumption)"
            elif value is not None and not math.isnan(value):
                spec[field] = ({"dist": "normal", "mean": round(value, 4), "sd": round(se, 6)}
                               if se else round(value, 4))
                sources[key] = evidence.sources[key] + (
                    "; sampling error drawn in the Monte Carlo"
                    if se and "bootstrap" not in evidence.sources[key] else "")
        key = f"service_lines.{line}.effect"
        given = [f for f in ("effect", "reduction") if f in spec]
        for field in given:  # the file's own effect or assumed reduction
            sources[f"service_lines.{line}.{field}"] = f"{source} (assumption)"
        if not given and line in evidence.effects:
            e = evidence.effects[line]
            spec["effect"] = {"estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high,
                              "scale": getattr(e, "scale", "difference")}
            sources[key] = evidence.sources[key]
    raw["service_lines"] = lines
    if "enrollment" not in raw:
        # an assumed reduction applies to enrolled members (the active caseload); the
        # estimated effect to the follow-up exposure it was estimated on
        calculator = raw.get("mode") == "calculator" and not math.isnan(evidence.caseload)
        raw["enrollment"] = {"members": evidence.caseload if calculator else evidence.members}
        sources["enrollment.members"] = evidence.sources[
            "enrollment.caseload" if calculator else "enrollment.members"]
    else:
        sources["enrollment.members"] = f"{source} (assumption)"
    if "program_costs" not in raw and evidence.program_costs:
        raw["program_costs"] = evidence.program_costs
        for k in evidence.program_costs:
            sources[f"program_costs.{k}"] = evidence.sources[f"program_costs.{k}"]
    else:
        for k in raw.get("program_costs") or {}:
            sources[f"program_costs.{k}"] = f"{source} (assumption)"
    for k in ("horizon_years", "discount_rate", "cost_trend", "savings_lag_months", "partners",
              "uncertainty"):
        if k in raw:
            sources[k] = f"{source} (assumption)"
    if seed is not None:
        uncertainty = dict(raw.get("uncertainty") or {})
        uncertainty["seed"] = seed
        raw["uncertainty"] = uncertainty
        sources["uncertainty"] = (f"{source} (assumption); seed {seed} from the run's "
                                  "parameters")
    for i, _ in enumerate(raw.get("payment_models") or []):
        sources[f"payment_models[{i}]"] = f"{source} (assumption)"
    try:
        params = RoiParams.model_validate(raw)
    except ValidationError as exc:
        raise ParametersError(format_validation_error(exc, source)) from None
    return params, sources


@dataclass(frozen=True)
class ValueCase:
    """The ROI stage run on the evidence: assumptions with sources, projection, ledger, draws."""

    params: RoiParams
    sources: dict[str, str]
    model: Any
    projection: Any
    ledger: Any
    monte_carlo: Any


@stage("value_case")
def build_value_case(evidence: Evidence, roi_params_file: str | Path,
                     seed: int | None = None) -> ValueCase:
    """Read the ROI YAML, fill its gaps from the evidence, project, split by partner, simulate.

    ``seed`` (the report run's one seed) replaces the file's ``uncertainty.seed`` for the
    Monte Carlo, so one number controls every random draw of a run.
    """
    from valuecase.value.ledger import partner_ledger
    from valuecase.value.projection import build_model, project
    from valuecase.value.uncertainty import monte_carlo

    path = Path(roi_params_file)
    raw = read_roi_assumptions(path)
    params, sources = assemble_params(raw, evidence, source=path.name, seed=seed)
    joint = {}
    if evidence.draws is not None:  # only where the data, not the file, gave the value
        joint = {k: evidence.draws[k].to_numpy() for k in evidence.draws.columns
                 if k in sources and sources[k].startswith(evidence.sources[k])}
    model = build_model(params, joint_draws=joint)
    projection = project(model)
    return ValueCase(params, sources, model, projection, partner_ledger(projection),
                     monte_carlo(model))


def claims_evidence(panel: pd.DataFrame | ir.Table) -> Evidence:
    """What claims alone tell a calculator-mode value case when there is no program data:
    the unit cost of each service line (paid per event over all members), nothing else."""
    costs, cost_se, sources = {}, {}, {}
    for line, outcome in SERVICE_LINE_OUTCOMES.items():
        costs[line], cost_se[line] = unit_cost(panel, outcome, _PAID_COLUMN[line])
        sources[f"service_lines.{line}.unit_cost"] = (
            f"claims: {UNIT_COST_RULES[line]}; all members, all months")
    sources["enrollment.members"] = "no program data: give enrollment.members in the ROI file"
    return Evidence(effects={}, baseline_rates={}, unit_costs=costs, members=math.nan,
                    program_costs={}, sources=sources, baseline_rate_se={},
                    unit_cost_se=cost_se)


def program_data_gaps(raw: dict[str, Any]) -> list[str]:
    """The assumptions an ROI file leaves to program data (measured on the program's members):
    without a ``program_enrollment`` table a calculator-mode file must give them itself.

    Examples
    --------
    >>> program_data_gaps({"service_lines": {"ed": {"reduction": 0.1}}})
    ['enrollment.members', 'service_lines.ed.baseline_rate', 'program_costs']
    """
    lines = raw.get("service_lines") or {}
    gaps = [] if "enrollment" in raw else ["enrollment.members"]
    gaps += [f"service_lines.{line}.baseline_rate" for line, spec in lines.items()
             if "baseline_rate" not in (spec or {})]
    return gaps + ([] if raw.get("program_costs") else ["program_costs"])


def placeholder_evidence() -> Evidence:
    """Neutral evidence (no effect, unit rates and costs) that fills every gap of an ROI file,
    so the file's own values can be validated before the data are analysed."""
    lines = SERVICE_LINE_OUTCOMES
    effect = {"estimate": 1.0, "ci_low": 0.9, "ci_high": 1.1, "scale": "ratio"}
    sources = {f"service_lines.{line}.{f}": "placeholder" for line in lines
               for f in ("effect", "baseline_rate", "unit_cost")}
    sources["enrollment.members"] = "placeholder"
    return Evidence(effects={line: _EffectLike(**effect) for line in lines},
                    baseline_rates=dict.fromkeys(lines, 1.0), unit_costs=dict.fromkeys(lines, 1.0),
                    members=1.0, program_costs={}, sources=sources,
                    baseline_rate_se=dict.fromkeys(lines, 0.0),
                    unit_cost_se=dict.fromkeys(lines, 0.0))


@dataclass(frozen=True)
class _EffectLike:
    estimate: float
    ci_low: float
    ci_high: float
    scale: str


def check_roi_file(path: str | Path) -> RoiParams:
    """Read and validate an ROI assumptions file before any data are analysed.

    Gaps the data would fill (effects, baseline rates, unit costs, enrollment) are filled with
    placeholders, so every value the file *does* give is checked.

    Raises
    ------
    ParametersError
        The file is missing or unreadable, or an assumption is invalid (one line each).

    Examples
    --------
    >>> from valuecase.datasets import example_params
    >>> check_roi_file(example_params("roi-sample.yml")).horizon_years
    3
    """
    path = Path(path)
    raw = read_roi_assumptions(path)
    evidence = placeholder_evidence()
    if "program_costs" not in raw:  # measured in the data's program_costs table
        partners = raw.get("partners")
        partner = partners[0] if isinstance(partners, list) and partners else None
        evidence = replace(evidence, program_costs={
            "placeholder": {"partner": partner, "annual": 1.0}},
            sources={**evidence.sources, "program_costs.placeholder": "placeholder"})
    params, _ = assemble_params(raw, evidence, source=str(path))
    return params


def varied_inputs(model: Any) -> str:
    """Plain-language list of the inputs the Monte Carlo varies (for report text)."""
    names = [name for name, inp in model.inputs.items() if inp.uncertain]
    if not names:
        return "no input (every assumption is fixed)"
    labels = {"effect": "effects", "reduction": "assumed reductions",
              "baseline_rate": "baseline rates", "unit_cost": "unit costs"}
    kinds = []
    for n in names:
        leaf = n.split(".")[-1]
        kind = labels.get(leaf, "program costs" if n.startswith("program_costs") else leaf)
        if kind not in kinds:
            kinds.append(kind)
    text = ", ".join(kinds[:-1]) + (" and " if len(kinds) > 1 else "") + kinds[-1]
    joint = getattr(model, "joint", None)
    if joint:
        n = len(next(iter(joint.values())))
        text += (f"; effects and baseline rates are drawn together, from {n:,} person-level "
                 "bootstrap resamples of the impact study")
    return text
