"""Encounter rules: ED visits, acute stays, bed days, readmissions, service categories.

Small hand-made claim sets cover each edge case; the Tuva seed facts check real files."""

from __future__ import annotations

import pandas as pd
import pytest

from valuecase.data.load import load_frames
from valuecase.panel import encounters as enc

ELIG = pd.DataFrame({"person_id": ["P1", "P2"], "enrollment_start_date": ["2020-01-01"] * 2,
                     "enrollment_end_date": ["2020-12-31"] * 2})
COLS = ["claim_id", "claim_line_number", "person_id", "claim_type", "claim_start_date",
        "claim_end_date", "admission_date", "discharge_date", "bill_type_code", "drg_code",
        "revenue_center_code", "place_of_service_code", "hcpcs_code",
        "discharge_disposition_code", "facility_npi", "paid_amount"]


def stay(cid, pid, adm, dis, disp="01", fac="H1", bill="111", drg="470", paid="1000", line=1,
         rev="0100"):
    return [cid, line, pid, "institutional", adm, dis, adm, dis, bill, drg, rev, None, None,
            disp, fac, paid]


def prof(cid, pid, day, pos="11", hcpcs="99213", paid="80"):
    return [cid, 1, pid, "professional", day, day, None, None, None, None, None, pos, hcpcs,
            None, None, paid]


def run(rows, data_end="2020-12-31"):
    data = load_frames({"eligibility": ELIG, "medical_claim": pd.DataFrame(rows, columns=COLS)})
    lines = data.ibis().table("medical_claim")
    stays = enc.readmissions(enc.inpatient_stays(lines), data_end=data_end)
    return lines, stays.to_pandas().sort_values(["person_id", "admission_date"])


def test_overlapping_and_adjacent_claims_merge_into_one_stay():
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-05"),
                stay("B", "P1", "2020-03-05", "2020-03-08"),    # overlaps on discharge day
                stay("C", "P1", "2020-03-09", "2020-03-10"),    # adjacent (next day)
                stay("D", "P1", "2020-03-12", "2020-03-13")])   # gap of 2 days: new stay
    assert len(s) == 2
    first = s.iloc[0]
    assert (str(first.admission_date)[:10], str(first.discharge_date)[:10]) == (
        "2020-03-01", "2020-03-10")
    assert first.claims == 3 and first.bed_days == 9


def test_different_facility_is_a_separate_stay():
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-05", fac="H1"),
                stay("B", "P1", "2020-03-05", "2020-03-08", fac="H2")])
    assert len(s) == 2


def test_header_style_payment_sums_over_lines():
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-03", paid="900", line=1),
                stay("A", "P1", "2020-03-01", "2020-03-03", paid=None, line=2, rev="0250"),
                stay("A", "P1", "2020-03-01", "2020-03-03", paid=None, line=3, rev="0300")])
    assert len(s) == 1 and s.iloc[0].paid_amount == pytest.approx(900)


def test_same_day_stay_has_one_bed_day():
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-01")])
    assert s.iloc[0].bed_days == 1


def test_bill_type_12x_without_drg_is_not_a_stay_but_with_drg_is():
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-01", bill="121", drg=None),
                stay("B", "P2", "2020-04-01", "2020-04-03", bill="121", drg="291"),
                stay("C", "P2", "2020-06-01", "2020-06-01", bill="131", drg=None)])
    assert s["person_id"].tolist() == ["P2"]


@pytest.mark.parametrize(("disp", "expected"), [("01", True), ("02", False), ("07", False),
                                                ("20", False), ("62", True)])
def test_readmission_index_exclusions(disp, expected):
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-05", disp=disp),
                stay("B", "P1", "2020-03-20", "2020-03-22", fac="H2")])
    assert s["readmission_30d"].tolist() == [False, expected]


@pytest.mark.parametrize(("readmit_day", "expected"), [("2020-03-06", True), ("2020-04-04", True),
                                                       ("2020-04-05", False)])
def test_readmission_window_is_1_to_30_days(readmit_day, expected):
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-05", fac="H1"),
                stay("B", "P1", readmit_day, readmit_day, fac="H2")])
    assert s["readmission_30d"].tolist() == [False, expected]


