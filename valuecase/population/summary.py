"""A quick look at a data folder: headline counts and amounts in one dictionary.

Examples
--------
>>> import pandas as pd
>>> from valuecase.data.load import load_frames
>>> elig = pd.DataFrame({"person_id": ["P1"], "enrollment_start_date": ["2020-01-01"],
...                      "enrollment_end_date": ["2020-06-30"]})
>>> med = pd.DataFrame({"claim_id": ["C1"], "claim_line_number": ["1"], "person_id": ["P1"],
...                     "claim_type": ["professional"], "claim_start_date": ["2020-02-10"],
...                     "paid_amount": ["120"]})
>>> s = summarize(load_frames({"eligibility": elig, "medical_claim": med}))
>>> s["member_months"], s["medical_paid"], s["pmpm"]
(6, 120.0, 20.0)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from valuecase.data.load import LoadedData
from valuecase.panel.member_panel import build_panel

SUMMARY_KEYS = ("persons", "member_months", "medical_paid", "pharmacy_paid", "pmpm",
                "ed_visits", "inpatient_stays", "bed_days", "readmissions_30d")


def summarize(data: LoadedData, panel: pd.DataFrame | None = None, start: str | None = None,
              end: str | None = None) -> dict[str, Any]:
    """Headline numbers of a loaded data set.

    Amounts in enrolled months are in ``medical_paid`` / ``pharmacy_paid`` (and PMPM); accepted
    spend outside enrollment and rejected rows are reported separately so the totals reconcile.
    ``start`` / ``end`` restrict the panel numbers to a range of months (the reconciliation
    amounts always cover the whole files).

    Returns
    -------
    dict
        The keys of :data:`SUMMARY_KEYS` plus ``period_start``, ``period_end``,
        ``medical_paid_outside_enrollment``, ``pharmacy_paid_outside_enrollment``,
        ``rows_rejected`` and ``rejects_by_reason``.
    """
    p = build_panel(data, start=start, end=end) if panel is None else panel
    medical = float(p[[c for c in p if c.startswith("paid_") and c not in
                       ("paid_pharmacy", "paid_total")]].sum().sum())
    pharmacy = float(p["paid_pharmacy"].sum())
    mm = len(p)
    recon = data.reconciliation.set_index("table")

    def recon_value(table: str, column: str) -> float:
        if table in recon.index and column in recon and pd.notna(recon.at[table, column]):
            return round(float(recon.at[table, column]), 2)
        return 0.0

    reasons = (data.rejects.groupby(["table", "reason"]).size()
               if len(data.rejects) else pd.Series(dtype=int))
    return {
        "persons": int(p["person_id"].nunique()),
        "member_months": int(mm),
        "medical_paid": round(medical, 2),
        "pharmacy_paid": round(pharmacy, 2),
        "pmpm": round((medical + pharmacy) / mm, 2) if mm else None,
        "ed_visits": int(p["ed_visits"].sum()),
        "inpatient_stays": int(p["inpatient_stays"].sum()),
        "bed_days": int(p["bed_days"].sum()),
        "readmissions_30d": int(p["readmissions_30d"].sum()),
        "period_start": p["month"].min().strftime("%Y-%m") if mm else None,
        "period_end": p["month"].max().strftime("%Y-%m") if mm else None,
        "medical_paid_outside_enrollment": recon_value("medical_claim",
                                                       "paid_outside_enrollment"),
        "pharmacy_paid_outside_enrollment": recon_value("pharmacy_claim",
                                                        "paid_outside_enrollment"),
        "medical_paid_rejected": recon_value("medical_claim", "paid_rejected"),
        "rows_rejected": int(len(data.rejects)),
        "rejects_by_reason": {f"{t}:{r}": int(n) for (t, r), n in reasons.items()},
    }
