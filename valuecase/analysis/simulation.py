"""A simulation study anyone can rerun: does the impact pipeline recover a known effect?

Each replicate generates a synthetic data set with a true program effect
(:func:`valuecase.synth.generate`) and its **twin** with the same seed and no effect, runs the
whole pipeline (load, panel, stays, trigger, study, every estimator) on the first, and the
same study on the twin. The generator thins events of program enrollees only, drawing the same
random numbers whatever the (non-positive) effect, so the twin holds the program group's own
untreated outcomes over exactly the windows the study analysed: the true value of each
estimator's estimand is known per replicate, not assumed from the generator's settings.

True values, over the program group's follow-up windows (``1`` with the effect, ``0`` the twin):

* rate ratios (``scale == "ratio"``): ``sum(y1) / sum(y0)``, compared on the log scale;
* the exposure-weighted DiD: ``(sum(y1) - sum(y0)) / sum(member months)``, per member-year
  (or per member-month for paid amounts), i.e. the difference of pooled rates;
* other differences (person-rate DiD, IPW ATT, regression adjustment): the mean over program
  persons of their own rate difference (the ATT on the person-rate scale).

Counts (stays, ED visits, bed days, readmissions) are exact in the twin; claim amounts are not
(line amounts draw from the stream after the thinning), so paid amounts are left out.

Each replicate also records the value case (the bundled ``roi-sample.yml``, evidence mode):
the ROI's 90% Monte Carlo interval, and the **true ROI**, the same value case with each
service line's true rate ratio and true untreated rate (from the twin) in place of the
estimates; and the design diagnostics' p-values (pre-trend test, placebo DiD), whose rejection
rates say how often they fire (:func:`summarize_checks`).

Examples
--------
>>> from valuecase.analysis.simulation import summarize_replicates
>>> import pandas as pd
>>> rows = pd.DataFrame({"scenario": "rct", "outcome": "ed_visits", "estimator": "e",
...                      "scale": "ratio", "primary": True, "truth": [0.9, 0.9],
...                      "estimate": [0.85, 0.95], "se": [0.05, 0.05],
...                      "ci_low": [0.8, 0.86], "ci_high": [0.93, 1.05],
...                      "p_value": [0.01, 0.3]})
>>> s = summarize_replicates(rows).iloc[0]
>>> int(s["replicates"]), float(s["coverage"]), float(s["rejection_rate"])
(2, 1.0, 0.5)
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COUNT_OUTCOMES", "SCENARIOS", "FixedRatio", "SimulationStudy", "replicate",
           "phase_rows", "simulation_study", "summarize_checks", "summarize_replicates", "true_roi",
           "true_values", "validation_table"]

SCENARIOS = ("rct", "observational")
"""``rct``: trigger-meeters randomized 1:1; ``observational``: selection into enrollment,
compared with eligible trigger-meeters who did not enrol."""

COUNT_OUTCOMES = ("inpatient_stays", "ed_visits", "bed_days", "readmissions_30d")
"""Outcomes whose untreated values the twin data set holds exactly."""


@dataclass(frozen=True)
class SimulationStudy:
    """The replicates and their summary (see :func:`simulation_study`).

    Parameters
    ----------
    replicates : DataFrame
        One row per scenario x replicate x outcome x estimator: ``truth``, ``estimate``,
        ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``n_program``, ``n_comparison``.
    summary : DataFrame
        :func:`summarize_replicates` of ``replicates``.
    checks : DataFrame
        :func:`summarize_checks` of ``replicates``: ROI interval coverage, diagnostics.
    settings : dict
        The arguments that made it (members, effects, selection, replicates, seed).
    """

    replicates: pd.DataFrame
    summary: pd.DataFrame
    checks: pd.DataFrame
    settings: dict


@dataclass(frozen=True)
class FixedRatio:
    """A rate ratio known without error (a true effect fed to the value case)."""

    estimate: float
    ci_low: float
    ci_high: float
    scale: str = "ratio"

    @classmethod
    def of(cls, ratio: float) -> FixedRatio:
        """The ratio with a degenerate interval (the ROI file's effect needs one)."""
        return cls(float(ratio), float(ratio) * (1 - 1e-12), float(ratio) * (1 + 1e-12))


def _post_rows(periods: pd.DataFrame) -> pd.DataFrame:
    return periods[(periods["treated"] == 1) & (periods["post"] == 1)].set_index("person_id")


def true_values(effects: pd.DataFrame, treated_world: Any, untreated_world: Any) -> pd.Series:
    """The true value of each estimate's estimand, from the study on the data with the effect
    and on its twin without it (see the module docstring for the rules).

    Parameters
    ----------
    effects : DataFrame
        :attr:`valuecase.impact.evaluation.Evaluation.effects` of the data with the effect.
    treated_world, untreated_world : Study
        :func:`valuecase.impact.study.build_study` on the data with and without the effect.

    Returns
    -------
    Series
        Aligned with ``effects``; NaN for outcomes the twin does not hold exactly.
    """
    p1 = treated_world.persons[treated_world.persons["treated"] == 1].set_index("person_id")
    p0 = untreated_world.persons.set_index("person_id").loc[p1.index]
    q1 = _post_rows(treated_world.periods)
    q0 = untreated_world.periods.set_index("person_id")
    q0 = q0[q0["post"] == 1].loc[q1.index]
    out = []
    for row in effects.itertuples():
        if row.outcome not in COUNT_OUTCOMES:
            out.append(np.nan)
        elif row.scale == "ratio":
            out.append(p1[f"followup_{row.outcome}"].sum() / p0[f"followup_{row.outcome}"].sum())
        elif row.estimator.startswith("DiD (exposure-weighted"):
            per = 12.0 if row.column.endswith("_per_member_year") else 1.0
            out.append(per * (q1[row.outcome].sum() - q0[row.outcome].sum())
                       / q1["member_months"].sum())
        elif row.estimator.startswith("DiD"):
            out.append(float((q1[row.column] - q0[row.column]).mean()))
        else:
            out.append(float((p1[row.column] - p0[row.column]).mean()))
    return pd.Series(out, index=effects.index, dtype=float)


def true_roi(a: Any, twin_study: Any, roi_file: str | Path
             ) -> tuple[float, tuple[float, float]]:
    """The value case's ROI with each service line's true rate ratio and true untreated rate
    (over the program group's follow-up, from the twin), and the estimated value case's 90%
    Monte Carlo ROI interval (5th-95th percentile).

    Parameters
    ----------
    a : Analysis
        The analysis of the data with the effect.
    twin_study : Study
        The same study on the untreated twin.
    roi_file : path
        An evidence-mode ROI assumptions file.
    """
    from valuecase.value.assumptions import read_roi_assumptions
    from valuecase.value.case import (
        SERVICE_LINE_OUTCOMES,
        assemble_params,
        build_value_case,
        measure_evidence,
    )
    from valuecase.value.projection import build_model, project

    evidence = measure_evidence(a.study, a.evaluation, a.panel, a.table("program_enrollment"),
                                a.table("program_costs"), seed=a.params.seed)
    estimated = build_value_case(evidence, roi_file, seed=a.params.seed).monte_carlo.roi
    p1 = a.study.persons[a.study.persons["treated"] == 1].set_index("person_id")
    p0 = twin_study.persons.set_index("person_id").loc[p1.index]
    mm = p1["followup_member_months"].sum()
    effects, rates = {}, {}
    for line, outcome in SERVICE_LINE_OUTCOMES.items():
        y1, y0 = p1[f"followup_{outcome}"].sum(), p0[f"followup_{outcome}"].sum()
        effects[line] = FixedRatio.of(y1 / y0)
        rates[line] = float(y0 / mm * 12)
    truth = dataclasses.replace(evidence, effects=effects, baseline_rates=rates,
                                baseline_rate_se=dict.fromkeys(rates, 0.0), draws=None)
    params, _ = assemble_params(read_roi_assumptions(roi_file), truth)
    roi = project(build_model(params)).summary.roi
    low, high = np.percentile(estimated, [5, 95])
    return float(roi), (float(low), float(high))


def phase_rows(a: Any, twin_study: Any) -> pd.DataFrame:
    """The while-enrolled / not-enrolled rate ratios (:mod:`valuecase.impact.phases`) of stays
    and ED visits, each with its true value: the program persons' events in that phase's
    months over their untreated twin's events in the same months."""
    from valuecase.impact.phases import phase_effects, program_phase

    enr = a.table("program_enrollment")
    fu = a.study.event_time
    fu = fu[(fu["post"] == 1) & (fu["treated"] == 1)].reset_index(drop=True)
    during = program_phase(fu, enr).to_numpy() == 1
    tw = twin_study.event_time.set_index(["person_id", "month"])
    rows = []
    for o in ("inpatient_stays", "ed_visits"):
        y0 = tw.loc[pd.MultiIndex.from_frame(fu[["person_id", "month"]]), o].to_numpy()
        y1 = fu[o].to_numpy()
        for phase, e in phase_effects(a.study, enr, o, a.evaluation.covariates).items():
            sel = during if phase == "while enrolled" else ~during
            d = {k: v for k, v in e.to_dict().items() if k != "details"}
            d["column"] = d.pop("outcome")
            rows.append({"outcome": o, "estimator": f"Poisson rate ratio, {phase} (descriptive)",
                         "primary": False, **d, "truth": y1[sel].sum() / y0[sel].sum()})
    return pd.DataFrame(rows)


def replicate(scenario: str, seed: int, members: int = 15_000, effect_inpatient: float = -0.15,
              effect_ed: float = -0.10, selection: float = 1.0) -> pd.DataFrame:
    """One replicate: generate, analyse, and attach the true values (see module docstring).

    Returns
    -------
    DataFrame
        One row per outcome x estimator with ``truth`` beside the estimate.
    """
    from valuecase.analysis.parameters import SuiteParameters
    from valuecase.analysis.run import Analysis
    from valuecase.datasets import example_params
    from valuecase.synth import SynthConfig, generate

    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {SCENARIOS}, got {scenario!r}")
    if not (-1 < effect_inpatient <= 0 and -1 < effect_ed <= 0):
        raise ValueError("effects must lie in (-1, 0]: the untreated twin is exact only for "
                         "effects that thin events")
    cfg = SynthConfig(members=members, seed=seed, randomized=scenario == "rct",
                      effect_inpatient=effect_inpatient, effect_ed=effect_ed,
                      selection=selection)
    design = "randomized" if scenario == "rct" else "eligible_not_enrolled"
    folder = Path(tempfile.mkdtemp(prefix="valuecase-sim-"))
    try:
        studies = {}
        for world, c in (("effect", cfg), ("twin", dataclasses.replace(
                cfg, effect_inpatient=0.0, effect_ed=0.0))):
            generate(c, folder / world)
            a = Analysis(SuiteParameters(data_dir=str(folder / world), design=design,
                                         seed=seed))
            studies[world] = a
        a = studies["effect"]
        effects = a.evaluation.effects.drop(columns="details", errors="ignore")
        effects["truth"] = true_values(effects, a.study, studies["twin"].study)
        effects = pd.concat([effects, phase_rows(a, studies["twin"].study)], ignore_index=True)
        persons = a.study.persons
        effects["n_program"] = int((persons["treated"] == 1).sum())
        effects["n_comparison"] = int((persons["treated"] == 0).sum())
        roi, (low, high) = true_roi(a, studies["twin"].study, example_params("roi-sample.yml"))
        effects["roi_true"], effects["roi_p5"], effects["roi_p95"] = roi, low, high
        effects["pretrend_p"] = float(a.diagnostics.pretrend.p_value)
        effects["placebo_p"] = float(a.diagnostics.placebo.p_value)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    effects.insert(0, "seed", seed)
    effects.insert(0, "scenario", scenario)
    return effects[effects["outcome"].isin(COUNT_OUTCOMES)].reset_index(drop=True)


def summarize_replicates(rows: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, outcome and estimator: ``replicates, truth, mean_estimate, bias,
    empirical_se, mean_se, se_ratio, coverage, rejection_rate``.

    Ratios are judged on the log scale (``bias`` = mean of log estimate - log truth; ``se`` of
    a ratio is the SE of its log); ``coverage`` is the share of 95% CIs holding the
    replicate's own true value; ``rejection_rate`` the share with p < 0.05 (power when the
    truth is an effect, false-positive rate when it is none).
    """
    out = []
    keys = ["scenario", "outcome", "estimator"]
    for key, g in rows.groupby(keys, sort=False):
        ratio = (g["scale"] == "ratio").all()
        f = np.log if ratio else (lambda x: x)
        est, truth = f(g["estimate"].to_numpy(float)), f(g["truth"].to_numpy(float))
        emp = float(np.std(est, ddof=1)) if len(g) > 1 else np.nan
        out.append(dict(zip(keys, key, strict=True)) | {
            "primary": bool(g["primary"].iloc[0]), "scale": "log ratio" if ratio else "difference",
            "replicates": len(g), "truth": float(np.mean(truth)),
            "mean_estimate": float(np.mean(est)), "bias": float(np.mean(est - truth)),
            "empirical_se": emp, "mean_se": float(g["se"].mean()),
            "se_ratio": float(g["se"].mean() / emp) if emp and emp > 0 else np.nan,
            "coverage": float(((g["ci_low"] <= g["truth"]) & (g["truth"] <= g["ci_high"])).mean()),
            "rejection_rate": float((g["p_value"] < 0.05).mean()),
        })
    return pd.DataFrame(out)


def validation_table(summary: pd.DataFrame) -> str:
    """:func:`summarize_replicates` as a Markdown table (the README's validation table).

    Examples
    --------
    >>> s = pd.DataFrame({"scenario": ["rct"], "outcome": ["ed_visits"], "estimator": ["e"],
    ...                   "primary": [True], "scale": ["log ratio"], "replicates": [30],
    ...                   "truth": [-0.06], "mean_estimate": [-0.07], "bias": [-0.01],
    ...                   "se_ratio": [1.02], "coverage": [0.95], "rejection_rate": [0.3]})
    >>> print(validation_table(s).splitlines()[2])
    | rct | ed_visits | e (primary) | log ratio | 30 | -0.060 | -0.070 | -0.010 | 1.02 | 95% | 30% |
    """
    head = ("| scenario | outcome | estimator | scale | replicates | truth | mean estimate | bias "
            "| SE ratio | coverage | rejection |")
    lines = [head, "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in summary.itertuples():
        name = f"{r.estimator} (primary)" if r.primary else r.estimator
        lines.append(f"| {r.scenario} | {r.outcome} | {name} | {r.scale} | {r.replicates} | "
                     f"{r.truth:.3f} | {r.mean_estimate:.3f} | {r.bias:.3f} | "
                     f"{r.se_ratio:.2f} | {r.coverage:.0%} | {r.rejection_rate:.0%} |")
    return "\n".join(lines)


def summarize_checks(rows: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: replicates, the 90% ROI interval's coverage of the true ROI, and how
    often the pre-trend test and the placebo DiD reject at p < 0.05.

    Examples
    --------
    >>> rows = pd.DataFrame({"scenario": "rct", "seed": [1, 2], "roi_true": [0.1, 0.5],
    ...                      "roi_p5": [0.0, 0.0], "roi_p95": [0.3, 0.3],
    ...                      "pretrend_p": [0.5, 0.01], "placebo_p": [0.2, 0.3]})
    >>> summarize_checks(rows)[["roi_coverage_90", "pretrend_rejection"]].iloc[0].tolist()
    [0.5, 0.5]
    """
    per = rows.drop_duplicates(["scenario", "seed"])
    out = []
    for scenario, g in per.groupby("scenario", sort=False):
        held = (g["roi_p5"] <= g["roi_true"]) & (g["roi_true"] <= g["roi_p95"])
        out.append({"scenario": scenario, "replicates": len(g),
                    "roi_true_mean": float(g["roi_true"].mean()),
                    "roi_coverage_90": float(held.mean()),
                    "pretrend_rejection": float((g["pretrend_p"] < 0.05).mean()),
                    "placebo_rejection": float((g["placebo_p"] < 0.05).mean())})
    return pd.DataFrame(out)


def _one(args: tuple) -> pd.DataFrame:
    return replicate(*args)


def simulation_study(scenarios: tuple[str, ...] = SCENARIOS, replicates: int = 30,
                     members: int = 15_000, effect_inpatient: float = -0.15,
                     effect_ed: float = -0.10, selection: float = 1.0, seed: int = 2024,
                     jobs: int = 1,
                     progress: Callable[[str], None] | None = None) -> SimulationStudy:
    """Run ``replicates`` replicates of each scenario (seeds from one root ``seed``).

    Parameters
    ----------
    jobs : int
        Replicates run at the same time, each in its own process.
    progress : callable, optional
        Called with one line per finished replicate.
    """
    if replicates < 2:
        raise ValueError(f"replicates must be >= 2 (an empirical SE needs two), got {replicates}")
    seeds = [int(s.generate_state(1)[0]) for s in
             np.random.SeedSequence(seed).spawn(replicates)]
    tasks = [(sc, s, members, effect_inpatient, effect_ed, selection)
             for sc in scenarios for s in seeds]
    say = progress or (lambda line: None)
    frames = []
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for i, df in enumerate(pool.map(_one, tasks), 1):
                frames.append(df)
                say(f"replicate {i}/{len(tasks)} ({df['scenario'].iloc[0]}) done")
    else:
        for i, task in enumerate(tasks, 1):
            frames.append(_one(task))
            say(f"replicate {i}/{len(tasks)} ({task[0]}) done")
    rows = pd.concat(frames, ignore_index=True)
    settings = {"scenarios": list(scenarios), "replicates": replicates, "members": members,
                "effect_inpatient": effect_inpatient, "effect_ed": effect_ed,
                "selection": selection, "seed": seed}
    return SimulationStudy(replicates=rows, summary=summarize_replicates(rows),
                           checks=summarize_checks(rows), settings=settings)
