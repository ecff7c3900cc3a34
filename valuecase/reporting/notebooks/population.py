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
data_dir = "../data/sample"
mapping_file = ""
period = "year"
persistence_top = 0.05
bootstrap_draws = 500
seed = 2024
trigger_min_stays = 2
trigger_window_days = 182
trigger_after_months = 12

# %%
import pandas as pd

from valuecase.population import cohorts, concentration
from valuecase.present import figures
from valuecase import population
from valuecase.data.load import load
from valuecase.data.mapping import ColumnMapping
from valuecase.panel.member_panel import build_panel, build_stays
from valuecase.privacy import suppress_small_counts
from valuecase.present.display import show, show_markdown, show_table

data = load(data_dir, mapping=ColumnMapping.from_file(mapping_file) if mapping_file else None)
panel = build_panel(data)
summary = population.utilization_summary(panel, by=period)
annual = population.annual_costs(panel)
years = sorted(annual["year"].unique())

# %% [markdown]
# ## The population

# %%
overview = summary[["period", "persons", "member_months", "paid_total", "pmpm_total"]].copy()
show_table(
    suppress_small_counts(overview, ["persons"]),
    caption="Persons, member months and spending by period",
    formats={"member_months": "{:,}", "paid_total": "${:,.0f}", "pmpm_total": "${:,.2f}"},
)
show_markdown(
    f"**{panel['person_id'].nunique():,} persons** contributed **{len(panel):,} member months** "
    f"from {panel['month'].min():%B %Y} to {panel['month'].max():%B %Y}. "
    "A member month is a calendar month with any enrolled day (Tuva's rule)."
)

# %% [markdown]
# ## Where the money goes: PMPM by service category
#
# PMPM = paid / member months. Spend outside enrolled months is excluded here and reported in
# the data-quality checks.

# %%
pmpm = population.pmpm_by_category(panel, by=period)
show(figures.pmpm_figure(pmpm))
show_table(
    pmpm.pivot(index="category", columns="period", values="pmpm").reset_index(),
    caption="PMPM ($) by service category and period",
    formats={c: "${:,.2f}" for c in pmpm["period"].unique()},
)

# %% [markdown]
# ## Utilization per 1,000 member-years
#
# Per 1,000 = events / member months × 12,000. Intervals are exact Poisson 95% CIs; the
# readmission rate is readmissions / eligible index stays with a Wilson 95% CI (crude all-cause
# 30-day readmissions, not the CMS planned-readmission algorithm).

# %%
for event, label in population.RATE_EVENTS.items():
    if event != "bed_days":
        show(figures.rate_figure(summary, event, label))
rates = population.rate_table(summary, ["period"])
show_table(rates, caption="Events per 1,000 member-years (95% CI)")

# %% [markdown]
# ## Cost concentration
#
# Annual paid (medical + pharmacy) per person enrolled at least one month in the year. In US data
# (MEPS) the top 1% hold about 21–24% of spending, the top 5% about half, the bottom 50% about 3%.

# %%
latest = population.latest_full_year(panel)
costs = population.annual_cost_series(panel, latest)
shares = concentration.top_share(costs)
show(figures.lorenz_figure(concentration.lorenz(costs), title=f"Lorenz curve, {latest}"))
show(figures.top_share_figure(shares, title=f"Share of {latest} spending held by the costliest"))
boot = concentration.bootstrap_concentration(costs, n_boot=bootstrap_draws, seed=seed)
boot["95% CI"] = [f"{lo:.1%} – {hi:.1%}" if s != "Gini" else f"{lo:.3f} – {hi:.3f}"
                  for s, lo, hi in zip(boot["statistic"], boot["ci_low"], boot["ci_high"],
                                       strict=True)]
boot["estimate"] = [f"{e:.1%}" if s != "Gini" else f"{e:.3f}"
                    for s, e in zip(boot["statistic"], boot["estimate"], strict=True)]
show_table(boot[["statistic", "estimate", "95% CI", "n", "method"]],
           caption=f"Cost concentration in {latest} with bootstrap 95% confidence intervals",
           formats={"n": "{:,}"})
rows = []
for y in years:
    c = population.annual_cost_series(panel, y)
    s = concentration.top_share(c)
    rows.append({"year": y, "persons": len(c), "top 1%": s[0.01], "top 5%": s[0.05],
                 "top 10%": s[0.1], "bottom 50%": 1 - s[0.5], "Gini": concentration.gini(c)})
conc = pd.DataFrame(rows)
show_table(
    suppress_small_counts(conc, ["persons"]),
    caption="Share of annual spending by group of people, each year",
    formats={"top 1%": "{:.1%}", "top 5%": "{:.1%}", "top 10%": "{:.1%}",
             "bottom 50%": "{:.1%}", "Gini": "{:.3f}"},
)

# %% [markdown]
# ## Persistence: do the costliest stay costly?
#
# Of the people in the top group one year, how many are still there the next year? Low
# persistence is regression to the mean: selecting people *because* they were costly guarantees
# that many will cost less next year with or without a program.

# %%
pers = []
for y0, y1 in zip(years[:-1], years[1:], strict=True):
    a, b = population.annual_cost_series(panel, y0), population.annual_cost_series(panel, y1)
    both = len(a.index.intersection(b.index))
    pers.append({"from": y0, "to": y1, "persons in both years": both,
                 f"top {persistence_top:.0%} still top": concentration.persistence(
                     a, b, top=persistence_top),
                 "top 1% still top": concentration.persistence(a, b, top=0.01)})
if pers:
    show_table(
        suppress_small_counts(pd.DataFrame(pers), ["persons in both years"]),
        caption="Persistence of high cost from one year to the next",
        formats={f"top {persistence_top:.0%} still top": "{:.1%}", "top 1% still top": "{:.1%}"},
    )
    y0, y1 = years[-2], years[-1]
    if len(population.annual_cost_series(panel, y0).index.intersection(
            population.annual_cost_series(panel, y1).index)) >= 100:
        show(figures.transition_heatmap(population.decile_transition(panel, y0, y1),
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
trigger = cohorts.Trigger(trigger_min_stays, trigger_window_days,
                          cohorts.baseline_end(panel, trigger_after_months))
triggered = cohorts.trigger_dates(build_stays(data), trigger)
enrollment = data.frame("program_enrollment") if "program_enrollment" in data.tables else None
funnel = cohorts.funnel_for_funders(cohorts.segment_funnel(panel, triggered, enrollment))
show(figures.funnel_figure(funnel))
show_table(funnel, caption="From all members to program enrollees",
           formats={"share_of_previous": "{:.1%}", "share_of_all": "{:.2%}"})
show_markdown(f"Trigger: {trigger.describe()}.")

# %% tags=["remove_cell"]
from valuecase.reporting.suite import publish_summary

publish_summary(
    f"{panel['person_id'].nunique():,} persons, {len(panel):,} member months, "
    f"PMPM ${panel['paid_total'].sum() / len(panel):,.2f}; top 5% hold "
    f"{shares[0.05]:.0%} of {latest} spending."
)
