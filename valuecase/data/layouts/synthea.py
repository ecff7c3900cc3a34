"""The Synthea layout: a Synthea (MITRE) CSV export's coverage, claim lines and payments.

Synthea writes an EHR-like export with claims; it has no revenue codes, bill types, place of
service, DRGs, HCPCS or NDCs (procedures are SNOMED CT, vaccines CVX, drugs RxNorm). Every
mapping choice (the figures are those of ``tests/data/external/synthea-us-11``, checked in
``tests/data/test_layout_synthea.py``):

Eligibility (``payer_transitions.csv`` + ``payers.csv`` + ``patients.csv``)
    One span per payer transition, ``START_DATE`` to ``END_DATE`` (the date of each timestamp).
    Older exports (Synthea 2.x) write ``START_YEAR``/``END_YEAR`` instead: the span is then
    whole years, January 1 of ``START_YEAR`` to December 31 of ``END_YEAR`` (a note says so).
    Transitions to the payer named ``NO_INSURANCE`` are not coverage and give no span (counted
    in a note). Synthea ends every span; a blank ``END_DATE`` is kept blank, i.e. an open span
    that the loader closes at the last date of the eligibility file (and reports). ``payer`` is
    the payer's ``NAME`` (the primary payer; ``SECONDARY_PAYER`` is not a span), ``member_id``
    the ``MEMBERID``; ``birth_date``, ``death_date``, ``race`` and ``gender`` (F/M →
    female/male, else blank) come from ``patients.csv``.
Claim lines (``claims_transactions.csv`` + ``claims.csv`` + ``encounters.csv``)
    Synthea writes each claim's transactions in order: a ``CHARGE`` (one billed item), then
    that item's copay, adjustment, primary-payer payment, transfer to the secondary payer and
    its payment, transfer to the patient and the patient's payment; then the next ``CHARGE``.
    Each ``CHARGE`` is one claim line (``claim_line_number`` = its position in the claim, in
    file order, which is also ``CHARGEID`` order); every other transaction belongs to the line
    of the last charge before it. ``_file``/``_row`` point at the charge's line.
Paid and allowed
    **paid** = the primary payer's payments on the line: ``PAYMENT`` rows with method
    ``ECHECK`` that do not follow a ``TRANSFERIN`` of type ``2``. The ECHECK payment after such
    a transfer is the secondary payer's (Blue Cross Blue Shield in the test export) and is not
    in paid, since the spans are the primary payer's; ``COPAY``, ``CASH``, ``CHECK`` and ``CC``
    are the patient's; transfers only move a balance. Each kind is counted in a note (the
    payments with their dollars), as are transactions of any other kind. **allowed** = the
    charge less its adjustments (on every line of the test export the copay, payer, secondary
    and patient payments add up to the charge). A charge, payment or
    adjustment that cannot be read makes the line's amounts unreadable, so the loader rejects
    the line rather than sum it without them. Synthea's ``encounters.PAYER_COVERAGE`` is the
    primary payer's payment on the encounter claim: on the 279 of 388 test encounters whose
    ``TOTAL_CLAIM_COST`` equals the claim's charges, paid equals it on all 279 (311 of 388
    overall); the other 109 encounters bill items for which Synthea writes no transaction.
Medical or pharmacy
    Synthea writes one claim for each encounter and one for each medication, both pointing at
    the encounter (``APPOINTMENTID``). The encounter's claim is the one whose first charge has
    the encounter's ``CODE``; every other claim is a medication claim (its first charge is an
    RxNorm drug) and goes to ``pharmacy_claim`` (the code's shape cannot tell: 15 of 173 RxNorm
    codes look like SNOMED ids). A claim whose encounter is missing stays medical.
``medical_claim``
    ``claim_type`` from ``HEALTHCARECLAIMTYPEID1`` (Synthea writes 2 for an institutional
    provider, else 1: institutional / professional); ``claim_start_date``/``claim_end_date``
    = the encounter's ``START``/``STOP`` (else the claim's ``SERVICEDATE``); ``encounter_class``
    = the encounter's ``ENCOUNTERCLASS`` as written (``inpatient`` is an acute stay, with
    ``admission_date``/``discharge_date`` = ``START``/``STOP``; ``emergency`` an ED visit);
    ``facility_npi`` = the encounter's ``ORGANIZATION`` (stays merge per facility); ``payer`` =
    the name of ``PRIMARYPATIENTINSURANCEID``; ``diagnosis_code_1..8`` = the claim's SNOMED CT
    ``DIAGNOSIS1..8``. ``hcpcs_code`` stays empty: ``PROCEDURECODE`` is SNOMED CT or CVX.
``pharmacy_claim``
    ``dispensing_date`` = the charge's ``FROMDATE`` (the prescription's start; else the
    encounter's start), ``ndc_code`` empty (RxNorm is not NDC), paid and allowed as above.

Examples
--------
>>> from pathlib import Path
>>> from valuecase.data.engines import get_engine
>>> src = Path(__file__).parents[3] / "tests/data/external/synthea-us-11"
>>> if src.is_dir():  # the repository's 11-patient export (not in an installed wheel)
...     print(sorted(SyntheaLayout().convert(get_engine(), src).raw))
... else:
...     print(['eligibility', 'medical_claim', 'pharmacy_claim'])
['eligibility', 'medical_claim', 'pharmacy_claim']
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from valuecase.data.engines import Engine
from valuecase.data.layouts.base import (
    Converted,
    blank,
    literal_text,
    optional_column,
    read_source,
    require_columns,
    source_files,
    union_all,
)
from valuecase.data.text_rules import AMOUNT_TYPE, blank_to_null, parse_amount

__all__ = ["SyntheaLayout"]

_FILES = {"payer_transitions": "^payer_transitions$", "payers": "^payers$",
          "patients": "^patients$", "claims": "^claims$",
          "claims_transactions": "^claims_transactions$", "encounters": "^encounters$"}
_COLUMNS = {"payer_transitions": ("PATIENT", "PAYER"),
            "payers": ("ID", "NAME"), "patients": ("ID", "BIRTHDATE", "GENDER"),
            "claims": ("ID", "PATIENTID", "APPOINTMENTID"),
            "claims_transactions": ("CLAIMID", "TYPE", "AMOUNT", "METHOD", "PAYMENTS",
                                    "TRANSFERTYPE", "PROCEDURECODE", "FROMDATE"),
            "encounters": ("ID", "START", "STOP", "ENCOUNTERCLASS", "CODE")}
_NO_COVERAGE = "NO_INSURANCE"
_PATIENT_METHODS = ("COPAY", "CASH", "CHECK", "CC")
# transactions that give no row or are not in paid: role -> (what, which, why)
_ROLES = {"secondary": ("secondary-payer payments", "ECHECK after a TRANSFERIN of type 2",
                        "are not in paid: the enrollment spans are the primary payer's"),
          "patient": ("patient payments", "COPAY, CASH, CHECK, CC",
                      "are the member's share, not in paid"),
          "transfer": ("transfers", "TRANSFEROUT, TRANSFERIN",
                       "move a balance to the secondary payer or the patient; no row"),
          "other": ("transactions", "another type or payment method", "give no row"),
          "orphan": ("transactions", "claim not in claims.csv", "give no row"),
          "before": ("transactions", "before the claim's first CHARGE", "give no row")}


class SyntheaLayout:
    """A Synthea CSV export (module docstring: every mapping rule)."""

    name = "synthea"
    summary = "Synthea CSV export: payer transitions, claim transactions, encounters"

    def check_folder(self, data_dir: Path) -> None:
        """Every file the layout reads must be there."""
        for label, pattern in _FILES.items():
            source_files(data_dir, f"{label}.csv", pattern=pattern)

    def convert(self, eng: Engine, data_dir: Path, **_: Any) -> Converted:
        """The contract tables of a Synthea export, as text."""
        self.check_folder(data_dir)
        paths = {k: source_files(data_dir, f"{k}.csv", pattern=p) for k, p in _FILES.items()}
        t = {k: read_source(eng, f"synthea_{k}", v) for k, v in paths.items()}
        for key, cols in _COLUMNS.items():
            require_columns(t[key], cols, paths[key])
        t["payer_transitions"], span_note = _span_dates(t["payer_transitions"],
                                                        paths["payer_transitions"])
        spans = _spans(t)
        # computed once on the engine: every query of the loader reads these, not the CSV
        tx = eng.materialize(_transactions(t), "synthea_transactions")
        lines = eng.materialize(_lines(t, tx), "synthea_lines")
        medication = lines._medication
        notes = span_note + _notes(spans, tx, lines, t["claims"])
        sources = paths["claims_transactions"] + paths["claims"] + paths["encounters"]
        files = {"eligibility": paths["payer_transitions"] + paths["payers"] + paths["patients"],
                 "medical_claim": sources + paths["payers"],
                 "pharmacy_claim": sources + paths["payers"]}
        return Converted(raw={"eligibility": _eligibility(spans, t["patients"]),
                              "medical_claim": _medical(lines.filter(~medication)),
                              "pharmacy_claim": _pharmacy(lines.filter(medication))},
                         files=files, notes=tuple(notes))


def _day(stamp: ir.StringValue) -> ir.StringValue:
    """The date part of an ISO timestamp (``2014-03-21T18:34:30Z`` → ``2014-03-21``)."""
    return ibis.ifelse(blank(stamp), literal_text(None), blank_to_null(stamp).substr(0, 10))


def _span_dates(spans: ir.Table, paths: tuple[Path, ...]) -> tuple[ir.Table, list[str]]:
    """Payer transitions with ``START_DATE``/``END_DATE``: as written, or (older exports) the
    whole years of ``START_YEAR``/``END_YEAR``."""
    if "START_DATE" in spans.columns or "START_YEAR" not in spans.columns:
        require_columns(spans, ("START_DATE", "END_DATE"), paths)
        return spans, []
    require_columns(spans, ("START_YEAR", "END_YEAR"), paths)
    first, last = blank_to_null(spans.START_YEAR), blank_to_null(spans.END_YEAR)
    spans = spans.mutate(START_DATE=ibis.ifelse(first.isnull(), literal_text(None),
                                                first + "-01-01"),
                         END_DATE=ibis.ifelse(last.isnull(), literal_text(None),
                                              last + "-12-31"))
    return spans, ["payer_transitions.csv has START_YEAR/END_YEAR (an older Synthea export): "
                   "each span is whole years, January 1 of START_YEAR to December 31 of "
                   "END_YEAR"]


def _spans(t: dict[str, ir.Table]) -> ir.Table:
    """Payer transitions with the payer's name and ``_uncovered`` (payer NO_INSURANCE)."""
    spans, payers = t["payer_transitions"], t["payers"]
    payers = payers.select(_payer_id=payers.ID, _payer_name=blank_to_null(payers.NAME))
    j = spans.left_join(payers, spans.PAYER == payers._payer_id)
    return j.mutate(_uncovered=(j._payer_name == _NO_COVERAGE).fill_null(False))


