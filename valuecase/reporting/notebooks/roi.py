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
# Savings are set against the program's costs, projected over the horizon, split by partner, and
# run through a Monte Carlo over every uncertain input; where the savings come from is said
# below, and every assumption is listed with its source.
#
# **Definitions.** Net savings = gross savings − program cost. **ROI = net savings / program
# cost.** **Benefit–cost ratio = gross savings / program cost.** (An ROI of 0% is a benefit–cost
# ratio of 1.0; a "387% ROI" that was really a ratio of 3.87 is a 287% ROI.) NPV discounts each
# year's net savings at the end of the year.

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
import pandas as pd

from valuecase.analysis.notebook import results_for
from valuecase.present import formatting as fmt
from valuecase.present import interpret, roi_figures
from valuecase.present.currency import use_currency
from valuecase.present.display import show, show_markdown, show_table, show_text
from valuecase.present.interpret import money, ratio_text

use_currency(currency)  # every amount, header and axis below
res = results_for("roi", globals())
s = res["summary"]
show_markdown(res["basis"])  # evidence (measured effects) or calculator (assumed reductions)
if res.get("estimand"):
    show_markdown(res["estimand"])

# %% [markdown]
# ## Every assumption and where it comes from

# %%
show_table(res.table("assumptions"), caption="Assumptions, named as in the ROI file",
           formats={"assumption": str, "value": str})

# %% [markdown]
# ## Results over the horizon (base case)

# %%
headline = {
    "Gross savings": money(s["gross_savings"]),
    "Program cost": money(s["program_cost"]),
    "Net savings (savings − cost)": money(s["net_savings"]),
    "ROI (net savings / cost)": (fmt.percent(s["roi"]) if s["roi"] is not None
                                 else "not defined (the program cost is zero)"),
    "Benefit–cost ratio (savings / cost)": (fmt.ratio(s["benefit_cost_ratio"])
                                            if s["benefit_cost_ratio"] is not None
                                            else "not defined (the program cost is zero)"),
    "All partners combined (after the hospital's lost margin)": money(res["all_partner_net"]),
    f"NPV at {fmt.percent(res['discount_rate'])}": money(res["npv"]),
    "Payback month": (f"month {res['payback_month']}" if res["payback_month"]
                      else "not within the horizon"),
}
show_table(pd.DataFrame(list(headline.items()), columns=["measure", "value"]),
           caption=f"Value case over {res['horizon_years']} years (undiscounted unless noted)")
show_text(
    ratio_text(s["roi"], s["benefit_cost_ratio"]) + " (ROI = net savings / cost; "
    "benefit–cost ratio = savings / cost). Gross savings are the payer's avoided claims "
    "payments; program cost is "
    "every partner's cost (the calculators' convention). The partner ledger below shows each "
    "partner's own position."
)
annual = res.table("annual")
show_table(annual, caption="Year by year",
           formats={c: money for c in annual.columns
                    if c not in ("year", "members", "discount_factor")}
           | {"members": fmt.number, "discount_factor": lambda v: fmt.number(v, 3)})
show(roi_figures.cumulative_net_figure(res.table("monthly")))

# %% [markdown]
# ## Who pays and who saves: the partner ledger
#
# Program costs, savings and transfers land in different pockets. Under fee-for-service the
# hospital loses the revenue of avoided stays and visits and saves only its variable cost, so
# the partners' positions add up to the all-partner net savings (the payer-view net savings
# minus the hospital's lost margin).

# %%
ledger = res.table("ledger")
table = ledger.reset_index()
show_table(table, caption="Partner ledger over the horizon",
           formats={c: money for c in table.columns if c not in ("partner", "roi")}
           | {"roi": lambda v: "n/a (no cost)" if fmt.is_missing(v) else fmt.percent(v)})
show(roi_figures.ledger_figure(ledger))
show_markdown(
    f"Sum of partner net positions: **{money(ledger['net_position'].sum())}** = "
    f"all-partner net savings {money(res['all_partner_net'])} (payer-view net savings "
    f"{money(res['payer_view_net'])} minus the hospital's lost margin "
    f"{money(res['hospital_lost_margin'])}); imbalance "
    f"{fmt.money(res['ledger_imbalance'], cents=True)}."
)

# %% [markdown]
# ## Uncertainty
#
# Monte Carlo over every uncertain input (listed below); inputs without a range are fixed.

# %%
show(roi_figures.net_savings_histogram(res.table("net_savings_draws")["net_savings"].to_numpy()))
show_text(f"Inputs varied in the simulation: {res['varied']}.")
show_text(res["monte_carlo_summary"])
pct = res.table("percentiles")
show_table(pct, caption="Percentiles of the Monte Carlo draws",
           formats={c: money for c in ("gross_savings", "program_cost", "net_savings", "npv")}
           | {"roi": fmt.percent})
torn = res.table("tornado")
torn["label"] = torn["label"].map(interpret.sentence_case)
show(roi_figures.tornado_figure(torn))
# each input's low, base and high read as what the input is (money, share, rate ratio)
shown = torn.assign(**{c: [fmt.input_value(k, v) for k, v in zip(torn["input"], torn[c],
                                                                   strict=True)]
                       for c in ("low", "base", "high")}).drop(columns="input")
show_table(shown, caption="One-way sensitivity of net savings (each input at its low and high)",
           formats={c: money for c in ("at_low", "at_high", "base_value", "swing")})
for text in res["breakeven"]:
    show_text(f"• {text}")

# %% tags=["remove_cell"]
from valuecase.reporting.summary import publish_summary  # noqa: E402

publish_summary(
    f"Net savings {money(s['net_savings'])} over {res['horizon_years']} years: "
    f"{ratio_text(s['roi'], s['benefit_cost_ratio'])}; "
    f"P(net savings > 0) = {fmt.percent(res['prob_positive'])}."
)
