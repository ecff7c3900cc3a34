"""Results of the claims reports: data quality, population and cost concentration, utilization.

Each builder takes an :class:`~valuecase.analysis.run.Analysis` and returns
:class:`~valuecase.analysis.results.Results` holding raw numbers (counts are suppressed and
numbers formatted by the notebook that presents them).

Examples
--------
>>> from valuecase.analysis.parameters import SuiteParameters
>>> from valuecase.analysis.run import Analysis
>>> r = data_quality(Analysis(SuiteParameters()))
>>> int(r.table("reconciliation")["rows_in"].sum()) > 0
True
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from valuecase.analysis.results import Results
from valuecase.analysis.sections.unavailable import without_claims

__all__ = ["LORENZ_POINTS", "data_quality", "population", "utilization"]

LORENZ_POINTS = 2001
"""Points kept of the Lorenz curve (one per person would be millions at a state's scale)."""


def data_quality(a: Any) -> Results:
    """Reconciliation, rejects by reason, completeness, volume, claims lag, spend outside,
    years with acute stays but no inpatient spend."""
    from valuecase.data import quality

    data = a.data
    r = Results("data_quality")
    r.tables["reconciliation"] = data.reconciliation.drop(columns="source")
    rejects = data.rejects
    r.tables["rejects_by_reason"] = (
        rejects.groupby(["table", "reason"])
        .agg(rows=("reason", "size"), paid_amount=("paid_amount", "sum")).reset_index()
        if len(rejects) else pd.DataFrame(columns=["table", "reason", "rows", "paid_amount"]))
    r.values["tables"] = list(data.tables)
    r.values["notes"] = list(data.notes) + _zero_yields(data)
    r.values["rejected_rows"] = len(rejects)
    for table in data.tables:
        r.tables[f"completeness__{table}"] = quality.completeness(data, table)
    r.tables["volume_by_month"] = quality.volume_by_month(data)
    if "medical_claim" in data.tables:
        r.tables["completeness_by_month"] = quality.completeness_by_month(data, "medical_claim")
    lag = quality.claims_lag(data)
    r.values["has_lag"] = bool(len(lag))
    if len(lag):
        r.tables["lag_summary"] = quality.lag_summary(lag)
        r.tables["completion_factors"] = quality.completion_factors(lag)
    r.tables["outside_enrollment"] = quality.spend_outside_enrollment(data)
    if "medical_claim" in data.tables and a.has_spending:
        from valuecase.population import aggregate

        r.tables["stays_without_spend"] = quality.stays_without_inpatient_spend(
            aggregate.period_sums(a.panel, "year"))
    return r


def population(a: Any) -> Results:
    """Persons and spending by period, PMPM, rates, concentration, persistence, funnel."""
    from valuecase import population as pop
    from valuecase.population import aggregate, cohorts, concentration

    if (none := without_claims("population", a)) is not None:
        return none
    panel, s = a.panel, a.params.notebooks.population
    r = Results("population")
    sums = aggregate.period_sums(panel, s.period)  # one pass for rates and PMPM
    summary = pop.summary_from_sums(sums)
    r.tables["summary"] = summary
    r.tables["pmpm"] = pop.pmpm_from_sums(sums)
    r.tables["rates"] = pop.rate_table(summary, ["period"])
    totals = a.totals
    mm = totals["member_months"]
    r.values.update(persons=totals["persons"], member_months=mm,
                    first_month=str(totals["first_month"].date()),
                    last_month=str(totals["last_month"].date()),
                    pmpm_total=totals["paid_total"] / mm if mm else float("nan"))
    months = aggregate.month_counts(panel)
    # annual cost per person, one year at a time: collected from the engine as one number
    # per person (the concentration inputs), never as member months; a year without any
    # spending (enrollment beyond the claims) has no concentration to describe
    by_year = {int(y): pop.annual_cost_series(panel, int(y)) for y in months.index}
    by_year = {y: c for y, c in by_year.items() if c.sum() > 0}
    years = sorted(by_year)
    latest = pop.latest_full_year_of(months, set(years))
    costs = by_year[latest]
    shares = concentration.top_share(costs)
    r.values["latest_year"] = int(latest)
    r.values["top_shares"] = {str(k): float(v) for k, v in shares.items()}
    r.tables["lorenz"] = concentration.lorenz(costs, max_points=LORENZ_POINTS)
    r.tables["bootstrap"] = concentration.bootstrap_concentration(
        costs, n_boot=s.bootstrap_draws, seed=a.params.seed)
    rows = []
    for y in years:
        c = by_year[y]
        sh = concentration.top_share(c)
        rows.append({"year": y, "persons": len(c), "top 1%": sh[0.01], "top 5%": sh[0.05],
                     "top 10%": sh[0.1], "bottom 50%": 1 - sh[0.5],
                     "Gini": concentration.gini(c)})
    r.tables["concentration_by_year"] = pd.DataFrame(rows)
    pers = []
    for y0, y1 in zip(years[:-1], years[1:], strict=True):
        c0, c1 = by_year[y0], by_year[y1]
        pers.append({"from": y0, "to": y1,
                     "persons in both years": len(c0.index.intersection(c1.index)),
                     "top_still_top": concentration.persistence(c0, c1, top=s.persistence_top),
                     "top_1pct_still_top": concentration.persistence(c0, c1, top=0.01)})
    r.tables["persistence"] = pd.DataFrame(
        pers, columns=["from", "to", "persons in both years", "top_still_top",
                       "top_1pct_still_top"])
    r.values["persistence_top"] = s.persistence_top
    if len(years) >= 2 and pers[-1]["persons in both years"] >= 100:
        matrix = pop.decile_transition_between(by_year[years[-2]], by_year[years[-1]],
                                               years[-2], years[-1])
        r.tables["decile_transition"] = matrix
        r.values["transition_years"] = [years[-2], years[-1]]
    r.tables["funnel"] = cohorts.segment_funnel(panel, a.triggered,
                                                a.table("program_enrollment"))
    r.values["trigger"] = a.trigger.describe()
    r.values["period"] = s.period
    return r


def utilization(a: Any) -> Results:
    """Rates and PMPM by period, by age band, sex and segment."""
    from valuecase import population as pop
    from valuecase.population import aggregate

    if (none := without_claims("utilization", a)) is not None:
        return none
    s = a.params.notebooks.utilization
    panel = aggregate.with_segment(a.panel, a.triggered["person_id"],
                                   "high need (met trigger)", "other members")
    panel = panel.mutate(age_band=pop.age_band_expr(panel.age))
    r = Results("utilization")
    sums = aggregate.period_sums(panel, s.period)  # one pass for rates and PMPM
    r.tables["summary"] = pop.summary_from_sums(sums)
    r.tables["pmpm"] = pop.pmpm_from_sums(sums)
    for group in ("age_band", "gender", "segment"):
        r.tables[f"by__{group}"] = pop.utilization_summary(panel, by="all", group=group)
    overall = pop.utilization_summary(panel, by="all").iloc[0]
    r.values.update(
        ed_per_1000=float(overall["ed_visits_per_1000"]),
        stays_per_1000=float(overall["inpatient_stays_per_1000"]),
        readmission_rate=float(overall["readmission_rate"]),
        index_stays=int(overall["index_stays"]),
        trigger=a.trigger.describe(), period=s.period)
    return r


def _zero_yields(data: Any) -> list[str]:
    """Rules that yield 0 where the data suggest otherwise (issue 27), small counts hidden."""
    from valuecase.panel.zero_yields import zero_yield_notes
    from valuecase.privacy import MIN_CELL_SIZE

    return zero_yield_notes(data, small=MIN_CELL_SIZE)
