"""The Synthea layout on a real Synthea export (11 patients): coverage spans, paid amounts that
reconcile with the raw transactions, and encounter classes that become ED visits and stays.

Expected values are derived here from the raw CSV files with Python's csv module and exact
decimals, never with valuecase code.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from valuecase.data.load import load
from valuecase.panel.encounters import ed_visits, inpatient_stays


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def syn(synthea11):
    return load(synthea11, layout="synthea")


def insurer_paid(folder: Path) -> dict[str, Decimal]:
    """Per claim: PAYMENT transactions by ECHECK (the layout's documented rule)."""
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows(folder, "claims_transactions"):
        if r["TYPE"] == "PAYMENT" and r["METHOD"] == "ECHECK":
            paid[r["CLAIMID"]] += Decimal(r["PAYMENTS"])
    return paid


def test_spans_are_payer_transitions_without_no_insurance(syn, synthea11):
    payers = {r["Id"]: r["NAME"] for r in rows(synthea11, "payers")}
    spans = [r for r in rows(synthea11, "payer_transitions")
             if payers[r["PAYER"]] != "NO_INSURANCE"]
    rec = syn.reconciliation.set_index("table")
    assert rec.loc["eligibility", "rows_in"] == len(spans)
    assert rec.loc["eligibility", "rows_rejected"] == 0
    elig = syn.frame("eligibility")
    assert elig["person_id"].nunique() == len({r["PATIENT"] for r in spans})
    assert set(elig["gender"]) <= {"female", "male"}
    assert any("NO_INSURANCE" in n for n in syn.notes)


def test_paid_reconciles_with_the_raw_transactions(syn, synthea11):
    expected = sum(insurer_paid(synthea11).values())
    rec = syn.reconciliation.set_index("table").loc["medical_claim"]
    assert rec["rows_in"] == len(rows(synthea11, "claims"))  # one line per claim
    assert Decimal(str(rec["paid_in"])) == expected
    assert rec["rows_in"] == rec["rows_accepted"] + rec["rows_rejected"]
    assert Decimal(str(rec["paid_accepted"])) + Decimal(str(rec["paid_rejected"])) == expected


def test_agreement_with_synthea_payer_coverage_is_what_the_layout_states(synthea11):
    """The module docstring says the paid amounts equal PAYER_COVERAGE on 209 of 388
    encounters; Synthea computes that field differently, and the number is reported, not hidden."""
    paid = insurer_paid(synthea11)
    by_encounter: dict[str, Decimal] = defaultdict(Decimal)
    for c in rows(synthea11, "claims"):
        by_encounter[c["APPOINTMENTID"]] += paid.get(c["Id"], Decimal(0))
    encounters = rows(synthea11, "encounters")
    same = sum(by_encounter.get(e["Id"], Decimal(0)) == Decimal(e["PAYER_COVERAGE"])
               for e in encounters)
    assert (same, len(encounters)) == (209, 388)


def test_encounter_classes_become_ed_visits_and_stays(syn, synthea11):
    enc = {r["Id"]: r for r in rows(synthea11, "encounters")}
    claims = rows(synthea11, "claims")
    ed_days = {(enc[c["APPOINTMENTID"]]["PATIENT"], enc[c["APPOINTMENTID"]]["START"][:10])
               for c in claims if enc[c["APPOINTMENTID"]]["ENCOUNTERCLASS"] == "emergency"}
    inpatient = {c["APPOINTMENTID"] for c in claims
                 if enc[c["APPOINTMENTID"]]["ENCOUNTERCLASS"] == "inpatient"}
    lines = syn.ibis().table("medical_claim")  # every accepted line, in enrollment or not
    assert ed_visits(lines).count().execute() == len(ed_days)
    stays = inpatient_stays(lines).to_pandas()
    assert len(stays) == len(inpatient)  # none of these encounters overlap or touch
    days = sum((Decimal(0) + (_date(enc[e]["STOP"]) - _date(enc[e]["START"])).days) or 1
               for e in inpatient)
    assert stays["bed_days"].sum() == days


def _date(stamp: str):
    import datetime as dt

    return dt.date.fromisoformat(stamp[:10])


def test_summarize_cli(synthea11):
    r = subprocess.run([sys.executable, "-m", "valuecase.cli", "summarize", "--layout",
                        "synthea", str(synthea11), "--json"], capture_output=True, text=True,
                       timeout=300, env={**os.environ, "COLUMNS": "160"})
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["persons"] == 11 and s["pharmacy_paid"] == 0
    total = sum(insurer_paid(synthea11).values())
    assert Decimal(str(round(s["medical_paid"] + s["medical_paid_outside_enrollment"]
                             + s["medical_paid_rejected"], 2))) == total
