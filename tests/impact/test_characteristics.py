"""Condition flags and person attributes in the study: flagged over each person's own baseline
window, adjusted for when both arms have enough flagged people, shown as subgroups."""

from __future__ import annotations

import pandas as pd
import pytest

from valuecase.analysis.parameters import SuiteParameters
from valuecase.analysis.run import Analysis
from valuecase.impact import evaluation
from valuecase.impact.characteristics import (
    CONDITION_COLUMNS,
    add_conditions,
    condition_covariates,
    with_attributes,
)
from valuecase.impact.subgroups import subgroup_dimensions, subgroup_label


def test_flags_use_each_persons_own_baseline_window():
    months = pd.DataFrame({
        "person_id": ["A", "A", "A", "B", "B"],
        # A: two claims inside its window (Jan, Feb before an April index) and one after
        # B: one claim in its window, the second one at its index month (not baseline)
        "month": pd.to_datetime(["2023-01-01", "2023-02-01", "2023-06-01", "2023-02-01",
                                 "2023-04-01"]),
        "condition": "copd", "claims": 1, "inpatient_claims": 0})
    persons = pd.DataFrame({"person_id": ["A", "B", "C"],
                            "index_month": pd.to_datetime(["2023-04-01"] * 3)})
    out = add_conditions(persons, months, baseline_months=3).set_index("person_id")
    assert out["cond_copd"].tolist() == [1, 0, 0]
    assert out["condition_segment"].tolist() == ["1", "0", "0"]
    # a window of one month sees only March: nobody is flagged
    assert add_conditions(persons, months, baseline_months=1)["cond_copd"].sum() == 0
    # one inpatient claim is enough
    months.loc[3, "inpatient_claims"] = 1
    assert add_conditions(persons, months, 3).set_index("person_id").loc["B", "cond_copd"] == 1


def test_segments_and_missing_attributes():
    months = pd.DataFrame({"person_id": ["A"] * 4, "month": pd.to_datetime(["2023-01-01"] * 4),
                           "condition": ["copd", "diabetes", "asthma", "copd"],
                           "claims": [2, 2, 2, 1], "inpatient_claims": 0})
    persons = pd.DataFrame({"person_id": ["A", "B"],
                            "index_month": pd.to_datetime(["2023-03-01"] * 2)})
    out = add_conditions(persons, months, 12)
    assert out["n_conditions"].tolist() == [3, 0]
    assert out["condition_segment"].tolist() == ["2+", "0"]
    assert set(CONDITION_COLUMNS) <= set(out.columns)
    attrs = with_attributes(out, pd.DataFrame({"person_id": ["A"], "race": [None]}))
    assert attrs["race"].tolist() == ["unknown", "unknown"]


def test_rare_flags_are_not_covariates():
    p = pd.DataFrame({"treated": [1] * 30 + [0] * 30,
                      "cond_copd": ([1] * 10 + [0] * 20) * 2,
                      "cond_diabetes": [1] * 10 + [0] * 20 + [1] * 4 + [0] * 26,  # 4 controls
                      "cond_asthma": [1] * 28 + [0] * 2 + [1] * 10 + [0] * 20,  # 2 unflagged
                      "cond_depression": 0})
    assert condition_covariates(p) == ["cond_copd"]
    assert condition_covariates(p, min_persons=4) == ["cond_diabetes", "cond_copd"]


@pytest.fixture(scope="module")
def sample_analysis():
    return Analysis(SuiteParameters())


def test_sample_study_has_flags_race_and_covariates(sample_analysis):
    a = sample_analysis
    persons = a.study.persons
    for c in (*CONDITION_COLUMNS, "n_conditions", "condition_segment", "race"):
        assert c in persons, c
    # the generator's five conditions are flagged, in both arms; the others never are
    flagged = {c for c in CONDITION_COLUMNS if persons[c].sum() > 0}
    assert flagged == {"cond_diabetes", "cond_heart_failure", "cond_copd",
                       "cond_serious_mental_illness", "cond_substance_use"}
    assert set(persons["condition_segment"]) == {"0", "1", "2+"}
    assert persons["race"].notna().all() and persons["race"].nunique() >= 4
    used = condition_covariates(persons)
    assert len(used) >= 3
    ev = a.evaluation
    for c in used:
        assert c in ev.covariates
        assert c in ev.balance_before.index and c in ev.balance_after.index
    assert evaluation.default_covariates(("ed_visits",), persons).count("cond_") == len(used)


def test_sample_subgroups_cover_race_and_condition_segment(sample_analysis):
    persons = sample_analysis.study.persons
    assert subgroup_dimensions(persons) == ["age_band", "gender", "race", "condition_segment"]
    sub = sample_analysis.subgroups
    seg = sub[sub["subgroup_dimension"] == "condition_segment"]
    assert set(seg["subgroup"]) == {"0", "1", "2+"}
    shown = seg[~seg["suppressed"].astype(bool)]
    assert len(shown) >= 1
    assert ((shown["n_program"] >= 11) & (shown["n_comparison"] >= 11)).all()
    assert subgroup_label("condition_segment", "2+") == ("chronic conditions (CCW)",
                                                          "2 or more chronic conditions")
    assert subgroup_label("race", "asian") == ("race/ethnicity", "asian")


def test_without_diagnosis_codes_there_are_no_condition_columns(sample_dir, tmp_path):
    claims = pd.read_parquet(sample_dir / "medical_claim.parquet")
    claims.drop(columns=[c for c in claims if c.startswith("diagnosis_code_")]).to_parquet(
        tmp_path / "medical_claim.parquet")
    for name in ("eligibility", "pharmacy_claim", "program_enrollment", "program_costs"):
        pd.read_parquet(sample_dir / f"{name}.parquet").drop(
            columns=["race"], errors="ignore").to_parquet(tmp_path / f"{name}.parquet")
    a = Analysis(SuiteParameters(data_dir=str(tmp_path)))
    assert a.conditions is None
    persons = a.study.persons
    assert not any(c.startswith("cond_") for c in persons) and "race" not in persons
    assert "cond_" not in a.evaluation.covariates
    assert set(a.subgroups["subgroup_dimension"]) == {"age_band", "gender"}
