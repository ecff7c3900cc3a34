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
# # Population and cost concentration
#
# Who the population is, how much care it uses, and how concentrated spending is.
# Every number here is computed by the `valuecase` library from the member-month panel.

# %% tags=["parameters"]
results_dir = ""
data_dir = ""
mapping_file = ""
trigger_min_stays = 2
trigger_window_days = 182
trigger_after_months = 12
seed = 2024
period = "year"
persistence_top = 0.05
bootstrap_draws = 500
currency = "USD"

# %%
import pandas as pd

from valuecase.analysis.notebook import results_for
from valuecase.population import RATE_EVENTS
from valuecase.population.cohorts import funnel_for_funders
from valuecase.population.concentration import concentration_ci_text
from valuecase.present import figures
from valuecase.present import formatting as fmt
from valuecase.present.currency import shows_us_benchmarks, use_currency
from valuecase.present.display import show, show_markdown, show_table
from valuecase.privacy import suppress_small_counts

res = results_for("population", globals())
use_currency(currency)  # every amount, header and axis below
summary = res.table("summary")

# %% [markdown]
# ## The population

# %%
overview = summary[["period", "persons", "member_months", "paid_total", "pmpm_total"]]
show_table(
    suppress_small_counts(overview, ["persons"]),
    caption="Persons, member months and spending by period",
    formats={"member_months": fmt.number, "paid_total": lambda v: fmt.money(v),
             "pmpm_total": lambda v: fmt.money(v, cents=True)},
)
first, last = pd.Timestamp(res["first_month"]), pd.Timestamp(res["last_month"])
show_markdown(
    f"**{res['persons']:,} persons** contributed **{res['member_months']:,} member months** "
    f"from {first:%B %Y} to {last:%B %Y}. "
    "A member month is a calendar month with any enrolled day (Tuva's rule)."
)

# %% [markdown]
# ## Where the money goes: PMPM by service category
#
# PMPM = paid / member months. Spend outside enrolled months is excluded here and reported in
# the data-quality checks.

# %%
pmpm = res.table("pmpm")
show(figures.pmpm_figure(pmpm))
show_table(
    pmpm.pivot(index="period", columns="category", values="pmpm").reset_index(),
    caption="PMPM ($) by period and service category",
    formats={c: lambda v: fmt.money(v, cents=True)
             for c in pmpm["category"].unique()},
)

# %% [markdown]
# ## Utilization per 1,000 member-years
#
# Per 1,000 = events / member months × 12,000. Intervals are exact Poisson 95% CIs; the
# readmission rate is readmissions / eligible index stays with a Wilson 95% CI (crude all-cause
# 30-day readmissions, not the CMS planned-readmission algorithm).

# %%
for event, label in RATE_EVENTS.items():
    if event != "bed_days":
        show(figures.rate_figure(summary, event, label))
show_table(res.table("rates"), caption="Events per 1,000 member-years (95% CI)")

# %% [markdown]
# ## Cost concentration
#
# Annual paid (medical + pharmacy) per person enrolled at least one month in the year.

# %%
show_markdown(
    "In US data (MEPS) the top 1% hold about 21–24% of spending, the top 5% about half, the "
    "bottom 50% about 3%." if shows_us_benchmarks() else
    f"No benchmark is shown: the published figures (MEPS) describe US spending, and these "
    f"amounts are in {currency}.")
latest = res["latest_year"]
shares = pd.Series({float(k): v for k, v in res["top_shares"].items()})
show(figures.lorenz_figure(res.table("lorenz"), title=f"Lorenz curve, {latest}"))
show(figures.top_share_figure(shares, title=f"Share of {latest} spending held by the costliest"))
boot = res.table("bootstrap")
gini = boot["statistic"] == "Gini"
def _concentration(g):
    return (lambda v: fmt.number(v, 3)) if g else fmt.percent


boot["95% CI"] = [concentration_ci_text(lo, hi, n, percent=not g) for g, lo, hi, n in
                  zip(gini, boot["ci_low"], boot["ci_high"], boot["n"], strict=True)]
boot["estimate"] = [_concentration(g)(e) for g, e in zip(gini, boot["estimate"], strict=True)]
show_table(suppress_small_counts(boot[["statistic", "estimate", "95% CI", "n", "method"]],
                                 ["n"]),
           caption=f"Cost concentration in {latest} with bootstrap 95% confidence intervals",
           formats={"n": fmt.count})
show_table(
    suppress_small_counts(res.table("concentration_by_year"), ["persons"]),
    caption="Share of annual spending by group of people, each year",
    formats={"top 1%": fmt.percent, "top 5%": fmt.percent, "top 10%": fmt.percent,
             "bottom 50%": fmt.percent, "Gini": lambda v: fmt.number(v, 3)},
)

# %% [markdown]
# ## Persistence: do the costliest stay costly?
#
# Of the people in the top group one year, how many are still there the next year? Low
# persistence is regression to the mean: selecting people *because* they were costly guarantees
# that many will cost less next year with or without a program.

# %%
top = f"top {res['persistence_top']:.0%} still top"
pers = res.table("persistence").rename(columns={"top_still_top": top,
                                                "top_1pct_still_top": "top 1% still top"})
if len(pers):
    show_table(suppress_small_counts(pers, ["persons in both years"]),
               caption="Persistence of high cost from one year to the next",
               formats={top: fmt.percent, "top 1% still top": fmt.percent})
    if "decile_transition" in res.tables:
        y0, y1 = res["transition_years"]
        show(figures.transition_heatmap(res.table("decile_transition"),
                                        title=f"Cost decile transitions, {y0} to {y1}"))
        show_markdown(
            "Each row is a cost decile in the first year (10 = costliest); cells show where "
            "those people landed the next year. Mass off the diagonal is regression to the mean."
        )
else:
    show_markdown("Only one year of data: persistence needs two consecutive years.")

# %% [markdown]
# ## The high-need segment
#
# The program's trigger applied to everyone: who meets it, and who of them enrolled. The
# people who met it but did not enroll are the natural comparison group for the impact report.

# %%
funnel = funnel_for_funders(res.table("funnel"))
show(figures.funnel_figure(funnel))
show_table(funnel, caption="From all members to program enrollees",
           formats={"share_of_previous": fmt.percent, "share_of_all": fmt.percent})
show_markdown(f"Trigger: {res['trigger']}.")

# %% tags=["remove_cell"]
from valuecase.reporting.summary import publish_summary  # noqa: E402

publish_summary(
    f"{res['persons']:,} persons, {res['member_months']:,} member months, "
    f"PMPM {fmt.money(res['pmpm_total'], cents=True)}; top 5% hold "
    f"{fmt.percent(shares[0.05])} of {latest} spending."
)
