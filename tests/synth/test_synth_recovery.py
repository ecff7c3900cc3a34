"""The pipeline recovers what the generator made: load + panel on the bundled sample vs truth.json.

``truth.json`` holds the generator's realized counts (``generated``) and its model-expected counts
(``expected``, from the latent rates). A mismatch between the panel and ``generated`` is a counting
bug; a mismatch between the panel and ``expected`` beyond Poisson noise is a generator (or
expectation) bug.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from valuecase.data.load import load
from valuecase.datasets import sample_dir
from valuecase.panel.member_panel import build_panel

SAMPLE = sample_dir()

pytestmark = pytest.mark.skipif(
    not (SAMPLE / "medical_claim.parquet").exists(), reason="default sample not generated"
)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLE / "truth.json").read_text())


@pytest.fixture(scope="module")
def data():
    return load(SAMPLE)


@pytest.fixture(scope="module")
def by_year(data) -> pd.DataFrame:
    panel = build_panel(data)
    out = panel.groupby("year").agg(
        member_months=("person_id", "size"), ed_visits=("ed_visits", "sum"),
        acute_stays=("inpatient_stays", "sum"), index_stays=("index_stays", "sum"),
        readmissions_30d=("readmissions_30d", "sum"))
    out.index = out.index.astype(str)
    return out


@pytest.fixture(scope="module")
def claims(data) -> pd.DataFrame:
    return data.frame("medical_claim")


def _year(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.year.astype(str)


def _adjacent_stays(med: pd.DataFrame) -> pd.Series:
    """111 claims admitted the day after the same person's previous stay at the same hospital
    ended: the claims logic merges each into the previous stay. Counted by admission year."""
    ip = med.loc[med["bill_type_code"] == "111"].drop_duplicates("claim_id")
    ip = ip.sort_values(["person_id", "facility_npi", "admission_date"])
    adm = pd.to_datetime(ip["admission_date"])
    prev_dis = pd.to_datetime(ip.groupby(["person_id", "facility_npi"])["discharge_date"].shift())
    merged = (adm - prev_dis).dt.days <= 1
    return _year(ip.loc[merged, "admission_date"]).value_counts()


def _ed_records(med: pd.DataFrame) -> pd.DataFrame:
    """One row per generated ED visit: a 131 claim with a 0450 line (treat and release) or a 111
    claim with a 0450 line (admitted through the ED); reversals (negative copies) left out."""
    ed = med.loc[(med["revenue_center_code"] == "0450") & (med["paid_amount"] >= 0)]
    return ed.drop_duplicates("claim_id")[["person_id", "claim_start_date"]]


def test_member_months_match(truth, by_year):
    for year, row in by_year.iterrows():
        assert row["member_months"] == truth["generated"]["by_year"][year]["member_months"]
        assert row["member_months"] == truth["expected"]["by_year"][year]["member_months"]
    assert by_year["member_months"].sum() == truth["generated"]["total"]["member_months"]


def test_ed_visits_equal_generated(truth, by_year, claims):
    ed = _ed_records(claims)
    events = _year(ed["claim_start_date"]).value_counts()
    days = _year(ed.drop_duplicates()["claim_start_date"]).value_counts()
    for year, row in by_year.iterrows():
        gen = truth["generated"]["by_year"][year]
        assert events.get(year, 0) == gen["ed_visit_events"], year
        assert days.get(year, 0) == gen["ed_visits"], year
        # The pipeline counts distinct person-days, exactly what the generator reports.
        assert row["ed_visits"] == gen["ed_visits"], year


def test_stays_equal_generated_minus_merges(truth, by_year, claims):
    merges = _adjacent_stays(claims)
    stays_111 = _year(claims.loc[claims["bill_type_code"] == "111"]
                      .drop_duplicates("claim_id")["admission_date"]).value_counts()
    for year, row in by_year.iterrows():
        gen = truth["generated"]["by_year"][year]
        assert stays_111.get(year, 0) == gen["acute_stays"], year
        assert merges.get(year, 0) == gen["adjacent_same_facility"], year
        assert row["acute_stays"] == gen["acute_stays"] - gen["adjacent_same_facility"], year


@pytest.mark.parametrize("count", ["ed_visits", "acute_stays", "index_stays",
                                   "readmissions_30d"])
def test_pipeline_within_poisson_error_of_expected(truth, by_year, count):
    for year, row in by_year.iterrows():
        exp = truth["expected"]["by_year"][year][count]
        mm = truth["expected"]["by_year"][year]["member_months"]
        obs = row[count]
        print(f"{year} {count}: pipeline {obs} ({obs / mm * 12000:.1f} per 1,000 member-years), "
              f"expected {exp:.1f} ({exp / mm * 12000:.1f})")
        assert abs(obs - exp) <= 3 * np.sqrt(exp), (year, count, obs, exp)


def test_generated_within_poisson_error_of_expected(truth):
    for year, gen in truth["generated"]["by_year"].items():
        exp = truth["expected"]["by_year"][year]
        for count in ("ed_visits", "ed_visit_events", "ed_visits_admitted", "acute_stays"):
            assert abs(gen[count] - exp[count]) <= 3 * np.sqrt(exp[count]), (year, count)
