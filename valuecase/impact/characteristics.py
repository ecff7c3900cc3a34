"""Person characteristics of the study beyond age and sex: chronic-condition flags over each
person's baseline window, person attributes such as race/ethnicity, and which condition flags
can enter the adjustment models.

The flags come from :mod:`valuecase.panel.conditions` (CMS Chronic Conditions Warehouse
categories, CCW's qualification rule: 1 inpatient or 2 other claims with a qualifying code).
Each person is flagged over **their own** baseline window (months -B..-1 before the index
month), the same months the baseline utilization covariates describe, so no flag looks past
the index date.

A flag enters the adjustment models (:func:`condition_covariates`) only when at least
:data:`MIN_FLAGGED` (5) persons of **each** arm have it and at least 5 of each arm do not: a
flag almost nobody (or almost everybody) in one arm carries makes the Poisson, logistic and
regression models nearly singular and its coefficient meaningless.

Examples
--------
>>> import pandas as pd
>>> months = pd.DataFrame({"person_id": ["A", "A", "B", "B"],
...     "month": pd.to_datetime(["2023-01-01", "2023-02-01", "2023-02-01", "2023-05-01"]),
...     "condition": ["copd"] * 4, "claims": [1, 1, 1, 1], "inpatient_claims": 0})
>>> persons = pd.DataFrame({"person_id": ["A", "B"],
...                         "index_month": pd.to_datetime(["2023-04-01"] * 2)})
>>> out = add_conditions(persons, months, baseline_months=3)
>>> out[["person_id", "cond_copd", "n_conditions", "condition_segment"]].values.tolist()
[['A', 1, 1, '1'], ['B', 0, 0, '0']]
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from valuecase.panel.conditions import CONDITION_NAMES, CONDITIONS, qualify
from valuecase.population.aggregate import as_table

__all__ = ["CONDITION_COLUMNS", "MIN_FLAGGED", "SEGMENTS", "add_conditions",
           "baseline_conditions", "condition_covariates", "condition_labels", "with_attributes"]

SEGMENTS = ("0", "1", "2+")
"""Levels of ``condition_segment``: persons with no, one, or two or more flagged conditions."""
CONDITION_COLUMNS = tuple(f"cond_{n}" for n in CONDITION_NAMES)
MIN_FLAGGED = 5
"""Fewest persons with (and without) a flag in each arm for the flag to be a covariate."""


def condition_labels() -> dict[str, str]:
    """``cond_<name>`` -> plain-language label (``cond_copd`` -> ``COPD``)."""
    return {f"cond_{c.name}": c.label for c in CONDITIONS}


def baseline_conditions(conditions: pd.DataFrame | ir.Table, persons: pd.DataFrame,
                        baseline_months: int) -> pd.DataFrame:
    """Condition flags of each person over months ``-baseline_months..-1`` of their index
    month, by CCW's rule (:func:`valuecase.panel.conditions.qualify`).

    Parameters
    ----------
    conditions : pandas.DataFrame or ibis.Table
        :func:`valuecase.panel.conditions.condition_months` (on the engine: only the rows of
        ``persons``' windows are collected, as sums per person and condition).
    persons : pandas.DataFrame
        ``person_id, index_month``.
    baseline_months : int

    Returns
    -------
    pandas.DataFrame
        ``person_id``, :data:`CONDITION_COLUMNS` (0/1) and ``n_conditions``, one row per
        person of ``persons`` (no qualifying claim: every flag 0).
    """
    t = as_table(conditions)
    c = ibis.memtable(persons[["person_id", "index_month"]].astype({"person_id": object}))
    j = t.join(c, "person_id")
    rel = ((j.month.year() - j.index_month.year()) * 12
           + (j.month.month() - j.index_month.month()))
    j = j.filter((rel >= -baseline_months) & (rel <= -1))
    counts = j.group_by(["person_id", "condition"]).aggregate(
        claims=j.claims.sum(), inpatient_claims=j.inpatient_claims.sum())
    flagged = qualify(counts.to_pyarrow().to_pandas())
    out = pd.DataFrame({"person_id": persons["person_id"].to_numpy()})
    for name in CONDITION_NAMES:
        has = set(flagged.loc[flagged["condition"] == name, "person_id"])
        out[f"cond_{name}"] = out["person_id"].isin(has).astype("int64")
    out["n_conditions"] = out[list(CONDITION_COLUMNS)].sum(axis=1).astype("int64")
    return out


def add_conditions(persons: pd.DataFrame, conditions: pd.DataFrame | ir.Table,
                   baseline_months: int) -> pd.DataFrame:
    """``persons`` with :data:`CONDITION_COLUMNS`, ``n_conditions`` and ``condition_segment``
    (:data:`SEGMENTS`) from their baseline windows (see :func:`baseline_conditions`)."""
    flags = baseline_conditions(conditions, persons, baseline_months)
    out = persons.drop(columns=[c for c in flags.columns if c != "person_id"], errors="ignore")
    out = out.merge(flags, on="person_id", how="left")
    for c in [*CONDITION_COLUMNS, "n_conditions"]:
        out[c] = out[c].fillna(0).astype("int64")
    out["condition_segment"] = np.array(SEGMENTS)[out["n_conditions"].clip(0, 2).to_numpy()]
    return out


def with_attributes(persons: pd.DataFrame, attributes: pd.DataFrame | ir.Table) -> pd.DataFrame:
    """``persons`` with the other columns of ``attributes`` (``person_id`` + e.g. ``race``;
    only ``persons``' rows are collected); a missing value becomes ``unknown``.

    Examples
    --------
    >>> p = pd.DataFrame({"person_id": ["A", "B"], "treated": [1, 0]})
    >>> a = pd.DataFrame({"person_id": ["A", "C"], "race": ["asian", "white"]})
    >>> with_attributes(p, a)["race"].tolist()
    ['asian', 'unknown']
    """
    t = as_table(attributes)
    c = ibis.memtable(persons[["person_id"]].astype({"person_id": object}))
    got = t.semi_join(c, "person_id").to_pyarrow().to_pandas().drop_duplicates("person_id")
    extra = [col for col in got.columns if col != "person_id" and col not in persons]
    out = persons.merge(got[["person_id", *extra]], on="person_id", how="left")
    for col in extra:
        out[col] = out[col].astype(object).where(out[col].notna(), "unknown")
    return out


def condition_covariates(persons: pd.DataFrame, treatment: str = "treated",
                         min_persons: int = MIN_FLAGGED) -> list[str]:
    """The condition flags of ``persons`` fit to adjust for: at least ``min_persons`` persons
    with and without the flag in each arm (see the module docstring).

    Examples
    --------
    >>> p = pd.DataFrame({"treated": [1] * 20 + [0] * 20,
    ...                   "cond_copd": ([1] * 6 + [0] * 14) * 2,
    ...                   "cond_asthma": [1] * 3 + [0] * 37})
    >>> condition_covariates(p)
    ['cond_copd']
    """
    keep = []
    for c in CONDITION_COLUMNS:
        if c not in persons:
            continue
        ok = True
        for _, g in persons.groupby(treatment):
            flagged = int(g[c].sum())
            ok &= min(flagged, len(g) - flagged) >= min_persons
        if ok and persons[treatment].nunique() == 2:
            keep.append(c)
    return keep
