"""Stage 2 - the member-month panel: encounters (ED visits, acute stays, readmissions, service
categories) and member months, written once in Ibis and run on the engine.

Examples
--------
>>> from valuecase import datasets
>>> from valuecase.data import load
>>> from valuecase.panel import build_panel
>>> panel = build_panel(load(datasets.sample_dir()))
>>> list(panel.columns[:3])
['person_id', 'month', 'year']
"""

from valuecase.panel.member_panel import (
    COUNT_COLUMNS,
    PAID_COLUMNS,
    PANEL_COLUMNS,
    build_panel,
    build_stays,
    member_months,
    panel_expr,
    spill_panel,
)

__all__ = ["COUNT_COLUMNS", "PAID_COLUMNS", "PANEL_COLUMNS", "build_panel", "build_stays",
           "member_months", "panel_expr", "spill_panel"]
