"""The Synthea layout on a real Synthea export (11 patients): coverage spans, claim lines whose
paid and allowed amounts reconcile with the raw transactions to the cent, medication claims as
pharmacy claims, and encounter classes that become ED visits and stays; DuckDB = Spark.

Every expected value is derived here from the raw CSV files with Python's csv module and exact
decimals, never with valuecase code.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from valuecase.data.load import load
from valuecase.panel.encounters import ed_visits, inpatient_stays
from valuecase.population.summary import summarize


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Raw:
    """The export summed by hand: claim lines and where every payment went."""

    lines: dict[tuple[str, int], dict] = field(default_factory=dict)
    medication_claims: set[str] = field(default_factory=set)
    by_role: Counter = field(default_factory=Counter)
    dollars: defaultdict = field(default_factory=lambda: defaultdict(Decimal))
    all_payments: Decimal = Decimal(0)


@pytest.fixture(scope="module")
def raw(synthea11) -> Raw:
    """Transactions walked in file order: a CHARGE opens a line; the primary payer's ECHECK
    payment is paid, the ECHECK right after a TRANSFERIN of type 2 the secondary payer's."""
    out = Raw()
    enc = {e["Id"]: e for e in rows(synthea11, "encounters")}
    claim_enc = {c["Id"]: enc[c["APPOINTMENTID"]] for c in rows(synthea11, "claims")}
    line: dict[str, int] = defaultdict(int)
    prev: dict[str, dict] = {}
    for number, t in enumerate(rows(synthea11, "claims_transactions"), start=1):
        claim, kind = t["CLAIMID"], t["TYPE"]
        if kind == "CHARGE":
            line[claim] += 1
            if line[claim] == 1 and t["PROCEDURECODE"] != claim_enc[claim]["CODE"]:
                out.medication_claims.add(claim)
            out.lines[claim, line[claim]] = {"row": number, "paid": Decimal(0),
                                             "allowed": Decimal(t["AMOUNT"]),
                                             "from": t["FROMDATE"][:10]}
            role = "charge"
        elif kind == "PAYMENT":
            out.all_payments += Decimal(t["PAYMENTS"])
            after_transfer = prev[claim]["TYPE"] == "TRANSFERIN"
            if t["METHOD"] == "ECHECK" and after_transfer and prev[claim]["TRANSFERTYPE"] == "2":
                role = "secondary"
            elif t["METHOD"] == "ECHECK":
                role = "paid"
                out.lines[claim, line[claim]]["paid"] += Decimal(t["PAYMENTS"])
            else:
                role = "patient"
            out.dollars[role] += Decimal(t["PAYMENTS"])
        else:
            role = kind
        out.by_role[role] += 1
        prev[claim] = t
    return out


@pytest.fixture(scope="module")
def syn(synthea11):
    return load(synthea11, layout="synthea")


def _lines_of(raw: Raw, medication: bool) -> dict[tuple[str, int], dict]:
    return {k: v for k, v in raw.lines.items() if (k[0] in raw.medication_claims) == medication}


