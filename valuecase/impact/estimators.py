"""Regression estimators: difference in means, covariate adjustment, 2x2 difference-in-differences."""

from __future__ import annotations

import pandas as pd
import statsmodels.api as sm

from ._data import Covariates, binary, check_frame, covariate_columns, design
from .effect import Effect, from_result


def _arm_sizes(t: pd.Series) -> dict[str, int]:
    return {"n_treated": int((t == 1).sum()), "n_control": int((t == 0).sum())}


def difference_in_means(df: pd.DataFrame, outcome: str, treatment: str,
                        alpha: float = 0.05) -> Effect:
    """Difference in mean outcome, treated minus control, with the classical OLS SE.

    This is OLS of the outcome on a constant and the treatment indicator; the SE assumes a
    common variance in both arms (the textbook two-sample t-test with pooled variance).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0, 6.0, 7.0], "t": [0, 0, 0, 1, 1, 1]})
    >>> e = difference_in_means(df, "y", "t")
    >>> round(e.estimate, 3), round(e.se, 3), e.n
    (4.0, 0.816, 6)
    """
    check_frame(df, [outcome, treatment], binary=[treatment], arms=treatment)
    x = sm.add_constant(pd.DataFrame({treatment: binary(df[treatment])}, index=df.index),
                        has_constant="add")
    res = sm.OLS(df[outcome].astype(float), x).fit()
    return from_result(res, treatment, len(df), "difference in means (OLS, classical SE)",
                       alpha=alpha, outcome=outcome, estimand="difference in means",
                       details={**_arm_sizes(df[treatment]), "treatment": treatment})


def regression_adjusted(df: pd.DataFrame, outcome: str, treatment: str, covariates: Covariates,
                        alpha: float = 0.05) -> Effect:
    """Covariate-adjusted treatment effect: OLS of outcome on treatment and covariates, HC1 SE.

    Parameters
    ----------
    covariates : list of str or str
        Column names, or a formula right-hand side such as ``"C(sex) + age + I(age**2)"``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.5, 3.0, 5.0, 6.5, 7.0, 4.0, 2.0],
    ...                    "t": [0, 0, 0, 1, 1, 1, 1, 0], "age": [1, 2, 3, 1, 2, 3, 0, 2]})
    >>> e = regression_adjusted(df, "y", "t", ["age"])
    >>> round(e.estimate, 2), e.method
    (4.02, 'regression adjustment (OLS, HC1 robust SE)')
    """
    check_frame(df, [outcome, treatment, *covariate_columns(df, covariates)],
                binary=[treatment], arms=treatment)
    x = design(df, covariates)
    x.insert(0, treatment, binary(df[treatment]))
    x = sm.add_constant(x, has_constant="add")
    res = sm.OLS(df[outcome].astype(float), x).fit(cov_type="HC1")
    return from_result(res, treatment, len(df), "regression adjustment (OLS, HC1 robust SE)",
                       alpha=alpha, outcome=outcome, estimand="adjusted difference",
                       details={**_arm_sizes(df[treatment]), "treatment": treatment,
                                "covariates": list(x.columns[2:])})


def did(df: pd.DataFrame, outcome: str, treated: str, post: str, cluster: str | None = None,
        covariates: Covariates = None, alpha: float = 0.05,
        weights: str | None = None) -> Effect:
    """2x2 difference-in-differences: OLS of outcome on treated, post and treated x post.

    The effect is the coefficient on the interaction (without covariates it equals the
    difference of the four group means exactly). Without ``cluster`` the SE is classical;
    with ``cluster`` it is cluster-robust (statsmodels' CR1 small-sample correction) with
    t inference on G - 1 degrees of freedom, G the number of clusters.

    With ``weights`` (a column, e.g. each person-period's member months) it is weighted least
    squares: for a rate outcome weighted by its exposure each group mean becomes the pooled
    rate (events / exposure of the group), so a person with one month of follow-up counts one
    month, not as much as a person with twelve. Rows with zero weight carry no exposure and are
    left out. This is the **exposure-weighted DiD**, the primary DiD of the impact report.

    The comparison group must be selected by the same trigger and look-back window as the
    program group; otherwise regression to the mean biases the estimate.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [10.0, 9.0, 10.5, 8.0, 9.5, 8.5, 7.0, 7.5, 8.0, 8.5, 7.0, 8.0],
    ...                    "g": [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
    ...                    "post": [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
    ...                    "id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]})
    >>> e = did(df, "y", "g", "post", cluster="id")
    >>> round(e.estimate, 2), e.details["n_clusters"]
    (-2.17, 6)
    """
    cov_cols = covariate_columns(df, covariates)
    if weights is not None:
        check_frame(df, [weights])
        if (df[weights] < 0).any():
            raise ValueError(f"weights {weights!r} must not be negative")
        df = df[df[weights] > 0]
    check_frame(df, [outcome, treated, post, cluster, *cov_cols], binary=[treated, post],
                arms=treated)
    check_frame(df, [post], arms=post)
    g, p = binary(df[treated]), binary(df[post])
    inter = f"{treated}:{post}"
    x = pd.DataFrame({treated: g, post: p, inter: g * p}, index=df.index)
    cells = pd.crosstab(df[treated], df[post])
    if (cells.to_numpy() == 0).any() or cells.shape != (2, 2):
        raise ValueError("difference-in-differences needs rows in all four treated x post cells")
    cov = design(df, covariates)
    x = sm.add_constant(pd.concat([x, cov], axis=1), has_constant="add")
    y = df[outcome].astype(float)
    details = {"n_treated": int((g == 1).sum()), "n_control": int((g == 0).sum()),
               "treatment": treated}
    model = sm.OLS(y, x) if weights is None else sm.WLS(y, x, weights=df[weights].astype(float))
    fit = "OLS" if weights is None else f"WLS weighted by {weights}"
    kind = "difference-in-differences" if weights is None else (
        "exposure-weighted difference-in-differences")
    if cluster is None:
        res = model.fit()
        method = f"{kind} ({fit} interaction, classical SE)"
    else:
        codes = pd.factorize(df[cluster])[0]
        res = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
        n_clusters = int(codes.max() + 1)
        details["n_clusters"] = n_clusters
        method = (f"{kind} ({fit} interaction, cluster-robust SE by {cluster}, "
                  f"t with {n_clusters - 1} df)")
    if weights is not None:
        details["weights"] = weights
    if cov.shape[1] == 0:
        cell = [df[treated].astype(int), df[post].astype(int)]
        if weights is None:
            means = df.groupby(cell)[outcome].mean()
        else:
            w = df[weights].astype(float)
            means = (df[outcome] * w).groupby(cell).sum() / w.groupby(cell).sum()
        details["group_means"] = {f"{k[0]}{k[1]}": float(v) for k, v in means.items()}
        details["treated_change"] = float(means[(1, 1)] - means[(1, 0)])
        details["comparison_change"] = float(means[(0, 1)] - means[(0, 0)])
    estimand = "ATT (DiD)" if weights is None else "ATT (DiD of pooled rates)"
    return from_result(res, inter, len(df), method, alpha=alpha, outcome=outcome,
                       estimand=estimand, details=details)
