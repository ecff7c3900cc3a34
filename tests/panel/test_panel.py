"""Member-month panel: Tuva member months, spend assignment, counts per person-month."""

from __future__ import annotations

import pandas as pd
import pytest

from valuecase.data.load import load_frames
from valuecase.data.quality import spend_outside_enrollment
from valuecase.panel.member_panel import PANEL_COLUMNS, build_panel


def test_seed10_member_months_and_encounters(seed10_panel):
    p = seed10_panel
    assert list(p.columns) == list(PANEL_COLUMNS)
    assert len(p) == 309
    assert not p.duplicated(["person_id", "month"]).any()
    # Tuva's acute rule (11x/12x bill type, valid DRG and a basic room-and-board code): of the
    # six 11x claims with an MS-DRG only 690699 (10017, 2018-03-28 to 03-30) has room and board,
    # so the readmission pair of 10046 (two 11x claims without room and board) is not counted
    assert p["inpatient_stays"].sum() == 1
    assert p["bed_days"].sum() == 2
    assert p["readmissions_30d"].sum() == 0


def test_seed10_paid_reconciles_with_outside_enrollment(seed10_data, seed10_panel):
    rec = seed10_data.reconciliation.set_index("table")
    medical = seed10_panel[[c for c in PANEL_COLUMNS if c.startswith("paid_")
                            and c not in ("paid_pharmacy", "paid_total")]].sum().sum()
    assert medical + rec.loc["medical_claim", "paid_outside_enrollment"] + rec.loc[
        "medical_claim", "paid_rejected"] == pytest.approx(163_818.97, abs=0.01)
    pharmacy = seed10_panel["paid_pharmacy"].sum()
    assert pharmacy + rec.loc["pharmacy_claim", "paid_outside_enrollment"] == pytest.approx(
        45_827.28, abs=0.01)
    outside = spend_outside_enrollment(seed10_data)
    assert outside.groupby("table")["paid_amount"].sum()["pharmacy_claim"] == pytest.approx(
        rec.loc["pharmacy_claim", "paid_outside_enrollment"])
    assert seed10_panel["paid_total"].sum() == pytest.approx(medical + pharmacy)


def test_overlapping_spans_do_not_double_count_months():
    elig = pd.DataFrame({
        "person_id": ["P1", "P1", "P1"],
        "enrollment_start_date": ["2020-01-20", "2020-03-01", "2020-07-31"],
        "enrollment_end_date": ["2020-04-15", "2020-05-01", "2020-08-01"],
    })
    med = pd.DataFrame({"claim_id": ["C1"], "claim_line_number": [1], "person_id": ["P1"],
                        "claim_type": ["professional"], "claim_start_date": ["2020-06-15"],
                        "paid_amount": [50.0]})
    p = build_panel(load_frames({"eligibility": elig, "medical_claim": med}))
    assert p["month"].dt.strftime("%Y-%m").tolist() == [
        "2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-07", "2020-08"]
    assert p["paid_total"].sum() == 0  # June is not enrolled: spend is outside enrollment


def test_negative_paid_is_kept_as_reversal_in_pmpm():
    elig = pd.DataFrame({"person_id": ["P1"], "enrollment_start_date": ["2020-01-01"],
                         "enrollment_end_date": ["2020-01-31"]})
    med = pd.DataFrame({"claim_id": ["C1", "C2"], "claim_line_number": [1, 1],
                        "person_id": ["P1", "P1"], "claim_type": ["professional"] * 2,
                        "claim_start_date": ["2020-01-05", "2020-01-20"],
                        "paid_amount": [100.0, -40.0]})
    p = build_panel(load_frames({"eligibility": elig, "medical_claim": med}))
    assert p["paid_professional"].tolist() == [60.0]


def test_age_and_gender_carried_from_eligibility():
    elig = pd.DataFrame({"person_id": ["P1"], "enrollment_start_date": ["2020-01-01"],
                         "enrollment_end_date": ["2020-03-31"], "birth_date": ["1980-02-15"],
                         "gender": ["female"]})
    med = pd.DataFrame(columns=["claim_id", "claim_line_number", "person_id", "claim_type",
                                "claim_start_date", "paid_amount"])
    p = build_panel(load_frames({"eligibility": elig, "medical_claim": med}))
    assert p["gender"].tolist() == ["female"] * 3
    assert p["age"].tolist() == [39, 39, 40]  # completed years on the 1st


@pytest.mark.parametrize("dialect", ["postgres", "snowflake", "duckdb"])
def test_panel_is_engine_portable_ibis(seed10_data, dialect):
    """The panel is one Ibis expression: it compiles for other engines' SQL dialects."""
    import ibis

    from valuecase.panel.member_panel import panel_expr

    backend = seed10_data.ibis()

    class Unbound:  # the same tables, not bound to DuckDB
        def list_tables(self):
            return backend.list_tables()

        def table(self, name):
            return ibis.table(backend.table(name).schema(), name=name)

    sql = ibis.to_sql(panel_expr(Unbound(), data_end="2018-12-31"), dialect=dialect)
    assert "medical_claim" in sql and "eligibility" in sql
