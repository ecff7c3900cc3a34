"""Bad input through the CLI (issue 11): files exported from real systems and hostile ones give
exact money, a reject with its reason, or one ``error:`` line and exit 2 — never a traceback,
never a row's contents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from valuecase.errors import ParametersError
from valuecase.yaml_file import read_yaml_mapping

VALUECASE = [sys.executable, "-m", "valuecase.cli"]

ELIG = "person_id,enrollment_start_date,enrollment_end_date\nP1,2020-01-01,2020-12-31\n"
MED_HEADER = "claim_id,claim_line_number,person_id,claim_type,claim_start_date,paid_amount\n"


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run([*VALUECASE, *args], capture_output=True, text=True, env=env,
                          timeout=300)


def folder(tmp_path: Path, med: str | bytes, elig: str = ELIG) -> Path:
    (tmp_path / "eligibility.csv").write_text(elig)
    target = tmp_path / "medical_claim.csv"
    if isinstance(med, bytes):
        target.write_bytes(med)
    else:
        target.write_text(med)
    return tmp_path


def summary(path: Path, *extra: str) -> dict:
    r = run("summarize", str(path), "--json", *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def one_error(r: subprocess.CompletedProcess) -> str:
    """The single ``error:`` line of a failed run (exit 2, no traceback)."""
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    return lines[0]


def lines(n: int, start: int = 0) -> str:
    return "".join(f"C{i},1,P1,professional,2020-03-01,1.00\n" for i in range(start, start + n))


# -- amounts ------------------------------------------------------------------------------------

def test_semicolon_file_with_decimal_commas_is_read_exactly(tmp_path):
    med = (MED_HEADER.replace(",", ";") + "C1;1;P1;professional;2020-02-01;100,10\n"
           "C2;1;P1;professional;2020-03-01;1.234,50\n")
    d = folder(tmp_path, med)
    assert summary(d)["medical_paid"] == 1334.60
    r = run("validate", str(d))
    assert r.returncode == 0 and "decimal comma" in r.stdout
    # told the file uses decimal points, nothing is misread: the column cannot be read
    line = one_error(run("summarize", str(d), "--decimal-separator", "."))
    assert "'paid_amount' cannot be read as amount (2 of 2 values" in line
    # a mapping file may say it too (the command line wins)
    mapping = tmp_path / "mapping.yml"
    mapping.write_text('decimal_separator: "."\n')
    line = one_error(run("summarize", str(d), "--mapping", str(mapping)))
    assert "'paid_amount' cannot be read as amount (2 of 2 values" in line
    r = run("summarize", str(d), "--mapping", str(mapping), "--decimal-separator", ",", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["medical_paid"] == 1334.60


def test_a_file_mixing_decimal_points_and_commas_stops(tmp_path):
    med = MED_HEADER + 'C1,1,P1,professional,2020-02-01,"100,10"\nC2,1,P1,professional,2020-02-01,5.25\n'
    line = one_error(run("validate", str(folder(tmp_path, med))))
    assert "both a decimal comma" in line and "medical_claim.csv" in line


@pytest.mark.parametrize("value", ["NaN", "inf", "-Infinity", "1e400", "1e3"])
def test_non_finite_and_scientific_amounts_are_rejected(tmp_path, value):
    med = MED_HEADER + lines(3) + f"X,1,P1,professional,2020-03-01,{value}\n"
    s = summary(folder(tmp_path, med))
    assert s["medical_paid"] == 3.00 and s["pmpm"] == 0.25
    assert s["rejects_by_reason"] == {"medical_claim:unparseable:paid_amount": 1}


def test_large_amounts_sum_to_the_same_cents_in_every_command(tmp_path):
    med = MED_HEADER + "".join(
        f"C{i},1,P1,professional,2020-03-01,123456789012.{i:02d}\n" for i in range(40))
    d = folder(tmp_path, med)
    exact = Decimal("123456789012") * 40 + sum(Decimal(i) / 100 for i in range(40))
    assert Decimal(str(summary(d)["medical_paid"])) == exact
    r = run("validate", str(d))
    assert f"{exact:.2f}" in r.stdout.replace(",", ""), r.stdout


def reconciled(path: Path, *extra: str) -> dict:
    """``validate --json``: the reconciliation per table."""
    r = run("validate", str(path), "--json", *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_float_residue_is_the_cent_it_is_within_1e_6_of_and_counted(tmp_path):
    """Issue 27: pandas/Spark/Excel write 1018.0999999999999; it is 1018.10, never a reject."""
    med = MED_HEADER + (
        "C1,1,P1,professional,2020-03-01,1018.0999999999999\n"
        "C2,1,P1,professional,2020-03-01,0.30000000000000004\n"
        "C3,1,P1,professional,2020-03-01,-5.0999999\n"
        "C4,1,P1,professional,2020-03-01,5.25\n")
    rec = reconciled(folder(tmp_path, med))
    med_rec = rec["tables"]["medical_claim"]
    assert med_rec["paid_in"] == med_rec["paid_accepted"] == "1018.55"  # 1018.10+0.30-5.10+5.25
    assert med_rec["rows_rejected"] == 0
    assert med_rec["values_rounded"] == {"medical_claim.csv": {"paid_amount": 3}}
    assert any(n.startswith("medical_claim.csv: 3 paid_amount value(s) written with a float")
               for n in rec["notes"])


def test_every_rejected_row_with_a_number_keeps_its_dollars(tmp_path):
    """A row rejected for its date keeps its amount in "rejected"; a row whose amount has no
    reading is counted by number; rows in = accepted + rejected, and the dollars to the cent."""
    med = MED_HEADER + lines(3) + (
        "D1,1,P1,professional,not a date,40.00\n"
        "D2,1,P1,professional,2020-03-01,abc\n")
    d = folder(tmp_path, med)
    t = reconciled(d)["tables"]["medical_claim"]
    assert (t["rows_in"], t["rows_accepted"], t["rows_rejected"]) == (5, 3, 2)
    assert t["rows_in"] == t["rows_accepted"] + t["rows_rejected"]
    assert (t["paid_in"], t["paid_accepted"], t["paid_rejected"]) == ("43.00", "3.00", "40.00")
    assert Decimal(t["paid_in"]) == Decimal(t["paid_accepted"]) + Decimal(t["paid_rejected"])
    assert t["rows_amount_unread"] == 1 and t["share_amount_unread"] == 0.2
    assert t["rejected_by_reason"] == {
        "unparseable:claim_start_date": {"rows": 1, "paid": "40.00", "rows_amount_unread": 0},
        "unparseable:paid_amount": {"rows": 1, "paid": "0.00", "rows_amount_unread": 1}}
    r = run("validate", str(d))
    assert "40.00" in r.stdout
    assert ("medical_claim: 1 rejected row(s) (20.0% of rows) have an amount with no reading"
            in r.stdout)
    s = summary(d)
    assert s["medical_paid_rejected"] == 40.0


def test_whole_amounts_in_point_groups_stop_until_the_separator_is_given(tmp_path):
    """European whole amounts 1.500;2.000;12.000 are no decimals: nothing in the file decides,
    so the run stops; told the comma is the decimal, they are thousands."""
    med = MED_HEADER.replace(",", ";") + "".join(
        f"C{i};1;P1;professional;2020-03-01;{v}\n"
        for i, v in enumerate(["1.500", "2.000", "12.000", "22.150"]))
    d = folder(tmp_path, med)
    line = one_error(run("validate", str(d)))
    assert "medical_claim.csv" in line and "thousands groups" in line and "line 2" in line
    assert "--decimal-separator" in line
    t = reconciled(d, "--decimal-separator", ",")["tables"]["medical_claim"]
    assert t["paid_in"] == t["paid_accepted"] == "37650.00" and t["rows_rejected"] == 0


def test_thousands_groups_of_the_decimal_separator_are_rejected_as_ambiguous(tmp_path):
    """Where the point is the file's decimal (5.25), 1.500 is refused, never read as 1.50;
    1,200 is twelve hundred."""
    med = MED_HEADER + (
        "C1,1,P1,professional,2020-03-01,5.25\n"
        'C2,1,P1,professional,2020-03-01,"1,200"\n'
        "C3,1,P1,professional,2020-03-01,7.75\n"
        "C4,1,P1,professional,2020-03-01,1.500\n")
    t = reconciled(folder(tmp_path, med))["tables"]["medical_claim"]
    assert t["paid_accepted"] == "1213.00"
    assert t["rejected_by_reason"] == {
        "ambiguous_amount": {"rows": 1, "paid": "0.00", "rows_amount_unread": 1}}


def test_a_us_file_of_thousands_with_one_stray_decimal_comma_stops(tmp_path):
    """1,200-style values and one stray 12,5: the comma is not taken as the decimal of every
    value; the run stops, naming the thousands and asking for the separator."""
    med = MED_HEADER + "".join(
        f'C{i},1,P1,professional,2020-03-01,"{v}"\n'
        for i, v in enumerate(["1,200", "3,450", "5,600", "12,5"]))
    line = one_error(run("validate", str(folder(tmp_path, med))))
    assert "3 of 4 values are whole amounts in thousands groups" in line
    assert "data row 1 of medical_claim.csv" in line and "--decimal-separator" in line


def test_a_file_with_mixed_evidence_names_a_line_of_each_kind(tmp_path):
    med = MED_HEADER + lines(2) + (
        'C7,1,P1,professional,2020-02-01,"100,10"\nC8,1,P1,professional,2020-02-01,5.25\n')
    line = one_error(run("validate", str(folder(tmp_path, med))))
    assert "line 4, 1 values such as '100,10'" in line
    assert "line 2, 3 values such as '100.10'" in line


def test_huge_amounts_print_their_exact_total(tmp_path):
    """Two lines of 9,999,999,999,999,999.99: the total is printed from decimals, not floats
    (which were 58 cents off)."""
    med = MED_HEADER + lines(1) + "".join(
        f"H{i},1,P1,professional,2020-03-01,9999999999999999.99\n" for i in range(2))
    d = folder(tmp_path, med)
    exact = "20000000000000000.98"
    assert reconciled(d)["tables"]["medical_claim"]["paid_in"] == exact
    r = run("validate", str(d))
    assert r.returncode == 0, r.stderr
    assert exact in r.stdout.replace(",", ""), r.stdout
    r = run("summarize", str(d))
    assert r.returncode == 0, r.stderr
    assert f"medical_paid {exact}" in " ".join(r.stdout.replace(",", "").split()), r.stdout


# -- dates --------------------------------------------------------------------------------------

def test_open_end_sentinel_is_not_expanded_into_member_months(tmp_path):
    elig = ("person_id,enrollment_start_date,enrollment_end_date\n"
            "P1,2020-01-01,9999-12-31\nP2,2020-01-01,2020-12-31\n")
    med = MED_HEADER + lines(2)
    s = summary(folder(tmp_path, med, elig))
    assert s["member_months"] == 24  # P1's open span closes at the file's last date
    r = run("validate", str(tmp_path))
    assert "placeholder dates" in r.stdout and "open span" in r.stdout


def test_future_claim_dates_are_rejected(tmp_path):
    med = MED_HEADER + lines(2) + "F1,1,P1,professional,2091-03-01,9.00\n"
    s = summary(folder(tmp_path, med))
    assert s["rejects_by_reason"] == {"medical_claim:future_date": 1}
    assert s["medical_paid"] == 2.00


# -- reversals ----------------------------------------------------------------------------------

def test_reversal_reusing_the_key_is_kept_and_a_true_duplicate_rejected(tmp_path):
    med = MED_HEADER + (
        "C1,1,P1,professional,2020-02-01,100.00\n"
        "C1,1,P1,professional,2020-02-01,-100.00\n"   # reversal of the line before
        "C1,1,P1,professional,2020-02-01,120.00\n"    # its replacement
        "C2,1,P1,professional,2020-03-01,50.00\n"
        "C2,1,P1,professional,2020-03-01,50.00\n")    # a duplicate
    s = summary(folder(tmp_path, med))
    assert s["medical_paid"] == 170.00
    assert s["rejects_by_reason"] == {"medical_claim:duplicate_key": 1}
    assert s["medical_paid_rejected"] == 50.00


# -- files --------------------------------------------------------------------------------------

def test_short_row_deep_in_a_large_file_names_the_line_not_the_row(tmp_path):
    med = MED_HEADER + lines(5000) + "SECRET-ROW,1,P1\n" + lines(10, 6000)
    line = one_error(run("validate", str(folder(tmp_path, med))))
    assert "medical_claim.csv: line 5002: expected 6 fields, found 3" in line
    assert "SECRET" not in line


def test_non_utf8_byte_deep_in_a_file_names_the_line(tmp_path):
    med = (MED_HEADER + lines(3000)).encode() + b"Z,1,P\xe91,professional,2020-03-01,1\n"
    line = one_error(run("summarize", str(folder(tmp_path, med))))
    assert "line 3002: bytes that are not UTF-8" in line


def test_empty_and_header_only_files(tmp_path):
    line = one_error(run("validate", str(folder(tmp_path, b""))))
    assert "medical_claim.csv: line 1: the file is empty" in line
    line = one_error(run("validate", str(folder(tmp_path, MED_HEADER + lines(1),
                                                elig=ELIG.splitlines()[0] + "\n"))))
    assert "eligibility.csv: no data rows (only a header)" in line
    r = run("validate", str(folder(tmp_path, MED_HEADER)))
    assert r.returncode == 0 and "has no data rows" in r.stdout


def test_ambiguous_extra_file_stops_instead_of_merging(tmp_path):
    d = folder(tmp_path, MED_HEADER + lines(2))
    (d / "medical_claim_old.csv").write_text(MED_HEADER + lines(2))
    line = one_error(run("validate", str(d)))
    assert "medical_claim.csv, medical_claim_old.csv" in line and "medical_claim/" in line
    # the parts of one table in a folder are read together, and validate says which
    (d / "medical_claim_old.csv").unlink()
    (d / "medical_claim").mkdir()
    (d / "medical_claim.csv").rename(d / "medical_claim" / "2020.csv")
    (d / "medical_claim" / "2021.csv").write_text(MED_HEADER + lines(2, 10))
    r = run("validate", str(d))
    assert r.returncode == 0, r.stderr
    assert "medical_claim/2020.csv, medical_claim/2021.csv" in r.stdout


def test_unparseable_column_error_never_shows_the_value(tmp_path):
    med = MED_HEADER + "C1,1,P1,professional,Jane Doe 1970-01-01,1.00\n" * 1
    line = one_error(run("validate", str(folder(tmp_path, med))))
    assert "claim_start_date" in line and "data row 1" in line and "Jane" not in line


def test_line_number_overflow_is_a_reject_not_a_crash(tmp_path):
    med = MED_HEADER + lines(2) + "C9,1e30,P1,professional,2020-03-01,4.00\n" + \
        "C8,99999999999999999999,P1,professional,2020-03-01,4.00\n"
    s = summary(folder(tmp_path, med))
    assert s["rejects_by_reason"] == {"medical_claim:unparseable:claim_line_number": 2}
    assert s["medical_paid"] == 2.00 and s["medical_paid_rejected"] == 8.00


# -- report arguments, checked before anything runs ---------------------------------------------

def test_report_out_that_is_a_file_and_params_that_is_a_folder(tmp_path):
    (tmp_path / "taken").write_text("x")
    r = run("report", "--out", str(tmp_path / "taken"), "--only", "data_quality")
    line = one_error(r)
    assert "--out" in line and "not a folder" in line
    assert "analysis" not in r.stderr  # nothing ran first
    line = one_error(run("report", "--params", str(tmp_path), "--out", str(tmp_path / "o")))
    assert "is a folder" in line and "--params" in line


# -- issue 27: codes as they come, and no silent zero -----------------------------------------

CODES_HEADER = ("claim_id,claim_line_number,person_id,claim_type,claim_start_date,claim_end_date,"
                "bill_type_code,drg_code,revenue_center_code,place_of_service_code,"
                "diagnosis_code_1,paid_amount\n")


def test_cclf_style_codes_give_the_acute_stay(tmp_path):
    """A 4-digit DRG (0291), a bill type with its leading 0 (0111) and a 3-digit revenue code
    (120) are the codes Tuva's rule reads: 1 acute stay, not 0."""
    med = CODES_HEADER + (
        "I1,1,P1,institutional,2020-03-01,2020-03-04,0111,0291,120,,I50.22,900.00\n"
        "E1,1,P1,institutional,2020-04-01,2020-04-01,0131,,450,,R07.9,300.00\n")
    d = folder(tmp_path, med)
    s = summary(d)
    assert (s["inpatient_stays"], s["ed_visits"]) == (1, 1)
    rec = reconciled(d)
    assert rec["rule_yields"]["counts"]["acute_claims"] == 1
    assert not any(n.startswith("warning:") for n in rec["rule_yields"]["notes"])


