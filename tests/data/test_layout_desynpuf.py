"""The DE-SynPUF layout on real CMS rows: every dollar of the raw files is accounted for, the
enrollment rule gives the months the beneficiary file states, and CMS's own per-person-year
reimbursement totals agree with the converted claims.

Expected values are derived here from the raw CSV files with Python's csv module and exact
decimals, never with valuecase code.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from valuecase.data.load import load

VALUECASE = [sys.executable, "-m", "valuecase.cli"]


def rows(folder: Path, word: str) -> list[dict[str, str]]:
    out = []
    for path in sorted(folder.glob("*.csv")):
        if word in path.name.lower():
            with path.open(newline="") as fh:
                out.extend(csv.DictReader(fh))
    return out


def money(text: str | None) -> Decimal:
    return Decimal(text) if text and text.strip() else Decimal(0)


def raw_totals(folder: Path) -> dict[str, Decimal]:
    """Paid dollars in the raw files, by the layout's documented rules."""
    ip = sum((money(r["CLM_PMT_AMT"]) + money(r["CLM_PASS_THRU_PER_DIEM_AMT"])
              * int(r["CLM_UTLZTN_DAY_CNT"] or 0)) for r in rows(folder, "inpatient"))
    op = sum(money(r["CLM_PMT_AMT"]) for r in rows(folder, "outpatient"))
    car = sum(money(v) for r in rows(folder, "carrier") for k, v in r.items()
              if k.startswith("LINE_NCH_PMT_AMT_"))
    rx = sum(money(r["TOT_RX_CST_AMT"]) for r in rows(folder, "prescription"))
    return {"medical_claim": ip + op + car, "pharmacy_claim": rx}


def cents(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def puf(desynpuf500):
    return load(desynpuf500, layout="desynpuf")


def test_rows_and_dollars_reconcile_to_the_raw_files(puf, desynpuf500):
    rec = puf.reconciliation.set_index("table")
    for table, expected in raw_totals(desynpuf500).items():
        r = rec.loc[table]
        assert r["rows_in"] == r["rows_accepted"] + r["rows_rejected"]
        assert cents(r["paid_in"]) == expected, table
        assert cents(r["paid_accepted"]) + cents(r["paid_rejected"]) == expected, table
    # one pharmacy row per drug event, one inpatient line per claim
    assert rec.loc["pharmacy_claim", "rows_in"] == len(rows(desynpuf500, "prescription"))
    med = puf.frame("medical_claim")
    assert (med["encounter_class"] == "inpatient").sum() == len(rows(desynpuf500, "inpatient"))


def test_enrollment_months_follow_the_stated_rule(puf, desynpuf500):
    """max(Part A, Part B) months per person-year, ending at death in the year of death."""
    expected, persons = 0, set()
    for r in rows(desynpuf500, "beneficiary"):
        year, n = int(r["BENE_YEAR"]), max(int(r["BENE_HI_CVRAGE_TOT_MONS"]),
                                           int(r["BENE_SMI_CVRAGE_TOT_MONS"]))
        death = r["BENE_DEATH_DT"]
        if death and int(death[:4]) == year:
            n = min(n, int(death[4:6]))
        if n > 0:
            expected += n
            persons.add(r["DESYNPUF_ID"])
    from valuecase.population.summary import summarize

    s = summarize(puf)
    assert s["member_months"] == expected
    assert s["persons"] == len(persons)
    assert any("no covered month" in note for note in puf.notes)


def _agreement(med: pd.DataFrame, bene: list[dict[str, str]], cls: str, field: str) -> float:
    paid: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    part = med[med["encounter_class"] == cls]
    for pid, end, amount in zip(part["person_id"], part["claim_end_date"], part["paid_amount"],
                                strict=True):
        paid[(pid, str(end)[:4])] += Decimal(str(amount))
    same = sum(paid.get((r["DESYNPUF_ID"], r["BENE_YEAR"]), Decimal(0)) == money(r[field])
               for r in bene)
    return same / len(bene)


def test_cms_reimbursement_totals_agree_with_claims(puf, desynpuf500):
    """MEDREIMB_IP / MEDREIMB_OP are CMS's per-person-year totals: an independent check."""
    med = puf.frame("medical_claim")
    bene = rows(desynpuf500, "beneficiary")
    ip, op = (_agreement(med, bene, "inpatient", "MEDREIMB_IP"),
              _agreement(med, bene, "outpatient", "MEDREIMB_OP"))
    print(f"person-years agreeing to the dollar: inpatient {ip:.1%}, outpatient {op:.1%}")
    assert ip >= 0.99 and op >= 0.99
    # the per diem matters: without it fewer person-years agree
    no_per_diem = med.assign(paid_amount=med["paid_amount"].where(
        med["encounter_class"] != "inpatient", 0))
    ip_rows = {r["CLM_ID"]: money(r["CLM_PMT_AMT"]) for r in rows(desynpuf500, "inpatient")}
    no_per_diem.loc[no_per_diem["encounter_class"] == "inpatient", "paid_amount"] = [
        float(ip_rows[c]) for c in no_per_diem.loc[no_per_diem["encounter_class"] == "inpatient",
                                                    "claim_id"]]
    assert _agreement(no_per_diem, bene, "inpatient", "MEDREIMB_IP") < ip


# README "Metric definitions": ED E/M codes and the hospital ED visit G-codes
ED_CODES = {"99281", "99282", "99283", "99284", "99285", "G0380", "G0381", "G0382", "G0383",
            "G0384"}


def test_ed_visits_come_from_hcpcs(puf, desynpuf500):
    ed_days = set()
    for word in ("outpatient", "carrier"):
        for r in rows(desynpuf500, word):
            if any(v in ED_CODES for k, v in r.items() if k.startswith("HCPCS_CD_")):
                ed_days.add((r["DESYNPUF_ID"], r["CLM_FROM_DT"]))
    from valuecase.panel.encounters import ed_visits

    lines = puf.ibis().table("medical_claim")  # every accepted line, in enrollment or not
    assert ed_visits(lines).count().execute() == len(ed_days)


def _zipped(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for path in src.glob("*.csv"):
        with zipfile.ZipFile(dst / f"{path.stem}.zip", "w") as zf:
            zf.write(path, path.name)
    return dst


def test_original_cms_file_names_zipped_or_not(desynpuf_cms, tmp_path):
    plain = load(desynpuf_cms, layout="desynpuf")
    assert len(plain.sources["eligibility"]) == 3        # one beneficiary file per year
    assert len(plain.sources["medical_claim"]) == 4      # IP, OP, carrier A and B
    zipped = load(_zipped(desynpuf_cms, tmp_path / "zips"), layout="desynpuf")
    pd.testing.assert_frame_equal(plain.reconciliation.drop(columns="source"),
                                  zipped.reconciliation.drop(columns="source"))
    rec = plain.reconciliation.set_index("table")
    for table, expected in raw_totals(desynpuf_cms).items():
        assert cents(rec.loc[table, "paid_in"]) == expected


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*VALUECASE, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "160"})


