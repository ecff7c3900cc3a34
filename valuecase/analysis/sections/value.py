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
from valuecase.analysis.sections.impact import NO_PROGRAM, study_values, unavailable

__all__ = ["funder_summary", "roi"]


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
        labelled = ("ROI and benefit–cost ratio not defined: the program cost is $0 (both "
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


def roi(a: Any) -> Results:
    """Assumptions with sources, projection, ledger, Monte Carlo, tornado, break-even."""
    from valuecase.value.case import assumptions_table
    from valuecase.value.uncertainty import breakeven_effect, tornado

    if not a.has_value_case:
        return unavailable("roi", NO_PROGRAM + " The ROI file is in evidence mode, which prices "
                           "the measured effects: with no program data there are none, and "
                           "nothing is invented in their place.",
                           "No program data: an evidence-mode ROI needs measured effects.")
    vc = a.value_case
    r = Results("roi")
    r.values.update(_value_case_values(vc), has_program=bool(a.has_program))
    r.tables["assumptions"] = assumptions_table(vc.params, vc.sources)
    r.tables["annual"] = vc.projection.annual.reset_index()
    r.tables["monthly"] = vc.projection.monthly
    r.tables["ledger"] = vc.ledger.table
    r.tables["net_savings_draws"] = pd.DataFrame({"net_savings": vc.monte_carlo.net_savings})
    r.tables["percentiles"] = vc.monte_carlo.percentiles().reset_index()
    r.values["monte_carlo_summary"] = vc.monte_carlo.summary()
    r.tables["tornado"] = tornado(vc.model)
    r.values["breakeven"] = [breakeven_effect(vc.model, line).text
                             for line in vc.params.service_lines]
    return r


def funder_summary(a: Any) -> Results:
    """The one-page summary: population, what changed, the value case, domains, caveats."""
    from valuecase import population as pop
    from valuecase.impact import study
    from valuecase.population import concentration
    from valuecase.population.aggregate import count_members
    from valuecase.value.case import value_domains

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
        r.values.update(_value_case_values(vc))
        r.tables["net_savings_draws"] = pd.DataFrame({"net_savings": vc.monte_carlo.net_savings})
        r.tables["ledger"] = vc.ledger.table
    if not a.has_program:
        return r
    st, ev = a.study, a.evaluation
    r.values.update(study_values(a))
    r.tables["naive_inpatient_stays"] = study.naive_pre_post(st, "inpatient_stays")
    r.tables["effects"] = ev.effects.drop(columns="details", errors="ignore")
    r.tables["subgroups"] = a.subgroups
    r.tables["value_domains"] = value_domains(ev, frozenset(a.data.tables))
    r.values["concerns"] = a.diagnostics.concerns()
    analysed = st.funnel[st.funnel["step"].str.startswith("analysed")][["step", "persons"]]
    r.tables["compared"] = analysed.assign(
        step=analysed["step"].str.replace("analysed: ", "", regex=False))
    return r
