"""Input checks and design matrices shared by every estimator (internal).

Every public estimator validates its input here so that users get one clear
``ValueError`` line for the common mistakes: a missing column, a treatment that
is not 0/1, an arm with no rows, or missing values in the columns it uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

Covariates = str | Sequence[str] | None

_FORMULA_WORDS = {"C", "I", "Q", "np", "log", "exp", "sqrt", "center", "standardize", "scale",
                  "bs", "cr", "cc", "te", "poly", "Treatment", "Sum", "Diff", "Poly", "Helmert",
                  "levels", "reference", "abs"}


def covariate_columns(df: pd.DataFrame, covariates: Covariates) -> list[str]:
    """Column names a covariate specification uses (formula identifiers that are columns)."""
    if covariates is None:
        return []
    if isinstance(covariates, str):
        names = re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", covariates)
        cols = [n for n in dict.fromkeys(names) if n in df.columns]
        unknown = [n for n in dict.fromkeys(names)
                   if n not in df.columns and n not in _FORMULA_WORDS and not n.startswith("np.")]
        if unknown:
            raise ValueError(f"covariate formula names missing column(s): {', '.join(unknown)}")
        return cols
    return list(covariates)


def check_frame(df: pd.DataFrame, columns: Sequence[str | None], binary: Sequence[str] = (),
                arms: str | None = None) -> None:
    """Raise ``ValueError`` for missing columns, NaNs, non-0/1 columns or an empty arm."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"expected a pandas DataFrame, got {type(df).__name__}")
    used = [c for c in dict.fromkeys(columns) if c is not None]
    missing = [c for c in used if c not in df.columns]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(map(str, missing))}")
    if len(df) == 0:
        raise ValueError("the data frame has no rows")
    bad = df[used].isna().any(axis=1)
    if bad.any():
        cols = [c for c in used if df[c].isna().any()]
        raise ValueError(f"{int(bad.sum()):,} rows have missing values in {', '.join(cols)}; "
                         "drop or impute them first")
    for col in binary:
        values = set(pd.unique(df[col]).tolist())
        if not values <= {0, 1}:
            shown = sorted(map(str, values))[:5]
            raise ValueError(f"column {col!r} must be 0/1, found values {', '.join(shown)}")
    if arms is not None:
        n1 = int((df[arms] == 1).sum())
        if n1 == 0 or n1 == len(df):
            which = "treated (1)" if n1 == 0 else "control (0)"
            raise ValueError(f"column {arms!r} has no {which} rows")


def design(df: pd.DataFrame, covariates: Covariates) -> pd.DataFrame:
    """Covariate matrix without intercept from a column list or a formula right-hand side.

    Non-numeric columns in a list are dummy-coded (first level dropped). A string is a
    patsy formula right-hand side, e.g. ``"C(sex) + age + I(age**2)"``.
    """
    if covariates is None or (not isinstance(covariates, str) and len(covariates) == 0):
        return pd.DataFrame(index=df.index)
    if isinstance(covariates, str):
        import patsy

        try:
            x = patsy.dmatrix("1 + " + covariates, df, return_type="dataframe",
                              NA_action="raise")
        except patsy.PatsyError as exc:
            first = str(exc).splitlines()[0]
            raise ValueError(f"cannot build covariates from {covariates!r}: {first}") from None
        return x.drop(columns="Intercept")
    cols = list(covariates)
    x = df[cols]
    obj = [c for c in cols if not pd.api.types.is_numeric_dtype(x[c])
           and not pd.api.types.is_bool_dtype(x[c])]
    if obj:
        x = pd.get_dummies(x, columns=obj, drop_first=True, dtype=float)
    return x.astype(float)


def binary(series: pd.Series) -> np.ndarray:
    """A 0/1 column as a float array."""
    return series.astype(float).to_numpy()
