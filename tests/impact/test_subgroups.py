"""Subgroup effects: the right ratio in each level, an interaction test that finds a real
difference and not a chance one, Holm-adjusted p-values, small levels suppressed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from valuecase.impact.subgroups import SUBGROUP_COLUMNS, subgroup_effects


def cohort(seed: int, female_ratio: float, n: int = 6000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"treated": rng.integers(0, 2, n),
                       "gender": rng.choice(["female", "male"], n),
                       "age": rng.integers(20, 90, n),
                       "followup_member_months": rng.integers(1, 13, n)})
    ratio = np.where((df["treated"] == 1) & (df["gender"] == "female"), female_ratio, 1.0)
    frailty = rng.gamma(2.0, 0.5, n)  # over-dispersion: robust SEs must cope
    df["followup_ed_visits"] = rng.poisson(0.15 * df["followup_member_months"] * ratio * frailty)
    return df


def test_a_real_difference_is_found_in_the_right_subgroup():
    out = subgroup_effects(cohort(1, female_ratio=0.6), "ed_visits", ["gender", "age_band"])
    assert list(out.columns) == list(SUBGROUP_COLUMNS)
    g = out[out["subgroup_dimension"] == "gender"].set_index("subgroup")
    assert g.loc["female", "ci_low"] < 0.6 < g.loc["female", "ci_high"]
    assert g.loc["male", "ci_low"] < 1.0 < g.loc["male", "ci_high"]
    assert g["p_interaction"].iloc[0] < 0.001 and g["interaction_df"].iloc[0] == 1
    assert (out["p_holm"].dropna() >= out["p_value"].dropna()).all()


def test_interaction_test_rejects_at_its_nominal_rate_without_a_difference():
    """No difference between subgroups: the interaction test should reject about 5% of the
    time (40 seeded runs: at most 6 rejections, the 99% binomial bound)."""
    p = [subgroup_effects(cohort(seed, female_ratio=1.0, n=2000), "ed_visits",
                          ["gender"])["p_interaction"].iloc[0] for seed in range(40)]
    assert sum(v < 0.05 for v in p) <= 6


def test_small_subgroups_are_suppressed_and_left_out_of_the_test():
    df = cohort(3, female_ratio=0.8, n=3000)
    df["race"] = np.where(np.arange(len(df)) < 15, "small group", "large group")
    out = subgroup_effects(df, "ed_visits", ["race"]).set_index("subgroup")
    assert bool(out.loc["small group", "suppressed"])
    assert np.isnan(out.loc["small group", "rate_ratio"])
    assert np.isnan(out.loc["small group", "n_program"])  # not even the counts are shown
    assert not bool(out.loc["large group", "suppressed"])
    assert out["interaction_df"].iloc[0] == 0  # one level left: nothing to compare


def test_missing_dimensions_are_skipped_and_age_bands_made_from_age():
    out = subgroup_effects(cohort(4, 0.8, n=3000), "ed_visits", ["age_band", "dual_status"])
    assert set(out["subgroup_dimension"]) == {"age_band"}
    assert out["subgroup"].str.contains("-|\\+").all()


def test_sample_study_subgroups(sample_dir):
    from tests.impact.test_study import make_study

    st = make_study(sample_dir)
    out = subgroup_effects(st.persons, "inpatient_stays")
    assert set(out["subgroup_dimension"]) == {"age_band", "gender"}
    shown = out[~out["suppressed"].astype(bool)]
    assert len(shown) >= 2
    assert (shown["ci_low"] <= shown["rate_ratio"]).all()
    assert (shown["rate_ratio"] <= shown["ci_high"]).all()
    assert shown["method"].str.contains("Poisson").all()
    assert ((shown["n_program"] >= 11) & (shown["n_comparison"] >= 11)).all()


def test_unknown_outcome_column_is_a_clear_error():
    with pytest.raises(ValueError, match="followup_inpatient_stays"):
        subgroup_effects(pd.DataFrame({"treated": [1, 0], "gender": ["f", "m"],
                                       "followup_member_months": [1, 1]}), "inpatient_stays",
                         ["gender"])
