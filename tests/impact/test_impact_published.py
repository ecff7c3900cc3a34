"""valuecase.impact reproduces published results on public data (causaldata package)."""

from __future__ import annotations

import causaldata
import numpy as np
import pandas as pd
import pytest

from valuecase.impact import balance, did, difference_in_means, ipw, ipw_weights, propensity_score

NHEFS_PS = ("sex + race + age + I(age**2) + C(education) + smokeintensity"
            " + I(smokeintensity**2) + smokeyrs + I(smokeyrs**2) + C(exercise) + C(active)"
            " + wt71 + I(wt71**2)")


@pytest.fixture(scope="module")
def nsw() -> pd.DataFrame:
    d = causaldata.nsw_mixtape.load_pandas().data
    # the package ships exactly the Dehejia-Wahba experimental sample: 185 treated, 260 NSW controls
    assert set(d["data_id"]) == {"Dehejia-Wahba Sample"}
    return d


@pytest.fixture(scope="module")
def nhefs() -> pd.DataFrame:
    d = causaldata.nhefs.load_pandas().data
    return d.loc[d["wt82"].notna()].copy()


@pytest.fixture(scope="module")
def organ() -> pd.DataFrame:
    d = causaldata.organ_donations.load_pandas().data.copy()
    d["california"] = (d["State"] == "California").astype(int)
    d["post"] = d["Quarter"].isin(["Q32011", "Q42011", "Q12012"]).astype(int)
    return d


def test_nsw_experimental_difference_in_means(nsw):
    e = difference_in_means(nsw, "re78", "treat")
    assert e.n == 445
    assert (e.details["n_treated"], e.details["n_control"]) == (185, 260)
    assert e.estimate == pytest.approx(1794.34, abs=0.01)
    assert e.se == pytest.approx(632.85, abs=0.01)
    assert e.ci_low < e.estimate < e.ci_high
    assert e.p_value == pytest.approx(0.0048, abs=0.0005)


def test_nhefs_ipw_matches_what_if_chapter_12(nhefs):
    """Hernán & Robins, What If, ch. 12: 3.44 kg (95% CI 2.41 to 4.47), GEE robust SE."""
    assert len(nhefs) == 1566
    book = ipw(nhefs, "wt82_71", "qsmk", NHEFS_PS, estimand="ATE", variance="robust_wls")
    assert book.n == 1566
    assert book.estimate == pytest.approx(3.44, abs=0.01)
    assert book.ci_low == pytest.approx(2.41, abs=0.02)
    assert book.ci_high == pytest.approx(4.47, abs=0.02)
    # default M-estimation sandwich: same estimate, narrower CI (the book's SE ignores that
    # the propensity score was estimated, which for the ATE is conservative)
    m = ipw(nhefs, "wt82_71", "qsmk", NHEFS_PS, estimand="ATE")
    assert m.estimate == pytest.approx(book.estimate, abs=1e-12)
    assert m.se < book.se
    assert m.se == pytest.approx(0.487, abs=0.002)
    assert "M-estimation" in m.method and "conditional" in book.method


def test_nhefs_stabilized_weights_give_the_same_estimate_and_balance(nhefs):
    e = propensity_score(nhefs, "qsmk", NHEFS_PS).to_numpy()
    a = nhefs["qsmk"].to_numpy()
    w = ipw_weights(a, e, "ATE")
    p = a.mean()
    sw = np.where(a == 1, p, 1 - p) * w
    # What If ch. 12: nonstabilized weights mean 2.00 (1.05 to 16.7); stabilized mean 1.00
    assert w.mean() == pytest.approx(2.00, abs=0.01)
    assert w.max() == pytest.approx(16.7, abs=0.05)
    assert sw.mean() == pytest.approx(1.00, abs=0.01)
    y = nhefs["wt82_71"].to_numpy()

    def hajek(wt):
        return (np.sum(wt * a * y) / np.sum(wt * a)
                - np.sum(wt * (1 - a) * y) / np.sum(wt * (1 - a)))

    assert hajek(sw) == pytest.approx(3.44, abs=0.01)
    raw = balance(nhefs, "qsmk", ["age", "wt71", "smokeintensity"])
    weighted = balance(nhefs, "qsmk", ["age", "wt71", "smokeintensity"], weights=sw)
    assert raw.loc["age", "flag"]  # quitters were older
    assert (weighted["smd"].abs() < 0.1).all()


def test_organ_donations_did_equals_hand_computed_group_means(organ):
    """Kessler & Roth via The Effect ch. 18: California from 2011 Q3, estimate about -0.0225."""
    m = organ.groupby(["california", "post"])["Rate"].mean()
    hand = (m[(1, 1)] - m[(1, 0)]) - (m[(0, 1)] - m[(0, 0)])
    e = did(organ, "Rate", "california", "post", cluster="State")
    assert e.estimate == pytest.approx(hand, abs=1e-12)
    assert e.estimate == pytest.approx(-0.0225, abs=0.0001)
    assert e.n == 162 and e.details["n_clusters"] == 27
    classical = did(organ, "Rate", "california", "post")
    assert classical.se != pytest.approx(e.se, rel=0.01)
