"""The primary window split by program phase: which months count as enrolled, and recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from valuecase.impact.phases import PHASES, phase_effects, phase_table, program_phase


def test_a_month_is_enrolled_when_the_program_covers_any_day_of_it():
    months = pd.DataFrame({"person_id": ["a"] * 5 + ["b", "c", "c"],
                           "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01",
                                                    "2024-04-01", "2024-05-01", "2024-03-01",
                                                    "2024-03-01", "2030-01-01"])})
    enr = pd.DataFrame({"person_id": ["a", "b", "c"],
                        "enrollment_date": ["2024-02-28", "2024-01-10", "2024-03-31"],
                        "disenrollment_date": ["2024-04-01", None, None],
                        "arm": ["program", "control", None]})
    got = program_phase(months, enr).tolist()
    # a: Feb (starts the 28th) to Apr (leaves the 1st); b: a control row, never enrolled;
    # c: open-ended enrollment covers every later month
    assert got == [0, 1, 1, 1, 0, 0, 1, 1]


def _study(effect_during: float, seed: int = 0, n: int = 800):
    rng = np.random.default_rng(seed)
    person = np.repeat(np.arange(n), 12)
    t = np.tile(np.arange(1, 13), n)
    treated = (person < n // 2).astype(int)
    frailty = rng.gamma(2.0, 0.5, n)[person]  # overdispersed, as real counts are
    start = pd.Timestamp("2024-01-01")
    month = pd.to_datetime([start + pd.DateOffset(months=int(k) - 1) for k in range(1, 13)])
    stay = rng.integers(2, 10, n)  # months enrolled, from month 1
    enrolled = (treated == 1) & (t <= stay[person])
    rate = 0.3 * frailty * np.where(enrolled, effect_during, 1.0)
    rows = pd.DataFrame({"person_id": person, "event_time": t, "post": 1, "treated": treated,
                         "month": month[t - 1], "inpatient_stays": rng.poisson(rate)})
    enr = pd.DataFrame({"person_id": np.arange(n // 2), "enrollment_date": "2024-01-03",
                        "disenrollment_date": [(start + pd.DateOffset(months=int(s) - 1,
                                                                      days=10)).date()
                                               for s in stay[: n // 2]]})
    persons = pd.DataFrame({"person_id": np.arange(n), "treated": (np.arange(n) < n // 2)
                            .astype(int), "age": rng.integers(20, 80, n)})
    study = type("S", (), {"event_time": rows, "persons": persons})()
    return study, enr


def test_the_effect_while_enrolled_is_recovered_and_none_after():
    held = {p: 0 for p in PHASES}
    for seed in range(20):
        study, enr = _study(0.6, seed)
        out = phase_effects(study, enr, "inpatient_stays", covariates="age")
        for phase, truth in zip(PHASES, (0.6, 1.0), strict=True):
            held[phase] += out[phase].ci_low <= truth <= out[phase].ci_high
    # 20 runs of 95% intervals: P(fewer than 16 hold) < 0.003
    assert min(held.values()) >= 16, held


def test_phase_table_has_no_event_counts():
    study, enr = _study(0.6)
    t = phase_table(study, enr, ("inpatient_stays",))
    assert list(t["phase"]) == list(PHASES)
    assert "events" not in t.columns
    assert (t["se"] > 0).all() and (t["n"] == 800 * 12).all()
    assert t["program_person_months"].sum() == 400 * 12
    assert t.loc[0, "rate_ratio"] == pytest.approx(0.6, abs=0.15)
