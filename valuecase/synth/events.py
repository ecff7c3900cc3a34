"""Health-care events per person before any program effect (the untreated potential outcomes).

Counts per person-month are Poisson with rates driven by the latent monthly risk, so spending is
concentrated (persistent frailty) and regresses to the mean (transient factor, acute episodes).
Acute inpatient stays also spawn 30-day readmissions with a risk-dependent probability.

Examples
--------
>>> import numpy as np
>>> from valuecase.synth.config import SynthConfig
>>> from valuecase.synth.population import Calendar, make_population
>>> from valuecase.synth.events import simulate_events
>>> cal = Calendar.from_config(SynthConfig(members=300, months=24))
>>> rng = np.random.default_rng(3)
>>> ev = simulate_events(rng, make_population(rng, np.arange(300), cal), cal)
>>> sorted(ev)
['ed', 'office', 'outpatient', 'rx', 'stays']
>>> bool((ev["stays"]["dis"] >= ev["stays"]["adm"]).all())
True
"""

from __future__ import annotations

import numpy as np

from .population import Calendar, Population

Events = dict[str, np.ndarray]

# Base monthly rates for a person of risk 1 (tuned for the calibration targets).
RATE_IP = 0.0095
RATE_ED = 0.052
RATE_OFFICE = 0.36
RATE_OUTPATIENT = 0.08
P_VIA_ED = 0.55
IP_RISK_POWER = 1.2
ED_RISK_POWER = 0.55
ED_MENTAL_HEALTH_FACTOR = 1.8  # serious mental illness or substance use
LOS_P = 0.28  # primary stays: length of stay = Geometric(LOS_P) + Bernoulli(0.5)
TERMINAL_SHARE = 0.35  # of deaths that happen in hospital
TERMINAL_LOS_P = 0.25  # terminal stays: length of stay = 1 + Geometric(TERMINAL_LOS_P)
READMIT_BASE, READMIT_POWER, READMIT_CAP = 0.05, 0.3, 0.45  # P = min(BASE x risk^POWER, CAP)
READMIT_GAP_MEAN, READMIT_GAP_MAX = 9.0, 28  # admission = discharge + 2 + min(floor(Exp), MAX)
READMIT_LOS_P = 0.25  # readmissions: length of stay = Geometric(READMIT_LOS_P)
READMIT_GENERATIONS = 3
DISPOSITIONS = np.array(["01", "06", "02", "07"])
DISPOSITION_P = np.array([0.84, 0.08, 0.05, 0.03])


def ip_rate(pop: Population) -> np.ndarray:
    """Monthly rate of new acute admissions per person-month (before enrollment and death)."""
    return RATE_IP * pop.risk**IP_RISK_POWER


def ed_rate(pop: Population) -> np.ndarray:
    """Monthly rate of treat-and-release ED visits per person-month (before the program)."""
    mh = np.where(pop.conditions[:, 3:].any(axis=1), ED_MENTAL_HEALTH_FACTOR, 1.0)
    return RATE_ED * pop.risk**ED_RISK_POWER * mh[:, None]


def readmit_probability(risk: np.ndarray) -> np.ndarray:
    """Probability that a stay spawns a readmission, given the risk in the discharge month."""
    return np.clip(READMIT_BASE * risk**READMIT_POWER, 0, READMIT_CAP)


def take(ev: Events, mask_or_index: np.ndarray) -> Events:
    """Subset every array of an event table."""
    return {k: v[mask_or_index] for k, v in ev.items()}


def concat(parts: list[Events]) -> Events:
    """Stack event tables with the same keys."""
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _draw(rng: np.random.Generator, rate: np.ndarray, pop: Population, cal: Calendar):
    """Poisson counts per enrolled person-month -> (person, day) of each event, before death."""
    counts = rng.poisson(rate * pop.enrolled)
    person, month = np.nonzero(counts)
    reps = counts[person, month]
    person, month = np.repeat(person, reps), np.repeat(month, reps)
    day = cal.random_day(rng, month)
    alive = (pop.death_day[person] < 0) | (day <= pop.death_day[person])
    return person[alive], day[alive]


