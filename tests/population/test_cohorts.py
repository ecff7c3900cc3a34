"""High-need trigger and the segment funnel."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from valuecase.population import cohorts


def stays(rows):
    return pd.DataFrame(rows, columns=["person_id", "admission_date", "discharge_date"]).assign(
        admission_date=lambda d: pd.to_datetime(d["admission_date"]),
        discharge_date=lambda d: pd.to_datetime(d["discharge_date"]))


def test_trigger_needs_k_stays_within_window():
    s = stays([("A", "2023-01-01", "2023-01-03"), ("A", "2023-07-02", "2023-07-04"),  # 182 d
               ("B", "2023-01-01", "2023-01-03"), ("B", "2023-07-03", "2023-07-05"),  # 183 d
               ("C", "2023-01-01", "2023-01-03")])
    t = cohorts.trigger_dates(s, cohorts.Trigger(2, 182))
    assert t.values.tolist() == [["A", pd.Timestamp("2023-07-04")]]


def test_trigger_first_date_after_baseline_and_three_stays():
    s = stays([("A", "2022-03-01", "2022-03-02"), ("A", "2022-04-01", "2022-04-02"),
               ("A", "2023-02-01", "2023-02-05"), ("A", "2023-03-01", "2023-03-09"),
               ("A", "2023-04-01", "2023-04-03")])
    t2 = cohorts.trigger_dates(s, cohorts.Trigger(2, 182, dt.date(2022, 12, 31)))
    assert t2["trigger_date"].tolist() == [pd.Timestamp("2023-03-09")]
    t3 = cohorts.trigger_dates(s, cohorts.Trigger(3, 90))
    assert t3["trigger_date"].tolist() == [pd.Timestamp("2023-04-03")]


def test_bad_trigger():
    with pytest.raises(ValueError, match="min_stays"):
        cohorts.Trigger(min_stays=0)


def test_baseline_end():
    panel = pd.DataFrame({"month": pd.to_datetime(["2022-01-01", "2024-12-01"])})
    assert cohorts.baseline_end(panel, 12) == dt.date(2022, 12, 31)


def test_funnel_and_suppression():
    panel = pd.DataFrame({"person_id": [f"P{i}" for i in range(100)]})
    trig = pd.DataFrame({"person_id": [f"P{i}" for i in range(30)]})
    enr = pd.DataFrame({"person_id": [f"P{i}" for i in range(25, 40)] + ["P1"],
                        "arm": ["program"] * 15 + ["control"]})
    f = cohorts.segment_funnel(panel, trig, enr)
    assert f["persons"].tolist() == [100, 30, 15, 5]
    assert f["share_of_previous"].tolist()[1:] == pytest.approx([0.3, 0.5, 5 / 15])
    shown = cohorts.funnel_for_funders(f)
    assert shown["persons"].tolist() == ["100", "30", "15", "<11"]
    assert shown["share_of_previous"].iloc[3] is None


def test_sample_trigger_finds_the_generators_trigger_meeters(sample_dir):
    from valuecase.data.load import load
    from valuecase.panel.member_panel import build_panel, build_stays

    data = load(sample_dir)
    panel = build_panel(data)
    truth = json.loads((sample_dir / "truth.json").read_text())
    t = cohorts.trigger_dates(build_stays(data), cohorts.Trigger(
        truth["trigger"].get("min_stays", 2), truth["trigger"]["window_days"],
        cohorts.baseline_end(panel, truth["trigger"]["evaluated_after_month"])))
    assert len(t) == truth["counts"]["trigger_meeters"]
    enrolled = data.frame("program_enrollment")
    # every enrollee met the trigger before enrolling (the generator enrolls after the trigger)
    merged = enrolled.merge(t.rename(columns={"trigger_date": "found"}), on="person_id",
                            how="left")
    assert merged["found"].notna().mean() > 0.98
    met = merged.dropna(subset=["found"])
    assert (pd.to_datetime(met["enrollment_date"]) >= met["found"]).all()