def test_same_day_transfer_to_other_hospital_is_not_a_readmission():
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-05", fac="H1", disp="01"),
                stay("B", "P1", "2020-03-05", "2020-03-09", fac="H2")])
    assert s["readmission_30d"].tolist() == [False, False]


def test_stays_in_last_30_days_of_data_are_not_index_stays():
    _, s = run([stay("A", "P1", "2020-12-01", "2020-12-05"),
                stay("B", "P1", "2020-12-10", "2020-12-11")], data_end="2020-12-31")
    assert s["is_index_stay"].tolist() == [False, False]
    assert not s["readmission_30d"].any()


def test_ed_visits_once_per_person_day_and_admission_flag():
    rows = [
        prof("E1", "P1", "2020-05-01", pos="23", hcpcs="99284"),
        prof("E2", "P1", "2020-05-01", pos="23", hcpcs="99284"),            # same day: once
        stay("E3", "P1", "2020-05-01", "2020-05-01", bill="131", drg=None, rev="0450"),
        prof("E4", "P2", "2020-06-01", pos="11", hcpcs="99283"),            # ED HCPCS in office
        prof("O1", "P2", "2020-06-02", pos="11", hcpcs="99213"),            # office: not ED
        stay("I1", "P2", "2020-07-10", "2020-07-12", rev="0450"),           # ED -> admission
        stay("I1", "P2", "2020-07-10", "2020-07-12", rev="0120", line=2),   # its room and board
        prof("E5", "P2", "2020-07-09", pos="23", hcpcs="99285"),            # day before admit
    ]
    lines, stays = run(rows)
    ed = enc.ed_visits(lines, enc.inpatient_stays(lines)).to_pandas()
    ed = ed.sort_values(["person_id", "visit_date"])
    assert ed["person_id"].tolist() == ["P1", "P2", "P2", "P2"]
    assert ed["led_to_admission"].tolist() == [False, False, True, True]


def test_an_ed_visit_is_priced_by_every_claim_of_that_day_but_the_stay():
    rows = [
        # P1, 2020-05-01: facility ED claim (ED line + imaging line), the ED physician, a lab
        # billed without any ED code, and an office visit the next day (not the visit's)
        stay("F1", "P1", "2020-05-01", "2020-05-01", bill="131", drg=None, rev="0450",
             paid="600.10"),
        stay("F1", "P1", "2020-05-01", "2020-05-01", bill="131", drg=None, rev="0320",
             paid="250.00", line=2),
        prof("D1", "P1", "2020-05-01", pos="23", hcpcs="99284", paid="180.25"),
        prof("L1", "P1", "2020-05-01", pos="81", hcpcs="80053", paid="14.65"),
        prof("O1", "P1", "2020-05-02", pos="11", hcpcs="99213", paid="80"),
        # P2: an ED visit that led to an admission the same day: the stay's claim is priced on
        # the stay, the ED physician's claim on the visit
        stay("I1", "P2", "2020-07-10", "2020-07-12", rev="0450", paid="9000"),
        stay("I1", "P2", "2020-07-10", "2020-07-12", rev="0120", line=2, paid="1000"),
        prof("D2", "P2", "2020-07-10", pos="23", hcpcs="99285", paid="230"),
        # P2's ED-coded line only (old rule: the same) on another day, and P1's on no day
        prof("D3", "P2", "2020-08-01", pos="23", hcpcs="99283", paid="120"),
    ]
    lines, _ = run(rows)
    ed = enc.ed_visit_costs(lines, enc.inpatient_stays(lines)).to_pandas()
    ed = ed.sort_values(["person_id", "visit_date"]).reset_index(drop=True)
    assert ed["person_id"].tolist() == ["P1", "P2", "P2"]
    assert [float(x) for x in ed["paid_amount"]] == [1045.0, 230.0, 120.0]
    assert ed["led_to_admission"].tolist() == [False, True, False]
    # the panel carries the same sum per person-month, beside the counts
    data = load_frames({"eligibility": ELIG, "medical_claim": pd.DataFrame(rows, columns=COLS)})
    from valuecase.panel.member_panel import build_panel

    p = build_panel(data)
    assert p["ed_visit_paid"].sum() == pytest.approx(1395.0)
    assert p.loc[p["ed_visits"] == 0, "ed_visit_paid"].eq(0).all()
    # not part of paid_total: the day's lines are already in their service categories
    assert p["paid_total"].sum() == pytest.approx(11475.0)


