"""Stage 5 - ROI and the value case: arithmetic, assumptions, projection, partner ledger,
uncertainty, and the evidence from the data that fills the assumptions (:mod:`~valuecase.value.case`).

ROI is always labelled next to the benefit-cost ratio (a published "387% ROI" was really a
benefit-cost ratio of 3.87, i.e. 287% ROI): ROI = (S - C) / C; benefit-cost ratio = S / C.

Examples
--------
>>> from valuecase import value
>>> value.service_line_savings(100_000, 0.25, 0.5, 300)
3750000.0
>>> from valuecase.datasets import example_params
>>> p = value.load_roi_params(example_params("roi-calculator.yml"))
>>> proj = value.project(value.build_model(p))
>>> proj.summary.labelled()
'ROI 20% (net savings / cost); benefit-cost ratio 1.20 (savings / cost)'
"""

from valuecase.value.arithmetic import (
    RoiSummary,
    breakeven_reduction,
    npv,
    payback_month,
    service_line_savings,
    summarize,
)
from valuecase.value.assumptions import Distribution, RoiParams, load_roi_params
from valuecase.value.ledger import Ledger, partner_ledger
from valuecase.value.projection import Projection, ValueModel, build_model, project
from valuecase.value.uncertainty import (
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
    "load_roi_params",
    "monte_carlo",
    "npv",
    "partner_ledger",
    "payback_month",
    "project",
    "service_line_savings",
    "summarize",
    "tornado",
]
