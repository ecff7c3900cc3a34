"""Calibration of the committed default sample (valuecase/datasets/sample) against published reference facts.

Everything is computed from the raw tables with pandas, not through other valuecase modules.
Targets: MEPS spending concentration and persistence (README, "The bundled sample"), Medicaid-adult-like
ED and inpatient rates, 30-day readmissions, and enough program enrollees for an evaluation.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from valuecase.datasets import sample_dir

SAMPLE = sample_dir()
ED_REVENUE = {"0450", "0451", "0452", "0459", "0981"}

pytestmark = pytest.mark.skipif(
    not (SAMPLE / "medical_claim.parquet").exists(), reason="default sample not generated"
)


@pytest.fixture(scope="module")
def sample() -> dict[str, object]:
    tables = {
        name: pd.read_parquet(SAMPLE / f"{name}.parquet")
        for name in ("eligibility", "medical_claim", "pharmacy_claim", "program_enrollment",
                     "program_costs")
    }
    tables["truth"] = json.loads((SAMPLE / "truth.json").read_text())
    return tables


def _window(truth: dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(truth["config"]["start"])
    end = start + pd.DateOffset(months=truth["config"]["months"]) - pd.Timedelta(days=1)
    return start, end


def member_months(elig: pd.DataFrame) -> pd.DataFrame:
    """Distinct (person_id, year, month) with any enrolled day."""
    s = pd.to_datetime(elig["enrollment_start_date"])
    e = pd.to_datetime(elig["enrollment_end_date"])
    a = (s.dt.year * 12 + s.dt.month - 1).to_numpy()
    b = (e.dt.year * 12 + e.dt.month - 1).to_numpy()
    n = b - a + 1
    idx = np.repeat(np.arange(len(a)), n)
    month = a[idx] + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    mm = pd.DataFrame({"person_id": elig["person_id"].to_numpy()[idx], "ym": month})
    mm = mm.drop_duplicates()
    mm["year"] = mm["ym"] // 12
    return mm


@pytest.fixture(scope="module")
def annual(sample) -> dict[int, pd.Series]:
    """Annual paid (medical + pharmacy) per person enrolled >= 1 month that year, full years."""
    mm = member_months(sample["eligibility"])
    start, end = _window(sample["truth"])
    med, rx = sample["medical_claim"], sample["pharmacy_claim"]
    med_y = pd.to_datetime(med["claim_start_date"]).dt.year
    rx_y = pd.to_datetime(rx["dispensing_date"]).dt.year
    out = {}
    for year in range(start.year, end.year + 1):
        if pd.Timestamp(year, 1, 1) < start or pd.Timestamp(year, 12, 31) > end:
            continue
        people = mm.loc[mm["year"] == year, "person_id"].unique()
        paid = pd.concat([
            med.loc[med_y == year].groupby("person_id")["paid_amount"].sum(),
            rx.loc[rx_y == year].groupby("person_id")["paid_amount"].sum(),
        ]).groupby(level=0).sum()
        out[year] = paid.reindex(people, fill_value=0.0).sort_values(ascending=False)
    assert len(out) >= 2, "need at least two full calendar years"
    return out


def _share(v: pd.Series, top: float | None = None, bottom: float | None = None) -> float:
    n, total = len(v), v.sum()
    if top is not None:
        return v.iloc[: int(round(n * top))].sum() / total
    return v.iloc[n - int(round(n * bottom)):].sum() / total


def test_concentration_top1(annual):
    for year, v in annual.items():
        assert 0.20 <= _share(v, top=0.01) <= 0.25, year


def test_concentration_top5(annual):
    for year, v in annual.items():
        assert 0.45 <= _share(v, top=0.05) <= 0.55, year


def test_concentration_bottom50(annual):
    for year, v in annual.items():
        assert 0.02 <= _share(v, bottom=0.50) <= 0.05, year


def test_persistence_top5(annual):
    years = sorted(annual)
    for y1, y2 in zip(years[:-1], years[1:], strict=True):
        v1, v2 = annual[y1], annual[y2]
        top1 = set(v1.index[: int(round(len(v1) * 0.05))])
        top2 = set(v2.index[: int(round(len(v2) * 0.05))])
        assert 0.25 <= len(top1 & top2) / len(top1) <= 0.45, (y1, y2)


@pytest.fixture(scope="module")
def member_years(sample) -> float:
    return len(member_months(sample["eligibility"])) / 12


def test_ed_visit_rate(sample, member_years):
    med = sample["medical_claim"]
    inst = med["claim_type"] == "institutional"
    is_ed = (inst & med["revenue_center_code"].isin(ED_REVENUE)) | (
        ~inst & (med["place_of_service_code"] == "23"))
    visits = med.loc[is_ed, ["person_id", "claim_start_date"]].drop_duplicates()
    assert 500 <= len(visits) / member_years * 1000 <= 1000


def _stays(med: pd.DataFrame) -> pd.DataFrame:
    ip = med.loc[med["bill_type_code"] == "111"].drop_duplicates("claim_id")
    return ip.assign(adm=pd.to_datetime(ip["admission_date"]),
                     dis=pd.to_datetime(ip["discharge_date"]))


def test_inpatient_rate(sample, member_years):
    stays = _stays(sample["medical_claim"])
    assert 80 <= len(stays) / member_years * 1000 <= 200


def test_readmission_rate(sample):
    _, end = _window(sample["truth"])
    stays = _stays(sample["medical_claim"]).sort_values(["person_id", "adm"])
    stays["next_adm"] = stays.groupby("person_id")["adm"].shift(-1)
    index = stays.loc[~stays["discharge_disposition_code"].isin(["02", "07", "20"])
                      & (stays["dis"] <= end - pd.Timedelta(days=30))]
    gap = (index["next_adm"] - index["dis"]).dt.days
    rate = ((gap >= 1) & (gap <= 30)).mean()
    assert 0.12 <= rate <= 0.22


def test_enough_enrollees(sample):
    pe = sample["program_enrollment"]
    assert (pe["arm"] == "program").sum() >= 150
    assert sample["truth"]["counts"]["program"] == (pe["arm"] == "program").sum()


def test_staff_cost_per_enrolled_member_month(sample):
    pe, costs = sample["program_enrollment"], sample["program_costs"]
    _, end = _window(sample["truth"])
    pe = pe.loc[pe["arm"] == "program"]
    start = pd.to_datetime(pe["enrollment_date"]).dt.to_period("M")
    stop = pd.to_datetime(pe["disenrollment_date"]).fillna(end).dt.to_period("M")
    enrolled_months = sum((b - a).n + 1 for a, b in zip(start, stop, strict=True))
    staff = costs.loc[costs["category"] == "staff", "amount"].sum()
    assert 150 <= staff / enrolled_months <= 250
    assert set(costs["category"]) == {"staff", "flexible_funds", "housing", "admin"}
