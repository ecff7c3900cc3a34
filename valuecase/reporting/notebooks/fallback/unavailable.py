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

# %% tags=["parameters"]
results_dir = ""
report = "impact"

# %%
# Run by the suite in place of a report whose results say the data cannot support it (no
# claims, no program data): the report's title and one plain statement of why, nothing else.
from valuecase.analysis.notebook import results_for
from valuecase.present.display import show_markdown
from valuecase.reporting.suite import SUITE

res = results_for(report, globals(), unavailable_ok=True)
show_markdown("# " + {nb.name: nb.title for nb in SUITE}[report])
show_markdown(res["unavailable"])

# %% tags=["remove_cell"]
from valuecase.reporting.summary import publish_summary  # noqa: E402

publish_summary(res["unavailable_short"])
