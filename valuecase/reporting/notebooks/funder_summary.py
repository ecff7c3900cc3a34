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
data_dir = "../data/sample"
mapping_file = ""
roi_params_file = "../params/roi-sample.yml"
design = "eligible_not_enrolled"
baseline_months = 12
followup_months = 12
trigger_min_stays = 2
trigger_window_days = 182
trigger_after_months = 12
seed = 2024

# %%
import numpy as np
import plotly.graph_objects as go

from valuecase.population import concentration
from valuecase.impact import evaluation, study
from valuecase.present import interpret
from valuecase import population
from valuecase.present.figures import PALETTE
from valuecase.analysis.evaluation_run import run_evaluation
from valuecase.privacy import suppress_small_counts
from valuecase.present.display import show, show_markdown, show_table
from valuecase.present import roi_figures
from valuecase.value.case import build_value_case, value_domains, varied_inputs

run = run_evaluation(data_dir, mapping_file or None, design, baseline_months, followup_months,
                     trigger_min_stays, trigger_window_days, trigger_after_months, seed)
vc = build_value_case(run, roi_params_file)
params, projection, ledger, mc = vc.params, vc.projection, vc.ledger, vc.monte_carlo
panel, st, ev = run.panel, run.study, run.evaluation
year = population.latest_full_year(panel)
shares = concentration.top_share(population.annual_cost_series(panel, year))
n_program = int((st.persons["treated"] == 1).sum())
n_comparison = int((st.persons["treated"] == 0).sum())

# %% [markdown]
# ## Who the program serves

# %%
show_markdown(
    f"The health plan covered **{interpret.count_text(panel['person_id'].nunique())} people** "
    f"in the data. Spending is concentrated: in {year} the costliest 5% accounted for "
    f"**{shares[0.05]:.0%}** of all spending and the costliest 1% for {shares[0.01]:.0%}. "
    f"The program enrolls people after repeated hospital stays "
    f"({run.trigger.describe()}); {interpret.count_text(n_program)} program members were "
    f"compared with {interpret.count_text(n_comparison)} {study.COMPARISON_TEXT[design]}."
)

# %% [markdown]
# ## What changed

# %%
naive = study.naive_pre_post(st, "inpatient_stays")
for warning in st.warnings:
    show_markdown(f"**Warning:** {warning}.")
show_markdown(interpret.describe_rtm(naive, ev.get("inpatient_stays", "DiD"),
                                     "hospital stays per person-year",
                                     comparison=study.COMPARISON_TEXT[design]))
for outcome in ("inpatient_stays", "ed_visits"):
    show_markdown("- " + interpret.describe_effect(ev.primary[outcome],
                                                   evaluation.LABELS[outcome]))
effects = [(interpret.sentence_case(evaluation.LABELS[o]), ev.primary[o]) for o in
           ("inpatient_stays", "ed_visits")]
fig = go.Figure(go.Scatter(
    x=[(e.estimate - 1) * 100 for _, e in effects], y=[label for label, _ in effects],
    mode="markers", marker=dict(size=13, color=PALETTE[0]),
    error_x=dict(type="data", array=[(e.ci_high - e.estimate) * 100 for _, e in effects],
                 arrayminus=[(e.estimate - e.ci_low) * 100 for _, e in effects])))
fig.add_vline(x=0, line_dash="dash", line_color=PALETTE[6])
fig.update_layout(title="Change vs comparison group (%, with 95% confidence interval)",
                  xaxis_title="Percent change in the rate", template="plotly_white", height=300,
                  margin=dict(l=200))
show(fig)

# %% [markdown]
# ## The value case

# %%
lo, hi = np.nanpercentile(mc.net_savings, [5, 95])
show_markdown(interpret.describe_value(projection.summary, mc.prob_positive(), (lo, hi),
                                       params.horizon_years, varied=varied_inputs(vc.model),
                                       all_partner_net=ledger.total_net_savings))
show(roi_figures.net_savings_histogram(mc.net_savings,
                                       title="Net savings across 10,000 simulations"))
positions = ledger.table.reset_index()[["partner", "costs_borne", "net_position"]]
show_table(positions, caption="Who pays and who gains, over the horizon",
           formats={"costs_borne": interpret.money, "net_position": interpret.money})
show(roi_figures.ledger_figure(ledger.table))

# %% [markdown]
# ## Beyond money

# %%
show_table(value_domains(run), caption="Value domains and the evidence for each")

# %% [markdown]
# ## Caveats

# %%
caveats = [
    {"eligible_not_enrolled": "The comparison group met the same hospital-use criteria but did "
                              "not enroll; people who enroll may differ in ways the data cannot "
                              "see. A randomized design would be stronger.",
     "randomized": "Program and comparison members were assigned at random.",
     "all_non_enrolled": "The comparison group was NOT selected by the same criteria: the "
                         "estimates are biased by regression to the mean."}[design],
    "Counts of stays and ED visits come from claims; 30-day readmissions are crude, all-cause "
    "(not the CMS planned-readmission algorithm).",
    "Savings are priced at average paid amounts per stay and per visit; the partner split "
    "depends on the payment-model assumptions listed in the ROI report.",
    "No person-level data appear in this report; counts below 11 are shown as <11.",
]
for concern in evaluation.diagnostics(st).concerns():
    caveats.insert(0, f"A design check failed: {concern}; treat the estimated effects with "
                      "extra caution.")
if not all(interpret.is_significant(e) for _, e in effects):
    caveats.insert(0, "At least one estimated effect is not statistically distinguishable from "
                      "no effect: the savings are uncertain, as the simulations show.")
show_markdown("\n".join(f"- {c}" for c in caveats))
# only the two analysed groups: with the drop-out steps shown, a reader could subtract one
# step from the next and recover a suppressed small count
compared = st.funnel[st.funnel["step"].str.startswith("analysed")][["step", "persons"]]
show_table(suppress_small_counts(compared.assign(step=compared["step"].str.replace(
    "analysed: ", "", regex=False)), ["persons"]), caption="Who was compared")

# %% tags=["remove_cell"]
from valuecase.reporting.suite import publish_summary  # noqa: E402

s = projection.summary
publish_summary(
    f"ROI {s.roi:.0%} (benefit–cost ratio {s.benefit_cost_ratio:.2f}); probability of a "
    f"positive return {mc.prob_positive():.0%}."
)
