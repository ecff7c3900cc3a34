"""Stage 3 - population analytics on the panel: rates per 1,000 with CIs, PMPM, annual costs
(:mod:`~valuecase.population.rates`, re-exported here; the sums behind them are taken on the
engine by :mod:`~valuecase.population.aggregate`), cost concentration
(:mod:`~valuecase.population.concentration`), the high-need trigger and funnel
(:mod:`~valuecase.population.cohorts`) and the headline summary
(:mod:`~valuecase.population.summary`).

Examples
--------
>>> from valuecase import population
>>> float(population.rate_per_1000(12, 1200)["rate"])
120.0
"""

from valuecase.population.rates import (
    AGE_BANDS,
    RATE_EVENTS,
    age_band,
    age_band_expr,
    annual_cost_series,
    annual_costs,
    decile_transition,
    decile_transition_between,
    latest_full_year,
    latest_full_year_of,
    mark_partial_periods,
    pmpm_by_category,
    pmpm_from_sums,
    proportion_ci,
    rate_per_1000,
    rate_table,
    summary_from_sums,
    utilization_summary,
)

__all__ = ["AGE_BANDS", "RATE_EVENTS", "age_band", "age_band_expr", "annual_cost_series",
           "annual_costs", "decile_transition", "decile_transition_between",
           "latest_full_year", "latest_full_year_of", "mark_partial_periods",
           "pmpm_by_category", "pmpm_from_sums", "proportion_ci", "rate_per_1000", "rate_table",
           "summary_from_sums", "utilization_summary"]