def _dec(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_spans_are_payer_transitions_without_no_insurance(syn, synthea11):
    payers = {r["Id"]: r["NAME"] for r in rows(synthea11, "payers")}
    spans = [r for r in rows(synthea11, "payer_transitions")
             if payers[r["PAYER"]] != "NO_INSURANCE"]
    rec = syn.reconciliation.set_index("table")
    assert rec.loc["eligibility", "rows_in"] == len(spans) == 123
    assert rec.loc["eligibility", "rows_rejected"] == 0
    elig = syn.frame("eligibility")
    assert elig["person_id"].nunique() == len({r["PATIENT"] for r in spans}) == 11
    got = sorted(zip(elig["person_id"], elig["enrollment_start_date"].astype(str),
                     elig["enrollment_end_date"].astype(str), strict=True))
    assert got == sorted((r["PATIENT"], r["START_DATE"][:10], r["END_DATE"][:10]) for r in spans)
    sex = {p["Id"]: {"F": "female", "M": "male"}[p["GENDER"]] for p in rows(synthea11, "patients")}
    assert all(sex[p] == g for p, g in zip(elig["person_id"], elig["gender"], strict=True))
    dropped = len(rows(synthea11, "payer_transitions")) - len(spans)
    assert f"{dropped} spans with payer NO_INSURANCE" in " ".join(syn.notes)


@pytest.mark.parametrize("table", ["medical_claim", "pharmacy_claim"])
def test_rows_and_dollars_reconcile_with_the_raw_transactions(syn, raw, table):
    expected = _lines_of(raw, medication=table == "pharmacy_claim")
    rec = syn.reconciliation.set_index("table").loc[table]
    assert rec["rows_in"] == len(expected) == rec["rows_accepted"] + rec["rows_rejected"]
    paid_in = sum(v["paid"] for v in expected.values())
    assert _dec(rec["paid_in"]) == paid_in
    assert _dec(rec["paid_accepted"]) + _dec(rec["paid_rejected"]) == paid_in
    # line by line: the same claim lines with the same paid and allowed amounts
    df = syn.frame(table)
    got = {(c, int(n)): (_dec(p), _dec(a)) for c, n, p, a in
           zip(df["claim_id"], df["claim_line_number"], df["paid_amount"],
               df["allowed_amount"], strict=True)}
    assert got == {k: (v["paid"], v["allowed"]) for k, v in expected.items()}


def test_every_payment_dollar_is_paid_or_in_a_note(syn, raw):
    rec = syn.reconciliation.set_index("table")
    paid = _dec(rec.loc["medical_claim", "paid_in"]) + _dec(rec.loc["pharmacy_claim", "paid_in"])
    assert paid == raw.dollars["paid"]
    assert paid + raw.dollars["secondary"] + raw.dollars["patient"] == raw.all_payments
    notes = " ".join(syn.notes)
    assert (f"{raw.by_role['secondary']} secondary-payer payments "
            f"(total {raw.dollars['secondary']:,.2f}") in notes  # no symbol: any currency
    assert (f"{raw.by_role['patient']} patient payments (total {raw.dollars['patient']:,.2f}"
            in notes)
    transfers = raw.by_role["TRANSFERIN"] + raw.by_role["TRANSFEROUT"]
    assert f"{transfers:,} transfers" in notes
    assert set(raw.by_role) == {"charge", "paid", "secondary", "patient", "TRANSFERIN",
                                "TRANSFEROUT"}  # nothing else to account for in this export


def test_paid_agrees_with_synthea_payer_coverage_as_stated(syn, synthea11):
    """PAYER_COVERAGE is the primary payer's payment on the encounter claim; it also covers
    items Synthea bills without writing a transaction for them (TOTAL_CLAIM_COST above the
    claim's charges). Where the charges are complete, paid must equal it on every encounter."""
    med = syn.frame("medical_claim")
    paid, charged = defaultdict(Decimal), defaultdict(Decimal)
    for c, p, a in zip(med["claim_id"], med["paid_amount"], med["allowed_amount"], strict=True):
        paid[c] += _dec(p)
        charged[c] += _dec(a)
    claim_of = {c["APPOINTMENTID"]: c["Id"] for c in rows(synthea11, "claims")
                if c["Id"] in paid}
    encounters = rows(synthea11, "encounters")
    assert len(claim_of) == len(encounters)  # one medical claim per encounter
    complete = [e for e in encounters
                if charged[claim_of[e["Id"]]] == Decimal(e["TOTAL_CLAIM_COST"])]
    same = [e for e in encounters if paid[claim_of[e["Id"]]] == Decimal(e["PAYER_COVERAGE"])]
    assert all(paid[claim_of[e["Id"]]] == Decimal(e["PAYER_COVERAGE"]) for e in complete)
    assert (len(complete), len(same), len(encounters)) == (279, 311, 388)  # as documented


def test_medication_claims_are_pharmacy_claims(syn, raw, synthea11):
    claims = rows(synthea11, "claims")
    per_encounter = Counter(c["APPOINTMENTID"] for c in claims if c["Id"] not in
                            raw.medication_claims)
    assert set(per_encounter.values()) == {1}  # one encounter claim per encounter
    assert len(per_encounter) == len(rows(synthea11, "encounters"))
    rx, med = syn.frame("pharmacy_claim"), syn.frame("medical_claim")
    assert set(rx["claim_id"]) == raw.medication_claims
    assert not set(med["claim_id"]) & raw.medication_claims
    assert rx["ndc_code"].isna().all() and "hcpcs_code" not in med.columns
    assert sorted(rx["dispensing_date"].astype(str)) == sorted(
        v["from"] for v in _lines_of(raw, medication=True).values())


def _stays(inpatient: list[dict]) -> list[tuple[dt.date, dt.date]]:
    """Inpatient encounters merged per person and organization when they overlap or touch."""
    merged: dict[tuple[str, str], list[list[dt.date]]] = defaultdict(list)
    for e in sorted(inpatient, key=lambda e: (e["START"], e["STOP"])):
        start, stop = (dt.date.fromisoformat(e[k][:10]) for k in ("START", "STOP"))
        spans = merged[e["PATIENT"], e["ORGANIZATION"]]
        if spans and start <= spans[-1][1] + dt.timedelta(days=1):
            spans[-1][1] = max(spans[-1][1], stop)
        else:
            spans.append([start, stop])
    return [(a, b) for spans in merged.values() for a, b in spans]


def test_encounter_classes_become_ed_visits_and_stays(syn, raw, synthea11):
    enc = {e["Id"]: e for e in rows(synthea11, "encounters")}
    with_claim = {enc[c["APPOINTMENTID"]]["Id"] for c in rows(synthea11, "claims")
                  if c["Id"] not in raw.medication_claims}
    emergency = [enc[i] for i in with_claim if enc[i]["ENCOUNTERCLASS"] == "emergency"]
    inpatient = [enc[i] for i in with_claim if enc[i]["ENCOUNTERCLASS"] == "inpatient"]
    assert (len(emergency), len(inpatient)) == (21, 10)  # the export's README
    lines = syn.ibis().table("medical_claim")  # every accepted line, in enrollment or not
    # one ED visit per person-day (here each emergency encounter is on its own day)
    ed_days = {(e["PATIENT"], e["START"][:10]) for e in emergency}
    assert ed_visits(lines).count().execute() == len(ed_days)
    stays = inpatient_stays(lines).to_pandas()
    expected = _stays(inpatient)
    assert len(stays) == len(expected)
    assert stays["bed_days"].sum() == sum(max((b - a).days, 1) for a, b in expected)
    ip = syn.frame("medical_claim").query("encounter_class == 'inpatient'")
    assert (ip["admission_date"] == ip["claim_start_date"]).all()
    assert (ip["discharge_date"] == ip["claim_end_date"]).all()


def test_summary_adds_up_to_the_raw_payments(syn, raw):
    s = summarize(syn)  # what `valuecase summarize --layout synthea` prints
    assert s["persons"] == 11 and s["rows_rejected"] == 0
    for kind, medication in (("medical", False), ("pharmacy", True)):
        total = sum(v["paid"] for v in _lines_of(raw, medication).values())
        got = (Decimal(str(s[f"{kind}_paid"])) + Decimal(str(s[f"{kind}_paid_outside_enrollment"]))
               + Decimal(str(s[f"{kind}_paid_rejected"])))
        assert got == total, kind


def test_an_unreadable_payment_rejects_its_line_at_the_charge(raw, synthea11, tmp_path):
    (claim, number), line = next((k, v) for k, v in raw.lines.items() if v["paid"] > 0)
    for f in synthea11.glob("*.csv"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    txs = rows(synthea11, "claims_transactions")
    hit = next(i for i, t in enumerate(txs) if i >= line["row"] and t["METHOD"] == "ECHECK")
    txs[hit]["PAYMENTS"] = "12.345"  # three decimals: not an amount
    with (tmp_path / "claims_transactions.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(txs[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(txs)
    data = load(tmp_path, layout="synthea")
    table = "pharmacy_claim" if claim in raw.medication_claims else "medical_claim"
    rej = data.rejects
    assert rej[["table", "file", "row_number"]].values.tolist() == [
        [table, "claims_transactions.csv", line["row"]]]
    rec = data.reconciliation.set_index("table").loc[table]
    assert rec["rows_in"] == rec["rows_accepted"] + 1 and rec["rows_rejected"] == 1
    assert (claim, str(number)) not in set(zip(data.frame(table)["claim_id"],
                                               data.frame(table)["claim_line_number"].astype(str),
                                               strict=True))


@pytest.mark.slow
def test_spark_gives_the_same_reconciliation_and_rejects(syn, spark, synthea11):
    on_spark = load(synthea11, engine=spark, layout="synthea")
    pd.testing.assert_frame_equal(syn.reconciliation, on_spark.reconciliation, check_exact=True)
    pd.testing.assert_frame_equal(syn.rejects, on_spark.rejects, check_exact=True)
    assert syn.notes == on_spark.notes


def _year_export(synthea11: Path, folder: Path, old: bool) -> Path:
    """synthea-us-11 with each payer transition widened to whole years: ``old`` writes
    START_YEAR/END_YEAR (a Synthea 2.x export), else the current START_DATE/END_DATE."""
    shutil.copytree(synthea11, folder)
    spans = rows(synthea11, "payer_transitions")
    fields = [c for c in spans[0] if c not in ("START_DATE", "END_DATE")]
    fields[1:1] = ["START_YEAR", "END_YEAR"] if old else ["START_DATE", "END_DATE"]
    with (folder / "payer_transitions.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fields, extrasaction="ignore")
        w.writeheader()
        for r in spans:
            first, last = r["START_DATE"][:4], r["END_DATE"][:4]
            dates = ({"START_YEAR": first, "END_YEAR": last} if old else
                     {"START_DATE": f"{first}-01-01T00:00:00Z",
                      "END_DATE": f"{last}-12-31T00:00:00Z"})
            w.writerow({**r, **dates})
    return folder


def test_older_export_with_start_and_end_years_gives_whole_years(synthea11, tmp_path):
    old = load(_year_export(synthea11, tmp_path / "old", old=True), layout="synthea")
    new = load(_year_export(synthea11, tmp_path / "new", old=False), layout="synthea")
    payers = {r["Id"]: r["NAME"] for r in rows(synthea11, "payers")}
    months: dict[str, set] = defaultdict(set)
    for r in rows(synthea11, "payer_transitions"):
        if payers[r["PAYER"]] != "NO_INSURANCE":
            months[r["PATIENT"]] |= {(y, m) for y in range(int(r["START_DATE"][:4]),
                                                           int(r["END_DATE"][:4]) + 1)
                                     for m in range(1, 13)}
    s_old, s_new = summarize(old), summarize(new)
    assert s_old["member_months"] == s_new["member_months"] == sum(map(len, months.values()))
    assert s_old == s_new  # the same years give the same numbers, claims and all
    pd.testing.assert_frame_equal(old.frame("eligibility"), new.frame("eligibility"))
    assert any("START_YEAR/END_YEAR" in n for n in old.notes)
    assert not any("START_YEAR" in n for n in new.notes)


def test_older_export_without_year_columns_stops_with_one_line(synthea11, tmp_path):
    folder = _year_export(synthea11, tmp_path / "old", old=True)
    path = folder / "payer_transitions.csv"
    path.write_text(path.read_text().replace("END_YEAR", "LAST_YEAR", 1))
    r = subprocess.run([sys.executable, "-m", "valuecase.cli", "summarize", "--layout",
                        "synthea", str(folder)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert r.stderr.strip() == ("error: payer_transitions.csv: missing column 'END_YEAR' "
                                "(1 missing); is this the right --layout?")