def test_ed_unit_cost_prices_the_whole_visit_day_on_desynpuf(desynpuf500):
    """DE-SynPUF: ED-coded lines alone leave mostly the physician's E&M; the visit day's
    claims (facility and professional) cost more, and the value case uses them."""
    from valuecase.data.load import load
    from valuecase.panel.member_panel import build_panel
    from valuecase.value.case import claims_evidence, unit_cost

    panel = build_panel(load(desynpuf500, layout="desynpuf"))
    ed_coded, _ = unit_cost(panel, "ed_visits", "paid_ed")
    evidence = claims_evidence(panel)
    assert evidence.unit_costs["ed"] == pytest.approx(
        panel["ed_visit_paid"].sum() / panel["ed_visits"].sum())
    assert evidence.unit_costs["ed"] > ed_coded * 1.2
    assert "all of the person's medical claim lines that day" in evidence.sources[
        "service_lines.ed.unit_cost"]


@pytest.mark.parametrize("rev", ["0450", "0451", "0452", "0459", "0981"])
def test_ed_revenue_codes(rev):
    lines, _ = run([stay("E", "P1", "2020-05-01", "2020-05-01", bill="131", drg=None, rev=rev)])
    assert enc.ed_visits(lines).count().execute() == 1


def test_service_categories():
    rows = [stay("I", "P1", "2020-03-01", "2020-03-02"),
            stay("E", "P1", "2020-04-01", "2020-04-01", bill="131", drg=None, rev="0450"),
            stay("O", "P1", "2020-05-01", "2020-05-01", bill="131", drg=None, rev="0300"),
            stay("S", "P1", "2020-06-01", "2020-06-20", bill="211", drg=None),
            prof("P", "P1", "2020-07-01"),
            prof("Q", "P1", "2020-07-02", pos="23", hcpcs="99284")]
    lines, _ = run(rows)
    cats = enc.service_category(lines).to_pandas().set_index("claim_id")["service_category"]
    assert cats.to_dict() == {"I": "inpatient", "E": "ed", "O": "outpatient", "S": "other",
                              "P": "professional", "Q": "ed"}


def test_acute_claims_need_inpatient_bill_type_valid_drg_and_room_and_board():
    """Tuva's acute inpatient rule: all three, where the data carry revenue codes."""
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-02", rev="0250"),   # no room and board
                stay("B", "P1", "2020-04-01", "2020-04-02", rev="0115"),   # hospice R&B only
                stay("C", "P1", "2020-05-01", "2020-05-02", drg="000"),    # not a valid DRG
                stay("D", "P1", "2020-06-01", "2020-06-02", bill="131"),   # outpatient bill
                stay("E", "P2", "2020-07-01", "2020-07-02", rev="0214"),   # coronary care: basic
                stay("F", "P2", "2020-08-01", "2020-08-02", bill="121", rev="0120")])
    assert s["admission_date"].astype(str).str[:10].tolist() == ["2020-07-01", "2020-08-01"]


def test_without_revenue_codes_in_the_data_bill_type_and_drg_decide():
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-02", rev=None),
                stay("B", "P1", "2020-05-01", "2020-05-02", rev=None, drg=None)])
    assert s["admission_date"].astype(str).str[:10].tolist() == ["2020-03-01"]


