"""Results builders, one per report: ``BUILDERS[name](analysis) -> Results``.

Adding a report means adding a builder here (and a notebook that presents its results).

Examples
--------
>>> list(BUILDERS)
['data_quality', 'population', 'utilization', 'impact', 'roi', 'partners', 'funder_summary']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from valuecase.analysis.results import Results
from valuecase.analysis.sections.claims import data_quality, population, utilization
from valuecase.analysis.sections.impact import impact
from valuecase.analysis.sections.partners import partners
from valuecase.analysis.sections.value import funder_summary, roi

BUILDERS: dict[str, Callable[[Any], Results]] = {
    "data_quality": data_quality,
    "population": population,
    "utilization": utilization,
    "impact": impact,
    "roi": roi,
    "partners": partners,
    "funder_summary": funder_summary,
}
"""Report name -> results builder."""

__all__ = ["BUILDERS"]
