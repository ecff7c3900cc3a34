"""The effect while enrolled and after: the primary window's rate ratio split by program phase.

The primary estimate is a rate ratio over the whole follow-up window (intention to treat over
the ``followup_months`` after each index date). A program that works only while people are in
it (the synthetic one: 90-300 days) shows a diluted ratio over that window. To show where the
effect sits, :func:`phase_effects` splits each program person's follow-up months into

* **while enrolled**: months in which the person was in the program at least one day
  (``enrollment_date`` to ``disenrollment_date``, open = still enrolled);
* **not enrolled**: the other follow-up months of program persons (after they left, or before
  a randomized person started);

and fits one Poisson model over follow-up person-months, with an indicator for each phase,
event-time (months since index) fixed effects, so each phase is compared with comparison
persons at the same point of follow-up, and the primary model's baseline covariates;
SE cluster-robust by person. The two ratios are **descriptive**: who leaves the program, and
when, is not random, so they are not causal effects of being enrolled; the primary estimate
stays the one the value case prices.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> n, months = 600, 12
>>> rows = pd.DataFrame({"person_id": np.repeat(np.arange(n), months),
...                      "event_time": np.tile(np.arange(1, months + 1), n), "post": 1})
>>> rows["treated"] = (rows["person_id"] < n // 2).astype(int)
>>> rows["month"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
...     (rows["event_time"] - 1) * 31, unit="D")
>>> rows["month"] = rows["month"].dt.to_period("M").dt.to_timestamp()
>>> enrolled = (rows["treated"] == 1) & (rows["event_time"] <= 4)
>>> rows["inpatient_stays"] = rng.poisson(np.where(enrolled, 0.5, 1.0))
>>> persons = rows.drop_duplicates("person_id")[["person_id", "treated"]]
>>> enr = pd.DataFrame({"person_id": np.arange(n // 2), "enrollment_date": "2024-01-05",
...                     "disenrollment_date": "2024-04-20"})
>>> study = type("S", (), {"event_time": rows, "persons": persons})()
>>> out = phase_effects(study, enr, "inpatient_stays")
>>> round(out["while enrolled"].estimate, 1), round(out["not enrolled"].estimate, 1)
(0.5, 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ._data import design
from .effect import Effect, from_result

__all__ = ["PHASES", "phase_effects", "phase_table", "program_arm", "program_phase",
           "program_spans"]

PHASES = ("while enrolled", "not enrolled")
"""The two phases of a program person's follow-up months."""


def program_arm(enrollment: pd.DataFrame) -> pd.DataFrame:
    """The ``program_enrollment`` rows of the program arm (all rows without an ``arm``
    column; a missing arm counts as ``program``, a ``control`` row has no program months)."""
    if "arm" in enrollment:
        return enrollment[enrollment["arm"].fillna("program") == "program"]
    return enrollment


def program_spans(enrollment: pd.DataFrame) -> pd.DataFrame:
    """Each program-arm person's program months: ``person_id`` (as given), ``_start`` (month
    of ``enrollment_date``) and ``_stop`` (month of ``disenrollment_date``; open = far future),
    as month-start timestamps; rows without an enrollment date are left out.

    Examples
    --------
    >>> enr = pd.DataFrame({"person_id": ["a", "b"], "enrollment_date": ["2024-02-28", None],
    ...                     "disenrollment_date": ["2024-04-01", None]})
    >>> program_spans(enr)[["_start", "_stop"]].astype(str).values.tolist()
    [['2024-02-01', '2024-04-01']]
    """
    enr = program_arm(enrollment).dropna(subset=["enrollment_date"])
    start = pd.to_datetime(enr["enrollment_date"]).dt.to_period("M").dt.to_timestamp()
    stop = (pd.to_datetime(enr["disenrollment_date"]) if "disenrollment_date" in enr
            else pd.Series(pd.NaT, index=enr.index)).dt.to_period("M").dt.to_timestamp()
    return pd.DataFrame({"person_id": enr["person_id"].to_numpy(), "_start": start.to_numpy(),
                         "_stop": stop.fillna(pd.Timestamp.max.normalize()).to_numpy()})


