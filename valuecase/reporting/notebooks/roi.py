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
# # Return on investment: the finance view
#
# Savings come from the impact report's estimated effects (evidence mode), priced with unit costs
# measured in the claims, set against the program's costs, projected over the horizon, split by
# partner, and run through a Monte Carlo over every uncertain input.
#
# **Definitions.** Net savings = gross savings − program cost. **ROI = net savings / program
# cost.** **Benefit–cost ratio = gross savings / program cost.** (An ROI of 0% is a benefit–cost
# ratio of 1.0; a "387% ROI" that was really a ratio of 3.87 is a 287% ROI.) NPV discounts each
# year's net savings at the end of the year.

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
import pandas as pd

from valuecase.present import interpret
from valuecase.present.interpret import money
from valuecase.analysis.evaluation_run import run_evaluation
from valuecase.present.display import show, show_markdown, show_table
from valuecase.present import roi_figures
from valuecase.value.uncertainty import breakeven_effect, tornado
from valuecase.value.case import assumptions_table, build_value_case, varied_inputs

run = run_evaluation(data_dir, mapping_file or None, design, baseline_months, followup_months,
                     trigger_min_stays, trigger_window_days, trigger_after_months, seed)
vc = build_value_case(run, roi_params_file)
params, sources, model = vc.params, vc.sources, vc.model
projection, ledger, mc = vc.projection, vc.ledger, vc.monte_carlo

# %% [markdown]
# ## Every assumption and where it comes from

# %%
show_table(assumptions_table(params, sources), caption="Assumptions")

# %% [markdown]
# ## Results over the horizon (base case)

# %%
s = projection.summary
headline = {
    "Gross savings": money(s.gross_savings),
    "Program cost": money(s.program_cost),
    "Net savings (savings − cost)": money(s.net_savings),
    "ROI (net savings / cost)": f"{s.roi:.1%}",
    "Benefit–cost ratio (savings / cost)": f"{s.benefit_cost_ratio:.2f}",
    "All partners combined (after the hospital's lost margin)": money(ledger.total_net_savings),
    f"NPV at {params.discount_rate:.1%}": money(projection.npv),
    "Payback month": (f"month {projection.payback_month}" if projection.payback_month
                      else "not within the horizon"),
}
show_table(pd.DataFrame(list(headline.items()), columns=["measure", "value"]),
           caption=f"Value case over {params.horizon_years} years (undiscounted unless noted)")
show_markdown(
    s.labelled() + ". Gross savings are the payer's avoided claims payments; program cost is "
    "every partner's cost (the calculators' convention). The partner ledger below shows each "
    "partner's own position."
)
annual = projection.annual.reset_index()
show_table(annual, caption="Year by year",
           formats={c: money for c in annual.columns
                    if c not in ("year", "members", "discount_factor")}
           | {"members": "{:,.0f}", "discount_factor": "{:.3f}"})
show(roi_figures.cumulative_net_figure(projection.monthly))

# %% [markdown]
# ## Who pays and who saves: the partner ledger
#
# Program costs, savings and transfers land in different pockets. Under fee-for-service the
# hospital loses the revenue of avoided stays and visits and saves only its variable cost, so
# the partners' positions add up to the all-partner net savings (the payer-view net savings
# minus the hospital's lost margin).

# %%
table = ledger.table.reset_index()
show_table(table, caption="Partner ledger over the horizon",
           formats={c: interpret.money for c in table.columns if c not in ("partner", "roi")}
           | {"roi": lambda v: "n/a (no cost)" if v is None or v != v else f"{v:.0%}"})
show(roi_figures.ledger_figure(ledger.table))
show_markdown(
    f"Sum of partner net positions: **{money(ledger.table['net_position'].sum())}** = "
    f"all-partner net savings {money(ledger.total_net_savings)} (payer-view net savings "
    f"{money(ledger.payer_view_net_savings)} minus the hospital's lost margin "
    f"{money(ledger.hospital_lost_margin)}); imbalance ${ledger.imbalance:,.2f}."
)

# %% [markdown]
# ## Uncertainty
#
# Monte Carlo over every uncertain input (listed below); inputs without a range are fixed.

# %%
show(roi_figures.net_savings_histogram(mc.net_savings))
show_markdown(f"Inputs varied in the simulation: {varied_inputs(model)}.")
show_markdown(mc.summary().replace("\n", "  \n"))
pct = mc.percentiles().reset_index()
show_table(pct, caption="Percentiles of the Monte Carlo draws",
           formats={c: money for c in ("gross_savings", "program_cost", "net_savings", "npv")}
           | {"roi": "{:.0%}"})
torn = tornado(model)
show(roi_figures.tornado_figure(torn))
show_table(torn, caption="One-way sensitivity of net savings (each input at its low and high)",
           formats={c: "{:,.4g}" for c in torn.columns if torn[c].dtype.kind == "f"})
for line in params.service_lines:
    be = breakeven_effect(model, line)
    show_markdown(f"- {be.text}")

# %% tags=["remove_cell"]
from valuecase.reporting.suite import publish_summary  # noqa: E402

publish_summary(
    f"Net savings {money(s.net_savings)} over {params.horizon_years} years: ROI {s.roi:.0%}, "
    f"benefit–cost ratio {s.benefit_cost_ratio:.2f}; P(ROI > 0) = {mc.prob_positive():.0%}."
)
