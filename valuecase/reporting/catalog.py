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
    """One notebook of the suite: file stem, report title, whether funders read it, and for
    the index page the question it answers and who it is for."""

    name: str
    title: str
    funder_facing: bool = False
    question: str = ""
    audience: str = ""


SUITE: tuple[SuiteNotebook, ...] = (
    SuiteNotebook("data_quality", "Data quality", question=(
        "Can these claims be trusted? Every row and dollar read, accepted or rejected, "
        "completeness and claims lag."), audience="analysts and evaluators, first"),
    SuiteNotebook("population", "Population and cost concentration", question=(
        "Who is covered and where the money goes: spending per member month and how much of "
        "it the costliest few account for."), audience="evaluators and finance teams"),
    SuiteNotebook("utilization", "Utilization and cost trends", question=(
        "How often people use the hospital and the ED, and what that costs, by period and "
        "group."), audience="evaluators and finance teams"),
    SuiteNotebook("impact", "Impact evaluation", question=(
        "What the program changed, against a comparison group, with the checks that say how "
        "far to trust it."), audience="evaluators"),
    SuiteNotebook("roi", "Return on investment", question=(
        "Whether the savings cover the program's cost, for whom, and how sure we can be."),
        audience="finance teams"),
    SuiteNotebook("partners", "Partners and services", question=(
        "Whom the partners reached, which social needs were resolved, and what people said."),
        audience="program managers and partners"),
    SuiteNotebook("funder_summary", "The value case in one page", funder_facing=True,
                  question="The whole value case in plain language, on one page.",
                  audience="funders and boards: start here"),
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