def _eligibility(spans: ir.Table, patients: ir.Table) -> ir.Table:
    j = spans.filter(~spans._uncovered)
    people = patients.select(_pid=patients.ID, _birth=patients.BIRTHDATE,
                             _death=optional_column(patients, "DEATHDATE"),
                             _race=optional_column(patients, "RACE"),
                             _sex=blank_to_null(patients.GENDER))
    j = j.left_join(people, j.PATIENT == people._pid)
    return j.select(
        person_id=j.PATIENT, member_id=optional_column(j, "MEMBERID"),
        enrollment_start_date=_day(j.START_DATE), enrollment_end_date=_day(j.END_DATE),
        payer=j._payer_name, birth_date=j._birth, death_date=j._death, race=j._race,
        gender=ibis.cases((j._sex == "F", "female"), (j._sex == "M", "male"),
                          else_=literal_text(None)),
        data_source=literal_text("synthea"), _file=j._file, _row=j._row,
    )


def _transactions(t: dict[str, ir.Table]) -> ir.Table:
    """Every transaction with its claim line (``_line``, 0 before the first charge), its
    ``_role`` and its amount (``_money``; NULL where unreadable)."""
    tx = t["claims_transactions"]
    kind, method = blank_to_null(tx.TYPE), blank_to_null(tx.METHOD)
    in_order = ibis.window(group_by=tx.CLAIMID, order_by=[tx._file, tx._row])
    so_far = ibis.window(group_by=tx.CLAIMID, order_by=[tx._file, tx._row], rows=(None, 0))
    tx = tx.mutate(_kind=kind, _method=method,
                   _line=(kind == "CHARGE").fill_null(False).cast("int64").sum().over(so_far),
                   _after_secondary=((kind.lag().over(in_order) == "TRANSFERIN")
                                     & (blank_to_null(tx.TRANSFERTYPE).lag().over(in_order)
                                        == "2")).fill_null(False))
    known = t["claims"].select(_claim=t["claims"].ID).distinct()
    tx = tx.left_join(known, tx.CLAIMID == known._claim)
    payment = tx._kind == "PAYMENT"
    role = ibis.cases(
        (tx._claim.isnull(), "orphan"), (tx._line == 0, "before"),
        (tx._kind == "CHARGE", "charge"), (tx._kind == "ADJUSTMENT", "adjustment"),
        (payment & (tx._method == "ECHECK") & tx._after_secondary, "secondary"),
        (payment & (tx._method == "ECHECK"), "paid"),
        (payment & tx._method.isin(_PATIENT_METHODS), "patient"),
        (tx._kind.isin(["TRANSFERIN", "TRANSFEROUT"]), "transfer"), else_="other")
    text = ibis.cases((role == "charge", tx.AMOUNT),
                      (role == "adjustment", optional_column(tx, "ADJUSTMENTS")),
                      (role.isin(["paid", "secondary", "patient"]), tx.PAYMENTS),
                      else_=literal_text(None))
    money = parse_amount(text)
    return tx.select("CLAIMID", "_file", "_row", "_claim", "_line", "PROCEDURECODE", "FROMDATE",
                     _role=role, _money=money, _bad=~blank(text) & money.isnull())


