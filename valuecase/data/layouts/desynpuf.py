"""The CMS DE-SynPUF layout: Medicare beneficiary summaries, claims and drug events.

Reads the files of the CMS 2008-2010 Data Entrepreneurs' Synthetic Public Use File as CMS names
them (``DE1_0_2008_Beneficiary_Summary_File_Sample_1.csv``, ``..._Carrier_Claims_Sample_1A.csv``
and ``_1B``, zipped or not) or as extracts name them (a name containing
``beneficiary_summary``, ``inpatient_claims``, ``outpatient_claims``, ``carrier_claims``,
``prescription_drug_events``). Every rule below is also in the README ("Your data").

Eligibility (one span per person-year)
    DE-SynPUF has no enrollment dates, only each person-year's count of covered months. The
    enrolled months of a year are ``max(BENE_HI_CVRAGE_TOT_MONS, BENE_SMI_CVRAGE_TOT_MONS)``
    (Part A, Part B), taken as the months **ending** at the death date when the person died
    that year, else ending in December. The year is ``BENE_YEAR`` or the year in the file name.
    A person-year with no covered month, or after the year of death, gives no span (counted in
    a note). ``gender`` from ``BENE_SEX_IDENT_CD`` (1 male, 2 female), ``birth_date``,
    ``death_date``; ``payer`` is ``medicare``. HMO and Part D months are not used.
Medical claims
    - **Inpatient** (``encounter_class = 'inpatient'``: CMS's inpatient file holds inpatient
      stays; it has no bill type and no revenue code, so the file decides what is an acute
      stay): one institutional line per claim segment; paid = ``CLM_PMT_AMT`` +
      ``CLM_PASS_THRU_PER_DIEM_AMT`` x ``CLM_UTLZTN_DAY_CNT`` (exact decimals); admission and
      discharge from ``CLM_ADMSN_DT`` and ``NCH_BENE_DSCHRG_DT``; ``CLM_DRG_CD``; the provider
      number ``PRVDR_NUM`` as the facility.
    - **Outpatient** (``encounter_class = 'outpatient'``): institutional; line 1 carries the
      header's ``CLM_PMT_AMT`` and ``HCPCS_CD_1``; each further filled ``HCPCS_CD_n`` is line n
      with paid 0, so an ED visit is seen through HCPCS 99281-99285 in any slot.
    - **Carrier**: professional; line slot n (``HCPCS_CD_n``, ``LINE_NCH_PMT_AMT_n``,
      ``LINE_ALOWD_CHRG_AMT_n``, ``LINE_ICD9_DGNS_CD_n``) is line n when it has a HCPCS code or a
      payment other than zero; empty slots are counted in a note. No place of service exists.
    Claim dates from ``CLM_FROM_DT``/``CLM_THRU_DT``; diagnoses ``ICD9_DGNS_CD_n`` (ICD-9).
Pharmacy claims
    One claim per drug event (``PDE_ID``) on ``SRVC_DT`` with NDC ``PROD_SRVC_ID`` and
    ``DAYS_SUPLY_NUM``. **paid = ``TOT_RX_CST_AMT``**, the event's gross drug cost: the file has
    no plan-paid amount, and subtracting ``PTNT_PAY_AMT`` is not possible honestly (it exceeds
    the total cost on about 5% of synthetic events). Pharmacy paid therefore includes what the
    patient paid, unlike medical paid (Medicare's payment).

Examples
--------
>>> from pathlib import Path
>>> from valuecase.data.engines import get_engine
>>> src = Path(__file__).parents[3] / "tests/data/external/cms-desynpuf-sample0"
>>> if src.is_dir():  # the repository's two-person CMS fixture (not in an installed wheel)
...     conv = DesynpufLayout().convert(get_engine(), src)
...     print(sorted(conv.raw))
... else:
...     print(['eligibility', 'medical_claim', 'pharmacy_claim'])
['eligibility', 'medical_claim', 'pharmacy_claim']
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from valuecase.data.engines import Engine
from valuecase.data.files import file_names
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
from valuecase.data.text_rules import (
    AMOUNT_TYPE,
    blank_to_null,
    parse_amount,
    parse_date,
    parse_integer,
)
from valuecase.errors import ContractError

__all__ = ["DesynpufLayout"]

_DIAGNOSES = 10
_MEDICAL = ("claim_id", "claim_line_number", "person_id", "claim_type", "claim_start_date",
            "claim_end_date", "admission_date", "discharge_date", "drg_code", "facility_npi",
            "hcpcs_code", "paid_amount", "allowed_amount", "encounter_class", "payer",
            *(f"diagnosis_code_{i}" for i in range(1, _DIAGNOSES + 1)))
_CLAIM_COLUMNS = ("DESYNPUF_ID", "CLM_ID", "CLM_FROM_DT", "CLM_THRU_DT")
_CLAIM_FILES = (("inpatient", "inpatient_claims"), ("outpatient", "outpatient_claims"),
                ("carrier", "carrier_claims"))


class DesynpufLayout:
    """CMS DE-SynPUF files (module docstring: every mapping rule)."""

    name = "desynpuf"
    summary = "CMS DE-SynPUF: beneficiary summary, inpatient, outpatient, carrier, drug events"

    def check_folder(self, data_dir: Path) -> None:
        """A beneficiary summary and at least one claims file must be there."""
        source_files(data_dir, "beneficiary summary", pattern="beneficiary_summary")
        if not any(source_files(data_dir, kind, pattern=pattern, required=False)
                   for kind, pattern in _CLAIM_FILES):
            raise ContractError(f"{Path(data_dir).name}: no inpatient, outpatient or carrier "
                                "claims file (names containing inpatient_claims, "
                                "outpatient_claims or carrier_claims)")

    def convert(self, eng: Engine, data_dir: Path, **_: Any) -> Converted:
        """The contract tables of a DE-SynPUF folder, as text."""
        self.check_folder(data_dir)
        notes: list[str] = []
        bene_files = source_files(data_dir, "beneficiary summary", pattern="beneficiary_summary")
        eligibility = _eligibility(eng, bene_files, notes)
        parts, med_files = [], []
        for kind, pattern in _CLAIM_FILES:
            paths = source_files(data_dir, f"{kind} claims", pattern=pattern, required=False)
            if paths:
                parts.append(_MEDICAL_READERS[kind](eng, paths, notes))
                med_files.extend(paths)
        raw = {"eligibility": eligibility, "medical_claim": union_all(parts)}
        files = {"eligibility": bene_files, "medical_claim": tuple(med_files)}
        pde = source_files(data_dir, "drug events", pattern="prescription_drug_events",
                           required=False)
        if pde:
            raw["pharmacy_claim"] = _pharmacy(eng, pde)
            files["pharmacy_claim"] = pde
        notes.append("pharmacy paid is TOT_RX_CST_AMT, the gross drug cost (DE-SynPUF has no "
                     "plan-paid amount): it includes what patients paid")
        return Converted(raw=raw, files=files, notes=tuple(notes))


def _years(t: ir.Table, paths: tuple[Path, ...]) -> ir.IntegerValue:
    """Each person-year's year: ``BENE_YEAR``, else the year in the file's name."""
    if "BENE_YEAR" in t.columns:
        return parse_integer(t.BENE_YEAR)
    cases = []
    for path in paths:
        found = re.search(r"(?<![0-9])(20[0-9]{2})(?![0-9])", path.name)
        if not found:
            raise ContractError(f"{path.name}: no BENE_YEAR column and no year in the file "
                                "name (DE1_0_2008_Beneficiary_Summary_File_...)")
        cases.append((t._file == path.name, int(found.group(1))))
    return ibis.cases(*cases, else_=ibis.null("int64"))


def _eligibility(eng: Engine, paths: tuple[Path, ...], notes: list[str]) -> ir.Table:
    t = read_source(eng, "desynpuf_beneficiary", paths)
    require_columns(t, ("DESYNPUF_ID", "BENE_BIRTH_DT", "BENE_SEX_IDENT_CD",
                        "BENE_HI_CVRAGE_TOT_MONS", "BENE_SMI_CVRAGE_TOT_MONS"), paths)
    year = _years(t, paths)
    part_a, part_b = parse_integer(t.BENE_HI_CVRAGE_TOT_MONS), parse_integer(
        t.BENE_SMI_CVRAGE_TOT_MONS)
    months = ibis.greatest(part_a.fill_null(-1), part_b.fill_null(-1))
    death = parse_date(t.BENE_DEATH_DT) if "BENE_DEATH_DT" in t.columns else ibis.null("date")
    died_this_year = (death.year() == year).fill_null(False)
    died_before = (death.year() < year).fill_null(False)
    end_month = ibis.ifelse(died_this_year, death.month(), 12)
    start_month = ibis.greatest(end_month - months + 1, 1)
    usable = (months >= 1) & (months <= 12) & year.notnull()
    start = (year.cast("string") + "-" + start_month.cast("string").lpad(2, "0") + "-01")
    end = ibis.ifelse(died_this_year, death.cast("string"), year.cast("string") + "-12-31")
    t = t.mutate(_keep=~died_before & (months != 0), _usable=usable)
    skipped = t.aggregate(none=(~t._keep & (months == 0)).sum(),
                          after=(died_before & (months != 0)).sum()).to_pyarrow().to_pylist()[0]
    if skipped["none"]:
        notes.append(f"{file_names(paths)}: {skipped['none']:,} person-years with no covered "
                     "month (Part A and Part B months both 0) give no enrollment span")
    if skipped["after"]:
        notes.append(f"{file_names(paths)}: {skipped['after']:,} person-years after the year "
                     "of death give no enrollment span")
    notes.append("DE-SynPUF enrollment: a person-year's months = max(Part A, Part B) covered "
                 "months, ending at the death date in the year of death, else in December")
    sex = blank_to_null(t.BENE_SEX_IDENT_CD)
    return t.filter(t._keep).select(
        person_id=t.DESYNPUF_ID,
        enrollment_start_date=ibis.ifelse(t._usable, start, literal_text(None)),
        enrollment_end_date=ibis.ifelse(t._usable, end, literal_text(None)),
        birth_date=t.BENE_BIRTH_DT,
        death_date=optional_column(t, "BENE_DEATH_DT"),
        gender=ibis.cases((sex == "1", "male"), (sex == "2", "female"), else_=literal_text(None)),
        payer=literal_text("medicare"), data_source=literal_text("desynpuf"),
        _file=t._file, _row=t._row,
    )


def _lines(t: ir.Table, **values: Any) -> ir.Table:
    """Medical lines with every column of :data:`_MEDICAL` (text; NULL where not given)."""
    base = {"person_id": t.DESYNPUF_ID, "claim_id": t.CLM_ID,
            "claim_start_date": t.CLM_FROM_DT, "claim_end_date": t.CLM_THRU_DT,
            "payer": literal_text("medicare"),
            **{f"diagnosis_code_{i}": optional_column(t, f"ICD9_DGNS_CD_{i}")
               for i in range(1, _DIAGNOSES + 1)}}
    base.update(values)
    cols = {c: (base[c] if c in base else literal_text(None)).cast("string") for c in _MEDICAL}
    return t.select(**cols, _file=t._file, _row=t._row)


def _inpatient(eng: Engine, paths: tuple[Path, ...], notes: list[str]) -> ir.Table:
    t = read_source(eng, "desynpuf_inpatient", paths)
    require_columns(t, (*_CLAIM_COLUMNS, "CLM_PMT_AMT"), paths)
    pmt_text = t.CLM_PMT_AMT
    per_text, days_text = optional_column(t, "CLM_PASS_THRU_PER_DIEM_AMT"), optional_column(t, "CLM_UTLZTN_DAY_CNT")
    pmt, per, days = parse_amount(pmt_text), parse_amount(per_text), parse_integer(days_text)
    bad = ((~blank(pmt_text) & pmt.isnull()) | (~blank(per_text) & per.isnull())
           | (~blank(days_text) & days.isnull()))
    total = (pmt + per.fill_null(0) * days.fill_null(0)).cast(AMOUNT_TYPE).cast("string")
    paid = ibis.cases((blank(pmt_text), literal_text(None)),
                      (bad, literal_text("unparseable")), else_=total)
    notes.append("DE-SynPUF inpatient paid = CLM_PMT_AMT + CLM_PASS_THRU_PER_DIEM_AMT x "
                 "CLM_UTLZTN_DAY_CNT; every inpatient claim is an acute stay (the file has no "
                 "bill type or revenue code)")
    return _lines(t, claim_line_number=optional_column(t, "SEGMENT").fill_null("1"),
                  claim_type=literal_text("institutional"),
                  admission_date=optional_column(t, "CLM_ADMSN_DT"),
                  discharge_date=optional_column(t, "NCH_BENE_DSCHRG_DT"), drg_code=optional_column(t, "CLM_DRG_CD"),
                  facility_npi=optional_column(t, "PRVDR_NUM"), hcpcs_code=optional_column(t, "HCPCS_CD_1"),
                  paid_amount=paid, encounter_class=literal_text("inpatient"))


def _slots(t: ir.Table, prefix: str, limit: int) -> list[int]:
    return [i for i in range(1, limit + 1) if f"{prefix}{i}" in t.columns]


def _outpatient(eng: Engine, paths: tuple[Path, ...], notes: list[str]) -> ir.Table:
    t = read_source(eng, "desynpuf_outpatient", paths)
    require_columns(t, (*_CLAIM_COLUMNS, "CLM_PMT_AMT"), paths)
    common = dict(claim_type=literal_text("institutional"), facility_npi=optional_column(t, "PRVDR_NUM"),
                  encounter_class=literal_text("outpatient"))
    header = _lines(t, claim_line_number=literal_text("1"), hcpcs_code=optional_column(t, "HCPCS_CD_1"),
                    paid_amount=t.CLM_PMT_AMT, **common)
    more = [_lines(t.filter(~blank(t[f"HCPCS_CD_{i}"])), claim_line_number=literal_text(str(i)),
                   hcpcs_code=t[f"HCPCS_CD_{i}"], paid_amount=literal_text("0"), **common)
            for i in _slots(t, "HCPCS_CD_", 45) if i > 1]
    notes.append("DE-SynPUF outpatient: the claim's payment is on line 1 with HCPCS_CD_1; each "
                 "further HCPCS code is a line with paid 0")
    return union_all([header, *more])


def _carrier(eng: Engine, paths: tuple[Path, ...], notes: list[str]) -> ir.Table:
    t = read_source(eng, "desynpuf_carrier", paths)
    require_columns(t, (*_CLAIM_COLUMNS, "HCPCS_CD_1", "LINE_NCH_PMT_AMT_1"), paths)
    slots = [i for i in _slots(t, "HCPCS_CD_", 13) if f"LINE_NCH_PMT_AMT_{i}" in t.columns]
    parts, empty = [], []
    for i in slots:
        hcpcs, pmt = t[f"HCPCS_CD_{i}"], t[f"LINE_NCH_PMT_AMT_{i}"]
        value = parse_amount(pmt)
        used = ~blank(hcpcs) | (~blank(pmt) & (value.isnull() | (value != 0)))
        empty.append((~used).cast("int64"))
        rows = t.filter(used)
        dx = optional_column(rows, f"LINE_ICD9_DGNS_CD_{i}")
        parts.append(_lines(rows, claim_line_number=literal_text(str(i)),
                            claim_type=literal_text("professional"),
                            hcpcs_code=rows[f"HCPCS_CD_{i}"],
                            paid_amount=rows[f"LINE_NCH_PMT_AMT_{i}"],
                            allowed_amount=optional_column(rows, f"LINE_ALOWD_CHRG_AMT_{i}"),
                            diagnosis_code_1=dx.fill_null(optional_column(rows, "ICD9_DGNS_CD_1"))))
    skipped = int(t.aggregate(n=sum(empty[1:], empty[0]).sum()).to_pyarrow()["n"][0].as_py()
                  or 0)
    notes.append(f"{file_names(paths)}: each carrier line slot with a HCPCS code or a payment "
                 f"is a line; {skipped:,} empty slots (no HCPCS, no payment) are not lines")
    return union_all(parts)


def _pharmacy(eng: Engine, paths: tuple[Path, ...]) -> ir.Table:
    t = read_source(eng, "desynpuf_pde", paths)
    require_columns(t, ("DESYNPUF_ID", "PDE_ID", "SRVC_DT", "TOT_RX_CST_AMT"), paths)
    return t.select(claim_id=t.PDE_ID, claim_line_number=literal_text("1"),
                    person_id=t.DESYNPUF_ID, dispensing_date=t.SRVC_DT,
                    ndc_code=optional_column(t, "PROD_SRVC_ID"), days_supply=optional_column(t, "DAYS_SUPLY_NUM"),
                    paid_amount=t.TOT_RX_CST_AMT, payer=literal_text("medicare"),
                    _file=t._file, _row=t._row)


_MEDICAL_READERS = {"inpatient": _inpatient, "outpatient": _outpatient, "carrier": _carrier}
