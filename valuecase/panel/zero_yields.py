"""A rule that yields zero where the data suggest otherwise says so.

Each check puts what the data show (claims with an inpatient bill type, ED revenue or place of
service 23 lines, pharmacy rows, diagnosis columns) beside what the pipeline's rule made of
them (acute stays, ED visits, pharmacy lines in enrolled months, filled diagnosis codes). When
the rule gives 0 where the data hold some, a warning says which rule and why; the rules stay as
they are (Tuva's acute inpatient rule requires a room-and-board revenue code, and the note
gives both counts). ``valuecase validate`` prints these lines and the data-quality report shows
them with its notes.

Aggregates on the engine: one query over the claims grouped by claim (what the data show and
the acute rule's inputs), one for the ED visits.

Examples
--------
>>> import pandas as pd
>>> from valuecase.data.load import load_frames
>>> elig = pd.DataFrame({"person_id": ["P1"], "enrollment_start_date": ["2020-01-01"],
...                      "enrollment_end_date": ["2020-12-31"]})
>>> med = pd.DataFrame({"claim_id": ["C1"], "claim_line_number": ["1"], "person_id": ["P1"],
...     "claim_type": ["institutional"], "claim_start_date": ["2020-02-01"],
...     "claim_end_date": ["2020-02-03"], "bill_type_code": ["0111"], "drg_code": ["0291"],
...     "revenue_center_code": ["0250"], "paid_amount": ["900"]})
>>> for line in zero_yield_notes(load_frames({"eligibility": elig, "medical_claim": med})):
...     print(line)  # doctest: +NORMALIZE_WHITESPACE
warning: medical_claim: 1 claim(s) have an inpatient bill type (11x) and a DRG but 0 acute
stays were counted: Tuva's rule also requires a room-and-board revenue code (0100-0219), which
none of them carries
"""

from __future__ import annotations

from typing import Any

import ibis

from valuecase.data.load import LoadedData
from valuecase.panel import encounters as enc

__all__ = ["rule_evidence", "zero_yield_notes"]


def rule_evidence(data: LoadedData) -> dict[str, int]:
    """What the accepted claim lines show and what the rules made of them.

    Returns
    -------
    dict
        ``claims_11x_drg`` (institutional claims with bill type 11x and a DRG), of them
        ``claims_11x_drg_room_board``, ``acute_claims`` (Tuva's acute inpatient rule),
        ``ed_lines`` (ED revenue codes 045x/0981 or place of service 23), ``ed_visits``,
        ``diagnosis_columns`` and ``diagnosis_filled`` (lines with a code in any of them),
        ``pharmacy_rows`` and ``pharmacy_rows_enrolled``.
    """
    out: dict[str, int] = {}
    if "medical_claim" in data.tables:
        lines = data.table("medical_claim")
        inst = enc.col(lines, "claim_type") == "institutional"
        bill = enc.col(lines, "bill_type_code")
        drg = enc.col(lines, "drg_code")
        rev = enc.col(lines, "revenue_center_code")
        pos = enc.col(lines, "place_of_service_code")
        diag = [c for c in lines.columns if c.startswith("diagnosis_code_")]
        filled = ibis.literal(False)
        for c in diag:
            filled = filled | lines[c].notnull()
        per_claim = (lines.mutate(
            _b=(inst & bill.substr(0, 2).isin(["11"])).fill_null(False),
            _d=drg.re_search("^[0-9]{3}$").fill_null(False),
            _r=rev.isin(enc.ROOM_AND_BOARD_BASIC).fill_null(False),
            _e=(rev.startswith("045") | rev.isin(["0981"]) | pos.isin(["23"])
                ).fill_null(False),
            _f=filled.fill_null(False))
            .group_by(["person_id", "claim_id"])
            .aggregate(b=lambda t: t._b.any(), d=lambda t: t._d.any(),
                       r=lambda t: t._r.any(), e=lambda t: t._e.sum(),
                       f=lambda t: t._f.sum()))
        b11 = per_claim.b & per_claim.d
        shown = per_claim.aggregate(
            claims_11x_drg=b11.sum(), claims_11x_drg_room_board=(b11 & per_claim.r).sum(),
            ed_lines=per_claim.e.sum(), diagnosis_filled=per_claim.f.sum()
        ).to_pyarrow().to_pylist()[0]
        out.update({k: int(v or 0) for k, v in shown.items()})
        out["diagnosis_columns"] = len(diag)
        out["acute_claims"] = int(enc.claim_flags(lines).is_acute_inpatient.sum()
                                  .to_pyarrow().as_py() or 0)
        out["ed_visits"] = int(enc.ed_visits(lines).count().to_pyarrow().as_py() or 0)
    rec = {r["table"]: r for r in data.exact_reconciliation}
    if "pharmacy_claim" in rec:
        p = rec["pharmacy_claim"]
        out["pharmacy_rows"] = int(p["rows_in"])
        out["pharmacy_rows_enrolled"] = int(p["rows_accepted"]
                                            - p.get("rows_outside_enrollment", 0))
    return out


def zero_yield_notes(data: LoadedData, evidence: dict[str, Any] | None = None,
                     small: int = 0) -> list[str]:
    """One line per rule that yields 0 where the data suggest otherwise (``warning: ...``),
    and the acute inpatient rule's two counts when it keeps fewer claims than the data show
    (``note: ...``). ``small``: counts from 1 to ``small - 1`` are written "fewer than
    ``small``" (funder-facing reports pass the suppression threshold)."""
    e = dict(rule_evidence(data) if evidence is None else evidence)
    shown = {k: (f"fewer than {small}" if isinstance(v, int) and 0 < v < small else f"{v:,}")
             for k, v in e.items()}
    out = []
    n11, rb, acute = (e.get(k, 0) for k in ("claims_11x_drg", "claims_11x_drg_room_board",
                                              "acute_claims"))
    if n11 and not acute:
        out.append(f"warning: medical_claim: {shown['claims_11x_drg']} claim(s) have an inpatient bill type (11x) "
                   "and a DRG but 0 acute stays were counted: Tuva's rule also requires a "
                   "room-and-board revenue code (0100-0219), which "
                   f"{'none of them carries' if not rb else shown['claims_11x_drg_room_board'] + ' of them carry'}")
    elif n11 > acute:
        out.append(f"note: medical_claim: {shown['claims_11x_drg']} claim(s) have an inpatient bill type (11x) and "
                   f"a DRG; {shown['claims_11x_drg_room_board']} of them carry a room-and-board "
                   f"revenue code, and {shown['acute_claims']} count as acute inpatient claims under Tuva's rule (kept as it "
                   "is: room and board required where the data carry revenue codes)")
    if e.get("ed_lines") and not e.get("ed_visits"):
        out.append(f"warning: medical_claim: {shown['ed_lines']} line(s) have an ED revenue code "
                   "(045x, 0981) or place of service 23 but 0 ED visits were counted (the rule "
                   "reads ED revenue codes on institutional claims, place of service 23 on "
                   "professional ones: check claim_type)")
    if e.get("pharmacy_rows") and not e.get("pharmacy_rows_enrolled"):
        out.append(f"warning: pharmacy_claim: {shown['pharmacy_rows']} row(s) but 0 pharmacy "
                   "lines in an enrolled month, so 0 pharmacy spend in any member month "
                   "(rejected, or dated outside enrollment: see the reconciliation)")
    if e.get("diagnosis_columns") and not e.get("diagnosis_filled"):
        out.append(f"warning: medical_claim: all {e['diagnosis_columns']} diagnosis column(s) "
                   "are empty, so no chronic condition can be found")
    return out