def test_rules_that_yield_zero_say_so(tmp_path):
    """11x claims with a DRG but no room and board, a place-of-service-23 line on a claim that is
    not professional, empty diagnosis columns, pharmacy rows all outside enrollment: each a
    warning in validate (text and --json), the run still exit 0."""
    med = CODES_HEADER + (
        "I1,1,P1,institutional,2020-03-01,2020-03-04,111,470,0250,,,900.00\n"
        "X1,1,P1,other,2020-04-01,2020-04-01,,,,23,,50.00\n")
    d = folder(tmp_path, med)
    (d / "pharmacy_claim.csv").write_text(
        "claim_id,claim_line_number,person_id,dispensing_date,paid_amount\n"
        "R1,1,P1,2019-05-01,12.00\n")
    r = run("validate", str(d))
    assert r.returncode == 0, r.stderr
    warnings = [line for line in r.stdout.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 4, r.stdout
    assert ("warning: medical_claim: 1 claim(s) have an inpatient bill type (11x) and a DRG but "
            "0 acute stays were counted") in r.stdout
    assert "room-and-board revenue code (0100-0219), which none of them carries" in r.stdout
    assert "1 line(s) have an ED revenue code (045x, 0981) or place of service 23 but 0 ED " \
           "visits" in r.stdout
    assert "pharmacy_claim: 1 row(s) but 0 pharmacy lines in an enrolled month" in r.stdout
    assert "all 1 diagnosis column(s) are empty" in r.stdout
    rec = reconciled(d)
    assert rec["rule_yields"]["notes"] == warnings
    assert rec["rule_yields"]["counts"]["claims_11x_drg"] == 1


def test_seed10_keeps_tuvas_acute_rule_and_says_so_with_both_counts(seed10):
    r = run("validate", str(seed10))
    assert r.returncode == 0, r.stderr
    assert ("note: medical_claim: 6 claim(s) have an inpatient bill type (11x) and a DRG; 1 of "
            "them carry a room-and-board revenue code, and 1 count as acute inpatient claims "
            "under Tuva's rule") in r.stdout


def test_tuva_demo_pharmacy_reconciles_to_the_cent(demo100, tmp_path):
    """Issue 27: the 31 pharmacy amounts such as 1018.0999999999999 were rejected, and their
    $9,524.04 appeared nowhere; now every dollar of the 188,000.97 is accepted, and a note
    counts the values read from a float's residue."""
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("column_mapping:\n  patient_id: person_id\n"
                       "  medical_claim:\n    ms_drg_code: drg_code\n")
    rec = reconciled(demo100, "--mapping", str(mapping))
    rx = rec["tables"]["pharmacy_claim"]
    assert rx["paid_in"] == rx["paid_accepted"] == "188000.97"
    assert rx["rows_in"] == rx["rows_accepted"] == 612 and rx["rows_rejected"] == 0
    assert rx["values_rounded"] == {"pharmacy_claim.csv": {"paid_amount": 31}}
    assert rec["tables"]["medical_claim"]["paid_in"] == "3970274.95"


# -- inputs that cannot be trusted stop before anything runs (issue 27) -------------------------

SEED10 = Path(__file__).resolve().parent / "data" / "external" / "tuva-synthetic-seed-10"
DEMO100 = Path(__file__).resolve().parent / "data" / "external" / "tuva-demo-100"


def test_rejects_out_never_overwrites_an_input_nor_writes_into_the_data_folder(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    folder(d, MED_HEADER + lines(2) + "X,1,P1,professional,not a date,4.00\n")
    claims = (d / "medical_claim.csv").read_bytes()
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("decimal_separator: auto\n")
    cases = {d / "medical_claim.csv": "is in the data folder (its files are the input)",
             d / "new.csv": "is in the data folder (its files are the input)",
             mapping: "is an input file",
             tmp_path: "is a folder; name a file",
             tmp_path / "missing" / "rejects.csv": f"folder {tmp_path / 'missing'} does not exist"}
    for target, problem in cases.items():
        r = run("validate", str(d), "--mapping", str(mapping), "--rejects-out", str(target))
        assert one_error(r) == f"error: --rejects-out {target}: {problem}" + (
            "; write it elsewhere" if "input" in problem else "")
        assert r.stdout == ""  # checked before the load: nothing was read
    assert (d / "medical_claim.csv").read_bytes() == claims and not (d / "new.csv").exists()
    assert mapping.read_text() == "decimal_separator: auto\n"
    r = run("validate", str(d), "--rejects-out", str(tmp_path / "rejects.csv"))
    assert r.returncode == 0, r.stderr
    assert "unparseable:claim_start_date" in (tmp_path / "rejects.csv").read_text()


def test_a_full_disk_is_one_clean_error(tmp_path):
    d = folder(tmp_path, MED_HEADER + lines(2))
    line = one_error(run("validate", str(d), "--rejects-out", "/dev/full"))  # always ENOSPC
    assert line.endswith("cannot write (no space left on device)") and "internal" not in line


def test_other_outputs_are_checked_before_anything_runs(tmp_path):
    d = folder(tmp_path, MED_HEADER + lines(2))
    r = run("report", "--data", str(d), "--out", str(d / "reports"), "--only", "data_quality")
    assert one_error(r) == (f"error: --out {d / 'reports'}: is the data folder or inside it; "
                            "write reports elsewhere")
    assert "analysis" not in r.stderr and not (d / "reports").exists()
    (tmp_path / "a.csv").write_text("record_id\n")
    (tmp_path / "b.csv").write_text("record_id\n")
    line = one_error(run("link", "match", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                         "--out", str(tmp_path / "b.csv")))
    assert line == f"error: --out {tmp_path / 'b.csv'}: is an input file; write it elsewhere"
    assert (tmp_path / "b.csv").read_text() == "record_id\n"
    line = one_error(run("simulate", "--replicates-csv", str(tmp_path / "no" / "r.csv")))
    assert "does not exist" in line
    line = one_error(run("convert", str(d), str(d / "out"), "--layout", "synthea"))
    assert "is in the source folder" in line


def _demo_with(tmp_path: Path, column: str, value: str) -> Path:
    """tuva-demo-100 with one more claims column named ``column``, ``value`` in every row."""
    d = tmp_path / "demo"
    d.mkdir(parents=True)
    for name in ("eligibility.csv", "pharmacy_claim.csv"):
        (d / name).write_bytes((DEMO100 / name).read_bytes())
    text = (DEMO100 / "medical_claim.csv").read_text().splitlines()
    (d / "medical_claim.csv").write_text(
        "\n".join([f"{text[0]},{column}"] + [f"{t},{value}" for t in text[1:]]) + "\n")
    return d


def test_columns_with_one_name_stop_naming_both(tmp_path):
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("patient_id: person_id\n")
    base = summary(DEMO100, "--mapping", str(mapping))
    assert round(base["medical_paid"]) > 12  # the data has real spend to lose
    header = (DEMO100 / "medical_claim.csv").read_text().splitlines()[0].split(",")
    paid, n = header.index("paid_amount") + 1, len(header) + 1
    for column in ("paid_amount", " Paid_Amount "):  # the first column no longer wins silently
        d = _demo_with(tmp_path / column.strip(), column, "12.00")
        line = one_error(run("summarize", str(d), "--mapping", str(mapping)))
        assert line == (f"error: {d / 'medical_claim.csv'}: columns {paid} 'paid_amount' and "
                        f"{n} '{column.strip()}' have the same name (ignoring case and spaces); "
                        "rename or drop one")
    # a mapping onto a column the file already has
    d = _demo_with(tmp_path / "mapped", "person_id", "P1")
    line = one_error(run("summarize", str(d), "--mapping", str(mapping)))
    assert line == (f"error: {d / 'medical_claim.csv'}: the column mapping renames "
                    f"'patient_id' to 'person_id', which the file already has (column {n} "
                    "'person_id'); drop the rename or one of the columns")


def test_reversed_period_and_a_million_columns(tmp_path):
    line = one_error(run("summarize", str(SEED10), "--start", "2024-01", "--end", "2023-01"))
    assert line == "error: --start 2024-01 is after --end 2023-01: the period is reversed"
    d = folder(tmp_path, ",".join(f"c{i}" for i in range(1_000_000)) + "\n")
    line = one_error(run("validate", str(d)))
    assert line == (f"error: {d / 'medical_claim.csv'}: line 1: 1,000,000 columns, more than "
                    "the 10,000 a table may have (is this a table's file?)")


def test_yaml_alias_bomb_is_refused_at_once(tmp_path):
    import time

    bomb = tmp_path / "bomb.yml"
    rows = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    rows += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    bomb.write_text("\n".join(rows) + "\n")  # 9**10 = 3.5 billion strings once expanded
    (tmp_path / "d").mkdir()
    d = folder(tmp_path / "d", MED_HEADER + lines(2))
    expected = (f"error: {bomb}: YAML aliases expand to more than 100,000 values (an alias "
                "bomb?); write the values out instead of repeating aliases")
    assert one_error(run("validate", str(d), "--mapping", str(bomb))) == expected
    r = run("report", "--params", str(bomb), "--out", str(tmp_path / "out"))
    assert one_error(r) == expected and "analysis" not in r.stderr
    started = time.perf_counter()  # the refusal itself, without the CLI's start-up
    with pytest.raises(ParametersError, match="alias bomb"):
        read_yaml_mapping(bomb)
    assert time.perf_counter() - started < 2


def test_gzip_csv_is_read_like_plain_csv(tmp_path):
    import gzip

    for f in SEED10.glob("*.csv"):
        with gzip.open(tmp_path / f"{f.name}.gz", "wb") as out:
            out.write(f.read_bytes())
    assert summary(tmp_path) == summary(SEED10)
    r = run("validate", str(tmp_path))
    assert r.returncode == 0 and "medical_claim_seed.csv.gz" in r.stdout
    (tmp_path / "medical_claim_seed.csv.gz").write_bytes(b"\x1f\x8b\x08\x00broken")
    line = one_error(run("validate", str(tmp_path)))
    assert "medical_claim_seed.csv.gz: line 1: cannot read file" in line


def test_part_files_are_read_in_natural_order(tmp_path):
    import csv

    with (SEED10 / "medical_claim_seed.csv").open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    versions = []
    for paid in ("100.00", "-100.00", "130.00"):  # original, reversal, replacement
        row = list(rows[0])
        row[header.index("claim_id")], row[header.index("claim_line_number")] = "HOSTILE-1", "1"
        row[header.index("paid_amount")] = paid
        versions.append(row)
    (tmp_path / "medical_claim").mkdir()
    (tmp_path / "eligibility_seed.csv").write_bytes((SEED10 / "eligibility_seed.csv").read_bytes())
    half = len(rows) // 2
    parts = {"part1": rows[:half] + versions[:1], "part2": versions[1:2],
             "part3": rows[half:], "part10": versions[2:]}
    for name, part in parts.items():
        with (tmp_path / "medical_claim" / f"{name}.csv").open("w", newline="") as fh:
            csv.writer(fh).writerows([header, *part])
    r = run("validate", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "natural order: part2 before part10" in r.stdout
    assert ("medical_claim/part1.csv, medical_claim/part2.csv, medical_claim/part3.csv, "
            "medical_claim/part10.csv") in r.stdout
    s, base = summary(tmp_path), summary(SEED10)
    accepted = ("medical_paid", "medical_paid_outside_enrollment")
    assert round(sum(s[k] for k in accepted) - sum(base[k] for k in accepted), 2) == 130.00
    assert s["rejects_by_reason"] == base["rejects_by_reason"]  # no version is a duplicate
