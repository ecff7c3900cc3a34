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
# # Data quality
#
# Before any number is trusted: did every row arrive, what was rejected and why, which columns are
# filled, how complete recent months are, and how much spend falls outside enrolled months.

# %% tags=["parameters"]
results_dir = ""
data_dir = ""
mapping_file = ""
currency = "USD"

# %%
import plotly.graph_objects as go

from valuecase.analysis.notebook import results_for
from valuecase.present import formatting as fmt
from valuecase.present.currency import use_currency
from valuecase.present.display import show, show_markdown, show_table
from valuecase.present.figures import line_figure
from valuecase.present.theme import PALETTE, themed
from valuecase.privacy import suppress_small_counts

res = results_for("data_quality", globals())
use_currency(currency)  # every amount, header and axis below


def CENTS(v):
    return fmt.money(v, cents=True)


def DAYS(v):
    return fmt.number(v, 0)

# %% [markdown]
# ## Reconciliation: rows and dollars in = accepted + rejected
#
# Accepted claims dated in a month with no enrollment stay in the data but are left out of PMPM;
# they are shown here so no dollar disappears silently.

# %%
recon = res.table("reconciliation")
show_table(
    recon,
    caption="Rows and paid amounts by table",
    formats={c: CENTS for c in recon.columns if c.startswith("paid")}
    | {c: fmt.number for c in recon.columns if c.startswith("rows")},
)
balanced = bool((recon["rows_in"] == recon["rows_accepted"] + recon["rows_rejected"]).all())
show_markdown(
    "Every table reconciles: rows in = rows accepted + rows rejected."
    if balanced
    else "**Warning: a table does not reconcile.**"
)
for note in res["notes"]:
    show_markdown(f"**Note:** {note}.")

# %% [markdown]
# ## Rejected rows by reason

# %%
by_reason = res.table("rejects_by_reason")
if len(by_reason):
    show_table(
        suppress_small_counts(by_reason, ["rows"]),
        caption="Rejected rows (first reason that applies)",
        formats={"paid_amount": CENTS},
    )
else:
    show_markdown("No row was rejected.")

# %% [markdown]
# ## Completeness by column

# %%
for table in res["tables"]:
    show_table(
        res.table(f"completeness__{table}"),
        caption=f"{fmt.value_label(table)}: share of accepted rows with a value",
        formats={"column": str, "filled_share": fmt.percent, "rows": fmt.number,
                 "filled": fmt.number},
    )

# %% [markdown]
# ## Volume and completeness by month
#
# A falling line at the end of the data usually means claims run-out (claims not yet paid),
# not falling utilization.

# %%
vol = res.table("volume_by_month")
show(line_figure(vol, x="month", y="paid_amount", color="table",
                 title="Paid amount by service month", y_title="Paid ($)"))
show(line_figure(vol, x="month", y="lines", color="table", title="Claim lines by service month",
                 y_title="Lines"))
if "completeness_by_month" in res.tables and len(res.table("completeness_by_month")):
    cbm = res.table("completeness_by_month")
    show(line_figure(cbm.assign(filled_share=cbm["filled_share"] * 100), x="month",
                     y="filled_share", color="column",
                     title="Medical claims: share of lines with a value, by month",
                     y_title="Filled (%)"))

# %% [markdown]
# ## Claims lag: how long from service to payment

# %%
if res["has_lag"]:
    show_table(
        res.table("lag_summary"),
        caption="Days from service end to payment",
        formats={"claims": fmt.number, "median_days": DAYS, "p90_days": DAYS,
                 "p99_days": DAYS, "paid_within_30d": fmt.percent,
                 "paid_within_90d": fmt.percent},
    )
    fig = go.Figure()
    for i, (table, g) in enumerate(res.table("completion_factors").groupby("table")):
        fig.add_trace(go.Scatter(x=g["months_after_service"], y=g["share_paid"] * 100,
                                 mode="lines+markers", name=table,
                                 line=dict(color=PALETTE[i % len(PALETTE)])))
    show(themed(fig, "Completion: share of dollars paid within k months of service",
                "Months after service", "Paid (%)", height=400))
else:
    show_markdown("The claims carry no `paid_date`, so the claims lag cannot be measured.")

# %% [markdown]
# ## Spend outside enrollment

# %%
outside = res.table("outside_enrollment")
if len(outside):
    totals = outside.groupby("table").agg(
        lines=("lines", "sum"), paid_amount=("paid_amount", "sum")
    ).reset_index()
    show_table(totals, caption="Accepted claims dated in months without enrollment",
               formats={"lines": fmt.number, "paid_amount": CENTS})
    show(line_figure(outside, x="month", y="paid_amount", color="table",
                     title="Paid outside enrollment by month", y_title="Paid ($)"))
else:
    show_markdown("No accepted claim falls outside enrollment.")

# %% [markdown]
# ## Acute stays without inpatient spend

# %%
if "stays_without_spend" in res.tables:
    gaps = res.table("stays_without_spend")
    flagged = gaps.loc[gaps["flagged"], "year"].tolist()
    show_markdown(
        f"**Flag:** acute inpatient stays but {fmt.money(0)} inpatient spend in "
        f"{', '.join(flagged)}: the data do not price stays in those years, so inpatient PMPM and the paid per stay there "
        "are not real costs." if flagged else
        "Every year with acute inpatient stays has inpatient spend.")

# %% tags=["remove_cell"]
from valuecase.reporting.summary import publish_summary  # noqa: E402

publish_summary(
    f"{int(recon['rows_in'].sum()):,} rows read, {res['rejected_rows']:,} rejected; "
    f"{fmt.money(outside['paid_amount'].sum() if len(outside) else 0)} paid "
    "outside "
    "enrollment."
)
