# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# A report that needs program data, run on a folder without any: it says so, plainly.

# %% tags=["parameters"]
results_dir = ""
report = "impact"

# %%
from valuecase.analysis.notebook import results_for
from valuecase.present.display import show_markdown

res = results_for(report, globals())
show_markdown(res["unavailable"])
for line in res.get("available_elsewhere", []):
    show_markdown(f"- {line}")

# %% tags=["remove_cell"]
from valuecase.reporting.summary import publish_summary  # noqa: E402

publish_summary(res["unavailable_short"])
