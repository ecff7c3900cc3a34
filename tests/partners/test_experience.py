"""Experience survey items: response rate, mean with a t interval, top-box share (Wilson)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from valuecase.partners.experience import experience_items, mean_interval

Q1 = [5, 5, 5, 4, 4, 3, 5, 2, 4, 5, 1, 5]


def _survey(item, responses, scale_max=5, start=0, date="2024-06-01"):
    return pd.DataFrame({"person_id": [f"p{i:02d}" for i in range(start, start + len(responses))],
                         "item_id": item, "response": np.asarray(responses, dtype=float),
                         "scale_min": 1, "scale_max": scale_max,
                         "survey_date": pd.Timestamp(date)})


def _enrollment(n):
    return pd.DataFrame({"person_id": [f"p{i:02d}" for i in range(n)],
                         "enrollment_date": pd.Timestamp("2024-01-01"),
                         "disenrollment_date": pd.NaT})


def test_item_summary_by_hand():
    # p00 first answered 1, then 5: the latest answer counts; p12 skipped the item (NaN)
    s = pd.concat([_survey("q1", [1], date="2024-05-01"), _survey("q1", Q1),
                   _survey("q1", [np.nan], start=12)], ignore_index=True)
    t = experience_items(s, _enrollment(20), min_count=1).set_index("item_id")
    row = t.loc["q1"]
    assert row[["respondents", "denominator", "top_box"]].tolist() == [12, 20, 6]
    assert row["response_rate"] == pytest.approx(12 / 20)
    mean = sum(Q1) / 12  # 4.0
    sd = math.sqrt(sum((x - mean) ** 2 for x in Q1) / 11)
    half = 2.200985160082949 * sd / math.sqrt(12)  # t(0.975, 11)
    assert row["mean"] == pytest.approx(mean)
    assert (row["mean_ci_low"], row["mean_ci_high"]) == pytest.approx((mean - half, mean + half))
    assert row["top_box_share"] == pytest.approx(0.5)
    # Wilson 6/12 by hand: 0.5 -/+ z sqrt(0.25/12 + z2/576), over 1 + z2/12
    z = 1.959964
    w = z * math.sqrt(0.25 / 12 + z * z / 576) / (1 + z * z / 12)
    assert (row["top_box_ci_low"], row["top_box_ci_high"]) == pytest.approx(
        (0.5 - w, 0.5 + w), abs=1e-6)


def test_denominator_and_scales():
    s = pd.concat([_survey("q1", Q1), _survey("q2", [7, 6, 7], scale_max=7)], ignore_index=True)
    t = experience_items(s, denominator=40, min_count=1).set_index("item_id")
    assert t["response_rate"].tolist() == pytest.approx([12 / 40, 3 / 40])
    assert t.loc["q2", "top_box"] == 2 and t.loc["q2", "scale_max"] == 7
    with pytest.raises(ValueError, match="denominator"):
        experience_items(s)
    with pytest.raises(ValueError, match="outside"):
        experience_items(_survey("q1", [6]), denominator=5)
    assert mean_interval([2.0])[0] == 2.0 and np.isnan(mean_interval([2.0])[1])


def test_small_counts_are_suppressed():
    s = pd.concat([_survey("q1", [5] * 5 + [4] * 25), _survey("q2", [3] * 8)],
                  ignore_index=True)
    t = experience_items(s, denominator=100).set_index("item_id")
    # q1: 30 respondents shown with their mean, but the 5 top-box answers are hidden
    assert t.loc["q1", "respondents"] == 30 and t.loc["q1", "mean"] == pytest.approx(4 + 5 / 30)
    assert t.loc["q1", ["top_box", "top_box_share", "top_box_ci_low"]].isna().all()
    # q2: 8 respondents: nothing about the item is shown but its denominator
    assert t.loc["q2", ["respondents", "response_rate", "mean", "top_box"]].isna().all()
    assert t["suppressed"].tolist() == [True, True]
    assert t["denominator"].tolist() == [100, 100]