def _notes(spans: ir.Table, tx: ir.Table, lines: ir.Table, claims: ir.Table) -> list[str]:
    """The mapping's notes, their counts taken in one query."""
    money = dt.Decimal(38, 2)

    def fact(t: ir.Table, name: str, n: ir.IntegerValue) -> ir.Table:
        return t.aggregate(n=n.cast("int64")).select(
            fact=literal_text(name), n="n", dollars=ibis.null().cast(money),
            bad=ibis.literal(0, type="int64"))

    per_claim = lines.group_by(_lclaim="CLAIMID").aggregate(_rx=lines._medication.any())
    claims = claims.left_join(per_claim, claims.ID == per_claim._lclaim)
    roles = tx.group_by(fact="_role").aggregate(
        n=tx._role.count().cast("int64"), dollars=tx._money.sum().cast(money),
        bad=tx._bad.cast("int64").sum().cast("int64"))
    found = {r["fact"]: r for r in union_all([
        fact(spans, "no_insurance", spans._uncovered.cast("int64").sum().fill_null(0)),
        roles,
        fact(claims, "medication", claims._rx.fill_null(False).cast("int64").sum()),
        fact(claims, "no_charge", claims._lclaim.isnull().cast("int64").sum()),
    ]).to_pyarrow().to_pylist()}
    count = {k: r["n"] or 0 for k, r in found.items()}
    notes = []
    if count.get("no_insurance"):
        notes.append(f"payer_transitions.csv: {count['no_insurance']:,} spans with payer "
                     f"{_NO_COVERAGE} are not coverage and give no enrollment span")
    notes.append("claims_transactions.csv: one claim line per CHARGE; paid = the primary payer's "
                 "payments on it (PAYMENT by ECHECK), allowed = the charge less adjustments")
    for role, (what, which, why) in _ROLES.items():
        if not count.get(role):
            continue
        if role in ("secondary", "patient"):
            which = f"total {found[role]['dollars'] or Decimal(0):,.2f}: {which}"
        bad = f"; {found[role]['bad']:,} amounts unreadable" if found[role]["bad"] else ""
        notes.append(f"claims_transactions.csv: {count[role]:,} {what} ({which}) {why}{bad}")
    notes.append(f"claims.csv: {count.get('medication', 0):,} medication claims (first charge "
                 "not the encounter's code; RxNorm) are pharmacy claims, without NDC; no HCPCS "
                 "on medical lines (procedures are SNOMED CT)")
    if count.get("no_charge"):
        notes.append(f"claims.csv: {count['no_charge']:,} claims without a CHARGE transaction "
                     "give no line")
    return notes


