"""How a number reads: the one formatting layer of every report table and sentence.

Money carries its currency symbol (from :data:`CURRENCY`, the one place it is set) and, where
it has one, its period ("$1,234 per person-year"); rates name their denominator ("12.3 per
1,000 member-years"); percentages follow one rule for decimals (:func:`percent`); counts have
thousands separators and a suppressed count shows :data:`SUPPRESSED`; a value not shown shows
:data:`NOT_SHOWN`; booleans read "yes"/"no". No function here ever writes scientific notation.

Column headers and coded values get their human names from :data:`COLUMN_LABELS` and
:data:`VALUE_LABELS` (:func:`column_label`, :func:`value_label`).

Examples
--------
>>> money(-2642836.4), money(12.5, period="per member-month", cents=True)
('-$2,642,836', '$12.50 per member-month')
>>> rate(12.345), percent(0.0242), count(1234), yes_no(True)
('12.3 per 1,000 member-years', '2.4%', '1,234', 'yes')
>>> ci(-749.61, 806.16, money)
'95% CI -$750 to $806'
>>> number(544512.7), number(-0.08607), number(float("nan"))
('544,513', '-0.086', '—')
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from valuecase.privacy import MIN_CELL_SIZE, SUPPRESSED

__all__ = [
    "COLUMN_LABELS", "CURRENCY", "NOT_SHOWN", "PLAIN_COLUMNS", "STRICT_LABELS_ENV", "SUPPRESSED",
    "SUPPRESSED_NOTE", "VALUE_LABELS", "auto", "ci", "column_label", "count", "input_value",
    "is_missing", "money", "number", "p_value", "percent", "percent_change", "rate", "ratio",
    "signed", "value_label", "yes_no",
]

CURRENCY = "$"
"""Currency symbol of every amount (the one place it is set; each function takes
``currency=`` to override it)."""
NOT_SHOWN = "—"
"""Shown in a cell whose value is not shown: computed from a count below the cell-size
threshold, or not defined."""
SUPPRESSED_NOTE = (f"{SUPPRESSED}: fewer than {MIN_CELL_SIZE}; {NOT_SHOWN}: not shown "
                   f"(computed from fewer than {MIN_CELL_SIZE}, or not defined).")
"""The one sentence every caption with suppressed cells ends with."""
STRICT_LABELS_ENV = "VALUECASE_STRICT_LABELS"
"""When this environment variable is set (the report tests set it), a table column without
a label in :data:`COLUMN_LABELS` is an error instead of a humanized fallback."""

Number = float | int | Decimal


def is_missing(x: Any) -> bool:
    """True for ``None`` and NaN (float or pandas' ``NA``).

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0)
    (True, True, False)
    """
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN, pd.NA (raises TypeError: ambiguous)
    except TypeError:
        return True


def _plain(x: Number, digits: int) -> str:
    """``x`` with thousands separators and ``digits`` decimals; never scientific notation."""
    return f"{x:,.{digits}f}"


def number(x: Number | None, digits: int | None = None) -> str:
    """A plain number: thousands separators, no scientific notation.

    Without ``digits``: whole numbers from 1,000 up, 2 decimals from 1, 3 decimals below 1.

    Examples
    --------
    >>> number(1234567.891), number(2.3456), number(0.012345), number(175.0), number(0.0)
    ('1,234,568', '2.35', '0.012', '175', '0')
    """
    if is_missing(x):
        return NOT_SHOWN
    if digits is None:
        size = abs(float(x))
        whole = float(x).is_integer()
        digits = 0 if size >= 1000 or whole else 2 if size >= 1 else 3
    text = _plain(x, digits)
    return text[1:] if text.startswith("-") and text.strip("-0.,") == "" else text  # no "-0"


def signed(x: Number | None, digits: int = 2) -> str:
    """A number with its sign always shown (``+0.12``, ``-1,234.00``).

    Examples
    --------
    >>> signed(0.123), signed(-1234, digits=0)
    ('+0.12', '-1,234')
    """
    if is_missing(x):
        return NOT_SHOWN
    return ("+" if x >= 0 else "") + _plain(x, digits)


def money(x: Number | None, period: str | None = None, *, cents: bool = False,
          signed_: bool = False, currency: str | None = None) -> str:
    """An amount with its currency symbol after the sign (``-$1,234``), and its period.

    Parameters
    ----------
    x : float, int or Decimal
        The amount (a ``Decimal`` is formatted exactly).
    period : str, optional
        What the amount is per, e.g. ``"per member-month"``.
    cents : bool, default False
        Show two decimals (PMPM amounts); whole units otherwise.
    signed_ : bool, default False
        Show ``+`` before positive amounts (changes).
    currency : str, optional
        Symbol; :data:`CURRENCY` by default.

    Examples
    --------
    >>> money(95572), money(-0.4), money(1234.5), money(Decimal("1234.565"), cents=True)
    ('$95,572', '$0', '$1,235', '$1,234.57')
    >>> money(28.27, "per member-month", cents=True, signed_=True)
    '+$28.27 per member-month'
    """
    if is_missing(x):
        return NOT_SHOWN
    symbol = CURRENCY if currency is None else currency
    exact = x if isinstance(x, Decimal) else Decimal(repr(float(x)))  # as written, not binary
    rounded = exact.quantize(Decimal("0.01") if cents else Decimal("1"), rounding=ROUND_HALF_UP)
    amount = _plain(abs(rounded), 2 if cents else 0)
    negative = rounded < 0
    sign = "-" if negative else ("+" if signed_ and rounded > 0 else "")
    return f"{sign}{symbol}{amount}" + (f" {period}" if period else "")


def rate(x: Number | None, per: str = "1,000 member-years", digits: int = 1) -> str:
    """A rate with its denominator: ``12.3 per 1,000 member-years``.

    Examples
    --------
    >>> rate(0.8349, per="member-year", digits=2)
    '0.83 per member-year'
    """
    if is_missing(x):
        return NOT_SHOWN
    return f"{_plain(x, digits)} per {per}"


def ratio(x: Number | None, digits: int = 2) -> str:
    """A ratio (rate ratio, benefit–cost ratio): ``0.83``.

    Examples
    --------
    >>> ratio(0.8349), ratio(None)
    ('0.83', '—')
    """
    return NOT_SHOWN if is_missing(x) else _plain(x, digits)


def percent(share: Number | None, *, signed_: bool = False) -> str:
    """A share as a percentage, always with one decimal (so ``2.4%`` never sits beside
    ``2.42%``); a positive share under 0.05% reads ``<0.1%``.

    Examples
    --------
    >>> percent(0.02424), percent(0.5), percent(0.0002), percent(-0.123, signed_=True)
    ('2.4%', '50.0%', '<0.1%', '-12.3%')
    """
    if is_missing(share):
        return NOT_SHOWN
    pct = float(share) * 100
    if 0 < pct < 0.05:
        return "<0.1%"
    text = f"{pct:,.1f}%"
    if text in ("-0.0%",):
        text = "0.0%"
    return ("+" + text) if signed_ and pct > 0 and text != "0.0%" else text


def percent_change(ratio_value: Number, digits: int = 0) -> str:
    """A rate ratio as the change it means: ``0.77`` -> ``23% fewer``, ``1.2`` -> ``20% more``.

    Examples
    --------
    >>> percent_change(0.77), percent_change(1.2), percent_change(1.0)
    ('23% fewer', '20% more', 'no change')
    """
    pct = (float(ratio_value) - 1) * 100
    text = f"{abs(pct):,.{digits}f}%"
    if text.strip("0.%") == "":
        return "no change"
    return f"{text} {'fewer' if pct < 0 else 'more'}"


def count(n: Number | None, threshold: int = MIN_CELL_SIZE) -> str:
    """A count of people or events: ``1,234``; 1 to ``threshold - 1`` read :data:`SUPPRESSED`.

    Examples
    --------
    >>> count(7), count(0), count(1234), count(1234.0, threshold=0)
    ('<11', '0', '1,234', '1,234')
    """
    if is_missing(n):
        return NOT_SHOWN
    value = int(round(float(n)))
    return SUPPRESSED if 0 < value < threshold else f"{value:,}"


def ci(low: Number | None, high: Number | None,
       fmt: Callable[[Any], str] = number, level: int = 95) -> str:
    """A confidence interval: ``95% CI $1 to $2`` (each end formatted by ``fmt``).

    Examples
    --------
    >>> ci(0.7344, 1.179, ratio), ci(0.1, 0.2, percent, level=90)
    ('95% CI 0.73 to 1.18', '90% CI 10.0% to 20.0%')
    """
    if is_missing(low) or is_missing(high):
        return f"{level}% CI not defined"
    return f"{level}% CI {fmt(low)} to {fmt(high)}"


def p_value(p: Number | None) -> str:
    """A p-value: three decimals, ``<0.001`` below that.

    Examples
    --------
    >>> p_value(0.01234), p_value(0.00001)
    ('0.012', '<0.001')
    """
    if is_missing(p):
        return NOT_SHOWN
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def yes_no(flag: Any) -> str:
    """A boolean as a reader says it.

    Examples
    --------
    >>> yes_no(True), yes_no(False)
    ('yes', 'no')
    """
    return NOT_SHOWN if is_missing(flag) else ("yes" if bool(flag) else "no")


def input_value(key: str, x: Number | None) -> str:
    """An ROI input's value by what the input is (its key in the value model).

    Examples
    --------
    >>> input_value("service_lines.ed.unit_cost", 1234.5)
    '$1,235'
    >>> input_value("service_lines.ed.reduction", 0.25)
    '25.0%'
    >>> input_value("service_lines.inpatient.effect", 0.8349)
    '0.835'
    >>> input_value("program_costs.staff.per_member_year", 1200)
    '$1,200 per member-year'
    """
    if is_missing(x):
        return NOT_SHOWN
    name = key.rsplit(".", 1)[-1]
    if name == "unit_cost" or name == "annual" or name.endswith("cost"):
        return money(x)
    if name == "per_member_year":
        return money(x, "per member-year")
    if name == "reduction" or name.endswith(("_rate", "share")) and name != "baseline_rate":
        return percent(x)
    if name == "members":
        return count(x, threshold=0)
    return number(x, 3 if abs(float(x)) < 10 else None)


# ------------------------------------------------------------------ labels
COLUMN_LABELS: dict[str, str] = {
    # shared
    "period": "Period", "year": "Year", "month": "Month", "table": "Table", "column": "Column",
    "persons": "People", "members": "Members", "member_months": "Member months",
    "n": "n", "estimate": "Estimate", "se": "Std. error", "ci_low": "95% CI low",
    "ci_high": "95% CI high", "p_value": "p-value", "method": "Method", "outcome": "Outcome",
    "share": "Share", "rows": "Rows", "category": "Category", "partner": "Partner",
    "group": "Group", "step": "Step", "measure": "Measure", "value": "Value",
    "statistic": "Statistic", "95% CI": "95% CI", "interpretation": "Interpretation",
    "assumption": "Assumption", "name": "Name", "note": "Note", "by": "Grouped by",
    "from": "From", "to": "To",
    # data quality
    "rows_in": "Rows in", "rows_accepted": "Rows accepted", "rows_rejected": "Rows rejected",
    "paid_in": "Paid in ($)", "paid_accepted": "Paid accepted ($)",
    "paid_rejected": "Paid rejected ($)", "reason": "Reason", "paid_amount": "Paid ($)",
    "filled": "Rows with a value", "filled_share": "Share with a value", "lines": "Claim lines",
    "claims": "Claims", "median_days": "Median days", "p90_days": "90th percentile (days)",
    "p99_days": "99th percentile (days)", "paid_within_30d": "Paid within 30 days",
    "paid_within_90d": "Paid within 90 days", "required": "Required", "kind": "Kind",
    "paid_outside_enrollment": "Paid outside enrollment ($)",
    "rows_outside_enrollment": "Rows outside enrollment",
    "negative_lag_claims": "Claims paid before service",
    # population and utilization
    "paid_total": "Paid ($)", "pmpm_total": "PMPM ($)", "pmpm": "PMPM ($)",
    "age_band": "Age band", "gender": "Sex", "segment": "Segment",
    "top 1%": "Top 1%", "top 5%": "Top 5%", "top 10%": "Top 10%", "bottom 50%": "Bottom 50%",
    "Gini": "Gini", "share_of_previous": "Share of previous step",
    "share_of_all": "Share of all members", "persons in both years": "People in both years",
    "event": "Event", "rate_per_1000": "Per 1,000 member-years",
    "pmpm_inpatient": "Inpatient PMPM ($)", "pmpm_outpatient": "Outpatient PMPM ($)",
    "pmpm_ed": "ED PMPM ($)", "pmpm_professional": "Professional PMPM ($)",
    "pmpm_pharmacy": "Pharmacy PMPM ($)", "pmpm_other": "Other PMPM ($)",
    # impact
    "covariate": "Covariate", "mean_treated": "Mean (program)",
    "mean_control": "Mean (comparison)", "smd": "SMD", "variance_ratio": "Variance ratio",
    "smd_weighted": "SMD after weighting", "flag": "Imbalanced (|SMD| ≥ 0.1)",
    "imbalanced": "Imbalanced (|SMD| ≥ 0.1)", "lost": "Without follow-up",
    "share_lost": "Share without follow-up", "baseline": "Baseline", "followup": "Follow-up",
    "change": "Change", "relative_change": "Relative change", "estimator": "Estimator",
    "primary": "Primary", "scale": "Scale", "phase": "Phase", "rate_ratio": "Rate ratio",
    "program_person_months": "Program person-months", "subgroup_dimension": "Dimension",
    "subgroup": "Subgroup", "n_program": "Program (n)", "n_comparison": "Comparison (n)",
    "p_holm": "p (Holm)", "p_interaction": "p (interaction)",
    # value
    "label": "Input", "source": "Source", "interval": "Interval", "low": "Low",
    "base": "Base", "high": "High", "at_low": "Net savings at low",
    "at_high": "Net savings at high", "base_value": "Net savings at base",
    "swing": "Swing", "gross_savings": "Gross savings", "program_cost": "Program cost",
    "net_savings": "Net savings", "cumulative_net_savings": "Cumulative net savings",
    "discount_factor": "Discount factor", "discounted_net_savings": "Discounted net savings",
    "npv": "NPV", "roi": "ROI", "percentile": "Percentile",
    "costs_borne": "Costs borne", "savings": "Savings", "savings_received": "Savings received",
    "revenue_lost": "Revenue lost", "transfers_in": "Transfers in",
    "transfers_out": "Transfers out", "lost_revenue": "Lost revenue",
    "net_position": "Net position", "pv_net_savings": "Present value of net savings",
    "domain": "Domain", "evidence": "Evidence", "status": "Status",
    # partners
    "window_days": "Window (days)", "eligible": "Eligible", "reached": "Reached",
    "service_type": "Service type", "contacts": "Contacts", "enrolled": "Enrolled",
    "contacts_per_member_month": "Contacts per member-month", "rate_min": "From",
    "rate_max": "To", "intensity": "Contact intensity", "need_domain": "Need",
    "identified": "Identified", "resolved": "Resolved", "censored": "Still open",
    "not_placed": "Not placed", "needs": "Needs", "median_ci_low": "Median 95% CI low",
    "median_ci_high": "Median 95% CI high", "resolved_by_horizon": "Resolved by horizon",
    "horizon_ci_low": "95% CI low (horizon)", "horizon_ci_high": "95% CI high (horizon)",
    "item": "Item", "item_id": "Item", "scale_min": "Scale from", "scale_max": "Scale to",
    "member_years": "Member-years",
    "inpatient_stays_per_member_year": "Acute stays per member-year",
    "inpatient_stays_ci_low": "Acute stays 95% CI low",
    "inpatient_stays_ci_high": "Acute stays 95% CI high",
    "ed_visits_per_member_year": "ED visits per member-year",
    "ed_visits_ci_low": "ED visits 95% CI low", "ed_visits_ci_high": "ED visits 95% CI high",
    "respondents": "Respondents", "denominator": "Denominator",
    "response_rate": "Response rate", "mean": "Mean", "mean_ci_low": "Mean 95% CI low",
    "mean_ci_high": "Mean 95% CI high", "top_box": "Top box", "top_box_share": "Top-box share",
    "top_box_ci_low": "Top-box 95% CI low", "top_box_ci_high": "Top-box 95% CI high",
    "contacts_without_cost": "Contacts without a cost", "annual": "Cost, last 12 months",
}
"""Human header of every column any report shows (:func:`column_label`)."""

VALUE_LABELS: dict[str, str] = {
    "housing_instability": "Housing instability", "food_insecurity": "Food insecurity",
    "transportation": "Transportation", "utilities": "Utilities",
    "interpersonal_safety": "Interpersonal safety", "financial_strain": "Financial strain",
    "employment": "Employment", "family_community_support": "Family and community support",
    "education": "Education", "physical_activity": "Physical activity",
    "substance_use": "Substance use", "mental_health": "Mental health",
    "disabilities": "Disabilities", "social_isolation": "Social isolation",
    "inpatient_stays": "Acute inpatient stays", "ed_visits": "ED visits",
    "bed_days": "Bed days", "readmissions_30d": "30-day readmissions",
    "paid_total": "Total paid", "medical_claim": "Medical claims",
    "pharmacy_claim": "Pharmacy claims", "eligibility": "Eligibility",
    "program_enrollment": "Program enrollment", "program_costs": "Program costs",
    "program_services": "Program services", "social_needs": "Social needs",
    "experience_survey": "Experience survey", "care_coordination": "Care coordination",
    "community_health_worker": "Community health worker", "case_management": "Case management",
    "high_need": "High-need", "not_high_need": "Not high-need", "all": "All",
    "while_enrolled": "While enrolled", "not_enrolled": "Not enrolled",
    "eligible_not_enrolled": "Eligible, not enrolled", "all_non_enrolled": "All non-enrolled",
    "randomized": "Randomized", "ed": "ED", "inpatient": "Inpatient",
    "outpatient": "Outpatient", "professional": "Professional", "pharmacy": "Pharmacy",
    "other": "Other", "overall": "Overall", "partner": "Partner",
    "service_type": "Service type",
}
"""Human names of coded values shown in tables (:func:`value_label`)."""


def column_label(name: Any) -> str:
    """The human header of a column.

    A column missing from :data:`COLUMN_LABELS` raises ``KeyError`` when the environment
    variable :data:`STRICT_LABELS_ENV` is set (the report tests), so a new column cannot slip
    into a report with its code name; otherwise it reads as its words, capitalized.

    Examples
    --------
    >>> column_label("net_position"), column_label("2023Q1"), column_label("top 5% still top")
    ('Net position', '2023Q1', 'Top 5% still top')
    """
    text = str(name)
    if text in COLUMN_LABELS:
        return COLUMN_LABELS[text]
    if "_" not in text:  # words already (a period, "95% CI", "top 5% still top")
        return text[:1].upper() + text[1:]
    if os.environ.get(STRICT_LABELS_ENV):
        raise KeyError(f"column {text!r} has no label in valuecase.present.formatting."
                       "COLUMN_LABELS")
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def value_label(value: Any) -> Any:
    """The human name of a coded value (``housing_instability`` -> ``Housing instability``);
    other values are returned unchanged.

    Examples
    --------
    >>> value_label("housing_instability"), value_label("Partner A"), value_label(3)
    ('Housing instability', 'Partner A', 3)
    """
    if isinstance(value, str):
        if value in VALUE_LABELS:
            return VALUE_LABELS[value]
        if value.isidentifier() and "_" in value and value.islower():
            words = value.replace("_", " ")
            return words[:1].upper() + words[1:]
    return value


PLAIN_COLUMNS = frozenset({"year", "from", "to", "percentile", "window_days", "event_time",
                           "horizon_days"})
"""Columns of labels that are numbers (a year, a percentile): shown without separators."""


def auto(value: Any) -> str:
    """Any cell value as text, when its column names no format: booleans ``yes``/``no``,
    missing values :data:`NOT_SHOWN`, numbers by :func:`number`, coded values by
    :func:`value_label`.

    Examples
    --------
    >>> auto(True), auto(None), auto(1234.5), auto(12), auto("food_insecurity")
    ('yes', '—', '1,234', '12', 'Food insecurity')
    """
    if isinstance(value, bool | np.bool_):
        return yes_no(value)
    if is_missing(value):
        return NOT_SHOWN
    if isinstance(value, str):
        return str(value_label(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | Decimal | np.floating):
        return number(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d") if hasattr(value, "hour") and value.hour == 0 \
            else str(value)
    return str(value)
