"""Encounter logic on the engine: ED visits, acute inpatient stays, bed days, 30-day readmissions,
service categories. Every function takes and returns Ibis tables, so the same code runs on DuckDB,
pandas-backed DuckDB and Spark.

Rules (README, "Metric definitions"; Tuva conventions where Tuva has one):

- **ED visit**: institutional line with revenue code 0450-0452, 0459 or 0981, or professional line
  with place of service 23, or HCPCS 99281-99285 / G0380-G0384, or a line whose source declares an
  emergency encounter (``encounter_class = 'emergency'``, e.g. Synthea); one per person-day. A visit
  on the day of (or the day before) an acute admission is flagged ``led_to_admission`` and still
  counted once.
- **Paid per ED visit** (:func:`ed_visit_costs`): the paid amount of *all* the person's medical
  claim lines with a service date on the visit day, facility and professional, whatever their
  codes (Tuva's encounter grouping: an outpatient encounter groups the claims of that day in that
  setting), except lines of acute inpatient claims, which are priced on the stay (an ED visit that
  led to an admission is not priced twice).
- **Acute inpatient claim** (Tuva's acute inpatient data mart rule): an institutional claim with an
  inpatient bill type (11x or 12x), a valid DRG (three digits, not 000) **and** a basic
  room-and-board revenue code (:data:`ROOM_AND_BOARD_BASIC`: 0100-0219 without hospice, leave of
  absence and behavioral codes). Where the data carry no revenue code on any institutional line
  (a layout without revenue codes) the room-and-board test is left out: bill type and DRG decide.
  A claim whose source declares an inpatient encounter (``encounter_class = 'inpatient'``: the
  DE-SynPUF inpatient file, Synthea inpatient encounters) is acute inpatient whatever its codes.
- **Acute inpatient stay**: acute inpatient claims merged by person + facility when their dates
  overlap or are adjacent (next admission <= prior discharge + 1 day). Header-style payment (paid on
  one line) is handled because payment is summed over all lines of the stay.
- **Bed days** = discharge - admission in days, minimum 1.
- **Voided stays**: a merged stay that contains reversal lines (negative paid) and whose net paid
  is zero or less was reversed and is not counted.
- **30-day readmission** (crude, all-cause; *not* the CMS planned-readmission algorithm): a stay
  admitted 1-30 days after the discharge of the person's previous stay, when that previous stay is an
  eligible index stay: not died (disposition 20), not transferred (02), not against medical advice
  (07), and discharged at least 30 days before the end of data.

Examples
--------
>>> import pandas as pd, ibis
>>> lines = ibis.memtable(pd.DataFrame({
...     "claim_id": ["A", "B"], "claim_line_number": [1, 1], "person_id": ["P1", "P1"],
...     "claim_type": ["institutional"] * 2, "bill_type_code": ["111", "111"],
...     "drg_code": ["470", "470"], "revenue_center_code": ["0120", "0120"],
...     "service_date": pd.to_datetime(["2020-01-01", "2020-01-20"]).date,
...     "admission_date": pd.to_datetime(["2020-01-01", "2020-01-20"]).date,
...     "discharge_date": pd.to_datetime(["2020-01-05", "2020-01-22"]).date,
...     "discharge_disposition_code": ["01", "01"], "facility_npi": ["H1", "H1"],
...     "paid_amount": [1000.0, 500.0]}))
>>> stays = readmissions(inpatient_stays(lines), data_end="2020-12-31").to_pandas()
>>> stays[["bed_days", "readmission_30d"]].values.tolist()
[[4, False], [2, True]]
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

ED_REVENUE_CODES = ("0450", "0451", "0452", "0459", "0981")
ED_HCPCS = ("99281", "99282", "99283", "99284", "99285",
            "G0380", "G0381", "G0382", "G0383", "G0384")
ED_PLACE_OF_SERVICE = ("23",)
INDEX_EXCLUDED_DISPOSITIONS = ("02", "07", "20")
"""Discharge dispositions that cannot start a readmission window: transfer, AMA, died."""
READMISSION_WINDOW_DAYS = 30
OUTPATIENT_CLASSES = ("outpatient", "ambulatory", "urgentcare", "wellness")
"""Source-declared encounter classes of an institutional claim counted as outpatient."""
INPATIENT_BILL_TYPES = ("11", "12")
"""First two digits of an inpatient bill type (hospital inpatient, Part A and Part B)."""
ROOM_AND_BOARD_BASIC = tuple(
    f"{c:04d}" for c in (
        100, 101, *range(110, 160), 160, 164, 167, 169, *range(170, 175), 179,
        *range(190, 195), 199, *range(200, 205), *range(206, 215), 219)
    if c not in (115, 125, 135, 145, 155))
"""Basic room-and-board revenue codes (Tuva's acute inpatient rule): 0100-0219 without hospice
(01x5), leave of absence (018x) and behavioral codes outside Tuva's basic list."""
SERVICE_CATEGORIES = ("inpatient", "outpatient", "ed", "professional", "pharmacy", "other")


def col(t: ir.Table, name: str, dtype: str = "string") -> ir.Value:
    """Column ``name`` of ``t``, or a typed NULL when the optional column is absent."""
    return t[name] if name in t.columns else ibis.null(dtype)


def is_ed_line(t: ir.Table) -> ir.BooleanValue:
    """True for claim lines that mark an emergency-department visit."""
    claim_type = col(t, "claim_type")
    inst = (claim_type == "institutional") & col(t, "revenue_center_code").isin(ED_REVENUE_CODES)
    prof = (claim_type == "professional") & col(t, "place_of_service_code").isin(
        ED_PLACE_OF_SERVICE)
    hcpcs = col(t, "hcpcs_code").isin(ED_HCPCS)
    declared = col(t, "encounter_class").isin(["emergency"])
    return (inst | prof | hcpcs | declared).fill_null(False)


def claim_flags(lines: ir.Table) -> ir.Table:
    """One row per claim: ``is_acute_inpatient``, ``has_ed_line``, ``bill_type_prefix``."""
    bill = col(lines, "bill_type_code")
    inst = col(lines, "claim_type") == "institutional"
    drg = col(lines, "drg_code")
    rev = col(lines, "revenue_center_code")
    flags = (
        lines.mutate(
            _bill=(inst & bill.substr(0, 2).isin(INPATIENT_BILL_TYPES)).fill_null(False),
            _drg=(inst & drg.re_search("^[0-9]{3}$") & ~drg.isin(["000"])).fill_null(False),
            _rb=(inst & rev.isin(ROOM_AND_BOARD_BASIC)).fill_null(False),
            _rev=(inst & rev.notnull()).fill_null(False),
            _declared=col(lines, "encounter_class").isin(["inpatient"]).fill_null(False),
            _ed=is_ed_line(lines), _bill2=bill.substr(0, 2))
        .group_by(["person_id", "claim_id"])
        .aggregate(bill=lambda t: t._bill.any(), drg=lambda t: t._drg.any(),
                   rb=lambda t: t._rb.any(), rev=lambda t: t._rev.any(),
                   declared=lambda t: t._declared.any(),
                   has_ed_line=lambda t: t._ed.any(),
                   bill_type_prefix=lambda t: t._bill2.max())
    )
    # room and board is required only where the data carry revenue codes at all
    revenue_codes_in_data = flags.rev.any().as_scalar()
    acute = flags.declared | (flags.bill & flags.drg & (flags.rb | ~revenue_codes_in_data))
    return flags.select("person_id", "claim_id", "has_ed_line", "bill_type_prefix",
                        is_acute_inpatient=acute.fill_null(False))


def service_category(lines: ir.Table) -> ir.Table:
    """Add ``service_category`` (one of :data:`SERVICE_CATEGORIES` except pharmacy) to lines.

    Institutional: acute inpatient -> ``inpatient``; a claim with an ED line -> ``ed``; hospital
    outpatient (bill types 13x, 14x, 85x), clinics (7xx) and lines whose source declares an
    outpatient encounter (:data:`OUTPATIENT_CLASSES`) -> ``outpatient``; anything else (SNF, home
    health, hospice) -> ``other``. Professional: ED lines -> ``ed``, the rest ``professional``. Other
    claim types (e.g. DME) -> ``other``.
    """
    flags = claim_flags(lines)
    j = lines.left_join(flags, ["person_id", "claim_id"]).drop("person_id_right", "claim_id_right")
    claim_type = col(j, "claim_type")
    bill1 = j.bill_type_prefix.substr(0, 1)
    cat = (
        ibis.cases(
            ((claim_type == "institutional") & j.is_acute_inpatient, "inpatient"),
            ((claim_type == "institutional") & j.has_ed_line, "ed"),
            ((claim_type == "institutional")
             & (j.bill_type_prefix.isin(["13", "14", "85"]) | (bill1 == "7")
                | col(j, "encounter_class").isin(OUTPATIENT_CLASSES)), "outpatient"),
            (claim_type == "institutional", "other"),
            ((claim_type == "professional") & is_ed_line(j), "ed"),
            (claim_type == "professional", "professional"),
            else_="other",
        )
    )
    return j.mutate(service_category=cat)


def inpatient_stays(lines: ir.Table) -> ir.Table:
    """Acute inpatient stays: one row per merged stay.

    Returns columns ``person_id, facility_npi, stay_number, admission_date, discharge_date,
    discharge_disposition_code, claims, paid_amount, bed_days``.
    """
    flags = claim_flags(lines).filter(lambda t: t.is_acute_inpatient)
    ip = lines.semi_join(flags, ["person_id", "claim_id"])
    start = ip.service_date  # claim_start_date, or claim_end_date when the start is blank
    end = col(ip, "claim_end_date", "date")
    claims = (
        ip.mutate(_adm=col(ip, "admission_date", "date"), _dis=col(ip, "discharge_date", "date"),
                  _start=start, _end=end, _fac=col(ip, "facility_npi").fill_null(""),
                  _disp=col(ip, "discharge_disposition_code"), _paid=col(ip, "paid_amount",
                                                                       "float64"))
        .group_by(["person_id", "claim_id"])
        .aggregate(
            admission_date=lambda t: ibis.coalesce(t._adm.min(), t._start.min()),
            discharge_date=lambda t: ibis.coalesce(t._dis.max(), t._end.max(), t._start.max()),
            facility_npi=lambda t: t._fac.max(),
            discharge_disposition_code=lambda t: t._disp.max(),
            paid_amount=lambda t: t._paid.sum().fill_null(0.0),
            reversed_lines=lambda t: (t._paid < 0).sum(),
        )
    )
    order = [claims.admission_date, claims.discharge_date, claims.claim_id]
    before = ibis.window(group_by=[claims.person_id, claims.facility_npi], order_by=order,
                         rows=(None, -1))
    upto = ibis.window(group_by=[claims.person_id, claims.facility_npi], order_by=order,
                       rows=(None, 0))
    prev_end = claims.discharge_date.max().over(before)
    new_stay = (prev_end.isnull() | (claims.admission_date.delta(prev_end, unit="day") > 1)).cast(
        "int64")
    claims = claims.mutate(_new=new_stay)
    claims = claims.mutate(stay_number=claims._new.sum().over(upto))
    stays = claims.group_by(["person_id", "facility_npi", "stay_number"]).aggregate(
        admission_date=lambda t: t.admission_date.min(),
        discharge_date=lambda t: t.discharge_date.max(),
        discharge_disposition_code=lambda t: t.discharge_disposition_code.argmax(
            t.discharge_date),
        claims=lambda t: t.claim_id.count(),
        paid_amount=lambda t: t.paid_amount.sum(),
        reversed_lines=lambda t: t.reversed_lines.sum(),
    )
    # a stay whose claims were voided (a reversal brings its paid to zero or below) did not happen
    stays = stays.filter(~((stays.reversed_lines > 0) & (stays.paid_amount <= 0))).drop(
        "reversed_lines")
    days = stays.discharge_date.delta(stays.admission_date, unit="day")
    return stays.mutate(bed_days=ibis.greatest(days, 1).cast("int64"))


def readmissions(stays: ir.Table, data_end: str | dt.date | ir.Value | None = None) -> ir.Table:
    """Flag index stays and crude 30-day all-cause readmissions on a stays table.

    Parameters
    ----------
    stays : ibis.Table
        Output of :func:`inpatient_stays`.
    data_end : date, optional
        Last date of data; stays discharged in the last 30 days cannot be index stays. Defaults to
        the latest discharge in ``stays``.

    Returns
    -------
    ibis.Table
        ``stays`` plus ``is_index_stay`` and ``readmission_30d`` (this stay is a readmission).
    """
    if data_end is None:
        end = stays.discharge_date.max().as_scalar()
    elif isinstance(data_end, ir.Value):
        end = data_end
    else:
        end = ibis.literal(dt.date.fromisoformat(str(data_end)[:10]))
    cutoff = end - ibis.interval(days=READMISSION_WINDOW_DAYS)
    is_index = (
        ~stays.discharge_disposition_code.fill_null("").isin(INDEX_EXCLUDED_DISPOSITIONS)
        & (stays.discharge_date <= cutoff)
    )
    stays = stays.mutate(is_index_stay=is_index)
    w = ibis.window(group_by=stays.person_id,
                    order_by=[stays.admission_date, stays.discharge_date, stays.facility_npi])
    prev_dis = stays.discharge_date.lag().over(w)
    prev_index = stays.is_index_stay.lag().over(w)
    gap = stays.admission_date.delta(prev_dis, unit="day")
    readmit = (prev_index & (gap >= 1) & (gap <= READMISSION_WINDOW_DAYS)).fill_null(False)
    return stays.mutate(readmission_30d=readmit)


def ed_visits(lines: ir.Table, stays: ir.Table | None = None) -> ir.Table:
    """ED visits: one row per person-day with any ED line.

    With ``stays`` given, ``led_to_admission`` flags visits on the admission day of an acute stay
    or the day before.
    """
    ed = (
        lines.filter(is_ed_line(lines))
        .select(person_id="person_id", visit_date="service_date")
        .distinct()
    )
    if stays is None:
        return ed.mutate(led_to_admission=ibis.literal(False))
    adm = stays.select(_pid="person_id", _adm="admission_date")
    hit = ed.join(
        adm,
        [ed.person_id == adm._pid, ed.visit_date <= adm._adm,
         ed.visit_date >= adm._adm - ibis.interval(days=1)],
    ).select("person_id", "visit_date").distinct().mutate(_hit=ibis.literal(True))
    out = ed.left_join(hit, ["person_id", "visit_date"]).drop("person_id_right",
                                                                "visit_date_right")
    return out.mutate(led_to_admission=out._hit.fill_null(False)).drop("_hit")


def ed_visit_costs(lines: ir.Table, stays: ir.Table | None = None) -> ir.Table:
    """ED visits (:func:`ed_visits`) with ``paid_amount``: what the visit day cost.

    A visit is priced by the paid amount of every medical claim line of that person with a
    service date on the visit day (facility and professional lines, ED-coded or not: the
    imaging, labs and physician's E&M of the visit), as Tuva's encounter grouping gathers all
    claims of a day into one outpatient encounter. Lines of acute inpatient claims are left
    out: they are priced on the stay, so a visit that led to an admission is not priced twice
    (the visit keeps its ``led_to_admission`` flag). The sum is exact (decimal) on the engine.

    Examples
    --------
    >>> import pandas as pd, ibis
    >>> lines = ibis.memtable(pd.DataFrame({
    ...     "claim_id": ["F", "P", "X"], "claim_line_number": [1, 1, 1],
    ...     "person_id": ["P1"] * 3,
    ...     "claim_type": ["institutional", "professional", "professional"],
    ...     "revenue_center_code": ["0450", None, None],
    ...     "place_of_service_code": [None, "11", "11"],
    ...     "service_date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-02"]).date,
    ...     "paid_amount": [600.0, 110.0, 80.0]}))
    >>> ed_visit_costs(lines).to_pandas()[["visit_date", "paid_amount"]].astype(str).values.tolist()
    [['2020-01-01', '710.0']]
    """
    visits = ed_visits(lines, stays)
    acute = claim_flags(lines).filter(lambda t: t.is_acute_inpatient).select(
        "person_id", "claim_id")
    days = visits.select(_pid="person_id", _day="visit_date")
    priced = lines.anti_join(acute, ["person_id", "claim_id"])
    on_day = priced.join(days, [priced.person_id == days._pid, priced.service_date == days._day])
    paid = on_day.group_by(_pid=on_day.person_id, _day=on_day.service_date).aggregate(
        _paid=on_day.paid_amount.sum())
    out = visits.left_join(paid, [visits.person_id == paid._pid,
                                  visits.visit_date == paid._day])
    return out.mutate(paid_amount=out._paid.fill_null(0)).drop("_pid", "_day", "_paid")
