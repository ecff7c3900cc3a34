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
# # Utilization and cost trends
#
# Rates per 1,000 member-years with exact Poisson 95% confidence intervals, PMPM by service
# category, by period and by age band, sex and segment. Counting rules: ED visits once per
# person-day; acute stays merged across claims; 30-day readmissions are crude all-cause (not the
# CMS planned-readmission algorithm).

# %% tags=["parameters"]
data_dir = "../data/sample"
mapping_file = ""
period = "quarter"
trigger_min_stays = 2
trigger_window_days = 182
trigger_after_months = 12

# %%
import numpy as np

from valuecase.population import cohorts
from valuecase.present import figures
from valuecase import population
from valuecase.data.load import load
from valuecase.data.mapping import ColumnMapping
from valuecase.panel.member_panel import build_panel, build_stays
from valuecase.privacy import suppress_small_counts
from valuecase.present.display import show, show_markdown, show_table

data = load(data_dir, mapping=ColumnMapping.from_file(mapping_file) if mapping_file else None)
panel = build_panel(data)
trigger = cohorts.Trigger(trigger_min_stays, trigger_window_days,
                          cohorts.baseline_end(panel, trigger_after_months))
triggered = cohorts.trigger_dates(build_stays(data), trigger)
panel["age_band"] = population.age_band(panel["age"])
panel["segment"] = np.where(panel["person_id"].isin(triggered["person_id"]),
                            "high need (met trigger)", "other members")
summary = population.utilization_summary(panel, by=period)

# %% [markdown]
# ## Trends by period

# %%
for event, label in population.RATE_EVENTS.items():
    show(figures.rate_figure(summary, event, label))
show(figures.pmpm_figure(population.pmpm_by_category(panel, by=period),
                         title=f"PMPM by service category and {period}"))


def rate_table(s, keys):
    extra = ("persons", "member_months", "pmpm_total")
    return suppress_small_counts(population.rate_table(s, keys, extra), ["persons"])


show_table(rate_table(summary, ["period"]),
           caption=f"Per 1,000 member-years (95% CI) and PMPM by {period}",
           formats={"member_months": "{:,}", "pmpm_total": "${:,.2f}"})

# %% [markdown]
# ## By age band, sex and segment
#
# The high-need segment is everyone who met the trigger (see the population report's funnel);
# rates here cover all their member months, before and after the trigger.

# %%
for group in ("age_band", "gender", "segment"):
    s = population.utilization_summary(panel, by="all", group=group)
    show(figures.group_rate_figure(s, group, "inpatient_stays", "Acute inpatient stays"))
    show_table(rate_table(s, [group]),
               caption=f"Per 1,000 member-years (95% CI) and PMPM by {group.replace('_', ' ')}",
               formats={"member_months": "{:,}", "pmpm_total": "${:,.2f}"})

# %% [markdown]
# ## PMPM by category and segment

# %%
seg_pmpm = population.utilization_summary(panel, by="all", group="segment")
cols = ["segment"] + [c for c in seg_pmpm.columns if c.startswith("pmpm_")]
show_table(seg_pmpm[cols], caption="PMPM ($) by service category and segment",
           formats={c: "${:,.2f}" for c in cols[1:]})
show_markdown(f"Trigger: {trigger.describe()}.")

# %% tags=["remove_cell"]
from valuecase.reporting.suite import publish_summary  # noqa: E402

allp = population.utilization_summary(panel, by="all").iloc[0]
publish_summary(
    f"ED {allp['ed_visits_per_1000']:,.0f} and acute stays "
    f"{allp['inpatient_stays_per_1000']:,.0f} per 1,000 member-years; "
    f"30-day readmission {allp['readmission_rate']:.1%}."
)
