"""One analysis run: every stage computed at most once, shared by every report.

:class:`Analysis` holds the validated :class:`~valuecase.analysis.parameters.SuiteParameters`
and computes each stage lazily, the first time a report needs it — load, panel, stays, trigger,
study, evaluation, diagnostics, evidence, value case — and keeps it. :func:`run_analysis` builds
the results of the chosen reports (:mod:`valuecase.analysis.sections`) and writes them with
:class:`~valuecase.analysis.results.Results`; the notebooks then only present them.

Examples
--------
>>> from valuecase.analysis.parameters import SuiteParameters
>>> a = Analysis(SuiteParameters())
>>> int(a.panel.person_id.nunique().execute()) > 1000   # the panel, on the engine
True
>>> a.panel is a.panel          # computed once
True
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from valuecase.analysis.parameters import SuiteParameters
from valuecase.analysis.results import Results, write_provenance

__all__ = ["Analysis", "run_analysis"]


class Analysis:
    """The stages of one run, each computed on first use and then kept.

    Parameters
    ----------
    params : SuiteParameters
        Validated parameters (:func:`valuecase.analysis.parameters.check_parameters`).
    """

    def __init__(self, params: SuiteParameters) -> None:
        self.params = params
        self.timings: dict[str, float] = {}

    def _timed(self, name: str, func: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = func()
        self.timings[name] = time.perf_counter() - start
        return value

    @cached_property
    def data(self) -> Any:
        """The validated tables (:func:`valuecase.data.load`)."""
        from valuecase.data.load import load
        from valuecase.data.mapping import ColumnMapping

        p = self.params
        if p.column_mapping:
            mapping = ColumnMapping.from_dict(p.column_mapping, p.mapping_file or "parameters")
        elif p.mapping_file:
            mapping = ColumnMapping.from_file(p.mapping_file)
        else:
            mapping = None
        from valuecase.data.engines import get_engine

        engine = get_engine(p.engine, **p.engine_settings)
        decimal = None if p.decimal_separator == "auto" else p.decimal_separator
        return self._timed("load", lambda: load(p.resolved_data_dir(), mapping=mapping,
                                                engine=engine, decimal_separator=decimal,
                                                date_sentinels=p.date_sentinels,
                                                layout=p.layout))

    @cached_property
    def panel(self) -> Any:
        """The member-month panel as an Ibis table on the engine, computed once and spilled
        (:func:`~valuecase.panel.member_panel.spill_panel`): reports aggregate it there
        and the study collects only its cohort's months, so the population's panel never
        reaches pandas."""
        from valuecase.panel import spill_panel

        data = self.data
        return self._timed("panel", lambda: spill_panel(data))

    @cached_property
    def stays(self) -> pd.DataFrame:
        """Acute inpatient stays (one row per merged stay)."""
        from valuecase.panel import build_stays

        data = self.data
        return self._timed("stays", lambda: build_stays(data))

    @cached_property
    def trigger(self) -> Any:
        """The high-need trigger with its start date after the look-back months."""
        from valuecase.population.cohorts import Trigger, baseline_end

        p = self.params
        return Trigger(p.trigger_min_stays, p.trigger_window_days,
                       baseline_end(self.panel, p.trigger_after_months))

    @cached_property
    def triggered(self) -> pd.DataFrame:
        """Persons who met the trigger, with their trigger date."""
        from valuecase.population.cohorts import trigger_dates

        stays, trigger = self.stays, self.trigger
        return self._timed("trigger", lambda: trigger_dates(stays, trigger))

    def table(self, name: str) -> pd.DataFrame | None:
        """A loaded table as a DataFrame (None when the data folder has none)."""
        return self.data.frame(name) if name in self.data.tables else None

    @cached_property
    def conditions(self) -> Any:
        """Claims with a chronic-condition code per person, month and condition, computed once
        on the engine (:func:`~valuecase.panel.conditions.condition_months`); None when the
        claims carry no diagnosis column."""
        from valuecase.panel.conditions import materialize_conditions

        data = self.data
        return self._timed("conditions", lambda: materialize_conditions(data))

    @cached_property
    def person_attributes(self) -> Any:
        """``person_id, race`` from eligibility, on the engine (None without a race column)."""
        if "eligibility" not in self.data.tables:
            return None
        elig = self.data.table("eligibility")
        if "race" not in elig.columns:
            return None
        return elig.group_by("person_id").aggregate(race=elig.race.max())

    @cached_property
    def study(self) -> Any:
        """Program and comparison cohorts with their windows, condition flags and attributes."""
        from valuecase.impact.study import StudyDesign, build_study

        p = self.params
        design = StudyDesign(design=p.design, baseline_months=p.baseline_months,
                             followup_months=p.followup_months, seed=p.seed)
        panel, triggered = self.panel, self.triggered
        enrollment = self.table("program_enrollment")
        conditions, attributes = self.conditions, self.person_attributes
        return self._timed("study", lambda: build_study(
            panel, triggered, enrollment, design, conditions=conditions, attributes=attributes))

    @cached_property
    def evaluation(self) -> Any:
        """Every estimator over every outcome."""
        from valuecase.impact.evaluation import evaluate

        st = self.study
        return self._timed("evaluation", lambda: evaluate(st, seed=self.params.seed))

    @cached_property
    def has_program(self) -> bool:
        """Whether the data hold program enrollment rows (else there is nothing to evaluate)."""
        if "program_enrollment" not in self.data.tables:
            return False
        return int(self.data.table("program_enrollment").count().execute()) > 0

    @cached_property
    def partner_measures(self) -> Any:
        """Engagement, social needs, experience and activity-based costs from the partner
        tables (:func:`valuecase.partners.measures.measure_partners`), as of the claims' last
        month end."""
        from valuecase.partners.measures import measure_partners

        end = self.totals["last_month"] + pd.offsets.MonthEnd(0)
        tables = {t: self.table(t) for t in ("program_enrollment", "program_services",
                                             "social_needs", "experience_survey")}
        horizon = self.params.notebooks.partners.horizon_days
        outcomes = None
        if self.has_program and "program_services" in self.data.tables:
            persons = self.study.persons
            outcomes = persons[persons["treated"] == 1]
        return self._timed("partners", lambda: measure_partners(
            tables, end, horizon_days=horizon, outcomes=outcomes))

    @cached_property
    def totals(self) -> dict[str, Any]:
        """Persons, member months, paid total, first and last month of the panel
        (:func:`~valuecase.population.aggregate.panel_totals`, one query per run)."""
        from valuecase.population.aggregate import panel_totals

        return panel_totals(self.panel)

    @cached_property
    def has_spending(self) -> bool:
        """Whether any accepted claim line put a paid amount in an enrolled month (else every
        report past data quality says there are no claims to describe)."""
        return self.totals["paid_total"] != 0

    @cached_property
    def roi_mode(self) -> str:
        """``calculator`` or ``evidence``: the mode of the ROI assumptions file."""
        from valuecase.value.case import check_roi_file

        return str(check_roi_file(self.params.resolved_roi_file()).mode)

    @cached_property
    def calculator_gaps(self) -> list[str]:
        """Assumptions a calculator-mode ROI file leaves to program data that are not there
        (empty with program data, and in evidence mode)."""
        from valuecase.value.assumptions import read_roi_assumptions
        from valuecase.value.case import program_data_gaps

        if self.has_program or self.roi_mode != "calculator":
            return []
        return program_data_gaps(read_roi_assumptions(self.params.resolved_roi_file()))

    @property
    def has_value_case(self) -> bool:
        """Evidence mode needs the program's measured effects; calculator mode needs none, as
        long as the file gives what would otherwise be measured on the program's members."""
        return self.has_program or (self.roi_mode == "calculator" and not self.calculator_gaps)

    @cached_property
    def subgroups(self) -> Any:
        """Rate ratios of stays and ED visits by age band, sex, race/ethnicity (when eligibility
        has it) and chronic-condition segment (when any cohort person has a flagged condition),
        with interaction tests."""
        from valuecase.impact.subgroups import subgroup_dimensions, subgroup_table

        persons = self.study.persons
        return self._timed("subgroups", lambda: subgroup_table(
            persons, dimensions=subgroup_dimensions(persons)))

    @cached_property
    def diagnostics(self) -> Any:
        """Pre-trend test, event study and placebo DiD."""
        from valuecase.impact.evaluation import diagnostics

        s, st = self.params.notebooks.impact, self.study
        return self._timed("diagnostics", lambda: diagnostics(
            st, event_window=s.event_window, placebo_split=s.placebo_split))

    @cached_property
    def value_case(self) -> Any:
        """Evidence from the data filled into the ROI assumptions, projected and simulated."""
        from valuecase.value.case import build_value_case, claims_evidence, measure_evidence

        if not self.has_value_case:
            raise ValueError("no program_enrollment data: " + (
                "the calculator-mode ROI file must give " + ", ".join(self.calculator_gaps)
                if self.calculator_gaps else "an evidence-mode value case needs the program's "
                "measured effects (use a calculator-mode ROI file)"))
        panel = self.panel
        if self.has_program:
            st, ev = self.study, self.evaluation
            enrollment, costs = self.table("program_enrollment"), self.table("program_costs")
            services = self.table("program_services")

        def build() -> Any:
            evidence = (measure_evidence(st, ev, panel, enrollment, costs, services,
                                         seed=self.params.seed)
                        if self.has_program
                        else claims_evidence(panel))
            return build_value_case(evidence, self.params.resolved_roi_file(),
                                    seed=self.params.seed)

        return self._timed("value_case", build)


