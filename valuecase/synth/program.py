"""The complex-care program: trigger, enrollment (or randomization), true effect and costs.

Trigger (Camden-style): two acute inpatient stays whose admission dates are at most
``TRIGGER_WINDOW_DAYS`` apart; the trigger date is the discharge date of the later stay. Only
trigger dates after the end of month 12 count, and a person's trigger is the first such date.

Examples
--------
>>> import numpy as np
>>> from valuecase.synth.program import find_triggers
>>> stays = {"person": np.array([0, 0, 1]), "adm": np.array([400, 500, 450]),
...          "dis": np.array([403, 504, 452])}
>>> person, day = find_triggers(stays, earliest_day=365, last_day=1000)
>>> person.tolist(), day.tolist()
([0], [504])
"""

from __future__ import annotations

import numpy as np

from .events import Events, take
from .population import Calendar, Population

TRIGGER_WINDOW_DAYS = 182
TRIGGER_AFTER_MONTHS = 12
TRIGGER_TEXT = (
    "At least 2 acute inpatient stays (distinct claims with bill type 111) whose admission dates "
    f"are at most {TRIGGER_WINDOW_DAYS} days apart; trigger_date = discharge date of the later "
    f"stay; only trigger dates after the end of month {TRIGGER_AFTER_MONTHS} of the data count; "
    "a person's trigger is the first such date."
)
SITE_SELECTION = np.array([0.5, 0.0, -0.6])  # log-odds shift of enrolling, by site


def find_triggers(stays: Events, earliest_day: int, last_day: int) -> tuple[np.ndarray, np.ndarray]:
    """First trigger date per person.

    Parameters
    ----------
    stays : dict
        Arrays ``person``, ``adm``, ``dis`` (any order).
    earliest_day, last_day : int
        Trigger dates must fall in ``[earliest_day, last_day]`` (day numbers).

    Returns
    -------
    tuple of numpy.ndarray
        Person indices (sorted) and their trigger day numbers.
    """
    order = np.lexsort((stays["adm"], stays["person"]))
    p, adm, dis = stays["person"][order], stays["adm"][order], stays["dis"][order]
    hit = np.zeros(len(p), dtype=bool)
    hit[1:] = (p[1:] == p[:-1]) & (adm[1:] - adm[:-1] <= TRIGGER_WINDOW_DAYS)
    hit &= (dis >= earliest_day) & (dis <= last_day)
    p, dis = p[hit], dis[hit]
    first = np.r_[True, p[1:] != p[:-1]] if len(p) else np.zeros(0, dtype=bool)
    return p[first], dis[first]


