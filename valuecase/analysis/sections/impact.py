"""Results of the impact report: cohorts, balance, the regression-to-the-mean comparison, event
study, placebo, every estimate, and the study's power.

Examples
--------
>>> from valuecase.analysis.parameters import SuiteParameters
>>> from valuecase.analysis.run import Analysis
>>> r = impact(Analysis(SuiteParameters()))
>>> sorted(r.table("effects")["outcome"].unique())[:2]
['bed_days', 'ed_visits']
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from valuecase.analysis.results import Results
from valuecase.analysis.sections.unavailable import NO_PROGRAM, unavailable, without_claims

__all__ = ["impact", "study_values"]

OUTCOMES_SHOWN = ("inpatient_stays", "ed_visits")


def study_values(a: Any) -> dict[str, Any]:
    """Who was compared, and how (shared by the impact, ROI and funder reports)."""
    st, p = a.study, a.params
    from valuecase.present.interpret import describe_estimand

    return {"design": p.design, "baseline_months": p.baseline_months,
            "estimand": describe_estimand(p.design, p.followup_months),
            "followup_months": p.followup_months, "trigger": a.trigger.describe(),
            "lag_days": float(st.lag_days), "warnings": list(st.warnings),
            "n_program": int((st.persons["treated"] == 1).sum()),
            "n_comparison": int((st.persons["treated"] == 0).sum())}


def impact(a: Any) -> Results:
    """Every table and number the impact report shows."""
    from valuecase import impact as est
    from valuecase.impact import evaluation, study
    from valuecase.impact.phases import phase_table

    if (none := without_claims("impact", a)) is not None:
        return none
    if not a.has_program:
        return unavailable("impact", NO_PROGRAM, "No program data: nothing to evaluate.")
    st, ev, diag = a.study, a.evaluation, a.diagnostics
    s = a.params.notebooks.impact
    r = Results("impact")
    r.values.update(study_values(a))
    r.values.update(placebo_split=s.placebo_split, event_window=s.event_window)
    r.tables["funnel"] = st.funnel
    r.tables["followup_loss"] = st.followup_loss
    r.tables["subgroups"] = a.subgroups
    r.tables["balance_before"] = ev.balance_before
    r.tables["balance_after"] = ev.balance_after
    r.tables["propensity"] = pd.DataFrame({"propensity": ev.propensity.to_numpy(),
                                           "treated": st.persons["treated"].to_numpy()})
    r.tables["naive_inpatient_stays"] = study.naive_pre_post(st, "inpatient_stays")
    for outcome in OUTCOMES_SHOWN:
        r.tables[f"event_time_rates__{outcome}"] = study.event_time_rates(st, outcome)
    r.tables["event_study"] = diag.event_study
    r.values["pretrend"] = {"statistic": float(diag.pretrend.statistic),
                            "df": int(diag.pretrend.df),
                            "p_value": float(diag.pretrend.p_value),
                            "method": diag.pretrend.method}
    plac = study.placebo_periods(st, split=s.placebo_split)
    placebo = {"inpatient_stays": diag.placebo,
               "ed_visits": est.did(plac, evaluation.rate_name("ed_visits"), "treated", "post",
                                    cluster="person_id")}
    r.tables["placebo"] = est.as_frame(placebo).drop(columns="outcome").reset_index(
        names="outcome")
    r.values["concerns"] = diag.concerns()
    r.tables["effects"] = ev.effects.drop(columns="details", errors="ignore")
    r.tables["phases"] = phase_table(st, a.table("program_enrollment"), OUTCOMES_SHOWN,
                                     ev.covariates)
    r.values["mde_ratio"] = float(evaluation.achieved_mde_ratio(ev.primary["inpatient_stays"]))
    return r
