"""Effects by subgroup: the equity question funders ask ("does it work for everyone?").

For a count outcome of a study, :func:`subgroup_effects` estimates the program's rate ratio
within each level of each subgroup dimension (age band, sex, and any other person-level column
such as race/ethnicity, dual status or segment), each with its 95% CI, and tests whether the
effect differs across the levels of a dimension (a joint Wald test of the treatment x level
interaction terms in one Poisson model with an exposure offset and robust SE). Many subgroup
tests find something by chance: every subgroup p-value is also given Holm-adjusted across all
subgroups of the outcome (family-wise error at 5%), and the report reads the interaction test,
not a lone subgroup's p-value.

A level with fewer than ``min_persons`` (11) persons in either group is **suppressed**: its
counts and estimate are not shown (the small-cell rule of funder-facing output), and it is
left out of the interaction test.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> n = 8000
>>> df = pd.DataFrame({"treated": np.repeat([1, 0], n // 2),
...                    "gender": rng.choice(["female", "male"], n),
...                    "followup_member_months": 12})
>>> ratio = np.where((df.treated == 1) & (df.gender == "female"), 0.6, 1.0)
>>> df["followup_ed_visits"] = rng.poisson(2.0 * ratio)
>>> out = subgroup_effects(df, "ed_visits", ["gender"])
>>> out.set_index("subgroup")["rate_ratio"].round(1).to_dict()
{'female': 0.6, 'male': 1.0}
>>> bool(out["p_interaction"].iloc[0] < 0.001)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from valuecase.population.rates import age_band
from valuecase.trace import stage

from .counts import count_model

__all__ = ["DIMENSION_LABELS", "SUBGROUP_COLUMNS", "subgroup_dimensions", "subgroup_effects",
           "subgroup_label", "subgroup_table"]

SUBGROUP_COLUMNS = ("subgroup_dimension", "subgroup", "outcome", "n_program", "n_comparison",
                    "rate_ratio", "ci_low", "ci_high", "p_value", "p_holm", "p_interaction",
                    "interaction_df", "suppressed", "method")
"""Columns of :func:`subgroup_effects`."""
DIMENSIONS = ("age_band", "gender", "race", "dual_status", "condition_segment")
"""Subgroup dimensions of the reports, in order (each used when the study persons have it)."""
DIMENSION_LABELS = {"age_band": "age band", "gender": "sex", "race": "race/ethnicity",
                    "dual_status": "dual eligibility",
                    "condition_segment": "chronic conditions (CCW)"}
"""Plain-language names of the subgroup dimensions."""
SEGMENT_LABELS = {"0": "no flagged chronic condition", "1": "1 chronic condition",
                  "2+": "2 or more chronic conditions"}


def subgroup_dimensions(persons: pd.DataFrame) -> list[str]:
    """The :data:`DIMENSIONS` ``persons`` support: age band and sex always (when present);
    ``race`` and ``dual_status`` when the data carry them; ``condition_segment`` when at least
    one person has a flagged condition (data without diagnosis codes, or with ICD-9 codes only,
    would put everyone in segment "0").

    Examples
    --------
    >>> subgroup_dimensions(pd.DataFrame({"age": [40], "gender": ["female"],
    ...                                   "n_conditions": [1], "condition_segment": ["1"]}))
    ['age_band', 'gender', 'condition_segment']
    """
    dims = []
    for d in DIMENSIONS:
        if d == "age_band" and "age" in persons:
            dims.append(d)
        elif d == "condition_segment":
            if d in persons and "n_conditions" in persons and (persons["n_conditions"] > 0).any():
                dims.append(d)
        elif d in persons:
            dims.append(d)
    return dims


def subgroup_label(dimension: str, level: str) -> tuple[str, str]:
    """Plain-language (dimension, level) of a subgroup row, e.g. ``("condition_segment",
    "2+")`` -> ``("chronic conditions (CCW)", "2 or more chronic conditions")``."""
    name = DIMENSION_LABELS.get(dimension, dimension.replace("_", " "))
    if dimension == "condition_segment":
        return name, SEGMENT_LABELS.get(str(level), str(level))
    return name, str(level)


def _levels(persons: pd.DataFrame, dimension: str) -> pd.Series:
    if dimension == "age_band" and "age_band" not in persons:
        return age_band(persons["age"])
    return persons[dimension].astype(object).where(persons[dimension].notna(),
                                                   "unknown").astype(str)


def _interaction(data: pd.DataFrame, outcome: str, exposure: str) -> tuple[float, int]:
    """Joint Wald test that the treatment effect is the same in every level (p, df)."""
    levels = sorted(data["_level"].unique())
    if len(levels) < 2:
        return float("nan"), 0
    dummies = pd.get_dummies(data["_level"], dtype=float)[levels[1:]]
    x = pd.concat([data[["treated"]].astype(float), dummies,
                   dummies.mul(data["treated"], axis=0).add_prefix("treated_x_")], axis=1)
    x = sm.add_constant(x, has_constant="add")
    res = sm.GLM(data[outcome].astype(float), x, family=sm.families.Poisson(),
                 offset=np.log(data[exposure].astype(float))).fit(cov_type="HC0")
    names = [c for c in x.columns if c.startswith("treated_x_")]
    r = np.zeros((len(names), len(x.columns)))
    for i, name in enumerate(names):
        r[i, list(x.columns).index(name)] = 1.0
    test = res.wald_test(r, scalar=True)
    return float(test.pvalue), len(names)


def subgroup_effects(persons: pd.DataFrame, outcome: str,
                     dimensions: Sequence[str] = ("age_band", "gender"),
                     exposure: str = "followup_member_months", min_persons: int = 11,
                     alpha: float = 0.05) -> pd.DataFrame:
    """Program rate ratio of ``outcome`` within each subgroup, with an interaction test.

    Parameters
    ----------
    persons : pandas.DataFrame
        One row per analysed person (``Study.persons``): ``treated``, ``followup_<outcome>``,
        the exposure and the subgroup columns (``age_band`` is made from ``age``).
    outcome : str
        A count outcome (``inpatient_stays``, ``ed_visits`` ...).
    dimensions : sequence of str
        Subgroup columns; those missing from ``persons`` are skipped.
    min_persons : int
        Smallest group shown (in each arm); smaller levels are suppressed.

    Returns
    -------
    pandas.DataFrame
        :data:`SUBGROUP_COLUMNS`, one row per dimension and level.
    """
    column = f"followup_{outcome}"
    missing = [c for c in ("treated", column, exposure) if c not in persons]
    if missing:
        raise ValueError(f"subgroup effects of {outcome!r} need column(s) {', '.join(missing)}")
    rows = []
    for dim in dimensions:
        if dim not in persons and not (dim == "age_band" and "age" in persons):
            continue
        data = persons.assign(_level=_levels(persons, dim))
        data = data[data[exposure] > 0]
        shown = []
        for level, g in data.groupby("_level", sort=True):
            n1, n0 = int((g["treated"] == 1).sum()), int((g["treated"] == 0).sum())
            row = {"subgroup_dimension": dim, "subgroup": str(level), "outcome": outcome,
                   "n_program": n1, "n_comparison": n0, "suppressed": min(n1, n0) < min_persons}
            if not row["suppressed"]:
                e = count_model(g, column, "treated", exposure, alpha=alpha)
                row.update(rate_ratio=e.estimate, ci_low=e.ci_low, ci_high=e.ci_high,
                           p_value=e.p_value, method=e.method)
                shown.append(level)
            rows.append(row)
        p_int, df_int = _interaction(data[data["_level"].isin(shown)], column, exposure)
        for row in rows:
            if row["subgroup_dimension"] == dim:
                row.update(p_interaction=p_int, interaction_df=df_int)
    out = pd.DataFrame(rows).reindex(columns=list(SUBGROUP_COLUMNS))
    tested = out["p_value"].notna()
    if tested.any():
        out.loc[tested, "p_holm"] = multipletests(out.loc[tested, "p_value"], alpha=alpha,
                                                  method="holm")[1]
    hidden = out["suppressed"].astype(bool)
    out.loc[hidden, ["n_program", "n_comparison"]] = np.nan
    return out


@stage("subgroups")
def subgroup_table(persons: pd.DataFrame,
                   outcomes: Sequence[str] = ("inpatient_stays", "ed_visits"),
                   dimensions: Sequence[str] = ("age_band", "gender")) -> pd.DataFrame:
    """:func:`subgroup_effects` of several outcomes in one table (the reports' equity rows)."""
    return pd.concat([subgroup_effects(persons, o, dimensions) for o in outcomes],
                     ignore_index=True)