def _span_end_day(pop: Population, cal: Calendar, person: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Last enrolled day of the span containing ``day`` (-1 when not enrolled that day)."""
    month = cal.month_of(day)
    inside = (month >= 0) & (month < cal.months)
    out = np.full(len(person), -1, dtype=np.int64)
    idx = np.flatnonzero(inside)
    idx = idx[pop.enrolled[person[idx], month[idx]]]
    end = month[idx].copy()
    active = np.ones(len(idx), dtype=bool)
    for _ in range(cal.months):
        nxt = end + 1
        can = active & (nxt < cal.months)
        can[can] = pop.enrolled[person[idx[can]], nxt[can]]
        if not can.any():
            break
        end[can] += 1
        active = can
    out[idx] = cal.month_start[end + 1] - 1
    death = pop.death_day[person]
    return np.where((death >= 0) & (out >= 0), np.minimum(out, death), out)


def assign_program(rng: np.random.Generator, pop: Population, cal: Calendar, stays: Events,
                   randomized: bool, enroll_share: float,
                   selection: float = 1.0) -> dict[str, np.ndarray]:
    """Find trigger-meeters and decide who enrols.

    Returns
    -------
    dict
        ``meeters`` (person index of every trigger-meeter), and for those listed in
        program_enrollment: ``person``, ``trigger``, ``enroll``, ``disenroll`` (-1 = still
        enrolled at the end), ``end`` (last day the effect applies), ``arm`` (1 program, 0 control).
    """
    earliest = int(cal.month_start[TRIGGER_AFTER_MONTHS])
    person, trigger = find_triggers(stays, earliest, cal.last_day)
    n = len(person)
    enroll = trigger + 7 + rng.integers(0, 28, n)
    span_end = _span_end_day(pop, cal, person, enroll)
    eligible = (enroll <= cal.last_day) & (span_end >= enroll)
    planned = enroll + rng.integers(90, 301, n)
    if randomized:
        arm = np.zeros(n, dtype=np.int64)
        e_idx = np.flatnonzero(eligible)
        half = len(e_idx) // 2 + int(len(e_idx) % 2 == 1 and rng.random() < 0.5)
        arm[rng.permutation(e_idx)[:half]] = 1
        listed = eligible
    else:
        logit = selection * (-0.4 * (pop.age[person] - 40) / 10
                             + SITE_SELECTION[pop.site[person]]
                             - 0.15 * pop.n_conditions[person])
        w = np.exp(logit)
        mean_w = w[eligible].mean() if eligible.any() else 1.0
        p = np.clip(enroll_share * w / mean_w, 0, 0.97)
        arm = (eligible & (rng.random(n) < p)).astype(np.int64)
        listed = arm == 1
    stop = np.minimum(planned, span_end)
    disenroll = np.where(stop <= cal.last_day, stop, -1)
    end = np.where(disenroll >= 0, disenroll, cal.last_day)
    keep = np.flatnonzero(listed)
    return {
        "meeters": person, "eligible": person[eligible], "person": person[keep],
        "trigger": trigger[keep], "enroll": enroll[keep], "disenroll": disenroll[keep],
        "end": end[keep], "arm": arm[keep],
    }


def _window(ev: Events, day_key: str, n_people: int, prog: dict[str, np.ndarray]) -> np.ndarray:
    """Events that fall inside a program-arm person's enrolled window."""
    start = np.full(n_people, np.iinfo(np.int64).max)
    stop = np.full(n_people, np.iinfo(np.int64).min)
    treated = prog["arm"] == 1
    start[prog["person"][treated]] = prog["enroll"][treated]
    stop[prog["person"][treated]] = prog["end"][treated]
    day = ev[day_key]
    return (day >= start[ev["person"]]) & (day <= stop[ev["person"]])


def _multiply(rng: np.random.Generator, ev: Events, day_key: str, in_window: np.ndarray,
              effect: float) -> Events:
    """Scale the event rate inside the window by ``1 + effect``.

    Negative effects thin events independently (exact); positive effects add copies of events,
    shifted up to 14 days, with probability ``effect`` (approximate at the window edges).
    """
    n = len(in_window)
    if effect <= 0:
        keep = ~in_window | (rng.random(n) < 1 + effect)
        return take(ev, keep)
    extra = np.flatnonzero(in_window & (rng.random(n) < effect))
    copies = take(ev, extra)
    shift = rng.integers(-14, 15, len(extra))
    for key in ("adm", "dis", "day"):
        if key in copies:
            copies[key] = copies[key] + shift
    return {k: np.concatenate([ev[k], copies[k]]) for k in ev}


def apply_effect(rng: np.random.Generator, events: dict[str, Events], n_people: int,
                 prog: dict[str, np.ndarray], effect_inpatient: float,
                 effect_ed: float) -> tuple[dict[str, Events], dict[str, int]]:
    """Apply the true program effect to stays and ED visits of the program arm.

    Returns
    -------
    tuple
        Updated events and potential (untreated) counts inside treated windows:
        ``stays``, ``stays_via_ed``, ``ed_visits`` (not leading to admission).
    """
    out = dict(events)
    st_win = _window(events["stays"], "adm", n_people, prog)
    ed_win = _window(events["ed"], "day", n_people, prog)
    counts = {
        "stays": int(st_win.sum()),
        "stays_via_ed": int((st_win & events["stays"]["via_ed"]).sum()),
        "ed_visits": int(ed_win.sum()),
    }
    out["stays"] = _multiply(rng, events["stays"], "adm", st_win, effect_inpatient)
    out["ed"] = _multiply(rng, events["ed"], "day", ed_win, effect_ed)
    return out, counts


def estimand_counts(before: dict[str, Events], after: dict[str, Events], n_people: int,
                    prog: dict[str, np.ndarray], cal: Calendar,
                    followup_months: int = 12) -> dict[str, int]:
    """Program-arm events without and with the effect in two sets of windows (no random draw).

    ``followup``: the ``followup_months`` calendar months after each enrollee's enrollment
    month (the impact study's primary window); ``enrolled``: enrollment to disenrollment (the
    window the effect applies in). Stays count by admission day; ED visits count every visit,
    treat-and-release and admitted through the ED, as the panel does. Keys
    ``<window>_<stays|ed_visits>_<untreated|treated>``.
    """
    treated = prog["arm"] == 1
    person, enroll = prog["person"][treated], prog["enroll"][treated]
    m = cal.month_of(enroll)
    last = len(cal.month_start) - 1
    start = np.full(n_people, np.iinfo(np.int64).max)
    stop = np.full(n_people, np.iinfo(np.int64).min)
    start[person] = cal.month_start[np.minimum(m + 1, last)]
    stop[person] = cal.month_start[np.minimum(m + 1 + followup_months, last)] - 1
    out: dict[str, int] = {}
    for name, ev in (("untreated", before), ("treated", after)):
        st, ed = ev["stays"], ev["ed"]
        for window, hit_st, hit_ed in (
                ("followup", (st["adm"] >= start[st["person"]]) & (st["adm"] <= stop[st["person"]]),
                 (ed["day"] >= start[ed["person"]]) & (ed["day"] <= stop[ed["person"]])),
                ("enrolled", _window(st, "adm", n_people, prog),
                 _window(ed, "day", n_people, prog))):
            out[f"{window}_stays_{name}"] = int(hit_st.sum())
            out[f"{window}_ed_visits_{name}"] = int(hit_ed.sum() + (hit_st & st["via_ed"]).sum())
    return out


def program_costs(rng: np.random.Generator, cal: Calendar, enroll: np.ndarray,
                  end: np.ndarray) -> dict[str, np.ndarray]:
    """Monthly cost lines from the first enrollment month to the end of the data.

    Parameters
    ----------
    rng : numpy.random.Generator
        Generator for cost noise.
    cal : Calendar
        Month boundaries.
    enroll, end : numpy.ndarray
        Program-arm enrollment day and last enrolled day per enrollee.

    Returns
    -------
    dict
        Arrays ``period`` (day number of the month start), ``amount``, ``category``,
        ``partner``.
    """
    if len(enroll) == 0:
        empty = np.zeros(0)
        return {"period": empty.astype(np.int64), "amount": empty,
                "category": empty.astype(str), "partner": empty.astype(str)}
    starts, stops = cal.month_start[:-1], cal.month_start[1:] - 1
    active = ((enroll[:, None] <= stops[None, :]) & (end[:, None] >= starts[None, :])).sum(axis=0)
    first = int(np.flatnonzero(active > 0)[0]) if (active > 0).any() else cal.months
    months = np.arange(first, cal.months)
    k = len(months)
    a = active[months].astype(float)
    lines = {
        ("staff", "hospital"): a * 200.0 * rng.uniform(0.92, 1.08, k),
        ("flexible_funds", "payer"): a * 35.0 * rng.uniform(0.5, 1.5, k),
        ("housing", "cbo"): a * 0.15 * 950.0 * rng.uniform(0.7, 1.3, k),
        ("admin", "payer"): 2500.0 + a * 20.0 * rng.uniform(0.9, 1.1, k),
    }
    period = np.concatenate([cal.month_start[months]] * len(lines))
    amount = np.round(np.concatenate(list(lines.values())), 2)
    category = np.repeat([c for c, _ in lines], k)
    partner = np.repeat([p for _, p in lines], k)
    order = np.lexsort((np.repeat(np.arange(len(lines)), k), period))
    return {"period": period[order], "amount": amount[order], "category": category[order],
            "partner": partner[order]}
