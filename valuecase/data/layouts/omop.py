"""The OMOP CDM layout: an OHDSI Common Data Model v5.x CSV export (v5.4, v5.3; v5.0 costs).

Reads one CSV file per CDM table, named by the table in any case (``PERSON.csv``,
``visit_occurrence.csv``). Every rule below is also in the README ("Your data"); the figures of
``tests/data/external/omop-*`` are checked in ``tests/data/test_layout_omop.py``.

Eligibility (``payer_plan_period`` or ``observation_period``, + ``person`` + ``death``)
    One span per ``payer_plan_period`` row when that table has rows (it is coverage;
    ``payer``/``plan`` = ``payer_source_value``/``plan_source_value``; overlapping Part A/B/D
    periods count a month once). Otherwise one span per ``observation_period`` row: the time the
    source observed the person, the closest a CDM without coverage has to enrollment (a note
    says so). ``birth_date`` = the date of ``birth_datetime``, else ``year_of_birth`` with
    ``month_of_birth``/``day_of_birth`` (1 where missing); ``gender`` from
    ``gender_concept_id`` (8507 male, 8532 female, else blank); ``death_date`` = the person's
    earliest ``death.death_date``.
Medical claims (``visit_occurrence``)
    One claim per visit, ``claim_id`` = ``visit_occurrence_id``, line 1 = the visit, dates =
    ``visit_start_date``/``visit_end_date``, ``facility_npi`` = ``care_site_id``. The visit
    concept says what the encounter was, through ``encounter_class`` (as for DE-SynPUF and
    Synthea: a CDM has no bill type and no revenue code, so the source's declared class decides
    ED visits and acute stays, README "Metric definitions"):

    ==========================  =================  ==================  =======================
    visit_concept_id            claim_type         encounter_class     also
    ==========================  =================  ==================  =======================
    9201 inpatient, 8717        institutional      inpatient           admission/discharge
    9203 ER, 8870               institutional      emergency
    262 ER and inpatient        institutional      inpatient           revenue code 0450 (ED)
    9202 outpatient, 8756       professional       outpatient
    anything else (0, 581476)   professional       (blank)
    ==========================  =================  ==================  =======================

    No DRG is invented: ``drg_code`` comes from the visit's cost rows' ``drg_source_value``
    when there is one. ``visit_detail`` is not read: each detail belongs to a visit already
    counted.
Diagnoses (``condition_occurrence``)
    A condition on a visit (``visit_occurrence_id``) fills the next ``diagnosis_code_n`` of the
    visit's claim (in ``condition_occurrence_id`` order, up to 25). The code is
    ``condition_source_value`` when ``condition_source_concept_id`` is an ICD10CM or ICD9CM
    concept in ``concept.csv``, or when the folder has no concept row for it (then taken as
    written). A SNOMED (or other) source concept is not an ICD code and cannot be mapped
    without ``concept_relationship``: it gives no diagnosis (counted in a note), as do
    conditions on no visit.
Paid amounts (``cost``, or the v5.0 ``visit_cost``/``procedure_cost``/``drug_cost``)
    A cost row's amount is ``paid_by_payer``, else ``total_paid`` when ``paid_by_payer`` is
    blank. Costs of the visit domain (``cost_domain_id`` ``Visit``, ``cost_event_id`` = the
    visit) are summed onto line 1. Each procedure with procedure-domain cost rows is one more
    line of its visit's claim (``hcpcs_code`` = ``procedure_source_value``). Each drug exposure
    with drug-domain cost rows is a pharmacy claim (``claim_id`` = ``drug_exposure_id``,
    ``dispensing_date`` = its start, ``ndc_code`` = ``drug_source_value`` when it is 11 digits,
    ``days_supply``). Cost rows of other domains, or of events not found, are counted (with
    their dollars) and not in paid. **A CDM without any cost row** (the common case: Eunomia's
    ``COST`` is header-only) has no money: every visit's paid is 0 and the layout says
    :data:`~valuecase.data.layouts.base.NO_COST_DATA`, which ``summarize``, ``validate`` and
    the analysis results show in place of every money figure (never $0); drug exposures then
    give no pharmacy claim.

Examples
--------
>>> from pathlib import Path
>>> from valuecase.data.engines import get_engine
>>> src = Path(__file__).parents[3] / "tests/data/external/omop-etlcms-handconverted-2p"
>>> if src.is_dir():  # the repository's two-person CDM v5.0 fixture (not in an installed wheel)
...     print(sorted(OmopLayout().convert(get_engine(), src).raw))
... else:
...     print(['eligibility', 'medical_claim', 'pharmacy_claim'])
['eligibility', 'medical_claim', 'pharmacy_claim']
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from valuecase.data.engines import Engine
from valuecase.data.layouts.base import (
    NO_COST_DATA,
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

__all__ = ["OmopLayout"]

_DIAGNOSES = 25
_INPATIENT = ("9201", "8717", "262")
_EMERGENCY = ("9203", "8870")
_OUTPATIENT = ("9202", "8756")
_ICD = ("ICD10CM", "ICD9CM")
_COLUMNS = {
    "person": ("PERSON_ID", "GENDER_CONCEPT_ID", "YEAR_OF_BIRTH"),
    "observation_period": ("PERSON_ID", "OBSERVATION_PERIOD_START_DATE",
                           "OBSERVATION_PERIOD_END_DATE"),
    "payer_plan_period": ("PERSON_ID", "PAYER_PLAN_PERIOD_START_DATE",
                          "PAYER_PLAN_PERIOD_END_DATE"),
    "visit_occurrence": ("VISIT_OCCURRENCE_ID", "PERSON_ID", "VISIT_CONCEPT_ID",
                         "VISIT_START_DATE"),
    "condition_occurrence": ("CONDITION_OCCURRENCE_ID", "VISIT_OCCURRENCE_ID",
                             "CONDITION_SOURCE_VALUE"),
    "procedure_occurrence": ("PROCEDURE_OCCURRENCE_ID", "VISIT_OCCURRENCE_ID"),
    "drug_exposure": ("DRUG_EXPOSURE_ID", "PERSON_ID", "DRUG_EXPOSURE_START_DATE"),
    "death": ("PERSON_ID", "DEATH_DATE"),
    "concept": ("CONCEPT_ID", "VOCABULARY_ID"),
    "cost": ("COST_EVENT_ID", "COST_DOMAIN_ID"),
    "visit_cost": ("VISIT_OCCURRENCE_ID",),
    "procedure_cost": ("PROCEDURE_OCCURRENCE_ID",),
    "drug_cost": ("DRUG_EXPOSURE_ID",),
    "device_cost": ("DEVICE_EXPOSURE_ID",),
}
_REQUIRED = ("person", "visit_occurrence")
_V50_COSTS = {"visit_cost": "Visit", "procedure_cost": "Procedure", "drug_cost": "Drug",
              "device_cost": "Device"}
_MEDICAL = ("claim_id", "claim_line_number", "person_id", "claim_type", "claim_start_date",
            "claim_end_date", "admission_date", "discharge_date", "drg_code", "facility_npi",
            "hcpcs_code", "revenue_center_code", "paid_amount", "encounter_class",
            *(f"diagnosis_code_{i}" for i in range(1, _DIAGNOSES + 1)))


class OmopLayout:
    """An OMOP CDM v5.x CSV export (module docstring: every mapping rule)."""

    name = "omop"
    summary = "OMOP CDM v5.4/5.3 (v5.0 costs): person, periods, visits, conditions, cost"

    def check_folder(self, data_dir: Path) -> None:
        """``person``, ``visit_occurrence`` and a period table must be there."""
        for table in _REQUIRED:
            source_files(data_dir, f"{table}.csv", pattern=f"^{table}$")
        if not any(source_files(data_dir, t, pattern=f"^{t}$", required=False)
                   for t in ("observation_period", "payer_plan_period")):
            source_files(data_dir, "observation_period.csv or payer_plan_period.csv",
                         pattern="^(observation_period|payer_plan_period)$")

    def convert(self, eng: Engine, data_dir: Path, **_: Any) -> Converted:
        """The contract tables of an OMOP CDM folder, as text."""
        self.check_folder(data_dir)
        paths = {k: source_files(data_dir, f"{k}.csv", pattern=f"^{k}$", required=False)
                 for k in _COLUMNS}
        t = {k: read_source(eng, f"omop_{k}", v) for k, v in paths.items() if v}
        for key, table in t.items():
            require_columns(table, _COLUMNS[key], paths[key])
        notes: list[str] = []
        elig, elig_files = _eligibility(t, paths, notes)
        costs, cost_files = _costs(t, paths)
        has_cost = costs is not None and bool(costs.count().to_pyarrow().as_py())
        visits = eng.materialize(_visits(t, costs if has_cost else None), "omop_visits")
        diagnoses = _diagnoses(eng, t, notes)
        medical = [_visit_lines(visits, diagnoses)]
        med_files = paths["visit_occurrence"] + paths["condition_occurrence"] + paths["concept"]
        raw = {"eligibility": elig}
        files = {"eligibility": elig_files}
        if has_cost:
            procedures = _procedure_lines(t, visits, costs)
            if procedures is not None:
                medical.append(procedures)
            drugs = _pharmacy(t, costs)
            if drugs is not None:
                raw["pharmacy_claim"] = drugs
                files["pharmacy_claim"] = paths["drug_exposure"] + cost_files
            med_files += paths["procedure_occurrence"] + cost_files
            notes.extend(_cost_notes(t, costs, cost_files))
        else:
            notes.append(f"{NO_COST_DATA}: the CDM has no cost rows, so every visit's paid is "
                         "0 and no money figure is shown; drug exposures give no pharmacy claim")
        raw["medical_claim"] = union_all(medical)
        files["medical_claim"] = med_files
        notes.append("OMOP visits: one claim per visit_occurrence; visit concept 9201/8717 "
                     "inpatient, 9203/8870 emergency, 262 both (ED revenue code 0450), "
                     "9202/8756 outpatient; no bill type, so the declared class decides stays "
                     "and ED visits")
        return Converted(raw=raw, files=files, notes=tuple(notes))


def _date(value: ir.StringValue) -> ir.StringValue:
    """The date part of a CDM date or datetime (``2014-10-22 00:00:00`` → ``2014-10-22``)."""
    return ibis.ifelse(blank(value), literal_text(None), blank_to_null(value).substr(0, 10))


def _eligibility(t: dict[str, ir.Table], paths: dict[str, tuple[Path, ...]],
                 notes: list[str]) -> tuple[ir.Table, tuple[Path, ...]]:
    ppp = t.get("payer_plan_period")
    if ppp is not None and ppp.count().to_pyarrow().as_py():
        spans = ppp.select(_pid=ppp.PERSON_ID, _start=_date(ppp.PAYER_PLAN_PERIOD_START_DATE),
                           _end=_date(ppp.PAYER_PLAN_PERIOD_END_DATE),
                           _payer=blank_to_null(optional_column(ppp, "PAYER_SOURCE_VALUE")),
                           _plan=blank_to_null(optional_column(ppp, "PLAN_SOURCE_VALUE")),
                           _file=ppp._file, _row=ppp._row)
        source = "payer_plan_period"
        notes.append("OMOP eligibility: one span per payer_plan_period row (coverage); "
                     "observation_period is not used")
    else:
        if "observation_period" not in t:
            source_files(paths["person"][0].parent, "observation_period.csv (payer_plan_period "
                         "has no rows)", pattern="^observation_period$")
        op = t["observation_period"]
        spans = op.select(_pid=op.PERSON_ID, _start=_date(op.OBSERVATION_PERIOD_START_DATE),
                          _end=_date(op.OBSERVATION_PERIOD_END_DATE),
                          _payer=literal_text(None), _plan=literal_text(None),
                          _file=op._file, _row=op._row)
        source = "observation_period"
        notes.append("OMOP eligibility: payer_plan_period has no rows, so each "
                     "observation_period (when the source observed the person, not coverage) "
                     "is an enrollment span")
    p = t["person"]
    year = blank_to_null(p.YEAR_OF_BIRTH)
    month = blank_to_null(optional_column(p, "MONTH_OF_BIRTH")).fill_null("1").lpad(2, "0")
    day = blank_to_null(optional_column(p, "DAY_OF_BIRTH")).fill_null("1").lpad(2, "0")
    built = ibis.ifelse(year.isnull(), literal_text(None), year + "-" + month + "-" + day)
    gender = blank_to_null(p.GENDER_CONCEPT_ID)
    people = p.select(_person=p.PERSON_ID,
                      _birth=ibis.coalesce(_date(optional_column(p, "BIRTH_DATETIME")), built),
                      _gender=ibis.cases((gender == "8507", "male"), (gender == "8532", "female"),
                                         else_=literal_text(None)))
    j = spans.left_join(people, spans._pid == people._person)
    files = paths[source] + paths["person"]
    if "death" in t:
        d = t["death"]
        deaths = d.group_by(_dead=d.PERSON_ID).aggregate(_death=_date(d.DEATH_DATE).min())
        j = j.left_join(deaths, j._pid == deaths._dead)
        death = j._death
        files += paths["death"]
    else:
        death = literal_text(None)
    return j.select(person_id=j._pid, enrollment_start_date=j._start,
                    enrollment_end_date=j._end, payer=j._payer, plan=j._plan,
                    birth_date=j._birth, gender=j._gender, death_date=death,
                    data_source=literal_text("omop"), _file=j._file, _row=j._row), files


def _costs(t: dict[str, ir.Table], paths: dict[str, tuple[Path, ...]]
           ) -> tuple[ir.Table | None, tuple[Path, ...]]:
    """Every cost row as ``_event``, ``_domain``, ``_text`` (the amount), ``_money``, ``_drg``,
    ``_file``, ``_row``: the v5.3/5.4 ``cost`` table and the v5.0 per-domain tables."""
    parts, files = [], ()

    def shaped(c: ir.Table, event: ir.StringValue, domain: ir.StringValue) -> ir.Table:
        by_payer = blank_to_null(optional_column(c, "PAID_BY_PAYER"))
        text = ibis.coalesce(by_payer, blank_to_null(optional_column(c, "TOTAL_PAID")))
        return c.select(_event=blank_to_null(event), _domain=domain, _text=text,
                        _money=parse_amount(text), _by_payer=by_payer.notnull(),
                        _drg=blank_to_null(optional_column(c, "DRG_SOURCE_VALUE")),
                        _file=c._file, _row=c._row)

    if "cost" in t:
        c = t["cost"]
        parts.append(shaped(c, c.COST_EVENT_ID, blank_to_null(c.COST_DOMAIN_ID)))
        files += paths["cost"]
    for table, domain in _V50_COSTS.items():
        if table in t:
            c = t[table]
            parts.append(shaped(c, c[_COLUMNS[table][0]], literal_text(domain)))
            files += paths[table]
    return (union_all(parts) if parts else None), files


def _per_event(costs: ir.Table, domain: str) -> ir.Table:
    """Per event of ``domain``: summed ``_paid``, ``_unreadable`` rows and a ``_drg``."""
    c = costs.filter(costs._domain == domain)
    bad = (c._text.notnull() & c._money.isnull()).cast("int64")
    return c.group_by(_cevent=c._event).aggregate(_paid=c._money.sum(), _unreadable=bad.sum(),
                                                  _cdrg=c._drg.max())


def _money(paid: ir.DecimalValue, unreadable: ir.IntegerValue) -> ir.StringValue:
    """An amount as text; ``unreadable`` (the loader rejects the line) where a part was not
    readable; 0 where the event has no cost row."""
    text = paid.fill_null(0).cast(AMOUNT_TYPE).cast("string")
    return ibis.ifelse(unreadable.fill_null(0) > 0, literal_text("unreadable"), text)


def _visits(t: dict[str, ir.Table], costs: ir.Table | None) -> ir.Table:
    """One row per visit with its claim columns (text) and its visit-domain paid."""
    v = t["visit_occurrence"]
    concept = blank_to_null(v.VISIT_CONCEPT_ID)
    inpatient = concept.isin(_INPATIENT).fill_null(False)
    start, end = _date(v.VISIT_START_DATE), _date(optional_column(v, "VISIT_END_DATE"))
    v = v.mutate(
        _claim=blank_to_null(v.VISIT_OCCURRENCE_ID), _pid=v.PERSON_ID,
        _type=ibis.ifelse(concept.isin(_INPATIENT + _EMERGENCY).fill_null(False),
                          "institutional", "professional"),
        _class=ibis.cases((inpatient, "inpatient"), (concept.isin(_EMERGENCY), "emergency"),
                          (concept.isin(_OUTPATIENT), "outpatient"), else_=literal_text(None)),
        _revenue=ibis.ifelse(concept == "262", "0450", literal_text(None)),
        _start=start, _end=end,
        _adm=ibis.ifelse(inpatient, start, literal_text(None)),
        _dis=ibis.ifelse(inpatient, end, literal_text(None)),
        _facility=blank_to_null(optional_column(v, "CARE_SITE_ID")))
    if costs is None:
        return v.mutate(_paid=literal_text("0"), _cdrg=literal_text(None))
    per = _per_event(costs, "Visit")
    j = v.left_join(per, v._claim == per._cevent)
    return j.mutate(_paid=_money(j._paid, j._unreadable))


def _diagnoses(eng: Engine, t: dict[str, ir.Table], notes: list[str]) -> ir.Table | None:
    """Per visit (``_dvisit``): ``diagnosis_code_1..n`` of its ICD source values."""
    if "condition_occurrence" not in t:
        return None
    c = t["condition_occurrence"]
    code = blank_to_null(c.CONDITION_SOURCE_VALUE)
    c = c.mutate(_visit=blank_to_null(c.VISIT_OCCURRENCE_ID), _code=code,
                 _source=blank_to_null(optional_column(c, "CONDITION_SOURCE_CONCEPT_ID")))
    if "concept" in t:
        k = t["concept"]
        k = k.select(_cid=blank_to_null(k.CONCEPT_ID), _vocab=blank_to_null(k.VOCABULARY_ID))
        c = c.left_join(k, c._source == k._cid)
        vocab = c._vocab
    else:
        vocab = literal_text(None)
    c = c.mutate(_status=ibis.cases(
        (c._visit.isnull(), "no_visit"), (c._code.isnull(), "no_code"),
        (vocab.isnull(), "as_written"), (vocab.isin(_ICD), "icd"), else_="not_icd"))
    c = eng.materialize(c.select("_visit", "_code", "_status", "CONDITION_OCCURRENCE_ID"),
                        "omop_conditions")
    counts = {r["_status"]: r["n"] for r in
              c.group_by("_status").aggregate(n=c.count()).to_pyarrow().to_pylist()}
    used = c.filter(c._status.isin(["icd", "as_written"]))
    order = ibis.window(group_by=used._visit,
                        order_by=[used.CONDITION_OCCURRENCE_ID.length(),
                                  used.CONDITION_OCCURRENCE_ID])
    used = used.mutate(_n=ibis.row_number().over(order) + 1)
    over = used.filter(used._n > _DIAGNOSES).count().to_pyarrow().as_py()
    written = counts.get("icd", 0) + counts.get("as_written", 0)
    notes.append(f"condition_occurrence: {written:,} conditions give a diagnosis code "
                 f"(condition_source_value; {counts.get('as_written', 0):,} of them with no "
                 "concept row, taken as written)")
    if counts.get("not_icd"):
        notes.append(f"condition_occurrence: {counts['not_icd']:,} conditions whose source "
                     "concept is not ICD10CM/ICD9CM (e.g. SNOMED) give no diagnosis code "
                     "(mapping them needs concept_relationship)")
    for status, why in (("no_visit", "are on no visit"), ("no_code", "have no source value")):
        if counts.get(status):
            notes.append(f"condition_occurrence: {counts[status]:,} conditions {why} and give "
                         "no diagnosis code")
    if over:
        notes.append(f"condition_occurrence: {over:,} conditions beyond a visit's "
                     f"{_DIAGNOSES} diagnosis codes are not used")
    return used.group_by(_dvisit=used._visit).aggregate(
        **{f"diagnosis_code_{i}": used._code.max(where=used._n == i)
           for i in range(1, _DIAGNOSES + 1)})


def _lines(v: ir.Table, **values: Any) -> ir.Table:
    """Medical lines with every column of :data:`_MEDICAL` (text; NULL where not given)."""
    base = {"claim_id": v._claim, "person_id": v._pid, "claim_type": v._type,
            "claim_start_date": v._start, "claim_end_date": v._end, "admission_date": v._adm,
            "discharge_date": v._dis, "facility_npi": v._facility, "encounter_class": v._class,
            "drg_code": v._cdrg}
    base.update(values)
    cols = {c: (base[c] if c in base else literal_text(None)).cast("string") for c in _MEDICAL}
    return v.select(**cols, _file=v._file, _row=v._row)


def _visit_lines(visits: ir.Table, diagnoses: ir.Table | None) -> ir.Table:
    v = visits
    dx: dict[str, Any] = {}
    if diagnoses is not None:
        v = v.left_join(diagnoses, v._claim == diagnoses._dvisit)
        dx = {f"diagnosis_code_{i}": v[f"diagnosis_code_{i}"] for i in range(1, _DIAGNOSES + 1)}
    return _lines(v, claim_line_number=literal_text("1"), paid_amount=v._paid,
                  revenue_center_code=v._revenue, **dx)


def _procedure_lines(t: dict[str, ir.Table], visits: ir.Table,
                     costs: ir.Table) -> ir.Table | None:
    """Lines 2.. of a visit's claim: its procedures with procedure-domain cost rows."""
    if "procedure_occurrence" not in t:
        return None
    p = t["procedure_occurrence"]
    per = _per_event(costs, "Procedure")
    p = p.mutate(_key=blank_to_null(p.PROCEDURE_OCCURRENCE_ID))
    p = p.join(per, p._key == per._cevent)
    p = p.select(_pvisit=blank_to_null(p.VISIT_OCCURRENCE_ID), _pid_=p.PROCEDURE_OCCURRENCE_ID,
                 _hcpcs=blank_to_null(optional_column(p, "PROCEDURE_SOURCE_VALUE")),
                 _ppaid=_money(p._paid, p._unreadable), _pfile=p._file, _prow=p._row)
    v = visits.drop("_file", "_row")
    j = p.view().join(v, [("_pvisit", "_claim")])  # view: a new join, not the chain above
    order = ibis.window(group_by=j._claim, order_by=[j._pid_.length(), j._pid_])
    j = j.mutate(_n=(ibis.row_number().over(order) + 2).cast("string"),
                 _file=j._pfile, _row=j._prow)
    return _lines(j, claim_line_number=j._n, hcpcs_code=j._hcpcs, paid_amount=j._ppaid,
                  drg_code=literal_text(None))


