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

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import ibis
import pandas as pd

from valuecase.data.load import LoadedData
from valuecase.panel.member_panel import months_between, panel_expr

SUMMARY_KEYS = ("persons", "member_months", "medical_paid", "pharmacy_paid", "pmpm",
                "ed_visits", "inpatient_stays", "bed_days", "readmissions_30d")

_CENT = Decimal("0.01")

NOT_IN_FEED = "not in this feed (utilization only)"
"""Printed in place of every money figure when the feed has no paid amounts (an OMOP CDM
without cost rows): ``summarize`` gives those keys as None and ``paid_amounts`` this text."""
MONEY_KEYS = ("medical_paid", "pharmacy_paid", "pmpm", "medical_paid_outside_enrollment",
              "pharmacy_paid_outside_enrollment", "medical_paid_rejected",
              "pharmacy_paid_rejected")
"""Keys of :func:`summarize` that are amounts of money."""


def summary_lines(s: dict[str, Any]) -> list[str]:
    """The lines ``valuecase summarize`` prints: one per key, money to the cent, and
    :data:`NOT_IN_FEED` in place of each money figure when the feed has none.

    Examples
    --------
    >>> summary_lines({"persons": 2, "medical_paid": None, "paid_amounts": NOT_IN_FEED})[1]
    'medical_paid                       not in this feed (utilization only)'
    """
    out = []
    unknown = s.get("paid_amounts") == NOT_IN_FEED
    for key, value in s.items():
        if key == "paid_amounts":
            continue
        if isinstance(value, dict):
            out.append(f"{key}:")
            out.extend(f"  {k:<40} {v:>12,}" for k, v in value.items())
        elif unknown and key in MONEY_KEYS:
            out.append(f"{key:<34} {NOT_IN_FEED}")
        elif isinstance(value, float | Decimal):
            out.append(f"{key:<34} {value:>16,.2f}")
        elif isinstance(value, int):
            out.append(f"{key:<34} {value:>16,}")
        else:
            out.append(f"{key:<34} {value!s:>16}")
    return out


def summarize(data: LoadedData, start: str | None = None,
              end: str | None = None, exact: bool = False) -> dict[str, Any]:
    """Headline numbers of a loaded data set, aggregated on the engine.

    Amounts in enrolled months are in ``medical_paid`` / ``pharmacy_paid`` (and PMPM), summed
    exactly as decimals from the claim lines; accepted spend outside enrollment and rejected
    rows are reported separately so the totals reconcile. Counts come from the member-month
    panel, which never leaves the engine. ``start`` / ``end`` restrict the panel numbers to a
    range of months (the reconciliation amounts always cover the whole files). The result is
    the same on every engine, to the cent. ``exact=True`` gives the amounts as ``Decimal``
    (for printing: a float of a total beyond 2**53 cents is off by cents).

    Returns
    -------
    dict
        The keys of :data:`SUMMARY_KEYS` plus ``period_start``, ``period_end``,
        ``medical_paid_outside_enrollment``, ``pharmacy_paid_outside_enrollment``,
        ``medical_paid_rejected``, ``pharmacy_paid_rejected``, ``rows_rejected`` and
        ``rejects_by_reason``. When the feed has no paid amounts
        (:attr:`~valuecase.data.load.LoadedData.paid_amounts_known` is False) every key of
        :data:`MONEY_KEYS` is None and ``paid_amounts`` is :data:`NOT_IN_FEED`.
    """
    panel = panel_expr(data.ibis(), start=start, end=end)
    counts = panel.aggregate(
        persons=panel.person_id.nunique(), member_months=panel.count(),
        first=panel.month.min(), last=panel.month.max(),
        **{c: panel[c].sum() for c in ("ed_visits", "inpatient_stays", "bed_days",
                                       "readmissions_30d")},
    ).to_pyarrow().to_pylist()[0]
    paid = {t: _paid_in_enrollment(data, t, start, end)
            for t in ("medical_claim", "pharmacy_claim")}
    mm = counts["member_months"]
    recon = data.reconciliation.set_index("table")

    exact_rec = {r["table"]: r for r in data.exact_reconciliation}
    money = Decimal if exact else float

    def recon_value(table: str, column: str) -> Any:
        if exact:
            return exact_rec.get(table, {}).get(column) or Decimal("0.00")
        if table in recon.index and column in recon and pd.notna(recon.at[table, column]):
            return round(float(recon.at[table, column]), 2)
        return 0.0

    reasons = (data.rejects.groupby(["table", "reason"]).size()
               if len(data.rejects) else pd.Series(dtype=int))
    total = paid["medical_claim"] + paid["pharmacy_claim"]
    out = {
        "persons": int(counts["persons"]),
        "member_months": int(mm),
        "medical_paid": money(paid["medical_claim"]),
        "pharmacy_paid": money(paid["pharmacy_claim"]),
        "pmpm": float((total / mm).quantize(_CENT, ROUND_HALF_EVEN)) if mm else None,
        **{c: int(counts[c] or 0) for c in ("ed_visits", "inpatient_stays", "bed_days",
                                            "readmissions_30d")},
        "period_start": counts["first"].strftime("%Y-%m") if mm else None,
        "period_end": counts["last"].strftime("%Y-%m") if mm else None,
        "medical_paid_outside_enrollment": recon_value("medical_claim",
                                                       "paid_outside_enrollment"),
        "pharmacy_paid_outside_enrollment": recon_value("pharmacy_claim",
                                                        "paid_outside_enrollment"),
        "medical_paid_rejected": recon_value("medical_claim", "paid_rejected"),
        "pharmacy_paid_rejected": recon_value("pharmacy_claim", "paid_rejected"),
        "rows_rejected": int(len(data.rejects)),
        "rejects_by_reason": {f"{t}:{r}": int(n) for (t, r), n in reasons.items()},
    }
    if not data.paid_amounts_known:  # placeholder 0s are not money: say so, never $0
        out.update({k: None for k in MONEY_KEYS}, paid_amounts=NOT_IN_FEED)
    return out


def _paid_in_enrollment(data: LoadedData, table: str, start: str | None,
                        end: str | None) -> Decimal:
    """Exact paid of accepted lines in member months (within ``start``..``end``)."""
    if table not in data.tables:
        return Decimal("0.00")
    t = data.with_enrollment(table)
    keep = t.in_enrollment
    first, last = months_between(start, end)
    if first is not None:
        keep &= t.month >= ibis.literal(first)
    if last is not None:
        keep &= t.month <= ibis.literal(last)
    value = t.filter(keep).paid_amount.sum().to_pyarrow().as_py()
    return Decimal("0.00") if value is None else Decimal(value).quantize(_CENT)