def _lines(t: dict[str, ir.Table], tx: ir.Table) -> ir.Table:
    """One row per charge line: amounts, the charge's row, claim and encounter columns."""
    tx = tx.filter(tx._claim.notnull() & (tx._line > 0))
    charge = tx._role == "charge"

    def on_charge(value: ir.Value) -> ir.Value:
        return ibis.ifelse(charge, value, ibis.null().cast(value.type()))

    def amount(role: str) -> ir.DecimalValue:
        return ibis.ifelse(tx._role == role, tx._money, ibis.null().cast(AMOUNT_TYPE))

    counted = tx._role.isin(["charge", "adjustment", "paid"])
    lines = (tx.mutate(_charge=amount("charge"), _adjust=amount("adjustment"),
                       _pay=amount("paid"), _unreadable=(tx._bad & counted).cast("int64"),
                       _cfile=on_charge(tx._file), _crow=on_charge(tx._row),
                       _code=on_charge(blank_to_null(tx.PROCEDURECODE)),
                       _from=on_charge(_day(tx.FROMDATE)))
             .group_by(["CLAIMID", "_line"])
             .aggregate(_allowed=lambda s: s._charge.sum() - s._adjust.sum().fill_null(0),
                        _paid=lambda s: s._pay.sum(), _unreadable=lambda s: s._unreadable.sum(),
                        _file=lambda s: s._cfile.max(), _row=lambda s: s._crow.max(),
                        _code=lambda s: s._code.max(), _from=lambda s: s._from.max()))
    first = lines.filter(lines._line == 1).select(_fclaim="CLAIMID", _first_code="_code")
    claims, enc, payers = t["claims"], t["encounters"], t["payers"]
    payers = payers.select(_pay_id=payers.ID, _payer=blank_to_null(payers.NAME))
    encounters = enc.select(_enc=enc.ID, _start=_day(enc.START), _stop=_day(enc.STOP),
                            _class=blank_to_null(enc.ENCOUNTERCLASS),
                            _enc_code=blank_to_null(enc.CODE),
                            _org=blank_to_null(optional_column(enc, "ORGANIZATION")))
    j = lines.join(claims, lines.CLAIMID == claims.ID)
    j = j.left_join(first, j.CLAIMID == first._fclaim)
    j = j.left_join(encounters, j.APPOINTMENTID == encounters._enc)
    j = j.left_join(payers, optional_column(j, "PRIMARYPATIENTINSURANCEID") == payers._pay_id)
    medication = (j._enc.notnull() & (j._first_code != j._enc_code)).fill_null(False)
    return j.mutate(_medication=medication)


