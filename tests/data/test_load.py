"""Loading and validation: contract checks, rejects, reconciliation, column mapping."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from valuecase.data.load import find_table_files, load, load_frames
from valuecase.data.mapping import ColumnMapping
from valuecase.errors import ContractError


def _elig(**over):
    base = {"person_id": ["P1", "P2"], "enrollment_start_date": ["2020-01-01", "2020-01-01"],
            "enrollment_end_date": ["2020-12-31", "2020-06-30"]}
    base.update(over)
    return pd.DataFrame(base)


def _med(rows):
    cols = ["claim_id", "claim_line_number", "person_id", "claim_type", "claim_start_date",
            "paid_amount"]
    return pd.DataFrame(rows, columns=cols)


def test_seed10_reconciles_to_file_totals(seed10_data):
    rec = seed10_data.reconciliation.set_index("table")
    med = rec.loc["medical_claim"]
    assert med["rows_in"] == 2075
    assert med["rows_in"] == med["rows_accepted"] + med["rows_rejected"]
    assert med["paid_in"] == pytest.approx(163_818.97, abs=0.005)
    assert med["paid_accepted"] + med["paid_rejected"] == pytest.approx(med["paid_in"], abs=0.005)
    assert rec.loc["pharmacy_claim", "paid_in"] == pytest.approx(45_827.28, abs=0.005)
    # some fills fall before any enrollment span (README): reported, not dropped
    assert rec.loc["pharmacy_claim", "rows_outside_enrollment"] > 0


def test_seed10_header_style_payment_lines_are_kept(seed10_data):
    # paid_amount is blank on all but one line of each institutional claim: not a reject
    assert seed10_data.rejects.empty
    med = seed10_data.frame("medical_claim")
    assert len(med) == 2075
    assert med["paid_amount"].isna().sum() > 0


def test_codes_keep_leading_zeros(seed10_data):
    med = seed10_data.frame("medical_claim")
    rev = med["revenue_center_code"].dropna()
    assert rev.str.len().eq(4).all()
    assert (rev.str.startswith("0")).any()
    assert set(med["discharge_disposition_code"].dropna()) >= {"01", "07"}


def test_row_problems_go_to_rejects_with_reasons():
    med = _med([
        ["C1", "1", "P1", "professional", "2020-02-01", "10"],
        ["C1", "1", "P1", "professional", "2020-02-01", "11"],      # duplicate line key
        ["C2", "1", "P1", "professional", "2020-13-45", "12"],      # unparseable date
        ["C3", "1", None, "professional", "2020-02-01", "13"],      # missing person
        ["C4", "1", "P2", "professional", "2020-03-01", "-5.5"],    # reversal: kept
        ["C5", "1", "P2", "professional", "2020-03-01", "abc"],     # unparseable amount
    ])
    data = load_frames({"eligibility": _elig(), "medical_claim": med})
    reasons = dict(zip(data.rejects["row_number"], data.rejects["reason"], strict=True))
    assert reasons == {2: "duplicate_key", 3: "unparseable:claim_start_date",
                       4: "missing:person_id", 6: "unparseable:paid_amount"}
    rec = data.reconciliation.set_index("table").loc["medical_claim"]
    assert (rec["rows_in"], rec["rows_accepted"], rec["rows_rejected"]) == (6, 2, 4)
    assert rec["paid_accepted"] == pytest.approx(10 - 5.5)
    assert rec["paid_in"] == pytest.approx(rec["paid_accepted"] + rec["paid_rejected"])


def test_end_before_start_is_rejected():
    elig = _elig(enrollment_end_date=["2019-12-31", "2020-06-30"])
    data = load_frames({"eligibility": elig, "medical_claim": _med([])})
    assert data.rejects["reason"].tolist() == ["end_before_start"]


def test_missing_required_column_names_file_and_column(tmp_path):
    pd.DataFrame({"person_id": ["P1"], "enrollment_start_date": ["2020-01-01"]}).to_csv(
        tmp_path / "eligibility.csv", index=False)
    _med([]).to_csv(tmp_path / "medical_claim.csv", index=False)
    with pytest.raises(ContractError, match=r"eligibility\.csv: missing required column "
                                            r"'enrollment_end_date'"):
        load(tmp_path)


def test_missing_table_file(tmp_path):
    _elig().to_csv(tmp_path / "eligibility.csv", index=False)
    with pytest.raises(ContractError, match="no medical_claim file"):
        load(tmp_path)


def test_unreadable_file_is_a_clear_error(tmp_path):
    _elig().to_csv(tmp_path / "eligibility.csv", index=False)
    (tmp_path / "medical_claim.parquet").write_bytes(b"this is not parquet at all")
    with pytest.raises(ContractError, match=r"medical_claim\.parquet: cannot read file"):
        load(tmp_path)


def test_column_that_cannot_be_parsed_at_all_stops_naming_the_first_row(tmp_path):
    _elig().to_csv(tmp_path / "eligibility.csv", index=False)
    _med([["C0", "1", "P1", "professional", "2020-02-01", "1"],
          ["C1", "1", "P1", "professional", "yesterday", "1"],
          ["C2", "1", "P1", "professional", "today", "1"]]).to_csv(
        tmp_path / "medical_claim.csv", index=False)
    with pytest.raises(ContractError, match=r"'claim_start_date' cannot be read as date "
                                            r"\(2 of 3 values; the first is data row 2 of "
                                            r"medical_claim\.csv") as err:
        load(tmp_path)
    assert "yesterday" not in str(err.value)  # values can be personal data: never shown


def test_finds_tuva_seed_file_names(seed10):
    files = find_table_files(seed10)
    assert {t: [p.name for p in ps] for t, ps in files.items()} == {
        "eligibility": ["eligibility_seed.csv"],
        "medical_claim": ["medical_claim_seed.csv"],
        "pharmacy_claim": ["pharmacy_claim_seed.csv"],
    }


def test_mapping_loads_older_tuva_layout(demo100, tmp_path):
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("column_mapping:\n  patient_id: person_id\n"
                       "  medical_claim:\n    ms_drg_code: drg_code\n")
    data = load(demo100, mapping=ColumnMapping.from_file(mapping))
    rec = data.reconciliation.set_index("table")
    assert rec.loc["medical_claim", "paid_in"] == pytest.approx(3_970_274.95, abs=0.005)
    med = data.frame("medical_claim")
    assert (med["paid_amount"] < 0).sum() == 5  # reversals kept
    assert "drg_code" in med.columns


def test_parquet_and_csv_load_the_same(seed10, tmp_path):
    import duckdb

    for f in Path(seed10).glob("*.csv"):
        duckdb.sql(f"COPY (SELECT * FROM read_csv('{f}', all_varchar=true)) TO "
                   f"'{tmp_path / f.name.replace('.csv', '.parquet')}' (FORMAT parquet)")
    a, b = load(seed10), load(tmp_path)
    cols = ["table", "rows_in", "rows_accepted", "paid_in"]
    pd.testing.assert_frame_equal(a.reconciliation[cols], b.reconciliation[cols])


def test_copy_of_folder_with_extra_files_ignores_them(seed10, tmp_path):
    for f in Path(seed10).glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "notes.txt").write_text("not a table")
    assert set(find_table_files(tmp_path)) == {"eligibility", "medical_claim", "pharmacy_claim"}


def test_open_enrollment_span_runs_to_end_of_extract():
    elig = _elig(enrollment_end_date=[None, "2020-06-30"])
    data = load_frames({"eligibility": elig, "medical_claim": _med([])})
    assert data.rejects.empty
    e = data.frame("eligibility").set_index("person_id")
    assert str(e.loc["P1", "enrollment_end_date"])[:10] == "2020-06-30"
    assert "no end date" in data.notes[0]


def _ends(data) -> dict[str, str]:
    e = data.frame("eligibility").set_index("person_id")
    return {p: str(v)[:10] for p, v in e["enrollment_end_date"].items()}


def test_span_ending_after_today_is_cut_at_the_month_of_the_latest_claim():
    elig = _elig(enrollment_end_date=["2090-06-30", "2020-06-30"])
    med = _med([["C1", "1", "P1", "professional", "2020-03-15", "5"],
                ["C2", "1", "P2", "professional", "2020-02-01", "7"]])
    data = load_frames({"eligibility": elig, "medical_claim": med})
    assert _ends(data) == {"P1": "2020-03-31", "P2": "2020-06-30"}
    (note,) = [n for n in data.notes if "after today" in n]
    assert note.startswith("1 enrollment span(s) end after today (")
    assert note.endswith("they were cut at 2020-03-31, the end of the month of the latest claim")


def test_open_span_closed_after_today_is_cut_too():
    """An open span runs to the file's last date; when that date is in the future (another
    span ends there), the closed span is cut with it."""
    elig = _elig(enrollment_end_date=[None, "2090-06-30"])
    med = _med([["C1", "1", "P1", "professional", "2020-03-15", "5"]])
    data = load_frames({"eligibility": elig, "medical_claim": med})
    assert _ends(data) == {"P1": "2020-03-31", "P2": "2020-03-31"}
    assert "1 enrollment span(s) had no end date" in data.notes[0]
    assert data.notes[1].startswith("2 enrollment span(s) end after today")


def test_member_months_outside_the_claims_range_are_flagged(demo100):
    """tuva-demo-100: eligibility from 2016, claims from 2017-12 (README): the months before
    the first claim month are real enrollment but cannot hold a claim; a note says how many."""
    from valuecase.data.mapping import ColumnMapping
    from valuecase.population.summary import summarize

    data = load(demo100, mapping=ColumnMapping.from_dict({"patient_id": "person_id"}))
    before = summarize(data, end="2017-11")["member_months"]
    note = [n for n in data.notes if "before the first month with a claim (2017-12)" in n]
    assert len(note) == 1 and note[0].startswith(f"{before:,} member months")
    assert not any("after the last month with a claim" in n for n in data.notes)