def build_results(analysis: Analysis, name: str) -> Results:
    """The results of report ``name`` (see :data:`valuecase.analysis.sections.BUILDERS`), their
    sentences' amounts in the run's ``currency``."""
    from valuecase.analysis.sections import BUILDERS
    from valuecase.present.currency import shown_in

    if name not in BUILDERS:
        raise KeyError(f"no results builder for report {name!r}; known: "
                       f"{', '.join(BUILDERS)}")
    with shown_in(analysis.params.currency):
        return BUILDERS[name](analysis)


def run_analysis(params: SuiteParameters, reports: Sequence[str], results_dir: str | Path,
                 log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Compute the results of ``reports`` once and write them to ``results_dir``.

    Returns
    -------
    dict
        The provenance written to ``provenance.json``: parameters, stage seconds, the
        seconds per report's results, valuecase version and run date.
    """
    from valuecase import __version__
    from valuecase.analysis.sections import BUILDERS

    log = log or (lambda line: None)
    analysis = Analysis(params)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    for name in reports:
        if name not in BUILDERS:
            continue
        t0 = time.perf_counter()
        build_results(analysis, name).write(results_dir)
        seconds[name] = time.perf_counter() - t0
        log(f"      analysis: {name} results in {seconds[name]:.1f} s")
    provenance = {
        "parameters": params.model_dump(),
        "stage_seconds": analysis.timings,
        "report_seconds": seconds,
        "analysis_seconds": time.perf_counter() - start,
        "valuecase_version": __version__,
        "run_date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    write_provenance(results_dir, provenance)
    return provenance
