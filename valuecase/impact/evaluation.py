"""Run the impact estimators over a study: one call, every estimate with method, n, SE and CI.

For each outcome the evaluation reports several estimators side by side so a reader can see
whether the answer depends on the method:

- **Exposure-weighted DiD** (WLS by member months, cluster-robust by person) on the rate per
  member-year (PMPM for paid): the program group's change in its pooled rate minus the
  comparison group's. The *primary* estimate for paid amounts.
- **DiD of unweighted person rates**: the same with every person counted equally however short
  their follow-up; a labelled sensitivity (noisier: a person with one month weighs as much as
  one with twelve).
- **Poisson rate ratio** with the follow-up member months as exposure (log offset) and baseline
  covariates, robust SE. The *primary* estimate for counts (it is what the ROI stage uses).
- **IPW (ATT)** on the follow-up rate, logistic propensity on the baseline covariates,
  M-estimation sandwich SE.
- **Regression-adjusted** follow-up rate (ANCOVA, HC1 SE).

Examples
--------
>>> default_covariates(("inpatient_stays", "paid_total"))
'age + age_missing + C(gender) + baseline_inpatient_stays_per_member_year + baseline_paid_total_pmpm'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from valuecase import impact
from valuecase.impact.characteristics import condition_covariates
from valuecase.impact.study import Study, rate_column
from valuecase.trace import stage

LABELS = {"inpatient_stays": "acute inpatient stays", "ed_visits": "ED visits",
          "bed_days": "bed days", "readmissions_30d": "30-day readmissions",
          "paid_total": "total paid"}
"""Plain-language outcome names."""
COUNT_OUTCOMES = ("inpatient_stays", "ed_visits", "bed_days", "readmissions_30d")


def rate_name(outcome: str) -> str:
    """Column suffix of an outcome's rate in study tables (``<o>_per_member_year``/``_pmpm``)."""
    return f"{outcome}_{rate_column(outcome)[0]}"


def default_covariates(outcomes: tuple[str, ...], persons: pd.DataFrame | None = None) -> str:
    """Baseline covariates: age (with missing flag), gender, each outcome's baseline rate and
    the chronic-condition flags of the baseline window.

    With ``persons`` given, covariates that do not vary in it are left out (they would make
    the models singular), and so is a condition flag (``cond_<name>``) carried by fewer than 5
    persons, or lacking in fewer than 5, of either arm
    (:func:`~valuecase.impact.characteristics.condition_covariates`).
    """
    terms = ["age", "age_missing", "C(gender)", *(f"baseline_{rate_name(o)}" for o in outcomes)]
    if persons is not None:
        terms = [t for t in terms
                 if persons[t.removeprefix("C(").removesuffix(")")].nunique() > 1]
        if "treated" in persons:
            terms += condition_covariates(persons)
    return " + ".join(terms) if terms else "1"


@dataclass(frozen=True)
class Evaluation:
    """All estimates of one study.

    Attributes
    ----------
    effects : pandas.DataFrame
        One row per (outcome, estimator): ``outcome, estimator, primary`` and the Effect fields.
    primary : dict
        Outcome -> the primary :class:`~valuecase.impact.Effect`.
    balance_before, balance_after : pandas.DataFrame
        Covariate balance unweighted and with the ATT weights.
    propensity : pandas.Series
        Estimated propensity score per analysed person (index aligned with ``study.persons``).
    weights : numpy.ndarray
        ATT weights (1 for program members, e/(1-e) for comparison members).
    covariates : str
    by_estimator : dict
        (outcome, estimator name) -> Effect; see :meth:`get`.
    """

    effects: pd.DataFrame
    primary: dict
    balance_before: pd.DataFrame
    balance_after: pd.DataFrame
    propensity: pd.Series
    weights: np.ndarray
    covariates: str
    by_estimator: dict = field(default_factory=dict)

    def get(self, outcome: str, estimator: str) -> impact.Effect:
        """The effect of ``outcome`` by the estimator whose name starts with ``estimator``."""
        for (o, name), effect in self.by_estimator.items():
            if o == outcome and name.startswith(estimator):
                return effect
        raise KeyError(f"no {estimator!r} estimate for {outcome!r}")


