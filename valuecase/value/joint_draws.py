"""Joint uncertainty of the value case: a person-level bootstrap of the impact study.

An evidence-mode value case prices each service line with two numbers measured on the same
people: the rate ratio ``RR`` (the impact study's primary Poisson model) and the program
group's untreated rate, defined as its observed follow-up rate divided by ``RR``. Avoided
events per member-year are ``baseline x (1 - RR) = observed x (1 / RR - 1)``. Drawing the
ratio and the baseline independently, the baseline's spread from Poisson ``sqrt(n)``, misses
two things: the two are tied together (a draw with a larger effect implies a larger
untreated rate), and the counts are overdispersed (a few people have many stays).

:func:`joint_effect_draws` resamples **persons** instead, with replacement and within each
arm (so the arms keep their sizes, as randomization fixed them), refits the primary model on
each resample with the same covariates, and recomputes the observed rate, so every draw
holds a rate ratio and the baseline rate that goes with it, for every service line at once
(stays and ED visits of the same people stay correlated too). The Monte Carlo then draws
whole rows (:meth:`valuecase.value.projection.ValueModel.sample`). Same ``seed``, same draws.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from types import SimpleNamespace
>>> rng = np.random.default_rng(0)
>>> n = 400
>>> persons = pd.DataFrame({"treated": np.repeat([1, 0], n // 2), "age": rng.integers(30, 80, n),
...                         "followup_member_months": 12})
>>> persons["followup_inpatient_stays"] = rng.poisson(np.where(persons.treated == 1, 0.4, 0.5))
>>> persons["followup_ed_visits"] = rng.poisson(1.0, n)
>>> study = SimpleNamespace(persons=persons)
>>> evaluation = SimpleNamespace(covariates="age")
>>> d = joint_effect_draws(study, evaluation, draws=200, seed=1)
>>> list(d.columns)[:2]
['service_lines.inpatient.effect', 'service_lines.inpatient.baseline_rate']
>>> len(d), d.equals(joint_effect_draws(study, evaluation, draws=200, seed=1))
(200, True)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from valuecase.impact import design
from valuecase.value.case import SERVICE_LINE_OUTCOMES

__all__ = ["joint_effect_draws"]


def _poisson_log_ratio(y: np.ndarray, x: np.ndarray, offset: np.ndarray,
                       start: np.ndarray) -> float:
    """The treatment coefficient (column 1) of a Poisson GLM with a log offset.

    A resample can fit its counts exactly (e.g. every person of an arm with the same rate);
    statsmodels then warns of "perfect prediction", which does not affect the ratio.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        res = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(start_params=start)
    return float(res.params[1])


def joint_effect_draws(study: Any, evaluation: Any, draws: int = 400, seed: int = 0,
                       lines: dict[str, str] | None = None,
                       log_se: dict[str, float] | None = None) -> pd.DataFrame:
    """Bootstrap draws of each service line's rate ratio and untreated baseline rate, jointly.

    Parameters
    ----------
    study : Study
        :func:`valuecase.impact.study.build_study`: ``persons`` with ``treated``,
        ``followup_member_months`` and ``followup_<outcome>`` counts.
    evaluation : Evaluation
        :func:`valuecase.impact.evaluation.evaluate`: its ``covariates`` (the primary model's
        adjustment) are used on every resample.
    draws : int
        Bootstrap resamples (each refits one Poisson model per service line).
    seed : int
        The run's seed.
    lines : dict, optional
        Service line -> outcome; default the value case's
        :data:`~valuecase.value.case.SERVICE_LINE_OUTCOMES`.
    log_se : dict, optional
        Service line -> the SE of the log ratio the draws should have (the primary model's
        leverage-corrected HC3 SE). Each line's log-ratio draws are then re-centred on the
        estimate and their spread scaled to it: the bootstrap gives the joint shape (which
        resamples have large effects, and the baselines that go with them), the model its
        scale, since a bootstrap of ~170 persons per arm runs small as HC0 does. The baseline
        of each draw is its resample's observed rate / the rescaled ratio.

    Returns
    -------
    pandas.DataFrame
        One row per resample; columns ``service_lines.<line>.effect`` (rate ratio) and
        ``service_lines.<line>.baseline_rate`` (untreated events per member-year of the
        program group: its observed follow-up rate / the ratio). Resamples whose model does
        not converge to a finite ratio are dropped (none on the bundled sample).
    """
    lines = dict(SERVICE_LINE_OUTCOMES if lines is None else lines)
    if draws < 2:
        raise ValueError(f"draws must be >= 2, got {draws}")
    p = study.persons
    p = p[p["followup_member_months"] > 0].reset_index(drop=True)
    treated = p["treated"].astype(int).to_numpy()
    if treated.min() == treated.max():
        raise ValueError("the bootstrap needs program and comparison persons")
    covariates = getattr(evaluation, "covariates", None)
    x = design(p, None if covariates in (None, "1") else covariates)
    x.insert(0, "treated", treated.astype(float))
    x = sm.add_constant(x, has_constant="add").to_numpy(float)
    offset = np.log(p["followup_member_months"].to_numpy(float))
    months = p["followup_member_months"].to_numpy(float)
    ys = {line: p[f"followup_{o}"].to_numpy(float) for line, o in lines.items()}
    starts = {line: sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit().params
              for line, y in ys.items()}
    rng = np.random.default_rng(seed)
    arms = [np.flatnonzero(treated == 1), np.flatnonzero(treated == 0)]
    rows = []
    for _ in range(draws):
        idx = np.concatenate([rng.choice(a, size=len(a), replace=True) for a in arms])
        prog = idx[treated[idx] == 1]
        row = {}
        for line, y in ys.items():
            try:
                ratio = float(np.exp(_poisson_log_ratio(y[idx], x[idx], offset[idx],
                                                        starts[line])))
            except (np.linalg.LinAlgError, ValueError):
                ratio = np.nan
            observed = y[prog].sum() / months[prog].sum() * 12.0
            row[f"service_lines.{line}.effect"] = ratio
            row[f"service_lines.{line}.baseline_rate"] = observed / ratio
        rows.append(row)
    out = pd.DataFrame(rows)
    ok = np.isfinite(out.to_numpy()).all(axis=1) & (out.filter(like=".effect") > 0).all(axis=1)
    out = out[ok].reset_index(drop=True)
    for line, se in (log_se or {}).items():
        eff, base = f"service_lines.{line}.effect", f"service_lines.{line}.baseline_rate"
        log_r = np.log(out[eff].to_numpy())
        sd = float(np.std(log_r, ddof=1))
        if not (sd > 0 and np.isfinite(se)):
            continue
        observed = out[eff].to_numpy() * out[base].to_numpy()
        centre = float(starts[line][1])
        out[eff] = np.exp(centre + (log_r - log_r.mean()) * (se / sd))
        out[base] = observed / out[eff]
    return out
