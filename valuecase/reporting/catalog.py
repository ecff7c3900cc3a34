"""The reports of the suite: names, titles and who reads them (imports nothing heavy, so the
CLI's help can list the report names without loading the report machinery).

:mod:`valuecase.reporting.suite` re-exports :data:`SUITE` and runs it.

Examples
--------
>>> report_names()  # doctest: +NORMALIZE_WHITESPACE
('data_quality', 'population', 'utilization', 'impact', 'roi', 'partners',
 'funder_summary')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SUITE", "SuiteNotebook", "report_names"]


@dataclass(frozen=True)
class SuiteNotebook:
    """One notebook of the suite: file stem, report title, and whether funders read it."""

    name: str
    title: str
    funder_facing: bool = False


SUITE: tuple[SuiteNotebook, ...] = (
    SuiteNotebook("data_quality", "Data quality"),
    SuiteNotebook("population", "Population and cost concentration"),
    SuiteNotebook("utilization", "Utilization and cost trends"),
    SuiteNotebook("impact", "Impact evaluation"),
    SuiteNotebook("roi", "Return on investment"),
    SuiteNotebook("partners", "Partners and services"),
    SuiteNotebook("funder_summary", "The value case in one page", funder_facing=True),
)
"""The notebooks ``valuecase report`` runs, in order."""


def report_names() -> tuple[str, ...]:
    """The names ``valuecase report --only`` takes, in suite order.

    Examples
    --------
    >>> "funder_summary" in report_names()
    True
    """
    return tuple(nb.name for nb in SUITE)
