"""The value-case domains funders ask about, with the evidence an analysis has for each."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["value_domains"]


def value_domains(evaluation: Any, tables: set[str] | frozenset[str],
                  partners: Any = None) -> pd.DataFrame:
    """The value-case domains funders ask about, with the evidence this analysis has for each.

    Claims measure utilization and cost; participant experience and social needs come from
    the partner tables (``partners``: :class:`valuecase.partners.measures.PartnerMeasures`).
    Where the data folder has none, the table says so instead of leaving the domain out.
    """
    from valuecase.impact.effect import is_significant
    from valuecase.partners.measures import describe_experience, describe_needs, describe_reach

    ev = evaluation
    ip, ed = ev.primary["inpatient_stays"], ev.primary["ed_visits"]

    def effect_words(e: Any, label: str) -> str:
        change = (e.estimate - 1) * 100
        sig = "distinguishable from no change" if is_significant(e) else \
            "not distinguishable from no change"
        return (f"{label} {change:+.0f}% vs comparison (95% CI {(e.ci_low - 1) * 100:+.0f}% to "
                f"{(e.ci_high - 1) * 100:+.0f}%), {sig}")

    rows = [
        ("Utilization and cost", effect_words(ip, "Acute stays") + "; " +
         effect_words(ed, "ED visits"), "measured (claims)"),
        ("People reached", *describe_reach(partners)),
        ("Participant experience", *describe_experience(partners)),
        ("Social needs resolved", *describe_needs(partners)),
        ("Equity", "Rates by age band and sex are in the utilization report; the program's "
         "effects by age band, sex, race/ethnicity (where the data have it) and number of "
         "chronic conditions, with interaction tests, are in the impact report.",
         "measured (claims)"),
        ("Workforce", ("Program staff costs are in the program cost records"
                       if "program_costs" in tables else "No program cost records")
         + "; caseloads and retention are not in the data.", "partly described"),
    ]
    return pd.DataFrame(rows, columns=["domain", "evidence", "status"])
