"""Population metrics from the member-month panel: utilization per 1,000, PMPM, annual costs.

The panel may be a pandas DataFrame or an Ibis table on an engine; either way the sums are
taken by :mod:`valuecase.population.aggregate` and only they reach pandas.

Definitions (README, "Metric definitions"): **PMPM** = paid / member months; **per 1,000** = events / member
months x 12,000 (i.e. per 1,000 member-years). Rate CIs are exact Poisson (Garwood) intervals on the
event count; the readmission rate CI is a Wilson interval on readmissions / index stays.

Examples
--------
>>> import pandas as pd
>>> panel = pd.DataFrame({"person_id": ["a", "a", "b"], "year": [2020] * 3,
...                       "month": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-01-01"]),
...                       "paid_total": [100.0, 50.0, 0.0], "ed_visits": [1, 0, 2]})
>>> rate_per_1000(3, 36).round(1).tolist()
[1000.0, 206.2, 2922.4]
>>> annual_cost_series(panel, 2020).tolist()
[150.0, 0.0]
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy import stats

from valuecase.panel.member_panel import PAID_COLUMNS
from valuecase.population.aggregate import annual_costs, month_counts, period_sums

__all__ = ["AGE_BANDS", "RATE_EVENTS", "age_band", "age_band_expr", "annual_cost_series",
           "annual_costs", "decile_transition", "decile_transition_between",
           "latest_full_year", "latest_full_year_of", "mark_partial_periods",
           "pmpm_by_category", "pmpm_from_sums", "proportion_ci", "rate_per_1000", "rate_table",
           "summary_from_sums", "utilization_summary"]

PARTIAL_SHARE = 0.5
"""A period is *partial* when its member months are below this share of the median period's
(a handful of member months gives rates whose CIs dwarf every other period's)."""

RATE_EVENTS = {"ed_visits": "ED visits", "inpatient_stays": "Acute inpatient stays",
               "bed_days": "Bed days", "readmissions_30d": "30-day readmissions"}
"""Event columns reported per 1,000 member-years, with their labels."""


def rate_per_1000(events: float, member_months: float, alpha: float = 0.05) -> pd.Series:
    """Events per 1,000 member-years with an exact Poisson confidence interval.

    Returns
    -------
    pandas.Series
        ``rate``, ``ci_low``, ``ci_high``.
    """
    if member_months <= 0:
        return pd.Series({"rate": np.nan, "ci_low": np.nan, "ci_high": np.nan})
    k = float(events)
    lo = stats.chi2.ppf(alpha / 2, 2 * k) / 2 if k > 0 else 0.0
    hi = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    scale = 12_000 / member_months
    return pd.Series({"rate": k * scale, "ci_low": lo * scale, "ci_high": hi * scale})


def proportion_ci(successes: float, trials: float, alpha: float = 0.05) -> pd.Series:
    """Proportion with a Wilson score interval (``rate``, ``ci_low``, ``ci_high``)."""
    if trials <= 0:
        return pd.Series({"rate": np.nan, "ci_low": np.nan, "ci_high": np.nan})
    z = stats.norm.ppf(1 - alpha / 2)
    p = successes / trials
    denom = 1 + z**2 / trials
    centre = (p + z**2 / (2 * trials)) / denom
    half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / denom
    return pd.Series({"rate": p, "ci_low": centre - half, "ci_high": centre + half})


def _rates_row(g: pd.Series) -> dict[str, object]:
    """PMPM per category and rates per 1,000 with CIs from one row of summed panel columns
    (:func:`valuecase.population.aggregate.period_sums`)."""
    mm = int(g["member_months"])
    row: dict[str, object] = {"persons": int(g["persons"]), "member_months": mm}
    for c in PAID_COLUMNS + ("paid_total",):
        if c in g:
            row[c] = float(g[c])
            row[c.replace("paid_", "pmpm_")] = float(g[c]) / mm if mm else np.nan
    for c in RATE_EVENTS:
        if c in g:
            r = rate_per_1000(g[c], mm)
            row[c] = int(g[c])
            row[f"{c}_per_1000"] = r["rate"]
            row[f"{c}_per_1000_ci_low"] = r["ci_low"]
            row[f"{c}_per_1000_ci_high"] = r["ci_high"]
    if "index_stays" in g and "readmissions_30d" in g:
        r = proportion_ci(g["readmissions_30d"], g["index_stays"])
        row["index_stays"] = int(g["index_stays"])
        row["readmission_rate"] = r["rate"]
        row["readmission_rate_ci_low"] = r["ci_low"]
        row["readmission_rate_ci_high"] = r["ci_high"]
    return row


def utilization_summary(panel: pd.DataFrame | ir.Table, by: str = "year",
                        group: str | None = None) -> pd.DataFrame:
    """Persons, member months, PMPM by category and events per 1,000 (with 95% CIs) per period.

    Parameters
    ----------
    panel : pandas.DataFrame or ibis.Table
        The member-month panel (:func:`valuecase.panel.member_panel.build_panel`, or
        :func:`~valuecase.panel.member_panel.panel_expr` on an engine: the sums are taken
        there).
    by : {"year", "quarter", "month", "all"}
        Period grouping.
    group : str, optional
        A panel column to break down by as well (``age_band``, ``gender``, ``segment``...).

    Returns
    -------
    pandas.DataFrame
        One row per period (and group value).
    """
    return summary_from_sums(period_sums(panel, by, group), group)


def summary_from_sums(sums: pd.DataFrame, group: str | None = None) -> pd.DataFrame:
    """:func:`utilization_summary` from :func:`~valuecase.population.aggregate.period_sums`
    output (to share one pass over the panel with :func:`pmpm_from_sums`)."""
    keys = ["period"] + ([group] if group else [])
    out = pd.DataFrame([{**{k: g[k] for k in keys}, **_rates_row(g)}
                        for _, g in sums.iterrows()])
    return out if group else mark_partial_periods(out)


def mark_partial_periods(summary: pd.DataFrame, share: float = PARTIAL_SHARE) -> pd.DataFrame:
    """Add ``partial``: the period's member months are below ``share`` of the median period's.

    Such periods (a first or last month of data with a few members, a year with one month of
    enrollment) have rates that rest on very few member months; rate charts leave them out
    and rate tables label them.

    Examples
    --------
    >>> s = pd.DataFrame({"period": ["2019", "2020", "2021"], "member_months": [6, 1200, 1150]})
    >>> mark_partial_periods(s)["partial"].tolist()
    [True, False, False]
    """
    out = summary.copy()
    mm = pd.to_numeric(out["member_months"], errors="coerce") if len(out) else pd.Series(
        dtype=float)
    out["partial"] = (mm < share * mm.median()).to_numpy(dtype=bool) if len(out) else []
    return out


AGE_BANDS = ((0, 17, "0-17"), (18, 34, "18-34"), (35, 49, "35-49"), (50, 64, "50-64"),
             (65, 200, "65+"))
"""Age bands (completed years at the start of the month)."""


def age_band(age: pd.Series) -> pd.Series:
    """Label each age with its band from :data:`AGE_BANDS` (``unknown`` when missing)."""
    edges = [b[0] for b in AGE_BANDS] + [AGE_BANDS[-1][1] + 1]
    labels = [b[2] for b in AGE_BANDS]
    out = pd.cut(pd.to_numeric(age, errors="coerce"), bins=edges, right=False, labels=labels)
    return out.astype(object).where(out.notna(), "unknown").astype(str)


def age_band_expr(age: ir.IntegerValue) -> ir.StringValue:
    """:func:`age_band` as an Ibis expression (the same bands, computed on the engine)."""
    cases = [((age >= lo) & (age <= hi), label) for lo, hi, label in AGE_BANDS]
    return ibis.cases(*cases, else_="unknown")


def decile_transition(panel: pd.DataFrame | ir.Table, first_year: int,
                      second_year: int) -> pd.DataFrame:
    """Year-to-year transition matrix of annual-cost deciles (row shares).

    Persons present in both years are ranked into cost deciles each year (1 = lowest,
    10 = highest; ties broken by person id). Entry (i, j) is the share of decile-i persons in the
    first year who are in decile j the next year; rows sum to 1.
    """
    return decile_transition_between(annual_cost_series(panel, first_year),
                                     annual_cost_series(panel, second_year),
                                     first_year, second_year)


def decile_transition_between(a: pd.Series, b: pd.Series, first_year: int,
                              second_year: int) -> pd.DataFrame:
    """:func:`decile_transition` from two annual cost series (:func:`annual_cost_series`)."""
    common = a.index.intersection(b.index)
    if len(common) < 10:
        raise ValueError("need at least 10 persons present in both years for deciles")

    def deciles(s: pd.Series) -> pd.Series:
        s = s.loc[common].sort_index()
        rank = s.rank(method="first")
        return np.ceil(rank * 10 / len(s)).astype(int).clip(1, 10)

    m = pd.crosstab(deciles(a).rename(f"decile {first_year}"),
                    deciles(b).rename(f"decile {second_year}"), normalize="index")
    return m.reindex(index=range(1, 11), columns=range(1, 11), fill_value=0.0)


def pmpm_by_category(panel: pd.DataFrame | ir.Table, by: str = "year") -> pd.DataFrame:
    """Long table: ``period, category, paid, member_months, pmpm`` (pharmacy included)."""
    return pmpm_from_sums(period_sums(panel, by))


def pmpm_from_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """:func:`pmpm_by_category` from :func:`~valuecase.population.aggregate.period_sums`
    output."""
    cols = [c for c in PAID_COLUMNS if c in sums]
    out = sums.melt(id_vars=["period", "member_months"], value_vars=cols,
                    var_name="category", value_name="paid")
    out["category"] = out["category"].str.replace("paid_", "", regex=False)
    out["pmpm"] = out["paid"] / out["member_months"]
    return out[["period", "category", "paid", "member_months", "pmpm"]]


def annual_cost_series(panel: pd.DataFrame | ir.Table, year: int) -> pd.Series:
    """Annual paid per person in ``year``, indexed by person id."""
    return annual_costs(panel, year=year).set_index("person_id")["paid_total"]


def latest_full_year(panel: pd.DataFrame | ir.Table) -> int:
    """The latest calendar year with spending whose 12 months all appear in the panel (else the
    latest year with spending)."""
    sums = period_sums(panel, "year")
    spent = {int(p) for p, paid in zip(sums["period"], sums["paid_total"], strict=True)
             if paid > 0}
    return latest_full_year_of(month_counts(panel), spent)


def latest_full_year_of(months: pd.Series, spent: set[int] | None = None) -> int:
    """:func:`latest_full_year` from :func:`~valuecase.population.aggregate.month_counts`
    and, optionally, the years with any spending (a year of enrollment without claims, e.g.
    after the claims end, cannot describe where the money goes).

    Examples
    --------
    >>> months = pd.Series([12, 12, 3], index=[2022, 2023, 2024])
    >>> latest_full_year_of(months), latest_full_year_of(months, spent={2022, 2024})
    (2023, 2022)
    """
    if spent is not None:
        if not spent:
            raise ValueError("no paid amount in any year: there is no spending to describe")
        months = months[months.index.isin(list(spent))]
    full = months[months == 12]
    return int(full.index.max() if len(full) else months.index.max())


def rate_table(summary: pd.DataFrame, keys: list[str],
               extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Display table of :func:`utilization_summary`: each rate as ``"rate (low–high)"``.

    Rates per 1,000 are shown for every event in :data:`RATE_EVENTS`; the readmission rate is
    shown only where it rests on at least 11 index stays (else ``"<11 index stays"``). A
    period marked ``partial`` (:func:`mark_partial_periods`) is labelled ``"<period>
    (partial)"``.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`utilization_summary` output.
    keys : list of str
        Grouping columns to keep first (``["period"]``, ``["gender"]``...).
    extra : tuple of str
        Further summary columns to carry along (``"persons"``, ``"pmpm_total"``...).

    Examples
    --------
    >>> s = pd.DataFrame({"period": ["2020"], "ed_visits_per_1000": [600.0],
    ...                   "ed_visits_per_1000_ci_low": [550.0],
    ...                   "ed_visits_per_1000_ci_high": [651.0], "readmission_rate": [0.15],
    ...                   "readmission_rate_ci_low": [0.1], "readmission_rate_ci_high": [0.2],
    ...                   "index_stays": [40]})
    >>> rate_table(s, ["period"]).iloc[0].tolist()
    ['2020', '600 (550–651)', '15.0% (10.0%–20.0%)']
    """
    out = summary[list(keys) + list(extra)].copy()
    if "period" in out and "partial" in summary:
        out["period"] = [f"{p} (partial)" if partial else p
                         for p, partial in zip(out["period"], summary["partial"], strict=True)]
    for event, label in RATE_EVENTS.items():
        if f"{event}_per_1000" not in summary:
            continue
        out[label] = [
            f"{r:,.0f} ({lo:,.0f}–{hi:,.0f})"
            for r, lo, hi in zip(summary[f"{event}_per_1000"],
                                 summary[f"{event}_per_1000_ci_low"],
                                 summary[f"{event}_per_1000_ci_high"], strict=True)
        ]
    if "readmission_rate" in summary:
        out["Readmission rate"] = [
            f"{r:.1%} ({lo:.1%}–{hi:.1%})" if ix >= 11 else "<11 index stays"
            for r, lo, hi, ix in zip(summary["readmission_rate"],
                                     summary["readmission_rate_ci_low"],
                                     summary["readmission_rate_ci_high"],
                                     summary["index_stays"], strict=True)
        ]
    return out
