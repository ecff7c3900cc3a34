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
# # Partners and services: who was reached, what was done, what changed beyond claims
#
# From the partners' own records (`program_services`, `social_needs`, `experience_survey`):
# how soon program members were reached and how often they were seen, by partner and service;
# the social needs found and resolved, with time to resolution; what participants said; and
# what the services cost by partner. Counts under 11 are suppressed (shown as —), and so are
# the shares and intervals computed from them.

# %% tags=["parameters"]
results_dir = ""
data_dir = ""
mapping_file = ""
horizon_days = 90
currency = "USD"

# %%
from valuecase.analysis.notebook import results_for
from valuecase.present import formatting as fmt
from valuecase.present import partner_figures
from valuecase.present.currency import use_currency
from valuecase.present.display import show, show_markdown, show_table, show_text
from valuecase.present.interpret import money

use_currency(currency)  # every amount, header and axis below
res = results_for("partners", globals())
PCT = fmt.percent
COUNT = fmt.count
SUPPRESSED = fmt.SUPPRESSED_NOTE


def decimals(digits):
    return lambda v: fmt.number(v, digits)


show_text(f"Partner tables: {', '.join(res['tables'])}; data as of {res['as_of']}.")

# %% [markdown]
# ## Reach and engagement
#
# Reached = at least one contact within 30 (90) days of enrollment, among members enrolled at
# least that long before the data end. Contacts per enrolled member-month count contacts while
# enrolled only.

# %%
if "reach" in res.tables:
    reach = res.table("reach")
    show_table(reach.drop(columns=["denominator", "suppressed"]),
               caption="Members reached after enrollment (Wilson 95% CI). " + SUPPRESSED,
               formats={"eligible": COUNT, "reached": COUNT, "share": PCT, "ci_low": PCT,
                        "ci_high": PCT})
    rates = res.table("contact_rates")
    show_table(rates.drop(columns=["suppressed"]),
               caption="Contacts per enrolled member-month, by partner and service type. "
               + SUPPRESSED,
               formats={"contacts": COUNT, "persons": COUNT, "enrolled": COUNT,
                        "member_months": decimals(1),
                        "contacts_per_member_month": decimals(2)})
    show(partner_figures.contacts_figure(rates))
    dose = res.table("dose")
    show_markdown("**Descriptive, not causal.** Members who get more contacts differ from "
                  "those who get fewer (in need, in how easy they are to reach): this table "
                  "shows how contact intensity is spread, not what more contacts would do.")
    show_table(dose.drop(columns=["interpretation", "suppressed"]),
               caption="Members by contacts per enrolled month. " + SUPPRESSED,
               formats={"persons": COUNT, "member_months": decimals(1), "contacts": COUNT,
                        "rate_min": decimals(2), "rate_max": decimals(2),
                        "contacts_per_member_month": decimals(2)})
    if "dose_outcomes" in res.tables:
        dose_out = res.table("dose_outcomes")
        show_table(dose_out.drop(columns=["interpretation", "suppressed"]),
                   caption="Follow-up acute stays and ED visits per member-year by contact "
                           "intensity (exact Poisson 95% CI; the impact study's program "
                           "group). Descriptive, not causal. " + SUPPRESSED,
                   formats={c: (decimals(2) if c != "persons" else COUNT)
                            for c in dose_out.columns
                            if c not in ("group", "interpretation", "suppressed")})
else:
    show_text("No program_services table: reach and engagement are not measured.")

# %% [markdown]
# ## Social needs identified and resolved
#
# By the domains of the CMS Accountable Health Communities screening tool. Only a need marked
# resolved counts as resolved; time to resolution is a Kaplan–Meier estimate (lifelines), with
# open needs censored at the data end and needs closed unresolved at their close.

# %%
if "needs" in res.tables:
    show_table(res.table("needs").drop(columns=["suppressed"]),
               caption="Needs identified and resolved (Wilson 95% CI). " + SUPPRESSED,
               formats={"identified": COUNT, "resolved": COUNT, "persons": COUNT,
                        "share": PCT, "ci_low": PCT, "ci_high": PCT})
    resolution = res.table("resolution")
    show(partner_figures.resolution_figure(resolution))
    show_table(resolution.drop(columns=["suppressed", "horizon_days"]),
               caption=f"Days to resolution and share resolved by {res['horizon_days']} days "
                       "(Kaplan–Meier, 95% CI). " + SUPPRESSED,
               formats={"needs": COUNT, "resolved": COUNT, "censored": COUNT,
                        "not_placed": COUNT, "median_days": decimals(0),
                        "median_ci_low": decimals(0), "median_ci_high": decimals(0),
                        "resolved_by_horizon": PCT,
                        "horizon_ci_low": PCT, "horizon_ci_high": PCT})
else:
    show_text("No social_needs table: social needs are not measured.")

# %% [markdown]
# ## Participant experience

# %%
if "experience" in res.tables:
    show_table(res.table("experience").drop(columns=["suppressed"]),
               caption="Survey items: response rate, mean (t 95% CI) and top-box share (Wilson "
                       "95% CI). " + SUPPRESSED,
               formats={"respondents": COUNT, "denominator": COUNT, "response_rate": PCT,
                        "mean": decimals(2), "mean_ci_low": decimals(2),
                        "mean_ci_high": decimals(2),
                        "top_box": COUNT, "top_box_share": PCT, "top_box_ci_low": PCT,
                        "top_box_ci_high": PCT})
else:
    show_text("No experience_survey table: participant experience is not measured.")

# %% [markdown]
# ## What the services cost, by partner (activity-based)

# %%
if "costs" in res.tables:
    costs = res.table("costs")
    show_table(costs.drop(columns=["suppressed"]),
               caption="Cost of the services recorded in the last 12 months, by service type "
                       "and partner. " + SUPPRESSED,
               formats={"contacts": COUNT, "contacts_without_cost": COUNT, "persons": COUNT,
                        "annual": money})
    show_text("The ROI report uses the program_costs table when there is one; these "
              "activity-based costs are a second source for the partner ledger.")
else:
    show_text("No service costs recorded: activity-based costs are not measured.")

# %% tags=["remove_cell"]
from valuecase.reporting.summary import publish_summary  # noqa: E402

parts = []
if "reach" in res.tables:
    row = res.table("reach").iloc[-1]
    if row["share"] == row["share"]:
        parts.append(f"{fmt.percent(row['share'])} reached within {row['window_days']} days")
if "needs" in res.tables:
    row = res.table("needs").iloc[-1]
    if row["share"] == row["share"]:
        parts.append(f"{fmt.percent(row['share'])} of social needs resolved")
if "experience" in res.tables:
    parts.append(f"{len(res.table('experience'))} survey items")
publish_summary("; ".join(parts) + "." if parts else "Partner data described.")