def _lognormal(rng: np.random.Generator, mean: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(np.log(mean) - sigma**2 / 2, sigma, n)


def _stays(rng: np.random.Generator, pop: Population, cal: Calendar) -> Events:
    """Acute inpatient stays: new admissions, terminal stays and readmission chains."""
    person, adm = _draw(rng, ip_rate(pop), pop, cal)
    gen = np.zeros(len(person), dtype=np.int64)
    # Terminal stays: some deaths happen in hospital.
    dying = np.flatnonzero((pop.death_day >= 0) & (rng.random(pop.n) < TERMINAL_SHARE))
    t_los = 1 + rng.geometric(TERMINAL_LOS_P, len(dying))
    t_person, t_adm = dying, pop.death_day[dying] - t_los + 1
    persons, adms, gens = [person, t_person], [adm, t_adm], [gen, np.full(len(dying), -1)]
    los = [1 + rng.geometric(LOS_P, len(person)) - 1 + (rng.random(len(person)) < 0.5), t_los]
    los[0] = np.maximum(los[0], 1)
    # Readmissions: each non-terminal stay may lead to another 2-30 days after discharge.
    cur_p, cur_dis = person, adm + los[0] - 1
    for g in range(1, READMIT_GENERATIONS + 1):
        m = np.clip(cal.month_of(cur_dis), 0, cal.months - 1)
        p = readmit_probability(pop.risk[cur_p, m])
        hit = rng.random(len(cur_p)) < p
        r_p = cur_p[hit]
        gap = np.minimum(np.floor(rng.exponential(READMIT_GAP_MEAN, hit.sum())), READMIT_GAP_MAX)
        r_adm = (cur_dis[hit] + 2 + gap).astype(np.int64)
        r_los = np.maximum(1 + rng.geometric(READMIT_LOS_P, len(r_p)) - 1, 1)
        persons.append(r_p)
        adms.append(r_adm)
        gens.append(np.full(len(r_p), g))
        los.append(r_los)
        cur_p, cur_dis = r_p, r_adm + r_los - 1
    st = {
        "person": np.concatenate(persons), "adm": np.concatenate(adms),
        "los": np.concatenate(los), "gen": np.concatenate(gens),
    }
    st["dis"] = st["adm"] + st["los"] - 1
    # Keep stays admitted inside the window while enrolled and alive.
    month = cal.month_of(st["adm"])
    ok = (month >= 0) & (month < cal.months)
    ok[ok] = pop.enrolled[st["person"][ok], month[ok]]
    death = pop.death_day[st["person"]]
    ok &= (death < 0) | (st["dis"] <= death)
    st = take(st, ok)
    # Drop stays that start before an earlier stay of the same person ended.
    order = np.lexsort((st["adm"], st["person"]))
    st = take(st, order)
    n = len(st["person"])
    new_person = np.r_[True, st["person"][1:] != st["person"][:-1]] if n else np.zeros(0, bool)
    seg = np.cumsum(new_person)
    big = np.int64(10**9)
    key = seg * big + st["dis"]
    prev_dis = np.r_[np.int64(0), np.maximum.accumulate(key)[:-1]] - seg * big if n else key
    st = take(st, st["adm"] > prev_dis)
    n = len(st["person"])
    death = pop.death_day[st["person"]]
    terminal = (death >= 0) & (st["dis"] == death)
    disp = DISPOSITIONS[rng.choice(len(DISPOSITIONS), n, p=DISPOSITION_P)]
    st["disposition"] = np.where(terminal, "20", disp)
    st["via_ed"] = rng.random(n) < P_VIA_ED
    st["facility"] = np.where(rng.random(n) < 0.8, pop.facility[st["person"]], rng.integers(0, 6, n))
    st["drg"] = rng.integers(0, 10, n)
    # A few catastrophic stays (ICU, trauma) make the extreme tail.
    catastrophic = np.where(rng.random(n) < 0.03, _lognormal(rng, 4.5, 0.4, n), 1.0)
    st["paid"] = (1500.0 * st["los"] + _lognormal(rng, 5500.0, 0.9, n)) * catastrophic
    return st


def simulate_events(rng: np.random.Generator, pop: Population, cal: Calendar) -> dict[str, Events]:
    """Draw all events of one chunk of members.

    Parameters
    ----------
    rng : numpy.random.Generator
        The chunk's generator.
    pop : Population
        Members of the chunk.
    cal : Calendar
        Month boundaries.

    Returns
    -------
    dict
        Event tables ``stays``, ``ed`` (ED visits without admission), ``office``,
        ``outpatient`` and ``rx``; each a dict of equal-length arrays with a ``person`` key.
    """
    risk = pop.risk
    stays = _stays(rng, pop, cal)

    person, day = _draw(rng, ed_rate(pop), pop, cal)
    n = len(person)
    ed = {
        "person": person, "day": day,
        "facility": np.where(rng.random(n) < 0.75, pop.facility[person], rng.integers(0, 6, n)),
        "level": rng.choice(3, n, p=[0.3, 0.45, 0.25]),  # 99283..99285
        "extra_lines": rng.integers(0, 3, n),
    }
    ed["paid"] = _lognormal(rng, 650.0, 0.7, n) * (1 + 0.4 * ed["level"])

    person, day = _draw(rng, RATE_OFFICE * risk**0.6, pop, cal)
    n = len(person)
    office = {
        "person": person, "day": day, "level": (rng.random(n) < 0.45).astype(np.int64),
        "lab": rng.random(n) < 0.25,
    }
    office["paid"] = np.where(office["level"] == 1, 115.0, 80.0) * rng.uniform(0.9, 1.1, n)

    person, day = _draw(rng, RATE_OUTPATIENT * risk**0.65, pop, cal)
    n = len(person)
    outpatient = {
        "person": person, "day": day, "facility": pop.facility[person],
        "lines": rng.integers(1, 4, n), "paid": _lognormal(rng, 750.0, 1.1, n),
    }

    n_cond = pop.n_conditions
    rx_rate = (0.3 + 1.2 * n_cond)[:, None] * (0.3 + 0.7 * np.minimum(risk, 6) ** 0.7)
    person, day = _draw(rng, rx_rate, pop, cal)
    n = len(person)
    rx = {
        "person": person, "day": day, "ndc": rng.integers(0, 30, n),
        "days_supply": np.where(rng.random(n) < 0.8, 30, np.where(rng.random(n) < 0.5, 90, 7)),
        "paid": _lognormal(rng, 55.0, 1.2, n),
    }
    # Specialty drug: a monthly high-cost fill for a few persistent users.
    sp = pop.specialty_rx[:, None] & (rng.random(pop.enrolled.shape) < 0.9)
    sp_p, sp_m = np.nonzero(sp & pop.enrolled)
    sp_day = cal.random_day(rng, sp_m)
    alive = (pop.death_day[sp_p] < 0) | (sp_day <= pop.death_day[sp_p])
    sp_p, sp_day = sp_p[alive], sp_day[alive]
    k = len(sp_p)
    specialty = {
        "person": sp_p, "day": sp_day, "ndc": rng.integers(30, 34, k),
        "days_supply": np.full(k, 30), "paid": _lognormal(rng, 1700.0, 0.35, k),
    }
    rx = concat([rx, specialty])
    return {"stays": stays, "ed": ed, "office": office, "outpatient": outpatient, "rx": rx}