def _money(j: ir.Table, value: ir.DecimalValue) -> ir.StringValue:
    """An amount as text, ``unreadable`` (rejected by the loader) where a part could not be
    read; a line without a payer payment has paid 0."""
    text = value.fill_null(0).cast(AMOUNT_TYPE).cast("string")
    return ibis.ifelse(j._unreadable > 0, literal_text("unreadable"), text)


def _medical(j: ir.Table) -> ir.Table:
    start = ibis.coalesce(j._start, _day(optional_column(j, "SERVICEDATE")))
    inpatient = (j._class == "inpatient").fill_null(False)
    kind = blank_to_null(optional_column(j, "HEALTHCARECLAIMTYPEID1"))
    diagnoses = {f"diagnosis_code_{i}": optional_column(j, f"DIAGNOSIS{i}") for i in range(1, 9)}
    return j.select(
        claim_id=j.CLAIMID, claim_line_number=j._line.cast("string"), person_id=j.PATIENTID,
        claim_type=ibis.ifelse(kind == "2", "institutional", "professional"),
        claim_start_date=start, claim_end_date=j._stop,
        admission_date=ibis.ifelse(inpatient, start, literal_text(None)),
        discharge_date=ibis.ifelse(inpatient, j._stop, literal_text(None)),
        facility_npi=j._org, encounter_class=j._class,
        paid_amount=_money(j, j._paid), allowed_amount=_money(j, j._allowed),
        payer=j._payer, **diagnoses, _file=j._file, _row=j._row,
    )


def _pharmacy(j: ir.Table) -> ir.Table:
    return j.select(
        claim_id=j.CLAIMID, claim_line_number=j._line.cast("string"), person_id=j.PATIENTID,
        dispensing_date=ibis.coalesce(j._from, j._start), ndc_code=literal_text(None),
        paid_amount=_money(j, j._paid), allowed_amount=_money(j, j._allowed),
        payer=j._payer, _file=j._file, _row=j._row,
    )
