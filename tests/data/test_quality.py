"""Data-quality measures on hand-made data and on the Tuva seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from valuecase.data import quality
from valuecase.data.load import load_frames


@pytest.fixture()
def small():
    elig = pd.DataFrame({"person_id": ["P1", "P2"], "enrollment_start_date": ["2020-01-01"] * 2,
                         "enrollment_end_date": ["2020-12-31", "2020-03-31"],
                         "gender": ["female", None]})
    med = pd.DataFrame({
        "claim_id": ["C1", "C1", "C2", "C3"], "claim_line_number": [1, 2, 1, 1],
        "person_id": ["P1", "P1", "P1", "P2"], "claim_type": ["institutional"] * 2 + [
            "professional"] * 2,
        "claim_start_date": ["2020-02-01", "2020-02-01", "2020-03-10", "2020-05-01"],
        "claim_end_date": ["2020-02-04", "2020-02-04", "2020-03-10", "2020-05-01"],
        "paid_date": ["2020-04-04", "2020-04-04", "2020-03-20", None],
        "bill_type_code": ["131", "131", None, None],
        "paid_amount": [100.0, 0.0, 50.0, 20.0]})
    return load_frames({"eligibility": elig, "medical_claim": med})


def test_completeness(small):
    c = quality.completeness(small, "medical_claim").set_index("column")
    assert c.loc["bill_type_code", "filled"] == 2
    assert c.loc["bill_type_code", "filled_share"] == pytest.approx(0.5)
    assert c.loc["person_id", "required"] and not c.loc["paid_date", "required"]


def test_completeness_by_month(small):
    c = quality.completeness_by_month(small, "medical_claim", ["paid_date"])
    assert c.set_index(c["month"].dt.strftime("%Y-%m"))["filled_share"].to_dict() == {
        "2020-02": 1.0, "2020-03": 1.0, "2020-05": 0.0}


def test_claims_lag_is_per_claim_from_service_end(small):
    lag = quality.claims_lag(small).set_index("lag_days")
    # C1 (two lines, $100) paid 60 days after its end, C2 ($50) after 10; C3 has no paid date
    assert lag["claims"].to_dict() == {10: 1, 60: 1}
    assert lag["paid_amount"].to_dict() == {10: 50.0, 60: 100.0}
    summ = quality.lag_summary(quality.claims_lag(small)).iloc[0]
    assert summ["claims"] == 2 and summ["paid_within_30d"] == pytest.approx(0.5)


def test_completion_factors_reach_one(small):
    cf = quality.completion_factors(quality.claims_lag(small), max_months=3)
    shares = cf.set_index("months_after_service")["share_paid"]
    # C2 ($50) paid within month 0, C1 ($100) at day 60 -> month 2
    assert shares.tolist() == pytest.approx([50 / 150, 50 / 150, 1.0, 1.0])


def test_volume_by_month_separates_outside_enrollment(small):
    v = quality.volume_by_month(small).set_index(quality.volume_by_month(small)["month"].dt.month)
    assert v.loc[5, "paid_amount"] == 20 and v.loc[5, "paid_in_enrollment"] == 0  # P2 left


def test_seed10_completeness_facts(seed10_data):
    c = quality.completeness(seed10_data, "medical_claim").set_index("column")
    assert c.loc["paid_amount", "rows"] == 2075
    # allowed_amount is filled only on professional lines (README): 1,575 lines
    assert c.loc["allowed_amount", "filled"] == 1575


def test_lag_quantiles_equal_pandas_on_claim_level_lags():
    rng = np.random.default_rng(3)
    days = pd.Series(rng.integers(-5, 400, size=997))
    dist = days.value_counts().sort_index().rename("claims").rename_axis("lag_days")
    dist = dist.reset_index()
    for q in (0.0, 0.1, 0.5, 0.9, 0.99, 1.0):
        assert quality.lag_quantile(dist, q) == pytest.approx(days.quantile(q), abs=1e-9)


def test_years_with_stays_but_no_inpatient_spend_are_flagged():
    """A stay priced in 2020 and an unpriced one in 2021 (the source left its paid at 0)."""
    from valuecase.panel.member_panel import build_panel
    from valuecase.population.aggregate import period_sums

    elig = pd.DataFrame({"person_id": ["P1"], "enrollment_start_date": ["2020-01-01"],
                         "enrollment_end_date": ["2022-12-31"]})
    stay = {"claim_line_number": 1, "person_id": "P1", "claim_type": "institutional",
            "bill_type_code": "111", "drg_code": "470", "revenue_center_code": "0120"}
    med = pd.DataFrame([
        {**stay, "claim_id": "A", "claim_start_date": "2020-03-01",
         "claim_end_date": "2020-03-04", "paid_amount": "8000.00"},
        {**stay, "claim_id": "B", "claim_start_date": "2021-05-01",
         "claim_end_date": "2021-05-03", "paid_amount": "0.00"},
        {"claim_id": "C", "claim_line_number": 1, "person_id": "P1",
         "claim_type": "professional", "claim_start_date": "2022-02-01",
         "paid_amount": "75.00"}])
    panel = build_panel(load_frames({"eligibility": elig, "medical_claim": med}))
    gaps = quality.stays_without_inpatient_spend(period_sums(panel, "year"))
    assert gaps["year"].tolist() == ["2020", "2021", "2022"]
    assert gaps["inpatient_stays"].tolist() == [1, 1, 0]
    assert gaps["flagged"].tolist() == [False, True, False]
    assert quality.stays_without_inpatient_spend(pd.DataFrame()).empty
