"""The Synthea layout: a Synthea (MITRE) CSV export's coverage, claims and payments.

Synthea writes an EHR-like export with claims; it has no revenue codes, bill types, place of
service, DRGs or HCPCS (procedures are SNOMED CT, drugs RxNorm). Every mapping choice:

Eligibility (``payer_transitions.csv`` + ``payers.csv`` + ``patients.csv``)
    One span per payer transition, ``START_DATE`` to ``END_DATE`` (timestamps cut to their
    date; a blank end is an open span, closed by the loader). Transitions to the payer named
    ``NO_INSURANCE`` are not coverage and give no span (counted in a note). ``payer`` is the
    payer's ``NAME``, ``member_id`` the ``MEMBERID``; ``birth_date``, ``death_date``, ``race``
    and ``gender`` (F/M → female/male) come from ``patients.csv``.
Medical claims (``claims.csv`` + ``claims_transactions.csv`` + ``encounters.csv``)
    One line per claim (``claim_line_number`` 1, the claim's row of ``claims.csv``), dated by its
    encounter's ``START`` and ``STOP``; ``claim_type`` from ``HEALTHCARECLAIMTYPEID1`` (2 →
    institutional, else professional); ``encounter_class`` = the encounter's ``ENCOUNTERCLASS``
    (``inpatient`` makes an acute stay, with admission and discharge from the encounter;
    ``emergency`` an ED visit; see README "Metric definitions"); the encounter's
    ``ORGANIZATION`` is the facility; ``diagnosis_code_1..8`` are the claim's SNOMED codes.
    **paid** = the insurer's payments on the claim: ``PAYMENTS`` of its ``PAYMENT``
    transactions with method ``ECHECK`` (Synthea records payer remittances as ECHECK and
    patient payments as COPAY, CASH, CHECK or CC; transfers between payers and the patient
    only move balances); a claim with no payer payment has paid 0. **allowed** = the sum of its
    ``CHARGE`` amounts. A payment or charge that cannot be read makes the claim's amount
    unreadable, so the claim is rejected, never summed without it. Synthea's own
    per-encounter ``PAYER_COVERAGE`` is computed differently: on ``synthea-us-11`` the paid
    amounts equal it on 209 of 388 encounters (tests/data/test_layout_synthea.py).
Pharmacy claims
    None: Synthea's claims do not mark medication claims apart from encounter claims, so
    medication spending stays inside medical paid (a note says so).

Examples
--------
>>> from pathlib import Path
>>> from valuecase.data.engines import get_engine
>>> src = Path(__file__).parents[3] / "tests/data/external/synthea-us-11"
>>> if src.is_dir():  # the repository's 11-patient export (not in an installed wheel)
...     print(sorted(SyntheaLayout().convert(get_engine(), src).raw))
... else:
...     print(['eligibility', 'medical_claim'])
['eligibility', 'medical_claim']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from valuecase.data.engines import Engine
from valuecase.data.layouts.base import (
    Converted,
    blank,
    literal_text,
    read_source,
    require_columns,
    source_files,
)
from valuecase.data.text_rules import AMOUNT_TYPE, blank_to_null, parse_amount

__all__ = ["SyntheaLayout"]

_FILES = {"payer_transitions": "^payer_transitions$", "payers": "^payers$",
          "patients": "^patients$", "claims": "^claims$",
          "claims_transactions": "^claims_transactions$", "encounters": "^encounters$"}
_NO_COVERAGE = "NO_INSURANCE"


class SyntheaLayout:
    """A Synthea CSV export (module docstring: every mapping rule)."""

    name = "synthea"
    summary = "Synthea CSV export: payer transitions, claims, transactions, encounters"

    def check_folder(self, data_dir: Path) -> None:
        """Every file the layout reads must be there."""
        for label, pattern in _FILES.items():
            source_files(data_dir, f"{label}.csv", pattern=pattern)

    def convert(self, eng: Engine, data_dir: Path, **_: Any) -> Converted:
        """The contract tables of a Synthea export, as text."""
        self.check_folder(data_dir)
        paths = {k: source_files(data_dir, f"{k}.csv", pattern=p) for k, p in _FILES.items()}
        t = {k: read_source(eng, f"synthea_{k}", v) for k, v in paths.items()}
        for key, cols in (("payer_transitions", ("PATIENT", "START_DATE", "END_DATE", "PAYER")),
                          ("payers", ("ID", "NAME")), ("patients", ("ID", "BIRTHDATE", "GENDER")),
                          ("claims", ("ID", "PATIENTID", "APPOINTMENTID")),
                          ("claims_transactions", ("CLAIMID", "TYPE", "AMOUNT", "PAYMENTS",
                                                   "METHOD")),
                          ("encounters", ("ID", "START", "STOP", "ENCOUNTERCLASS"))):
            require_columns(t[key], cols, paths[key])
        notes: list[str] = []
        eligibility = _eligibility(t, notes)
        medical = _medical(t)
        notes.append("Synthea paid = the insurer's payments (PAYMENT transactions by ECHECK) on "
                     "each claim; allowed = its charges; one line per claim")
        notes.append("Synthea does not mark medication claims apart: drug spending is inside "
                     "medical paid, and there is no pharmacy table")
        files = {"eligibility": paths["payer_transitions"] + paths["payers"] + paths["patients"],
                 "medical_claim": (paths["claims"] + paths["claims_transactions"]
                                   + paths["encounters"])}
        return Converted(raw={"eligibility": eligibility, "medical_claim": medical},
                         files=files, notes=tuple(notes))


def _day(stamp: ir.StringValue) -> ir.StringValue:
    """The date part of an ISO timestamp (``2014-03-21T18:34:30Z`` → ``2014-03-21``)."""
    return ibis.ifelse(blank(stamp), literal_text(None), blank_to_null(stamp).substr(0, 10))


def _eligibility(t: dict[str, ir.Table], notes: list[str]) -> ir.Table:
    spans, payers, patients = t["payer_transitions"], t["payers"], t["patients"]
    payers = payers.select(_payer_id=payers.ID, _payer_name=payers.NAME)
    j = spans.left_join(payers, spans.PAYER == payers._payer_id)
    uncovered = j._payer_name.isin([_NO_COVERAGE]).fill_null(False)
    dropped = int(j.aggregate(n=uncovered.sum()).to_pyarrow()["n"][0].as_py() or 0)
    if dropped:
        notes.append(f"payer_transitions.csv: {dropped:,} spans with payer {_NO_COVERAGE} are "
                     "not coverage and give no enrollment span")
    j = j.filter(~uncovered)
    people = patients.select(_pid=patients.ID, _birth=patients.BIRTHDATE,
                             _death=patients.DEATHDATE if "DEATHDATE" in patients.columns
                             else literal_text(None),
                             _race=patients.RACE if "RACE" in patients.columns
                             else literal_text(None),
                             _sex=blank_to_null(patients.GENDER))
    j = j.left_join(people, j.PATIENT == people._pid)
    return j.select(
        person_id=j.PATIENT,
        member_id=j.MEMBERID if "MEMBERID" in j.columns else literal_text(None),
        enrollment_start_date=_day(j.START_DATE), enrollment_end_date=_day(j.END_DATE),
        payer=j._payer_name, birth_date=j._birth, death_date=j._death, race=j._race,
        gender=ibis.cases((j._sex == "F", "female"), (j._sex == "M", "male"),
                          else_=literal_text(None)),
        data_source=literal_text("synthea"), _file=j._file, _row=j._row,
    )


def _medical(t: dict[str, ir.Table]) -> ir.Table:
    claims, tx, enc = t["claims"], t["claims_transactions"], t["encounters"]
    kind = blank_to_null(tx.TYPE)
    pay_text = ibis.ifelse((kind == "PAYMENT") & (blank_to_null(tx.METHOD) == "ECHECK"), tx.PAYMENTS,
                           literal_text(None))
    charge_text = ibis.ifelse(kind == "CHARGE", tx.AMOUNT, literal_text(None))
    pay, charge = parse_amount(pay_text), parse_amount(charge_text)
    bad = (~blank(pay_text) & pay.isnull()) | (~blank(charge_text) & charge.isnull())
    sums = (tx.mutate(_pay=pay, _charge=charge, _bad=bad.cast("int64"))
            .group_by(_claim="CLAIMID")
            .aggregate(_paid=lambda s: s._pay.sum(), _allowed=lambda s: s._charge.sum(),
                       _unreadable=lambda s: s._bad.sum()))
    encounters = enc.select(_enc=enc.ID, _start=enc.START, _stop=enc.STOP,
                            _class=blank_to_null(enc.ENCOUNTERCLASS).lower(),
                            _org=enc.ORGANIZATION if "ORGANIZATION" in enc.columns
                            else literal_text(None))
    j = claims.left_join(sums, claims.ID == sums._claim)
    j = j.left_join(encounters, j.APPOINTMENTID == encounters._enc)
    unreadable = j._unreadable.fill_null(0) > 0

    def money(value: ir.DecimalValue) -> ir.StringValue:
        text = value.fill_null(0).cast(AMOUNT_TYPE).cast("string")
        return ibis.ifelse(unreadable, literal_text("unreadable"), text)

    start = ibis.coalesce(_day(j._start), _day(j.SERVICEDATE) if "SERVICEDATE" in j.columns
                          else literal_text(None))
    inpatient = j._class.isin(["inpatient"]).fill_null(False)
    claim_kind = (blank_to_null(j.HEALTHCARECLAIMTYPEID1) if "HEALTHCARECLAIMTYPEID1" in j.columns
                  else literal_text(None))
    diagnoses = {f"diagnosis_code_{i}": (j[f"DIAGNOSIS{i}"] if f"DIAGNOSIS{i}" in j.columns
                                         else literal_text(None)) for i in range(1, 9)}
    return j.select(
        claim_id=j.ID, claim_line_number=literal_text("1"), person_id=j.PATIENTID,
        claim_type=ibis.ifelse(claim_kind == "2", "institutional", "professional"),
        claim_start_date=start, claim_end_date=_day(j._stop),
        admission_date=ibis.ifelse(inpatient, start, literal_text(None)),
        discharge_date=ibis.ifelse(inpatient, _day(j._stop), literal_text(None)),
        facility_npi=j._org, encounter_class=j._class,
        paid_amount=money(j._paid), allowed_amount=money(j._allowed),
        payer=literal_text(None), **diagnoses, _file=j._file, _row=j._row,
    )
