"""Results of the partners report: reach and engagement, social needs resolved, time to
resolution, experience, activity-based cost by partner (counts under 11 suppressed).

Examples
--------
>>> from valuecase.analysis.parameters import SuiteParameters
>>> from valuecase.analysis.run import Analysis
>>> r = partners(Analysis(SuiteParameters()))
>>> sorted(r.values["tables"])
['experience_survey', 'program_services', 'social_needs']
"""

from __future__ import annotations

from typing import Any

from valuecase.analysis.results import Results
from valuecase.analysis.sections.unavailable import unavailable, without_claims

__all__ = ["NO_PARTNERS", "partners"]

NO_PARTNERS = ("**No partner data was given** (no `program_services`, `social_needs` or "
               "`experience_survey` table, or none with rows): reach, services, social needs "
               "and participant experience cannot be described. The claims reports describe "
               "utilization and cost; see the README's data contract for the partner tables.")
"""What the partners report says when the data folder has no partner table."""

_TABLES = ("reach", "contact_rates", "dose", "dose_outcomes", "needs", "resolution",
           "experience", "costs")


def partners(a: Any) -> Results:
    """Every table the partners report shows."""
    if (none := without_claims("partners", a)) is not None:
        return none
    m = a.partner_measures
    if not m.tables:
        return unavailable("partners", NO_PARTNERS, "No partner data: nothing to describe.")
    r = Results("partners")
    r.values.update(tables=list(m.tables), as_of=str(m.as_of.date()),
                    horizon_days=a.params.notebooks.partners.horizon_days,
                    cost_sources=list(m.cost_sources))
    for name in _TABLES:
        table = getattr(m, name)
        if table is not None:
            # the cost table's index repeats its service type (with the partner when a type
            # has several): shown beside both, it would read as a duplicated column
            r.tables[name] = (table.reset_index(drop=True).drop(columns="name", errors="ignore")
                              if name == "costs" else table)
    return r
