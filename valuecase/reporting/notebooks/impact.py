# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Impact evaluation
#
# What did the program change, compared with what would have happened anyway? People are
# enrolled *because* they just had a run of hospital stays, and such runs usually end on their
# own (regression to the mean). So a before/after look at program members alone overstates the
# effect. This report compares them with people who met the **same trigger** but did not enroll.

# %% tags=["parameters"]
results_dir = ""
data_dir = ""
mapping_file = ""
design = "eligible_not_enrolled"
baseline_months = 12
followup_months = 12
trigger_min_stays = 2
trigger_window_days = 182
trigger_after_months = 12
seed = 2024
placebo_split = -6
event_window = 9
currency = "USD"

# %%
from valuecase.analysis.notebook import results_for
from valuecase.impact import Effect
from valuecase.impact.evaluation import LABELS
from valuecase.impact.study import COMPARISON_TEXT
from valuecase.impact.subgroups import subgroup_label
from valuecase.present import formatting as fmt
from valuecase.present import impact_figures, interpret
from valuecase.present.currency import use_currency
from valuecase.present.display import show, show_markdown, show_table
from valuecase.privacy import suppress_small_counts

use_currency(currency)  # every amount, header and axis below
res = results_for("impact", globals())
effects = res.table("effects")


def effect(outcome, estimator):
    row = effects[(effects["outcome"] == outcome) & effects["estimator"].str.startswith(estimator)]
    return Effect.from_record(row.iloc[0].to_dict())


primary = {o: Effect.from_record(r) for o, r in
           effects[effects["primary"]].set_index("outcome").to_dict("index").items()}
for w in res["warnings"]:
    show_markdown(f"**Warning:** {w}.")

# %% [markdown]
# ## Who is compared
#
# Trigger for both groups: the same rule and look-back window. Windows are whole months before
# and after the index month (enrollment; for comparison members, their trigger date plus the
# program's median trigger-to-enrollment lag); the index month itself is left out.

# %%
show_table(suppress_small_counts(res.table("funnel"), ["persons"]), caption="Cohort funnel")
show_table(suppress_small_counts(res.table("followup_loss"), ["persons", "lost"]),
           caption="Persons without any follow-up month, by group (they carry no exposure; "
                   "Fisher's exact test of equal loss)",
           formats={"share_lost": fmt.percent, "p_value": fmt.p_value})
show_markdown(
    f"Trigger: {res['trigger']}. Design: {fmt.value_label(res['design'])}. "
    f"Baseline {res['baseline_months']} "
    f"months, follow-up {res['followup_months']} months. Median trigger-to-enrollment lag: "
    f"{res['lag_days']:.0f} days."
)

# %% [markdown]
# ## Are the groups comparable? Balance and overlap
#
# Standardized mean differences (SMD) above 0.1 flag imbalance. Weighting by the propensity
# score (ATT weights) should bring every covariate under the line. Chronic conditions are those
# flagged from diagnosis codes in each person's baseline months (CMS Chronic Conditions
# Warehouse categories); a condition too rare in either group is left out of the models.

# %%
before, after = res.table("balance_before"), res.table("balance_after")
bal = before.join(after[["smd"]].rename(columns={"smd": "smd_weighted"}))
bal.index = [interpret.covariate_label(str(i)) for i in bal.index]
show_table(bal.reset_index().rename(columns={"index": "covariate"}),
           caption="Balance before and after weighting",
           formats={"mean_treated": fmt.number, "mean_control": fmt.number,
                    "smd": lambda v: fmt.signed(v, 3), "variance_ratio": fmt.ratio,
                    "smd_weighted": lambda v: fmt.signed(v, 3)})
show(impact_figures.love_plot(before, after))
ps = res.table("propensity")
show(impact_figures.propensity_overlap(ps["propensity"], ps["treated"]))

# %% [markdown]
# ## The regression-to-the-mean lesson
#
# The program group's before/after change is shown only beside the comparison group's change.
# The difference between the two changes (difference-in-differences) is the estimate.

# %%
naive = res.table("naive_inpatient_stays")
did_ip = effect("inpatient_stays", "DiD")
show(impact_figures.naive_vs_did_figure(naive, did_ip.estimate, "acute stays per member-year"))
show_table(suppress_small_counts(naive, ["persons"]),
           caption="Acute stays per member-year before and after the index date",
           formats={"baseline": fmt.ratio, "followup": fmt.ratio, "change": fmt.signed,
                    "relative_change": lambda v: fmt.percent(v, signed_=True)})
show_markdown(interpret.describe_rtm(naive, did_ip, "acute stays per member-year",
                                     comparison=COMPARISON_TEXT[res["design"]]))
for outcome in ("inpatient_stays", "ed_visits"):
    show(impact_figures.trends_figure(res.table(f"event_time_rates__{outcome}"),
                                      LABELS[outcome]))

# %% [markdown]
# ## Event study and pre-trends
#
# Month-by-month differences between the groups relative to the month before the index date.
# Before the index the differences should hover around zero; the joint test checks that.

# %%
pt = res["pretrend"]
show(impact_figures.event_study_figure(res.table("event_study"), "Acute stays per member-year"))
show_markdown(
    f"Joint test that all pre-index differences are zero: χ² = {fmt.number(pt['statistic'], 1)} "
    f"on {pt['df']} df, p = {fmt.p_value(pt['p_value'])} ({pt['method']}). "
    + ("No evidence of diverging pre-trends." if pt["p_value"] >= 0.05 else
       "**The groups already differed before the index date; treat the estimates with care.**")
)

