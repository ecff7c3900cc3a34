"""The one label dictionary: the human header of every column a report shows, and the human
name of coded values (``housing_instability`` -> "Housing instability").

:func:`valuecase.present.display.table_html` labels every header with :func:`column_label`;
with :data:`STRICT_LABELS_ENV` set (the report tests set it) a column without a label fails
the run, so a new column cannot reach a report under its code name.

Examples
--------
>>> column_label("costs_borne"), value_label("food_insecurity")
('Costs borne', 'Food insecurity')
"""

from __future__ import annotations

import os
from typing import Any

from valuecase.present.currency import with_symbol

__all__ = ["COLUMN_LABELS", "STRICT_LABELS_ENV", "VALUE_LABELS", "column_label", "value_label"]

STRICT_LABELS_ENV = "VALUECASE_STRICT_LABELS"
"""When this environment variable is set (the report tests set it), a table column without
a label in :data:`COLUMN_LABELS` is an error instead of a humanized fallback."""

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
    "rows_amount_unread": "Rejected rows with no readable amount",
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
        return with_symbol(COLUMN_LABELS[text])
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
