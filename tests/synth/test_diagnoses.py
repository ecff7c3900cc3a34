"""The generator's diagnosis codes agree with its members' conditions and with the CCW
categories valuecase flags; only diagnosis columns and race depend on the new streams."""

from __future__ import annotations

import numpy as np
import pandas as pd

from valuecase.panel.conditions import conditions_of_code
from valuecase.synth import SynthConfig, generate
from valuecase.synth.diagnoses import (
    CODE_CONDITION,
    CONDITION_CODES,
    NOT_CHRONIC,
    RACES,
    diagnosis_columns,
)
from valuecase.synth.generate import true_conditions
from valuecase.synth.population import CONDITIONS


def test_codes_mean_what_the_flags_read():
    for name, codes in CONDITION_CODES.items():
        for code in codes:
            assert conditions_of_code(code) == (name,), code
    for code, name in CODE_CONDITION.items():
        found = conditions_of_code(code)
        assert found and (name is None or found == (name,)), code
        assert conditions_of_code(NOT_CHRONIC[code]) == (), NOT_CHRONIC[code]


def test_reversals_carry_their_claims_codes():
    conditions = np.ones((1, len(CONDITIONS)), dtype=bool)
    lines = {"person": np.zeros(6, dtype=np.int64), "source": np.array([0, 0, 1, 2, 1, 0]),
             "dx": np.array(["R079"] * 6, dtype=object)}
    cols = diagnosis_columns(np.random.default_rng(3), lines, conditions)
    for k in ("dx2", "dx3", "dx4"):
        assert cols[k][0] == cols[k][1] == cols[k][5]
        assert cols[k][2] == cols[k][4]


def test_claims_carry_only_their_members_conditions(tmp_path):
    cfg = SynthConfig(members=1500, months=24, seed=5)
    res = generate(cfg, tmp_path)
    claims = pd.read_parquet(res.files["medical_claim"])
    truth = pd.DataFrame(true_conditions(cfg)).set_index("person_id")
    dx = [c for c in claims if c.startswith("diagnosis_code_")]
    assert dx == ["diagnosis_code_1", "diagnosis_code_2", "diagnosis_code_3", "diagnosis_code_4"]
    long = claims.melt(id_vars=["person_id"], value_vars=dx, value_name="code")
    long = long[long["code"].notna() & (long["code"] != "")]
    seen = set()
    for code, g in long.groupby("code"):
        for name in conditions_of_code(code):
            assert truth.loc[g["person_id"].unique(), name].all(), (code, name)
            seen.add(name)
    assert seen == set(CONDITIONS)
    race = pd.read_parquet(res.files["eligibility"])["race"]
    assert set(race) <= set(RACES) and race.nunique() >= 5
