"""Synthetic partner data for the program arm: service contacts, social needs, a survey.

The program's partners (the hospital's care team, a community-based organization) record what
they did and what they found, the three optional partner tables of the contract:

* ``program_services`` — contacts while enrolled. A first outreach contact (CBO) after
  ``Exp(mean 12 days)``; then, per enrolled month, Poisson contacts at each service type's
  rate times the person's engagement (``Gamma(2, 0.5)``, mean 1); 8% are never reached (no
  contact at all). Housing navigation, food delivery and transportation go only to persons
  with that need. Minutes or units and a cost per contact (:data:`SERVICES`).
* ``social_needs`` — screened within 14 days of enrollment: each AHC domain present with its
  prevalence (:data:`NEEDS`); resolved after ``Exp(mean days)``, if that falls within
  enrollment plus 60 days and before the data end; otherwise ``open`` (still enrolled) or
  ``closed_unresolved`` (left the program).
* ``experience_survey`` — at 90 days of enrollment, for those still enrolled by the data end:
  60% respond, one row per item (:data:`ITEMS`).

Everything draws from its own random stream, so the claims, enrollment and costs of a seed are
the same with or without these tables.

Examples
--------
>>> import numpy as np
>>> t = partner_tables(np.random.default_rng(0), np.array(["P1", "P2"]),
...                    np.array([19000, 19010]), np.array([19200, 19100]), last_day=19400)
>>> sorted(t), set(t["social_needs"]["domain"]) <= set(NEEDS)
(['experience_survey', 'program_services', 'social_needs'], True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["ITEMS", "NEEDS", "SERVICES", "partner_tables", "partner_truth"]

SERVICES = {
    # service type: (partner, contacts per enrolled month, minutes or units, cost per contact,
    #                need it serves or "")
    "care_coordination": ("hospital", 2.0, 45, 60.0, ""),
    "home_visit": ("hospital", 0.5, 60, 150.0, ""),
    "housing_navigation": ("cbo", 1.0, 60, 90.0, "housing_instability"),
    "food_delivery": ("cbo", 2.0, 1, 25.0, "food_insecurity"),
    "transportation": ("cbo", 0.8, 1, 35.0, "transportation"),
}
"""Service types after the first outreach contact (CBO, 15 minutes, $20)."""

NEEDS = {  # domain: (prevalence at screening, mean days to resolution)
    "housing_instability": (0.45, 150.0),
    "food_insecurity": (0.40, 45.0),
    "transportation": (0.30, 30.0),
    "utilities": (0.25, 60.0),
    "interpersonal_safety": (0.08, 90.0),
}
"""AHC domains: share of program members with the need, and mean days to resolve it."""

ITEMS = {  # item: (scale min, scale max, probability of each response from min to max)
    "overall_rating": (0, 10, (0.01, 0.01, 0.01, 0.02, 0.03, 0.05, 0.07, 0.12, 0.2, 0.23, 0.25)),
    "felt_respected": (1, 5, (0.03, 0.05, 0.12, 0.3, 0.5)),
    "team_reachable": (1, 5, (0.05, 0.08, 0.17, 0.35, 0.35)),
    "would_recommend": (1, 5, (0.04, 0.06, 0.15, 0.3, 0.45)),
}
"""Survey items with their scales."""

NEVER_REACHED = 0.08
RESPONSE_RATE = 0.6
OUTREACH = ("cbo", 15, 20.0)


def partner_tables(rng: np.random.Generator, person_id: np.ndarray, enroll: np.ndarray,
                   end: np.ndarray, last_day: int) -> dict[str, dict[str, np.ndarray]]:
    """The three partner tables for program-arm persons enrolled from ``enroll`` to ``end``
    (day numbers, inclusive), as numpy columns for :mod:`valuecase.synth.writer`."""
    n = len(person_id)
    needs = _needs(rng, person_id, enroll, end, last_day)
    has = {d: np.zeros(n, bool) for d in NEEDS}
    for i, d in zip(needs["_person"], needs["domain"], strict=True):
        has[d][i] = True
    return {"program_services": _services(rng, person_id, enroll, end, has),
            "social_needs": {k: v for k, v in needs.items() if not k.startswith("_")},
            "experience_survey": _survey(rng, person_id, enroll, end, last_day)}


def _services(rng, person_id, enroll, end, has) -> dict[str, np.ndarray]:
    n = len(person_id)
    reached = rng.random(n) >= NEVER_REACHED
    engagement = rng.gamma(2.0, 0.5, n)
    months = np.maximum(end - enroll + 1, 0) / 30.4375
    rows: list[tuple[np.ndarray, np.ndarray, str, str, int, float]] = []
    first = enroll + np.floor(rng.exponential(12.0, n)).astype(np.int64)
    ok = reached & (first <= end)
    rows.append((np.flatnonzero(ok), first[ok], "outreach", *OUTREACH))
    for kind, (partner, rate, units, cost, need) in SERVICES.items():
        eligible = reached & (has[need] if need else True)
        k = rng.poisson(rate * engagement * months * eligible)
        who = np.repeat(np.arange(n), k)
        day = first[who] + np.floor(rng.random(len(who)) * np.maximum(end - first + 1, 1)[who])
        keep = day <= end[who]
        rows.append((who[keep], day[keep].astype(np.int64), kind, partner, units, cost))
    who = np.concatenate([r[0] for r in rows])
    day = np.concatenate([r[1] for r in rows])
    kind = np.concatenate([np.full(len(r[0]), r[2]) for r in rows])
    partner = np.concatenate([np.full(len(r[0]), r[3]) for r in rows])
    units = np.concatenate([np.full(len(r[0]), r[4], dtype=np.int64) for r in rows])
    cost = np.concatenate([np.full(len(r[0]), r[5]) for r in rows])
    order = np.lexsort((kind, day, who))
    return {"person_id": person_id[who][order], "service_date": day[order],
            "partner": partner[order], "service_type": kind[order], "units": units[order],
            "cost": cost[order]}


def _needs(rng, person_id, enroll, end, last_day) -> dict[str, np.ndarray]:
    n = len(person_id)
    screened = enroll + rng.integers(0, 15, n)
    parts = []
    for domain, (prevalence, mean_days) in NEEDS.items():
        who = np.flatnonzero((rng.random(n) < prevalence) & (screened <= last_day))
        resolve = screened[who] + np.ceil(rng.exponential(mean_days, len(who))).astype(np.int64)
        done = resolve <= np.minimum(end[who] + 60, last_day)
        left = end[who] < last_day
        status = np.where(done, "resolved", np.where(left, "closed_unresolved", "open"))
        parts.append((who, np.full(len(who), domain), screened[who],
                      np.where(done, resolve, -1), status))
    who = np.concatenate([p[0] for p in parts])
    order = np.lexsort((np.concatenate([p[1] for p in parts]), who))
    cols = [np.concatenate([p[i] for p in parts])[order] for i in range(1, 5)]
    return {"person_id": person_id[who[order]], "domain": cols[0], "identified_date": cols[1],
            "resolved_date": cols[2], "status": cols[3], "_person": who[order]}


def _survey(rng, person_id, enroll, end, last_day) -> dict[str, np.ndarray]:
    day = enroll + 90
    respond = (day <= np.minimum(end, last_day)) & (rng.random(len(person_id)) < RESPONSE_RATE)
    who = np.flatnonzero(respond)
    out: dict[str, list[np.ndarray]] = {k: [] for k in (
        "person_id", "item_id", "response", "survey_date", "scale_min", "scale_max")}
    for item, (low, high, p) in ITEMS.items():
        out["person_id"].append(person_id[who])
        out["item_id"].append(np.full(len(who), item))
        out["response"].append(low + rng.choice(len(p), len(who), p=np.asarray(p) / sum(p)))
        out["survey_date"].append(day[who])
        out["scale_min"].append(np.full(len(who), low))
        out["scale_max"].append(np.full(len(who), high))
    cols = {k: np.concatenate(v) for k, v in out.items()}
    order = np.lexsort((cols["item_id"], cols["person_id"]))
    return {k: v[order] for k, v in cols.items()}


def partner_truth(rows: dict[str, int]) -> dict:
    """The partner tables' generating settings and row counts, for ``truth.json``."""
    return {
        "applies": "program-arm persons only, while enrolled (needs: resolved within "
                   "enrollment plus 60 days); drawn from their own random stream",
        "never_reached": NEVER_REACHED, "first_outreach_mean_days": 12.0,
        "services": {k: {"partner": v[0], "per_enrolled_month": v[1], "units": v[2],
                         "cost": v[3], "for_need": v[4] or None} for k, v in SERVICES.items()},
        "needs": {k: {"prevalence": v[0], "mean_days_to_resolution": v[1]}
                  for k, v in NEEDS.items()},
        "survey": {"day": 90, "response_rate": RESPONSE_RATE,
                   "items": {k: {"scale": [v[0], v[1]]} for k, v in ITEMS.items()}},
        "rows": {k: int(rows[k]) for k in ("program_services", "social_needs",
                                           "experience_survey") if k in rows},
    }