def program_phase(months: pd.DataFrame, enrollment: pd.DataFrame) -> pd.Series:
    """1 where a program person's month overlaps their program enrollment, else 0.

    ``months`` has ``person_id, month`` (first of the month); ``enrollment`` the
    ``program_enrollment`` table (``person_id, enrollment_date``, optional
    ``disenrollment_date`` and ``arm``: :func:`program_spans`).
    """
    spans = program_spans(enrollment)
    spans["person_id"] = spans["person_id"].astype(str)
    m = months[["person_id", "month"]].assign(person_id=months["person_id"].astype(str),
                                              _row=np.arange(len(months)))
    joined = m.merge(spans, on="person_id", how="inner")
    month = pd.to_datetime(joined["month"])
    hit = joined.loc[(month >= joined["_start"]) & (month <= joined["_stop"]), "_row"].unique()
    out = np.zeros(len(months), dtype=int)
    out[hit] = 1
    return pd.Series(out, index=months.index, name="in_program")


def phase_effects(study: Any, enrollment: pd.DataFrame, outcome: str,
                  covariates: str | None = None, alpha: float = 0.05) -> dict[str, Effect]:
    """Rate ratios of ``outcome`` in program persons' months while enrolled and not enrolled.

    Parameters
    ----------
    study : Study
        :func:`valuecase.impact.study.build_study` (``event_time`` person-months, ``persons``).
    enrollment : pandas.DataFrame
        The ``program_enrollment`` table.
    outcome : str
        A count outcome of the study (``inpatient_stays``, ``ed_visits`` ...).
    covariates : str, optional
        Person-level formula right-hand side over ``study.persons`` (the primary model's).

    Returns
    -------
    dict
        ``{"while enrolled": Effect, "not enrolled": Effect}`` on the ratio scale; ``details``
        hold the program person-months of each phase. A phase with no months is left out.
    """
    et = study.event_time
    fu = et[et["post"] == 1].reset_index(drop=True)
    fu = fu.assign(_during=program_phase(fu, enrollment).to_numpy() * fu["treated"].to_numpy())
    fu["_after"] = ((fu["treated"] == 1) & (fu["_during"] == 0)).astype(int)
    y = fu[outcome].to_numpy(dtype=float)
    terms = [c for c in ("_during", "_after") if fu[c].any()]
    x = fu[terms].astype(float)
    x = pd.concat([x, pd.get_dummies(fu["event_time"], prefix="t", drop_first=True,
                                     dtype=float)], axis=1)
    if covariates and covariates != "1":
        cov = design(study.persons, covariates).set_index(
            study.persons["person_id"].astype(str).to_numpy())
        x = pd.concat([x, cov.loc[fu["person_id"].astype(str)].reset_index(drop=True)], axis=1)
    x = sm.add_constant(x, has_constant="add")
    groups = pd.factorize(fu["person_id"])[0]
    res = sm.GLM(y, x, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": groups})
    out = {}
    for term, phase in (("_during", PHASES[0]), ("_after", PHASES[1])):
        if term not in terms:
            continue
        months = int(fu[term].sum())
        out[phase] = from_result(
            res, term, len(fu), f"Poisson rate ratio, program months {phase} vs comparison "
            "months at the same event time, cluster-robust SE by person (descriptive)",
            alpha=alpha, scale="ratio", outcome=outcome, estimand=f"rate ratio {phase}",
            details={"program_person_months": months,
                     "events": int(y[fu[term].to_numpy() == 1].sum())})
    return out


def phase_table(study: Any, enrollment: pd.DataFrame,
                outcomes: tuple[str, ...] = ("inpatient_stays", "ed_visits"),
                covariates: str | None = None) -> pd.DataFrame:
    """:func:`phase_effects` of several outcomes as one table (the impact report's).

    Columns ``outcome, phase, rate_ratio, se`` (of the log ratio), ``ci_low, ci_high,
    p_value, n`` (person-months in the model), ``program_person_months, method``; event counts
    are left out (they can be small).
    """
    rows = []
    for o in outcomes:
        for phase, e in phase_effects(study, enrollment, o, covariates).items():
            rows.append({"outcome": o, "phase": phase, "rate_ratio": e.estimate, "se": e.se,
                         "ci_low": e.ci_low, "ci_high": e.ci_high, "p_value": e.p_value,
                         "n": e.n, "program_person_months": e.details["program_person_months"],
                         "method": e.method})
    return pd.DataFrame(rows, columns=["outcome", "phase", "rate_ratio", "se", "ci_low",
                                       "ci_high", "p_value", "n", "program_person_months",
                                       "method"])