def test_a_source_declared_encounter_class_decides():
    """Layouts without codes (Synthea, the DE-SynPUF inpatient file) declare the setting."""
    rows = [stay("A", "P1", "2020-03-01", "2020-03-04", bill=None, drg=None, rev=None),
            stay("B", "P1", "2020-05-01", "2020-05-01", bill=None, drg=None, rev=None),
            prof("C", "P2", "2020-06-01")]
    frame = pd.DataFrame(rows, columns=COLS).assign(
        encounter_class=["inpatient", "ambulatory", "emergency"])
    data = load_frames({"eligibility": ELIG, "medical_claim": frame})
    lines = data.ibis().table("medical_claim")
    stays = enc.inpatient_stays(lines).to_pandas()
    assert stays["bed_days"].tolist() == [3]
    ed = enc.ed_visits(lines).to_pandas()
    assert ed["person_id"].tolist() == ["P2"]


def test_tuva_demo_acute_claims_agree_with_tuva(demo100):
    """tuva-demo-100 README: 9 claims with bill type 11x and an MS-DRG, 7 of them with a
    room-and-board code; Tuva's own pipeline counts 7 acute inpatient claims."""
    from valuecase.data.load import load
    from valuecase.data.mapping import ColumnMapping

    data = load(demo100, mapping=ColumnMapping.from_dict({"patient_id": "person_id",
                                                          "ms_drg_code": "drg_code"}))
    flags = enc.claim_flags(data.ibis().table("medical_claim")).to_pandas()
    assert int(flags["is_acute_inpatient"].sum()) == 7
    assert int((flags["bill_type_prefix"] == "11").sum()) == 9


def test_seed10_encounter_facts(seed10_data):
    lines = seed10_data.ibis().table("medical_claim")
    end = lines.service_date.max().as_scalar()
    # 6 claims have bill type 11x and an MS-DRG; only one carries a basic room-and-board code
    strict = enc.inpatient_stays(lines).to_pandas()
    # claim 690699: person 10017, admitted 2018-03-28, discharged 2018-03-30
    assert strict["person_id"].tolist() == ["10017"] and strict["bed_days"].tolist() == [2]
    # without revenue codes in the data (as in a layout that has none), bill type + DRG decide
    no_rev = lines.drop("revenue_center_code")
    stays = enc.readmissions(enc.inpatient_stays(no_rev), data_end=end).to_pandas()
    assert len(stays) == 6
    assert stays["bed_days"].sum() == 18
    readmits = stays[stays["readmission_30d"]]
    assert readmits["person_id"].tolist() == ["10046"]
    assert str(readmits.iloc[0].admission_date)[:10] == "2018-04-17"
    # 10017's second stay (AMA) is not followed by anything; it is not an index stay
    ama = stays[(stays.person_id == "10017") & (stays.discharge_disposition_code == "07")]
    assert not ama["is_index_stay"].any()
    ed = enc.ed_visits(lines, enc.inpatient_stays(lines)).to_pandas()
    inst_ed = (lines.filter((lines.claim_type == "institutional")
                            & lines.revenue_center_code.isin(enc.ED_REVENUE_CODES))
               .select("person_id", "service_date").distinct().count().execute())
    assert inst_ed == 10  # README: 10 institutional ED person-days
    assert len(ed) >= 24  # at least the 24 POS-23 person-days


def test_voided_stay_is_not_counted_but_a_partial_reversal_is():
    _, s = run([stay("A", "P1", "2020-03-01", "2020-03-05", paid="5000"),
                stay("A-R", "P1", "2020-03-01", "2020-03-05", paid="-5000"),   # voided
                stay("B", "P1", "2020-06-01", "2020-06-03", paid="4000"),
                stay("B-R", "P1", "2020-06-01", "2020-06-03", paid="-500")])   # adjusted
    assert s["admission_date"].astype(str).str[:10].tolist() == ["2020-06-01"]
    assert s.iloc[0].paid_amount == pytest.approx(3500)


def test_stay_without_start_date_uses_end_date():
    rows = [stay("A", "P1", "2020-04-10", "2020-04-12"),
            stay("B", "P1", "2020-12-01", "2020-12-04")]
    rows[0][4] = None  # claim_start_date blank
    rows[0][6] = None  # admission_date blank
    _, s = run(rows)
    assert len(s) == 2
    assert str(s.iloc[0].admission_date)[:10] == "2020-04-12"