@stage("evaluation")
def evaluate(study: Study, outcomes: tuple[str, ...] | None = None,
             covariates: str | None = None, seed: int = 0, trim: float = 0.01) -> Evaluation:
    """Estimate the program's effect on each outcome with every estimator.

    Parameters
    ----------
    study : Study
        From :func:`valuecase.impact.study.build_study`.
    outcomes : tuple of str, optional
        Defaults to the study's outcomes.
    covariates : str, optional
        Formula right-hand side; defaults to :func:`default_covariates`.
    seed : int
        Reserved for resampling estimators (kept explicit so results are reproducible).
    trim : float
        Propensity scores are clipped to ``[trim, 1 - trim]`` for IPW and the balance weights
        (near-perfect separation otherwise gives infinite weights).
    """
    outcomes = tuple(outcomes or study.design.outcomes)
    persons = study.persons
    n_arms = persons["treated"].value_counts()
    if n_arms.get(1, 0) < 2 or n_arms.get(0, 0) < 2:
        raise ValueError("the study needs at least 2 program and 2 comparison persons")
    covariates = covariates or default_covariates(outcomes, persons)
    rows, primary, by_estimator = [], {}, {}
    for o in outcomes:
        rate = rate_name(o)
        est: dict[str, impact.Effect] = {}
        est["DiD (exposure-weighted, cluster-robust)"] = impact.did(
            study.periods, rate, "treated", "post", cluster="person_id", weights="member_months")
        est["DiD (person rates, unweighted; sensitivity)"] = impact.did(
            study.periods, rate, "treated", "post", cluster="person_id")
        if o in COUNT_OUTCOMES:
            est["Poisson rate ratio (exposure offset, adjusted)"] = impact.count_model(
                persons, f"followup_{o}", "treated", "followup_member_months",
                covariates=covariates)
        est["IPW, ATT (follow-up rate)"] = impact.ipw(persons, f"followup_{rate}", "treated",
                                                      covariates, estimand="ATT", trim=trim)
        est["Regression-adjusted (follow-up rate, HC1)"] = impact.regression_adjusted(
            persons, f"followup_{rate}", "treated", covariates)
        main = ("Poisson rate ratio (exposure offset, adjusted)" if o in COUNT_OUTCOMES
                else "DiD (exposure-weighted, cluster-robust)")
        primary[o] = est[main]
        for name, e in est.items():
            by_estimator[(o, name)] = e
            d = e.to_dict()
            d["column"] = d.pop("outcome", "")
            rows.append({"outcome": o, "estimator": name, "primary": name == main, **d})
    ps = impact.propensity_score(persons, "treated", covariates)
    w = impact.ipw_weights(persons["treated"].to_numpy(),
                           ps.clip(trim, 1 - trim).to_numpy(), "ATT")
    bal_cov = [c for c in ["age", *(f"baseline_{rate_name(o)}" for o in outcomes)]
               if persons[c].nunique() > 1]
    bal_cov += [c for c in condition_covariates(persons) if c not in bal_cov]
    before = impact.balance(persons, "treated", bal_cov, estimand="ATT")
    after = impact.balance(persons, "treated", bal_cov, weights=w, estimand="ATT")
    effects = pd.DataFrame(rows)
    return Evaluation(effects, primary, before, after, ps, w, covariates, by_estimator)


def achieved_mde_ratio(effect: impact.Effect, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest rate ratio below 1 the study could detect, from the estimate's achieved SE.

    ``exp(-(z_{1-alpha/2} + z_power) * se)`` with ``se`` on the log scale (as count models
    report it). Using the achieved robust SE builds in overdispersion, which a Poisson power
    formula would ignore.

    Examples
    --------
    >>> e = impact.Effect(0.9, 0.1, 0.74, 1.1, 0.3, 400, "m", scale="ratio")
    >>> round(achieved_mde_ratio(e), 3)
    0.756
    """
    from scipy import stats

    if getattr(effect, "scale", "difference") != "ratio":
        raise ValueError("achieved_mde_ratio needs an effect on the ratio scale")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(np.exp(-z * effect.se))


@dataclass(frozen=True)
class Diagnostics:
    """Design checks: pre-trend test and placebo DiD on acute stays (per member-year)."""

    pretrend: Any
    event_study: pd.DataFrame
    placebo: impact.Effect
    placebo_split: int

    def concerns(self) -> list[str]:
        """Plain-language statements of the checks that failed (empty when none did)."""
        out = []
        if self.pretrend.p_value < 0.05:
            out.append(f"the groups' stay rates were already moving apart before enrollment "
                       f"(pre-trend test p = {self.pretrend.p_value:.3f})")
        if not (self.placebo.ci_low <= 0 <= self.placebo.ci_high):
            out.append(f"a placebo enrollment date {-self.placebo_split} months early shows a "
                       f"difference of {self.placebo.estimate:+.2f} stays per member-year "
                       f"where none should exist")
        return out


@stage("diagnostics")
def diagnostics(study: Study, event_window: int = 9, placebo_split: int = -6) -> Diagnostics:
    """Event study, pre-trend test and placebo DiD for acute stays (see the impact report)."""
    from valuecase.impact.study import placebo_periods

    et = study.event_time.assign(
        inpatient_stays_per_member_year=study.event_time["inpatient_stays"] * 12)
    d = study.design
    window = (-min(event_window, d.baseline_months), min(event_window, d.followup_months))
    args = ("inpatient_stays_per_member_year", "treated", "event_time")
    es = impact.event_study(et, *args, cluster="person_id", window=window)
    pt = impact.pretrend_test(et, *args, cluster="person_id", window=window)
    plac = placebo_periods(study, split=placebo_split)
    placebo = impact.did(plac, rate_name("inpatient_stays"), "treated", "post",
                         cluster="person_id")
    return Diagnostics(pt, es, placebo, placebo_split)
