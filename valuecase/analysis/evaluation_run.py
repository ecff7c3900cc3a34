"""The evaluation pipeline in one call: load -> panel -> trigger -> study -> estimates.

Notebooks (impact, ROI, funder summary) and scripts call :func:`run_evaluation` so the same
parameters always give the same cohorts and estimates.

Examples
--------
>>> run = run_evaluation("data/sample", baseline_months=12, followup_months=12)
>>> sorted(run.evaluation.primary)[:2]
['bed_days', 'ed_visits']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from valuecase.population import cohorts
from valuecase.impact import evaluation, study
from valuecase.data.load import LoadedData, load
from valuecase.data.mapping import ColumnMapping
from valuecase.panel.member_panel import build_panel, build_stays


@dataclass(frozen=True)
class EvaluationRun:
    """Everything the impact and value-case reports read."""

    data: LoadedData
    panel: pd.DataFrame
    trigger: cohorts.Trigger
    triggered: pd.DataFrame
    study: study.Study
    evaluation: evaluation.Evaluation


def run_evaluation(data_dir: str | Path, mapping_file: str | Path | None = None,
                   design: str = "eligible_not_enrolled", baseline_months: int = 12,
                   followup_months: int = 12, trigger_min_stays: int = 2,
                   trigger_window_days: int = 182, trigger_after_months: int = 12,
                   seed: int = 0) -> EvaluationRun:
    """Load a data folder and estimate the program's effects (see :mod:`valuecase.impact.study`)."""
    data = load(data_dir, mapping=ColumnMapping.from_file(mapping_file) if mapping_file
                else None)
    panel = build_panel(data)
    trigger = cohorts.Trigger(trigger_min_stays, trigger_window_days,
                              cohorts.baseline_end(panel, trigger_after_months))
    triggered = cohorts.trigger_dates(build_stays(data), trigger)
    enrollment = (data.frame("program_enrollment") if "program_enrollment" in data.tables
                  else None)
    st = study.build_study(panel, triggered, enrollment, study.StudyDesign(
        design=design, baseline_months=baseline_months, followup_months=followup_months,
        seed=seed))
    return EvaluationRun(data, panel, trigger, triggered, st, evaluation.evaluate(st, seed=seed))