def _pharmacy(t: dict[str, ir.Table], costs: ir.Table) -> ir.Table | None:
    """One pharmacy claim per drug exposure with drug-domain cost rows."""
    if "drug_exposure" not in t:
        return None
    d = t["drug_exposure"]
    per = _per_event(costs, "Drug")
    d = d.mutate(_key=blank_to_null(d.DRUG_EXPOSURE_ID))
    d = d.join(per, d._key == per._cevent)
    ndc = blank_to_null(optional_column(d, "DRUG_SOURCE_VALUE"))
    return d.select(claim_id=d.DRUG_EXPOSURE_ID, claim_line_number=literal_text("1"),
                    person_id=d.PERSON_ID, dispensing_date=_date(d.DRUG_EXPOSURE_START_DATE),
                    ndc_code=ibis.ifelse(ndc.re_search("^[0-9]{11}$").fill_null(False), ndc,
                                         literal_text(None)),
                    days_supply=optional_column(d, "DAYS_SUPPLY"),
                    paid_amount=_money(d._paid, d._unreadable), _file=d._file, _row=d._row)


def _cost_notes(t: dict[str, ir.Table], costs: ir.Table, files: tuple[Path, ...]) -> list[str]:
    """What each cost row became: counted, with dollars, in one query."""
    known = {"Visit": ("visit_occurrence", "VISIT_OCCURRENCE_ID"),
             "Procedure": ("procedure_occurrence", "PROCEDURE_OCCURRENCE_ID"),
             "Drug": ("drug_exposure", "DRUG_EXPOSURE_ID")}
    parts = []
    for domain, (table, column) in known.items():
        if table not in t:
            continue
        ids = t[table].select(_id=blank_to_null(t[table][column]))
        if domain == "Procedure":  # a procedure is a line only on a visit that exists
            visits = t["visit_occurrence"].select(_v=blank_to_null(
                t["visit_occurrence"].VISIT_OCCURRENCE_ID))
            p = t[table]
            p = p.select(_id=blank_to_null(p[column]), _pv=blank_to_null(p.VISIT_OCCURRENCE_ID))
            ids = p.join(visits, [("_pv", "_v")]).select("_id")
        parts.append(ids.distinct().mutate(_d=literal_text(domain)))
    c = costs
    if parts:
        found = union_all(parts)
        c = c.left_join(found, (c._event == found._id) & (c._domain == found._d))
        used = c._id.notnull()
    else:
        used = ibis.literal(False)
    c = c.mutate(_used=used)
    rows = c.group_by(["_domain", "_used"]).aggregate(
        n=c.count(), dollars=c._money.sum(),
        fallback=(c._used & ~c._by_payer & c._text.notnull()).cast("int64").sum()
    ).to_pyarrow().to_pylist()
    names = ", ".join(p.name for p in files)
    notes = [f"{names}: a cost row's amount is paid_by_payer, else total_paid; visit costs are "
             "on line 1 of the visit's claim, each costed procedure is a further line, each "
             "costed drug exposure a pharmacy claim"]
    fallback = sum(r["fallback"] or 0 for r in rows)
    if fallback:
        notes.append(f"{names}: {fallback:,} cost rows have no paid_by_payer; their total_paid "
                     "is the amount")
    unused = [r for r in rows if not r["_used"]]
    for r in unused:
        dollars = Decimal(r["dollars"] or 0)
        notes.append(f"{names}: {r['n']:,} cost rows of domain {r['_domain'] or '(blank)'} "
                     f"(${dollars:,.2f}) name no visit, costed procedure on a visit, or drug "
                     "exposure of this folder and are not in paid")
    return notes
