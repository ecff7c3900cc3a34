"""The rerunnable simulation study (issue 13, item 7): the untreated twin is exact, the true
values follow the stated rules, and a small study recovers the known effect with honest
coverage (a regression guard; the README's table is the full study)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from valuecase.analysis.simulation import (
    COUNT_OUTCOMES,
    replicate,
    simulation_study,
    summarize_replicates,
)

pytestmark = pytest.mark.slow

VALUECASE = [sys.executable, "-m", "valuecase.cli"]


def test_with_no_effect_every_true_value_is_no_change():
    rows = replicate("observational", seed=5, members=3000, effect_inpatient=0.0,
                     effect_ed=0.0)
    assert set(rows["outcome"]) == set(COUNT_OUTCOMES)
    ratios = rows[rows["scale"] == "ratio"]
    assert (ratios["truth"] == 1.0).all()
    assert (rows.loc[rows["scale"] != "ratio", "truth"] == 0.0).all()


def test_true_values_are_diluted_effects_in_the_followup_window():
    rows = replicate("rct", seed=9, members=6000)
    stays = rows[(rows["outcome"] == "inpatient_stays") & (rows["scale"] == "ratio")]
    truth = float(stays["truth"].iloc[0])
    # the program works only while enrolled (90-300 days of a 12-month follow-up): the
    # follow-up ratio lies between the in-enrollment effect and no effect
    assert 0.85 < truth < 1.0
    assert (rows.loc[rows["scale"] != "ratio", "truth"] <= 0).all()
    assert rows["n_program"].iloc[0] > 30 and rows["n_comparison"].iloc[0] > 30
    # split by phase: the whole effect sits in the months while enrolled, none after
    phase = rows[rows["estimator"].str.contains("enrolled (descriptive)", regex=False)
                 & (rows["outcome"] == "inpatient_stays")].set_index("estimator")["truth"]
    assert phase["Poisson rate ratio, not enrolled (descriptive)"] == 1.0
    assert phase["Poisson rate ratio, while enrolled (descriptive)"] < truth


def test_a_small_study_recovers_the_effect_with_honest_intervals():
    study = simulation_study(replicates=6, members=6000, seed=11, jobs=2)
    s = study.summary
    primary = s[s["primary"] & s["outcome"].isin(["inpatient_stays", "ed_visits"])]
    assert len(primary) == 4  # 2 scenarios x 2 outcomes
    # P(at most 3 of 6 95% intervals cover | nominal) = 0.002 per row
    assert (primary["coverage"] >= 4 / 6).all(), primary
    # effect recovery: mean error within 3 standard errors of the mean
    tolerance = 3 * primary["empirical_se"] / np.sqrt(primary["replicates"])
    assert (primary["bias"].abs() <= tolerance).all(), primary
    during = s[s["estimator"].str.contains("while enrolled")]
    assert len(during) == 4 and (during["coverage"] >= 4 / 6).all(), during
    # the value case's 90% interval against the ROI priced with the true effects:
    # P(at most 2 of 6 cover | 90%) = 0.001
    checks = study.checks.set_index("scenario")
    assert (checks["roi_coverage_90"] >= 3 / 6).all(), checks
    assert checks["replicates"].eq(6).all()
    assert checks[["pretrend_rejection", "placebo_rejection"]].stack().between(0, 1).all()
    assert json.dumps(study.settings)  # the settings that made it are kept


def test_summary_judges_ratios_on_the_log_scale():
    import pandas as pd

    rows = pd.DataFrame({"scenario": "rct", "outcome": "ed_visits", "estimator": "e",
                         "scale": "ratio", "primary": True, "truth": [0.8, 0.8, 0.8],
                         "estimate": [0.8, 0.8 * np.e, 0.8 / np.e], "se": 1.0,
                         "ci_low": [0.7, 0.9, 0.1], "ci_high": [0.9, 3.0, 0.5],
                         "p_value": [0.2, 0.01, 0.04]})
    s = summarize_replicates(rows).iloc[0]
    assert s["bias"] == pytest.approx(0.0, abs=1e-12)
    assert s["empirical_se"] == pytest.approx(1.0)
    assert s["se_ratio"] == pytest.approx(1.0)
    assert s["coverage"] == pytest.approx(1 / 3) and s["rejection_rate"] == pytest.approx(2 / 3)


def test_the_cli_prints_json_and_refuses_an_unknown_scenario(tmp_path):
    r = subprocess.run([*VALUECASE, "simulate", "--scenario", "rct", "--members", "2000",
                        "--replicates", "2", "--json", "--replicates-csv",
                        str(tmp_path / "rows.csv")], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["settings"]["replicates"] == 2 and out["settings"]["scenarios"] == ["rct"]
    for row in out["results"]:
        assert {"replicates", "truth", "mean_estimate", "bias", "se_ratio", "coverage",
                "rejection_rate"} <= set(row)
    assert "replicate 2/2 (rct) done" in r.stderr
    assert {"roi_coverage_90", "pretrend_rejection", "placebo_rejection"} <= set(
        out["checks"][0])
    # per replicate: 5 estimators x 4 outcomes, and 2 phases x 2 outcomes
    per_replicate = 5 * len(COUNT_OUTCOMES) + 2 * 2
    assert (tmp_path / "rows.csv").read_text().count("\n") == 1 + 2 * per_replicate
    bad = subprocess.run([*VALUECASE, "simulate", "--scenario", "quasi"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: --scenario 'quasi'")
