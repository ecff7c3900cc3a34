"""Results of the ROI (finance) report and the funder summary: one value case, two views.

Examples
--------
>>> from valuecase.analysis.parameters import SuiteParameters
>>> from valuecase.analysis.run import Analysis
>>> r = roi(Analysis(SuiteParameters()))
>>> sorted(r["summary"])[:2]
['benefit_cost_ratio', 'gross_savings']
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from valuecase.analysis.results import Results
from valuecase.analysis.sections.impact import study_values
from valuecase.analysis.sections.unavailable import NO_PROGRAM, unavailable, without_claims

__all__ = ["funder_summary", "no_value_case", "roi", "value_basis"]


def _value_case_values(vc: Any) -> dict[str, Any]:
    """The base case, ledger totals and Monte Carlo summary both reports show."""
    from valuecase.value.case import varied_inputs

    proj, ledger, mc = vc.projection, vc.ledger, vc.monte_carlo
    lo, hi = np.nanpercentile(mc.net_savings, [5, 95])
    if proj.summary is not None:
        summary, labelled = asdict(proj.summary), proj.summary.labelled()
    else:  # no program cost: both ratios divide by it, so neither is defined
        gross = float(proj.annual["gross_savings"].sum())
        summary = {"gross_savings": gross, "program_cost": 0.0, "net_savings": gross,
                   "roi": None, "benefit_cost_ratio": None}
        labelled = ("ROI and benefit–cost ratio not defined: the program cost is zero (both "
                    "divide by the cost)")
    return {
        "summary": summary,
        "labelled": labelled,
        "npv": float(proj.npv),
        "payback_month": int(proj.payback_month) if proj.payback_month else None,
        "horizon_years": int(vc.params.horizon_years),
        "discount_rate": float(vc.params.discount_rate),
        "all_partner_net": float(ledger.total_net_savings),
        "payer_view_net": float(ledger.payer_view_net_savings),
        "hospital_lost_margin": float(ledger.hospital_lost_margin),
        "ledger_imbalance": float(ledger.imbalance),
        "prob_positive": float(mc.prob_positive()),
        "net_savings_90": [float(lo), float(hi)],
        "draws": int(mc.draws),
        "mc_seed": int(mc.seed),
        "varied": varied_inputs(vc.model),
    }


def value_basis(a: Any) -> str:
    """Where the value case's savings come from, in plain language (Markdown)."""
    if a.roi_mode == "evidence":
        return ("Savings come from the effects of evidence mode (estimated in the impact report "
                "unless the ROI file gives them), priced with unit costs measured in the claims "
                "unless the ROI file gives them.")
    return ("Savings come from the reductions **assumed** in the ROI file (calculator mode), not "
            "from effects measured in these data; unit costs the file leaves out are measured "
            "in the claims." + ("" if a.has_program else " No program data was given (no "
                                "`program_enrollment` table), so nothing here is measured on "
                                "the program's members."))


def no_value_case(a: Any) -> tuple[str, str]:
    """Why there is no value case without program data (Markdown), and the same in a line."""
    from valuecase.present.display import md_escape

    if a.calculator_gaps:
        gaps = ", ".join(a.calculator_gaps)
        return (f"The ROI file is in calculator mode but leaves out {md_escape(gaps)}, which "
                "would be measured on the program's members: without program data the file "
                "must give them (see `roi-calculator.yml`); nothing is invented in their place.",
                f"No program data: the calculator-mode ROI file must give {gaps}.")
    return ("The ROI file is in evidence mode, which prices the program's measured effects: "
            "with no program data there are none, and nothing is invented in their place.",
            "No program data: an evidence-mode ROI needs measured effects.")


def roi(a: Any) -> Results:
    """Assumptions with sources, projection, ledger, Monte Carlo, tornado, break-even."""
    from valuecase.present.formatting import input_value
    from valuecase.present.interpret import describe_breakeven, describe_monte_carlo
    from valuecase.value.assumptions_table import assumptions_table
    from valuecase.value.uncertainty import breakeven_effect, tornado

    if (none := without_claims("roi", a)) is not None:
        return none
    if not a.has_value_case:
        why, short = no_value_case(a)
        return unavailable("roi", f"{NO_PROGRAM}\n\n{why}", short)
    vc = a.value_case
    r = Results("roi")
    r.values.update(_value_case_values(vc), has_program=bool(a.has_program),
                    basis=value_basis(a))
    if a.has_program and a.roi_mode == "evidence":  # the priced effect's estimand
        r.values["estimand"] = study_values(a)["estimand"]
    r.tables["assumptions"] = assumptions_table(vc.params, vc.sources, show=input_value)
    r.tables["annual"] = vc.projection.annual.reset_index()
    r.tables["monthly"] = vc.projection.monthly
    r.tables["ledger"] = vc.ledger.table
    r.tables["net_savings_draws"] = pd.DataFrame({"net_savings": vc.monte_carlo.net_savings})
    r.tables["percentiles"] = vc.monte_carlo.percentiles().reset_index()
    r.values["monte_carlo_summary"] = describe_monte_carlo(vc.monte_carlo)
    r.tables["tornado"] = tornado(vc.model)
    lines = {ln.key: ln for ln in vc.model.lines}
    breakeven = {key: breakeven_effect(vc.model, key) for key in vc.params.service_lines}
    r.values["breakeven"] = [describe_breakeven(b, lines[key].kind, lines[key].label)
                             for key, b in breakeven.items()]
    r.values["breakeven_effects"] = {key: {"value": b.value, "kind": lines[key].kind}
                                     for key, b in breakeven.items()}
    return r


def funder_summary(a: Any) -> Results:
    """The one-page summary: population, what changed, the value case, domains, caveats."""
    from valuecase import population as pop
    from valuecase.impact import study
    from valuecase.population import concentration
    from valuecase.population.aggregate import count_members
    from valuecase.value.domains import value_domains

    if (none := without_claims("funder_summary", a)) is not None:
        return none
    panel = a.panel
    r = Results("funder_summary")
    year = pop.latest_full_year(panel)
    shares = concentration.top_share(pop.annual_cost_series(panel, year))
    r.values.update(persons=count_members(panel), year=int(year),
                    top_5=float(shares[0.05]), top_1=float(shares[0.01]),
                    has_program=bool(a.has_program), has_value_case=bool(a.has_value_case),
                    no_program=NO_PROGRAM)
    if a.has_value_case:
        vc = a.value_case
        r.values.update(_value_case_values(vc), assumed=a.roi_mode == "calculator")
        r.tables["net_savings_draws"] = pd.DataFrame({"net_savings": vc.monte_carlo.net_savings})
        r.tables["ledger"] = vc.ledger.table
    else:
        r.values["no_value_case"] = "No value case. " + no_value_case(a)[0]
    if not a.has_program:
        return r
    st, ev = a.study, a.evaluation
    r.values.update(study_values(a))
    r.tables["naive_inpatient_stays"] = study.naive_pre_post(st, "inpatient_stays")
    r.tables["effects"] = ev.effects.drop(columns="details", errors="ignore")
    r.tables["subgroups"] = a.subgroups
    r.tables["value_domains"] = value_domains(ev, frozenset(a.data.tables),
                                              a.partner_measures)
    r.values["concerns"] = a.diagnostics.concerns()
    analysed = st.funnel[st.funnel["step"].str.startswith("analysed")][["step", "persons"]]
    r.tables["compared"] = analysed.assign(
        step=analysed["step"].str.replace("analysed: ", "", regex=False))
    return r