def test_summarize_cli_and_convert_give_the_same_numbers(desynpuf500, tmp_path):
    r = run("summarize", "--layout", "desynpuf", str(desynpuf500), "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    for key in ("persons", "member_months", "medical_paid", "pharmacy_paid", "ed_visits",
                "inpatient_stays", "bed_days", "readmissions_30d",
                "medical_paid_outside_enrollment", "medical_paid_rejected"):
        assert key in s
    totals = raw_totals(desynpuf500)
    assert cents(s["medical_paid"] + s["medical_paid_outside_enrollment"]
                 + s["medical_paid_rejected"]) == totals["medical_claim"]
    assert cents(s["pharmacy_paid"] + s["pharmacy_paid_outside_enrollment"]
                 + s["pharmacy_paid_rejected"]) == totals["pharmacy_claim"]
    out = tmp_path / "converted"
    c = run("convert", "--layout", "desynpuf", str(desynpuf500), str(out))
    assert c.returncode == 0, c.stderr
    assert (out / "medical_claim.parquet").is_file() and (out / "conversion.json").is_file()
    again = run("summarize", str(out), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == s
    v = run("validate", str(out))
    assert v.returncode == 0 and "converted from the desynpuf layout" in v.stdout
    # a second convert into the same folder stops before reading anything
    twice = run("convert", "--layout", "desynpuf", str(desynpuf500), str(out))
    assert twice.returncode == 2 and "not an empty folder" in twice.stderr


def test_wrong_layout_and_mapping_say_so(desynpuf500, seed10, tmp_path):
    r = run("summarize", "--layout", "desynpuf", str(seed10))
    assert r.returncode == 2 and "no beneficiary summary file" in r.stderr
    r = run("summarize", "--layout", "nonsense", str(seed10))
    assert r.returncode == 2 and "unknown layout" in r.stderr
    mapping = tmp_path / "m.yml"
    mapping.write_text("patient_id: person_id\n")
    r = run("summarize", "--layout", "desynpuf", str(desynpuf500), "--mapping", str(mapping))
    assert r.returncode == 2 and "tuva layout only" in r.stderr
