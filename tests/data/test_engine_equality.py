"""The same files through DuckDB and through Apache Spark (PySpark, local mode) give identical
results: accepted tables, the member-month panel, rejects with their reasons and row identity,
reconciliation, data-quality measures and ``summarize`` — exact equality, no tolerance.

Five inputs: the bundled sample (Parquet, money stored as doubles), the Tuva seed (CSV with
header-style payments), a messy fixture written here (two CSV files for one table, bad dates
and amounts, duplicates across files, reversals, claims outside enrollment, an open span, a
Parquet table with NaN and infinite amounts) and CMS DE-SynPUF rows read with the desynpuf
layout (spans made from covered months, carrier line slots unpivoted, per diem arithmetic), and
a Synthea export read with the synthea layout (joins, payment sums per claim).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from partner_files import write_partner_tables

from valuecase.data import load, quality
from valuecase.data.engines import SparkEngine
from valuecase.panel import encounters as enc
from valuecase.panel.conditions import condition_months
from valuecase.panel.member_panel import panel_expr
from valuecase.population.summary import summarize

pytestmark = pytest.mark.slow


def _messy(folder):
    rng = np.random.default_rng(10)
    people = [f"P{i:03d}" for i in range(40)]
    elig = pd.DataFrame({
        "person_id": people,
        "enrollment_start_date": ["2019-01-01"] * 20 + ["01/15/2019"] * 10 + ["20190301"] * 10,
        "enrollment_end_date": ["2020-12-31"] * 35 + ["", "2020-02-30", "2018-12-31",
                                                       "2020-06-30", "2020-06-30"],
        "gender": rng.choice(["female", "male", ""], size=40),
        "birth_date": [f"{1940 + i}-0{1 + i % 9}-1{i % 10}" for i in range(40)],
    })
    elig.loc[0, "enrollment_end_date"] = "9999-12-31"  # a placeholder: an open span
    elig.to_csv(folder / "eligibility.csv", index=False)
    n = 600
    claim = rng.integers(0, 350, size=n)
    days = pd.to_datetime("2018-10-01") + pd.to_timedelta(rng.integers(0, 850, size=n), "D")
    kind = rng.choice(["prof", "ed", "inp", "op"], size=n, p=[0.6, 0.15, 0.1, 0.15])
    med = pd.DataFrame({
        "claim_id": [f"C{c:04d}" for c in claim],
        "claim_line_number": rng.integers(1, 4, size=n).astype(str),
        "person_id": rng.choice(people, size=n),
        "claim_type": np.where(np.isin(kind, ["prof"]), "professional", "institutional"),
        "claim_start_date": days.strftime("%Y-%m-%d"),
        "claim_end_date": (days + pd.to_timedelta(np.where(kind == "inp", 4, 0), "D"))
        .strftime("%Y-%m-%d"),
        "bill_type_code": np.select([kind == "inp", kind == "op", kind == "ed"],
                                    ["111", "131", "131"], ""),
        "revenue_center_code": np.where(kind == "ed", "450", ""),
        "place_of_service_code": np.where(kind == "prof", rng.choice(["11", "23"], size=n), ""),
        "paid_date": (days + pd.to_timedelta(rng.integers(5, 120, size=n), "D"))
        .strftime("%Y%m%d"),
        "paid_amount": [f"{v:.2f}" for v in rng.gamma(2.0, 150.0, size=n)],
    })
    bad = {
        3: ("claim_start_date", "2020-13-45"), 7: ("claim_start_date", "yesterday"),
        11: ("paid_amount", "abc"), 13: ("paid_amount", "NaN"), 17: ("paid_amount", "1e3"),
        19: ("paid_amount", "10.505"), 23: ("paid_amount", "$1,234.50"),
        29: ("paid_amount", "-250.00"), 31: ("paid_amount", ""), 37: ("person_id", ""),
        41: ("claim_start_date", "3/4/2019"), 43: ("claim_line_number", "1.7"),
        47: ("paid_amount", " 12.5 "), 53: ("claim_end_date", "2018-01-01"),
    }
    for row, (col, value) in bad.items():
        med.loc[row, col] = value
    (folder / "medical_claim").mkdir()  # the parts of one table, in a folder
    med.iloc[:300].to_csv(folder / "medical_claim" / "part_a.csv", index=False)
    # a reversal reusing its original's key, then the replacement, then a true duplicate,
    # and a claim dated in the future
    again = med.iloc[[310, 310, 310, 320, 330]].copy()
    paid = float(med.loc[310, "paid_amount"])
    again["paid_amount"] = [f"{-paid:.2f}", "99.99", "1.00", med.loc[320, "paid_amount"],
                            med.loc[330, "paid_amount"]]
    again.iloc[4, again.columns.get_loc("claim_start_date")] = "2091-01-01"
    again.iloc[4, again.columns.get_loc("claim_id")] = "F0001"
    pd.concat([med.iloc[300:], again]).to_csv(folder / "medical_claim" / "part_b.csv",
                                              index=False)
    # a part exported the European way: semicolons and decimal commas
    euro = med.iloc[:5].copy()
    euro["claim_id"] = [f"E{i}" for i in range(5)]
    euro["paid_amount"] = ["100,10", "1.234,50", "7", "-3,25", "0,5"]
    euro.to_csv(folder / "medical_claim" / "part_c.csv", index=False, sep=";")
    rx = pd.DataFrame({
        "claim_id": [f"R{i:03d}" for i in range(60)], "claim_line_number": 1,
        "person_id": rng.choice(people, size=60),
        "dispensing_date": (pd.to_datetime("2019-01-01")
                            + pd.to_timedelta(rng.integers(0, 700, size=60), "D")).date,
        "paid_amount": np.round(rng.gamma(2.0, 30.0, size=60), 2),
    })
    rx.loc[[5, 6, 7], "paid_amount"] = [np.nan, np.inf, -np.inf]
    rx.loc[9, "claim_id"] = rx.loc[8, "claim_id"]  # duplicate key
    table = pa.Table.from_pandas(rx, preserve_index=False)
    # a real NaN, not the null pandas would make of it
    paid = pa.array(rx["paid_amount"].to_numpy(), from_pandas=False)
    table = table.set_column(table.column_names.index("paid_amount"), "paid_amount", paid)
    pq.write_table(table, folder / "pharmacy_claim.parquet")
    write_partner_tables(folder)
    return folder


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    return _messy(tmp_path_factory.mktemp("messy"))


@pytest.fixture(scope="module")
def spark_engine(spark):
    return SparkEngine(spark)


LAYOUT_OF = {"desynpuf500": "desynpuf", "synthea11": "synthea"}
"""Fixtures read with a layout other than tuva."""


@pytest.fixture(scope="module", params=["sample_dir", "seed10", "messy", "desynpuf500",
                                                 "synthea11"])
def both(request, spark_engine):
    folder = request.getfixturevalue(request.param)
    layout = LAYOUT_OF.get(request.param, "tuva")
    return (request.param, load(folder, layout=layout),
            load(folder, engine=spark_engine, layout=layout))


def _sorted(df: pd.DataFrame, by) -> pd.DataFrame:
    return df.sort_values(by).reset_index(drop=True)


def test_accepted_tables_are_identical(both):
    _, duck, spark = both
    assert duck.tables == spark.tables
    for table in duck.tables:
        # one conversion for both (Arrow, then pandas): each backend's to_pandas() makes its
        # own choices for an all-null column (None or NaN under pandas 2)
        a, b = (d.table(table).to_pyarrow().to_pandas() for d in (duck, spark))
        assert list(a.columns) == list(b.columns), table
        key = [c for c in ("person_id", "claim_id", "claim_line_number",
                           "enrollment_start_date", "period", "category") if c in a.columns]
        pd.testing.assert_frame_equal(_sorted(a, key).astype(str), _sorted(b, key).astype(str),
                                      check_exact=True, obj=table)


def test_rejects_and_reconciliation_are_identical(both):
    _, duck, spark = both
    pd.testing.assert_frame_equal(duck.rejects, spark.rejects, check_exact=True)
    pd.testing.assert_frame_equal(duck.reconciliation, spark.reconciliation, check_exact=True)
    assert duck.notes == spark.notes


def test_panel_is_identical(both):
    _, duck, spark = both
    a, b = (_sorted(panel_expr(d.ibis()).to_pyarrow().to_pandas(), ["person_id", "month"])
            for d in (duck, spark))
    assert len(a) > 300
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_ed_visit_costs_are_identical(both):
    """Each ED visit's price (every medical line of the person that day but acute inpatient
    ones) and its admission flag, visit by visit."""
    name, duck, spark = both

    def visits(d):
        lines = d.table("medical_claim")
        return _sorted(enc.ed_visit_costs(lines, enc.inpatient_stays(lines)).to_pyarrow()
                       .to_pandas(), ["person_id", "visit_date"])

    a, b = visits(duck), visits(spark)
    assert len(a) > (1000 if name == "sample_dir" else 0)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_condition_months_are_identical(both):
    name, duck, spark = both
    exprs = [condition_months(d.table("medical_claim")) for d in (duck, spark)]
    if exprs[0] is None:
        assert exprs[1] is None
        return
    a, b = (_sorted(e.to_pyarrow().to_pandas(), ["person_id", "month", "condition"])
            for e in exprs)
    if name == "sample_dir":
        assert len(a) > 1000
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_quality_measures_are_identical(both):
    _, duck, spark = both
    for table in duck.tables:
        pd.testing.assert_frame_equal(quality.completeness(duck, table),
                                      quality.completeness(spark, table), check_exact=True)
    pd.testing.assert_frame_equal(
        quality.completeness_by_month(duck, "medical_claim"),
        quality.completeness_by_month(spark, "medical_claim"), check_exact=True)
    for measure in (quality.volume_by_month, quality.spend_outside_enrollment,
                    quality.claims_lag):
        pd.testing.assert_frame_equal(measure(duck), measure(spark), check_exact=True,
                                      obj=measure.__name__)


def test_summaries_are_identical(both):
    _, duck, spark = both
    assert summarize(duck) == summarize(spark)
    assert summarize(duck, start="2019", end="2019-06") == summarize(spark, start="2019",
                                                                     end="2019-06")


def test_messy_rows_get_their_reasons_on_both_engines(messy, spark_engine):
    for data in (load(messy), load(messy, engine=spark_engine)):
        r = data.rejects.set_index(["file", "row_number"])["reason"]
        assert r[("part_a.csv", 4)] == "unparseable:claim_start_date"
        assert r[("part_a.csv", 12)] == "unparseable:paid_amount"
        for row in (14, 18):  # NaN and 1e3 are not money
            assert r[("part_a.csv", row)] == "unparseable:paid_amount"
        # one point then three digits: 10.505 or 10,505? refused, not guessed
        assert r[("part_a.csv", 20)] == "ambiguous_amount"
        assert r[("part_a.csv", 38)] == "missing:person_id"
        assert r[("part_a.csv", 44)] == "unparseable:claim_line_number"
        assert r[("part_a.csv", 54)] == "end_before_start"
        assert r[("eligibility.csv", 37)] == "unparseable:enrollment_end_date"
        assert r[("eligibility.csv", 38)] == "end_before_start"
        for row in (6, 7, 8):  # NaN, inf, -inf doubles in Parquet
            assert r[("pharmacy_claim.parquet", row)] == "unparseable:paid_amount"
        assert r[("pharmacy_claim.parquet", 10)] == "duplicate_key"
        dups = data.rejects[data.rejects["reason"] == "duplicate_key"]
        assert (dups["file"] == "part_b.csv").any()  # duplicates across the files
        rec = data.reconciliation.set_index("table")
        for table in ("medical_claim", "pharmacy_claim"):
            row = rec.loc[table]
            assert row["rows_in"] == row["rows_accepted"] + row["rows_rejected"]
            assert round(row["paid_accepted"] + row["paid_rejected"], 2) == row["paid_in"]
        assert rec.loc["medical_claim", "rows_outside_enrollment"] > 0
        assert any("no end date" in note for note in data.notes)
        med = data.frame("medical_claim").set_index(["claim_id", "claim_line_number"])
        assert (med["paid_amount"] < 0).sum() >= 1  # the reversal is kept
        assert 1234.50 in set(med["paid_amount"]) and 12.5 in set(med["paid_amount"])
        # part_b: original, reversal (kept), replacement (kept), a third repeat (duplicate)
        last = 300  # data rows of part_b before the appended ones
        assert ("part_b.csv", last + 1) not in r.index and ("part_b.csv", last + 2) not in r.index
        assert r[("part_b.csv", last + 3)] == "duplicate_key"
        assert r[("part_b.csv", last + 5)] == "future_date"
        # part_c, semicolons and decimal commas, read exactly
        euro = data.frame("medical_claim").query("claim_id.str.startswith('E')")
        assert sorted(euro["paid_amount"]) == [0.5, 7.0, 100.10, 1234.50]
        assert r[("part_c.csv", 4)] == "unparseable:claim_start_date"  # its -3,25 row
        assert any("placeholder dates" in note for note in data.notes)


# -- issue 27: no dollar disappears, codes as they come (one broad Spark fixture) -----------

ISSUE27_MED = (
    "claim_id,claim_line_number,person_id,claim_type,claim_start_date,claim_end_date,"
    "bill_type_code,drg_code,revenue_center_code,place_of_service_code,diagnosis_code_1,"
    "paid_amount\n"
    # CCLF-style codes: 4-digit DRG, bill type with its leading 0, a 3-digit revenue code
    "I1,1,10133,institutional,2018-02-01,2018-02-04,0111,0291,120,,I50.22,1018.0999999999999\n"
    "I1,2,10133,institutional,2018-02-01,2018-02-04,0111,0291,0250,,,0.30000000000000004\n"
    # 11x and a DRG but no room and board: Tuva's rule leaves it out (a note with both counts)
    "I2,1,10133,institutional,2018-02-10,2018-02-12,111,470,0250,,,200.00\n"
    "E1,1,10133,institutional,2018-02-15,2018-02-15,131,,450,,,\"1,200\"\n"
    "P1,1,10133,professional,2018-02-16,2018-02-16,,,,23,,75.25\n"
    # rejected for its date, with its dollars; rejected with no reading of its amount
    "X1,1,10133,professional,not a date,,,,,11,,40.00\n"
    "X2,1,10133,professional,2018-02-16,,,,,11,,abc\n"
    "X3,1,10133,professional,2018-02-16,,,,,11,,1.500\n"
    "H1,1,10133,professional,2018-02-17,,,,,11,,9999999999999999.99\n"
    "H2,1,10133,professional,2018-02-17,,,,,11,,9999999999999999.99\n")


@pytest.fixture(scope="module")
def issue27(tmp_path_factory, demo100, spark_engine):
    import shutil

    from valuecase.data.mapping import ColumnMapping

    folder = tmp_path_factory.mktemp("issue27")
    for name in ("eligibility.csv", "pharmacy_claim.csv"):  # 31 float residues in pharmacy
        shutil.copy(demo100 / name, folder / name)
    (folder / "medical_claim.csv").write_text(ISSUE27_MED)
    mapping = ColumnMapping.from_dict({"patient_id": "person_id"})
    return (load(folder, mapping=mapping),
            load(folder, mapping=mapping, engine=spark_engine))


def test_issue27_money_and_codes_are_identical_on_both_engines(issue27):
    from decimal import Decimal

    from valuecase.panel import encounters as enc
    from valuecase.panel.zero_yields import rule_evidence, zero_yield_notes

    duck, spark = issue27
    assert duck.exact_reconciliation == spark.exact_reconciliation
    pd.testing.assert_frame_equal(duck.rejects, spark.rejects, check_exact=True)
    assert duck.notes == spark.notes
    assert summarize(duck) == summarize(spark)
    assert rule_evidence(duck) == rule_evidence(spark)
    assert zero_yield_notes(duck) == zero_yield_notes(spark)
    for data in (duck, spark):
        rec = {r["table"]: r for r in data.exact_reconciliation}
        rx, med = rec["pharmacy_claim"], rec["medical_claim"]
        # tuva-demo-100 pharmacy reconciles to the cent: nothing lost to float residue
        assert rx["paid_in"] == rx["paid_accepted"] == Decimal("188000.97")
        assert rx["values_rounded"] == {"pharmacy_claim.csv": {"paid_amount": 31}}
        assert med["values_rounded"] == {"medical_claim.csv": {"paid_amount": 2}}
        assert med["rows_in"] == med["rows_accepted"] + med["rows_rejected"] == 10
        assert med["paid_in"] == med["paid_accepted"] + med["paid_rejected"]
        assert med["paid_in"] == Decimal("19999999999999999.98") + Decimal("1018.10") + \
            Decimal("0.30") + Decimal("200.00") + Decimal("1200.00") + Decimal("75.25") + \
            Decimal("40.00")
        assert med["rows_amount_unread"] == 2
        assert med["rejected_by_reason"] == {
            "ambiguous_amount": {"rows": 1, "paid": Decimal("0.00"), "rows_amount_unread": 1},
            "unparseable:claim_start_date": {"rows": 1, "paid": Decimal("40.00"),
                                             "rows_amount_unread": 0},
            "unparseable:paid_amount": {"rows": 1, "paid": Decimal("0.00"),
                                        "rows_amount_unread": 1}}
        lines = data.table("medical_claim").to_pyarrow().to_pandas().set_index(
            ["claim_id", "claim_line_number"])
        assert lines.loc[("I1", 1), ["bill_type_code", "drg_code", "revenue_center_code"]
                         ].tolist() == ["111", "291", "0120"]
        flags = enc.claim_flags(data.table("medical_claim")).to_pyarrow().to_pandas()
        assert flags.set_index("claim_id")["is_acute_inpatient"].to_dict() == {
            "I1": True, "I2": False, "E1": False, "P1": False, "H1": False, "H2": False}
        assert rule_evidence(data)["ed_visits"] == 2  # revenue 450 padded, and POS 23
        (note,) = zero_yield_notes(data)
        assert note.startswith("note: medical_claim: 2 claim(s) have an inpatient bill type "
                               "(11x) and a DRG; 1 of them carry a room-and-board revenue code, "
                               "and 1 count as acute")