# %% [markdown]
# ## Placebo enrollment date
#
# Pretend enrollment happened inside the baseline window. Nobody was enrolled then, so the
# estimate should be near zero.

# %%
placebo = res.table("placebo")
placebo["outcome"] = placebo["outcome"].map(LABELS).map(interpret.sentence_case)
show_table(placebo[["outcome", "estimate", "se", "ci_low", "ci_high", "p_value", "n"]],
           caption=f"Placebo DiD (fake index at month {res['placebo_split']})",
           formats={"estimate": lambda v: fmt.signed(v, 3), "se": lambda v: fmt.number(v, 3),
                    "ci_low": lambda v: fmt.signed(v, 3), "ci_high": lambda v: fmt.signed(v, 3),
                    "p_value": fmt.p_value, "n": fmt.count})

# %% [markdown]
# ## Estimated effects
#
# Every estimate with its method, n, standard error and 95% confidence interval. The primary
# estimate per outcome is marked; the others show whether the answer depends on the method.

# %%
show_table(interpret.effects_table(effects, LABELS),
           caption="Effects of the program (program minus comparison): rate ratios for "
                   "counts, differences per member-year (counts) or per member-month (total "
                   "paid, in dollars); the primary estimate of each outcome is marked yes")
for outcome in ("inpatient_stays", "ed_visits", "paid_total"):
    diffs = effects[(effects["outcome"] == outcome) & (effects["scale"] != "ratio")]
    show(impact_figures.forest_figure(
        diffs, title=f"{interpret.sentence_case(LABELS[outcome])}: estimates by method (95% CI)"))
show_markdown(res["estimand"])
for outcome, e in primary.items():
    show_markdown("- " + interpret.describe_effect(
        e, LABELS[outcome], money_per="member-month" if outcome.startswith("paid") else None))

# %% [markdown]
# ### While enrolled and after
#
# The same follow-up months split by whether the program member was in the program that month
# (at least one day) or not (after leaving, or before starting), each compared with comparison
# members at the same month of follow-up. Who leaves, and when, is not random: read these as a
# description of where the effect sits, not as the effect of staying enrolled.

# %%
phases = res.table("phases")
show_table(phases.assign(outcome=phases["outcome"].map(LABELS).map(interpret.sentence_case))[
               ["outcome", "phase", "rate_ratio", "se", "ci_low", "ci_high", "p_value", "n",
                "program_person_months"]],
           caption="Rate ratios while enrolled and not enrolled (program vs comparison months; "
                   "SE of the log ratio; n = person-months in the model)",
           formats={"rate_ratio": fmt.ratio, "se": lambda v: fmt.number(v, 3),
                    "ci_low": fmt.ratio, "ci_high": fmt.ratio, "p_value": fmt.p_value,
                    "n": fmt.count, "program_person_months": fmt.count})

# %% [markdown]
# ## Effects by subgroup
#
# The program's rate ratio within each age band, sex, race/ethnicity (when the eligibility file
# records it) and chronic-condition group (people with none, one, or two or more of the CMS
# Chronic Conditions Warehouse conditions flagged in their baseline months), each with its 95%
# CI. Whether the
# effect differs across a dimension is read from its interaction test, not from one subgroup's
# p-value; subgroup p-values are also shown Holm-adjusted (many subgroups, some significant by
# chance). Groups with fewer than 11 people in either arm are not shown.

# %%
sub = res.table("subgroups")
for outcome in ("inpatient_stays", "ed_visits"):
    show_markdown(interpret.describe_subgroups(sub, outcome, LABELS[outcome]))
labels = [subgroup_label(d, s) for d, s in zip(sub["subgroup_dimension"], sub["subgroup"],
                                                strict=True)]
shown_sub = sub.assign(outcome=sub["outcome"].map(LABELS).map(interpret.sentence_case),
                       subgroup_dimension=[d for d, _ in labels], subgroup=[s for _, s in labels])
show_table(shown_sub[["outcome", "subgroup_dimension", "subgroup", "n_program", "n_comparison",
                      "rate_ratio", "ci_low", "ci_high", "p_value", "p_holm", "p_interaction"]],
           caption="Rate ratios by subgroup (program vs comparison). " + fmt.SUPPRESSED_NOTE,
           formats={"n_program": fmt.count, "n_comparison": fmt.count,
                    "rate_ratio": fmt.ratio, "ci_low": fmt.ratio, "ci_high": fmt.ratio,
                    "p_value": fmt.p_value, "p_holm": fmt.p_value,
                    "p_interaction": fmt.p_value})

# %% [markdown]
# ## Could this study detect an effect?

# %%
# from the achieved standard error of the primary estimate (robust, so overdispersion counts)
show_markdown(interpret.describe_mde(res["mde_ratio"], primary["inpatient_stays"].estimate))
show_markdown(
    "Counting rules: acute stays merged across claims; ED visits once per person-day; 30-day "
    "readmissions are crude all-cause, not the CMS planned-readmission algorithm."
)

# %% tags=["remove_cell"]
from valuecase.reporting.summary import publish_summary  # noqa: E402

ip = primary["inpatient_stays"]
publish_summary(
    f"Acute stays rate ratio {ip.estimate:.2f} (95% CI {ip.ci_low:.2f}–{ip.ci_high:.2f}) "
    f"vs {res['design'].replace('_', ' ')} comparison; "
    f"n = {res['n_program'] + res['n_comparison']:,}."
)
