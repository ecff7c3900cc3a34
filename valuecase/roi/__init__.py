"""ROI and the value case: arithmetic, assumptions, projection, partner ledger, uncertainty.

ROI is always labelled next to the benefit-cost ratio (a published "387% ROI" was really a
benefit-cost ratio of 3.87, i.e. 287% ROI): ROI = (S - C) / C; benefit-cost ratio = S / C.

Examples
--------
>>> from valuecase import roi
>>> roi.service_line_savings(100_000, 0.25, 0.5, 300)
3750000.0
>>> p = roi.load_roi_params("params/roi-calculator.yml")
>>> proj = roi.project(roi.build_model(p))
>>> proj.summary.labelled()
'ROI 20% (net savings / cost); benefit-cost ratio 1.20 (savings / cost)'
"""

from valuecase.roi.arithmetic import (
    RoiSummary,
    breakeven_reduction,
    npv,
    payback_month,
    service_line_savings,
    summarize,
)
from valuecase.roi.figures import (
    cumulative_net_figure,
    ledger_figure,
    net_savings_histogram,
    tornado_figure,
)
from valuecase.roi.ledger import Ledger, partner_ledger
from valuecase.roi.params import Distribution, RoiParams, load_roi_params
from valuecase.roi.projection import Projection, ValueModel, build_model, project
from valuecase.roi.uncertainty import (
    BreakEven,
    MonteCarloResult,
    breakeven_effect,
    monte_carlo,
    tornado,
)

__all__ = [
    "BreakEven",
    "Distribution",
    "Ledger",
    "MonteCarloResult",
    "Projection",
    "RoiParams",
    "RoiSummary",
    "ValueModel",
    "breakeven_effect",
    "breakeven_reduction",
    "build_model",
    "cumulative_net_figure",
    "ledger_figure",
    "load_roi_params",
    "monte_carlo",
    "net_savings_histogram",
    "npv",
    "partner_ledger",
    "payback_month",
    "project",
    "service_line_savings",
    "summarize",
    "tornado",
    "tornado_figure",
]
