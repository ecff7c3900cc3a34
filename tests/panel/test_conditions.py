"""Chronic-condition flags: code prefixes, CCW's qualification rule, absent diagnosis columns, and
recovery of the synthetic generator's true conditions from the bundled sample's claims."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from valuecase.data import load
from valuecase.datasets import sample_dir
from valuecase.panel.conditions import (
    CONDITION_NAMES,
    CONDITIONS,
    condition_months,
    conditions_of_code,
    normalize_code,
    qualify,
)


@pytest.mark.parametrize("code, expected", [
    ("E11.9", ("diabetes",)), ("e119", ("diabetes",)), (" E11.65 ", ("diabetes",)),
    ("I50.9", ("heart_failure",)), ("J44.1", ("copd",)), ("N18.4", ("chronic_kidney_disease",)),
    ("E11.22", ("diabetes", "chronic_kidney_disease")),
    ("F32.9", ("depression",)), ("F20.9", ("serious_mental_illness",)),
    ("F31.9", ("serious_mental_illness",)), ("F10.20", ("substance_use",)),
    ("F11.20", ("substance_use",)), ("I10", ("hypertension",)),
    ("I25.10", ("ischemic_heart_disease",)), ("J45.909", ("asthma",)),
    ("I13.0", ("heart_failure", "chronic_kidney_disease", "hypertension")),
    # not chronic-condition codes: symptoms, acute kidney failure, cardiomyopathy outside
    # CCW's list, nicotine, ICD-9 diabetes, empty
    ("R07.9", ()), ("N17.9", ()), ("I42.1", ()), ("F17.210", ()), ("25000", ()), ("", ()),
    (None, ()),
])
def test_codes_map_to_their_conditions(code, expected):
    assert conditions_of_code(code) == expected


def test_every_condition_has_a_label_and_a_ccw_source():
    assert len(CONDITION_NAMES) == len(set(CONDITION_NAMES)) == 10
    for c in CONDITIONS:
        assert c.label and c.ccw and c.prefixes
        assert all(p == p.upper() and p.isalnum() for p in c.prefixes)


def test_engine_normalization_matches_python():
    codes = ["e11.9", " I50.9", "j45-909", "Z00.00", None, " . "]
    t = ibis.memtable(pd.DataFrame({"code": codes}))
    got = t.select(n=normalize_code(t.code)).to_pandas()["n"].tolist()
    assert got[:4] == ["E119", "I509", "J45909", "Z0000"]
    assert pd.isna(got[4]) and pd.isna(got[5])


def _lines(rows):
    df = pd.DataFrame(rows, columns=["person_id", "claim_id", "claim_type", "bill_type_code",
                                     "claim_start_date", "paid_amount", "diagnosis_code_1",
                                     "diagnosis_code_3"])
    df["claim_start_date"] = pd.to_datetime(df["claim_start_date"]).dt.date
    return ibis.memtable(df)


def _flagged(lines):
    months = condition_months(lines).to_pandas()
    sums = months.groupby(["person_id", "condition"], as_index=False)[
        ["claims", "inpatient_claims"]].sum()
    return sorted(map(tuple, qualify(sums)[["person_id", "condition"]].values.tolist()))


def test_ccw_rule_one_inpatient_or_two_other_claims():
    lines = _lines([
        # A: one inpatient claim (two lines) with heart failure in position 3 -> flagged
        ("A", "1", "institutional", "111", "2023-01-03", 900.0, "R07.9", "I50.9"),
        ("A", "1", "institutional", "111", "2023-01-03", 0.0, "R07.9", "I50.9"),
        # B: two outpatient claims with COPD -> flagged
        ("B", "2", "professional", None, "2023-01-10", 80.0, "J44.9", None),
        ("B", "3", "institutional", "131", "2023-03-10", 80.0, None, "j449"),
        # C: one outpatient claim with two lines -> one claim, not flagged
        ("C", "4", "professional", None, "2023-02-01", 80.0, "E11.9", None),
        ("C", "4", "professional", None, "2023-02-01", 20.0, "E11.9", None),
        # D: a claim and its reversal (negative paid) -> one claim, not flagged
        ("D", "5", "professional", None, "2023-02-01", 80.0, "F20.9", None),
        ("D", "6", "professional", None, "2023-02-01", -80.0, "F20.9", None),
    ])
    assert _flagged(lines) == [("A", "heart_failure"), ("B", "copd")]
    sums = condition_months(lines).to_pandas().groupby(["person_id", "condition"])[
        ["claims", "inpatient_claims"]].sum()
    assert sums.loc[("A", "heart_failure")].tolist() == [1, 1]
    assert sums.loc[("B", "copd")].tolist() == [2, 0]
    assert sums.loc[("C", "diabetes")].tolist() == [1, 0]


def test_no_diagnosis_columns_gives_none():
    t = ibis.memtable(pd.DataFrame({"person_id": ["A"], "claim_id": ["1"],
                                    "claim_start_date": [pd.Timestamp("2023-01-01").date()]}))
    assert condition_months(t) is None


@pytest.fixture(scope="module")
def sample_flags():
    from valuecase.synth import SynthConfig
    from valuecase.synth.generate import true_conditions

    data = load(sample_dir())
    months = condition_months(data.table("medical_claim")).to_pyarrow().to_pandas()
    sums = months.groupby(["person_id", "condition"], as_index=False)[
        ["claims", "inpatient_claims"]].sum()
    return qualify(sums), pd.DataFrame(true_conditions(SynthConfig()))


def test_flags_recover_the_generators_conditions(sample_flags):
    """Over the whole sample (every member, all months): a flag is never wrong (the generator
    writes a condition's codes only for members who have it) and finds about 80% of those
    who have it (the rest have too few claims in the data to meet CCW's rule)."""
    flagged, truth = sample_flags
    from valuecase.synth.population import CONDITIONS as TRUE_CONDITIONS

    for name in TRUE_CONDITIONS:
        f = truth["person_id"].isin(set(flagged.loc[flagged["condition"] == name, "person_id"]))
        t = truth[name].to_numpy()
        sensitivity = (f & t).sum() / t.sum()
        specificity = (~f & ~t).sum() / (~t).sum()
        assert 0.75 <= sensitivity <= 0.9, (name, sensitivity)
        assert specificity == 1.0, (name, specificity)
    # categories the generator does not model are never flagged
    assert set(flagged["condition"]) == set(TRUE_CONDITIONS)


def test_sensitivity_rises_with_utilization(sample_flags):
    flagged, truth = sample_flags
    data = load(sample_dir())
    claims = (data.table("medical_claim").group_by("person_id")
              .aggregate(n=lambda t: t.claim_id.nunique()).to_pandas())
    t = truth.merge(claims, on="person_id", how="left").fillna({"n": 0})
    f = t["person_id"].isin(set(flagged.loc[flagged["condition"] == "diabetes", "person_id"]))
    heavy = t["diabetes"] & (t["n"] >= 20)
    assert heavy.sum() > 50
    assert f[heavy].mean() > 0.99
    assert np.isfinite(f[t["diabetes"]].mean())
