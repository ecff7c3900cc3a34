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
results_dir = ""
data_dir = ""
mapping_file = ""
trigger_min_stays = 2
trigger_window_days = 182
trigger_after_months = 12
period = "quarter"
currency = "USD"

# %%
from valuecase.analysis.notebook import results_for
from valuecase.population import RATE_EVENTS, rate_table
from valuecase.present import figures
from valuecase.present import formatting as fmt
from valuecase.present.currency import use_currency
from valuecase.present.display import show, show_markdown, show_table
from valuecase.privacy import suppress_small_counts

res = results_for("utilization", globals())
use_currency(currency)  # every amount, header and axis below
summary = res.table("summary")
period = res["period"]


def PMPM(v):
    return fmt.money(v, cents=True)


def rates_shown(s, keys):
    extra = ("persons", "member_months", "pmpm_total")
    return suppress_small_counts(rate_table(s, keys, extra), ["persons"])


# %% [markdown]
# ## Trends by period

# %%
for event, label in RATE_EVENTS.items():
    show(figures.rate_figure(summary, event, label))
show(figures.pmpm_figure(res.table("pmpm"),
                         title=f"PMPM by service category and {period}"))
show_table(rates_shown(summary, ["period"]),
           caption=f"Per 1,000 member-years (95% CI) and PMPM by {period}",
           formats={"member_months": fmt.number, "pmpm_total": PMPM})

# %% [markdown]
# ## By age band, sex and segment
#
# The high-need segment is everyone who met the trigger (see the population report's funnel);
# rates here cover all their member months, before and after the trigger.

# %%
for group in ("age_band", "gender", "segment"):
    s = res.table(f"by__{group}")
    show(figures.group_rate_figure(s, group, "inpatient_stays", "Acute inpatient stays"))
    show_table(rates_shown(s, [group]),
               caption=f"Per 1,000 member-years (95% CI) and PMPM by {group.replace('_', ' ')}",
               formats={"member_months": fmt.number, "pmpm_total": PMPM})

# %% [markdown]
# ## PMPM by category and segment

# %%
seg = res.table("by__segment")
cols = ["segment"] + [c for c in seg.columns if c.startswith("pmpm_")]
show_table(seg[cols], caption="PMPM ($) by service category and segment",
           formats={c: PMPM for c in cols[1:]})
show_markdown(f"Trigger: {res['trigger']}.")

# %% tags=["remove_cell"]
from valuecase.reporting.summary import publish_summary  # noqa: E402

# the readmission rate is shown only where it rests on at least 11 index stays, as in the tables
readmission = (fmt.percent(res["readmission_rate"]) if res.get("index_stays", 0) >= 11
               else "not shown (<11 index stays)")
publish_summary(
    f"ED {fmt.number(res['ed_per_1000'], 0)} and acute stays "
    f"{fmt.number(res['stays_per_1000'], 0)} per 1,000 "
    f"member-years; 30-day readmission {readmission}."
)
