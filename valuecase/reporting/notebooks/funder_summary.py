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
# # The value case in one page

# %% tags=["parameters"]
results_dir = ""
data_dir = ""
mapping_file = ""
roi_params_file = ""
design = "eligible_not_enrolled"
baseline_months = 12
followup_months = 12
trigger_min_stays = 2
trigger_window_days = 182
trigger_after_months = 12
seed = 2024
currency = "USD"

# %%
from valuecase.analysis.notebook import results_for
from valuecase.impact import Effect
from valuecase.impact.evaluation import LABELS
from valuecase.impact.study import COMPARISON_TEXT
from valuecase.present import formatting as fmt
from valuecase.present import impact_figures, interpret, roi_figures
from valuecase.present.currency import use_currency
from valuecase.present.display import show, show_markdown, show_table
from valuecase.privacy import suppress_small_counts
from valuecase.value.arithmetic import RoiSummary

use_currency(currency)  # every amount, header and axis below
res = results_for("funder_summary", globals())
program = res["has_program"]  # False: claims without program data (nothing to evaluate)
if program:
    effects = res.table("effects")
    primary = {o: Effect.from_record(r) for o, r in
               effects[effects["primary"]].set_index("outcome").to_dict("index").items()}
    did_row = effects[(effects["outcome"] == "inpatient_stays")
                      & effects["estimator"].str.startswith("DiD")].iloc[0]
    comparison = COMPARISON_TEXT[res["design"]]

# %% [markdown]
# ## Who the program serves

# %%
show_markdown(
    f"The health plan covered **{interpret.count_text(res['persons'])} people** in the data. "
    f"Spending is concentrated: in {res['year']} the costliest 5% accounted for "
    f"**{fmt.percent(res['top_5'])}** of all spending and the costliest 1% for "
    f"{fmt.percent(res['top_1'])}. "
    + (f"The program enrolls people after repeated hospital stays ({res['trigger']}); "
       f"{interpret.count_text(res['n_program'])} program members were compared with "
       f"{interpret.count_text(res['n_comparison'])} {comparison}." if program else "")
)

# %% [markdown]
# ## What changed

# %%
if not program:
    show_markdown(res["no_program"])
else:
    for warning in res["warnings"]:
        show_markdown(f"**Warning:** {warning}.")
    show_markdown(interpret.describe_rtm(res.table("naive_inpatient_stays"),
                                         Effect.from_record(did_row.to_dict()),
                                         "hospital stays per person-year", comparison=comparison))
    show_markdown(res["estimand"])
    shown = {o: primary[o] for o in ("inpatient_stays", "ed_visits")}
    for outcome, e in shown.items():
        show_markdown("- " + interpret.describe_effect(e, LABELS[outcome]))
    for outcome in shown:  # the equity row: does it work for everyone?
        show_markdown("- " + interpret.describe_subgroups(res.table("subgroups"), outcome,
                                                          LABELS[outcome]))
    show(impact_figures.percent_change_figure(
        {interpret.sentence_case(LABELS[o]): e for o, e in shown.items()}))

# %% [markdown]
# ## The value case

# %%
if res["has_value_case"]:
    summary = RoiSummary(**res["summary"])
    if res["assumed"]:
        show_markdown("This value case rests on **assumed** reductions (a calculator-mode ROI "
                      "file), not on effects measured in these data.")
    show_markdown(interpret.describe_value(summary, res["prob_positive"], res["net_savings_90"],
                                           res["horizon_years"], varied=res["varied"],
                                           all_partner_net=res["all_partner_net"]))
    show(roi_figures.net_savings_histogram(
        res.table("net_savings_draws")["net_savings"].to_numpy(),
        title=f"Net savings across {fmt.count(res['draws'], threshold=0)} simulations"))
    ledger = res.table("ledger")
    show_table(ledger.reset_index()[["partner", "costs_borne", "net_position"]],
               caption="Who pays and who gains, over the horizon",
               formats={"costs_borne": fmt.money, "net_position": fmt.money})
    show(roi_figures.ledger_figure(ledger))
else:
    show_markdown(res["no_value_case"])

# %% [markdown]
# ## Beyond money

# %%
if program:
    show_table(res.table("value_domains"), caption="Value domains and the evidence for each")
else:
    show_markdown("Beyond money (experience, social needs, equity of effects) needs program "
                  "data; none was given.")

# %% [markdown]
# ## Caveats

# %%
caveats = ["Counts of stays and ED visits come from claims; 30-day readmissions are crude, "
           "all-cause (not the CMS planned-readmission algorithm).",
           "Savings are priced at the unit costs listed in the ROI report (average paid "
           "amounts per stay and per visit where measured in the claims); the partner split "
           "depends on the payment-model assumptions listed there.",
           "No person-level data appear in this report; counts below 11 are shown as "
           f"{fmt.SUPPRESSED}."]
if program:
    caveats.insert(0, interpret.DESIGN_CAVEATS[res["design"]])
    for concern in res["concerns"]:
        caveats.insert(0, f"A design check failed: {concern}; treat the estimated effects with "
                          "extra caution.")
    if not all(interpret.is_significant(e) for e in shown.values()):
        caveats.insert(0, "At least one estimated effect is not statistically distinguishable "
                          "from no effect: the savings are uncertain, as the simulations show.")
show_markdown("\n".join(f"- {c}" for c in caveats))
if program:
    # only the two analysed groups: with the drop-out steps shown, a reader could subtract one
    # step from the next and recover a suppressed small count
    show_table(suppress_small_counts(res.table("compared"), ["persons"]).rename(
                   columns={"step": "group"}),
               caption=f"Who was compared ({fmt.SUPPRESSED}: fewer than 11 people)")

# %% tags=["remove_cell"]
from valuecase.reporting.summary import publish_summary  # noqa: E402

if res["has_value_case"]:
    publish_summary(
        f"{interpret.ratio_text(summary.roi, summary.benefit_cost_ratio)}; "
        f"probability of a positive return {fmt.percent(res['prob_positive'])}"
        + (" (assumed reductions)" if res["assumed"] else "")
        + ("." if program else "; no program data."))
else:
    publish_summary("No program data: claims described, no effect or value case.")
