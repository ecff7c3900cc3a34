"""Model-expected and realized event counts per calendar year, for ``truth.json``.

The expected counts are the generator's mean function given each person's latent state (monthly
risk, enrollment, death day, program window): no random draws. They are computed on a
person x day grid over the data window:

- **Primary admissions**: ``ip_rate / days_in_month`` on each enrolled day up to death (exact).
- **Readmission chains** (up to :data:`~valuecase.synth.events.READMIT_GENERATIONS`): discharge-day
  intensity = admission intensity convolved with the length-of-stay distribution; each discharge
  spawns a readmission with the risk-dependent probability after ``2 + min(floor(Exp), 28)`` days
  (exact up to the kept-stay filter below).
- **Terminal stays**: a share of deaths, admitted ``1 + Geometric`` days before death (exact).
- **Kept stays**: admitted in an enrolled month and discharged by the death day (exact), and not
  starting while another stay of the person is under way (approximate: ``exp(-coverage)``, where
  coverage is the expected number of other stays in progress on the admission day).
- **Program effect**: stays and treat-and-release ED visits inside a program-arm enrollee's window
  are thinned by ``1 + effect`` (exact for effects <= 0).
- **ED visits** (pipeline definition: distinct person-days with an ED line): treat-and-release
  visits plus admissions through the ED; the expected number of distinct days uses
  ``1 - exp(-intensity)`` per person-day (a Poisson approximation for the rare same-day pairs).
- **Index stays**: kept stays that are not terminal, with a non-excluded disposition (share 0.92),
  discharged at least 30 days before the last day of the window.
- **30-day readmissions**: for each index discharge, the chance that the person's next stay
  starts 1-30 days later, from the stay's own readmission plus all other stays of the person
  (treated as independent); attributed to the year of the readmission.

Examples
--------
>>> import numpy as np
>>> from valuecase.synth.config import SynthConfig
>>> from valuecase.synth.population import Calendar, make_population
>>> cal = Calendar.from_config(SynthConfig(members=200, months=24))
>>> pop = make_population(np.random.default_rng(5), np.arange(200), cal)
>>> none = {k: np.zeros(0, dtype=np.int64) for k in ("person", "enroll", "end", "arm")}
>>> exp = expected_counts(pop, cal, none, 0.0, 0.0)
>>> exp["member_months"].sum() == pop.enrolled.sum()
np.True_
>>> bool((exp["acute_stays"] > exp["index_stays"]).all())
True
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve, lfilter

from . import events as ev
from .population import EPOCH, Calendar, Population

COUNTS = ("member_months", "ed_visits", "ed_visits_admitted", "ed_visit_events", "acute_stays",
          "index_stays", "readmissions_30d")
"""Keys of :func:`expected_counts`; :func:`generated_counts` has the realized counterparts."""
P_INDEX_DISPOSITION = 1 - 0.05 - 0.03  # dispositions 02 (transfer) and 07 (AMA) excluded
READMISSION_WINDOW_DAYS = 30
BLOCK = 1000  # persons per grid block


def years_of(cal: Calendar) -> np.ndarray:
    """Calendar year of each month of the window."""
    return (cal.month_start[:-1] + EPOCH).astype("datetime64[Y]").astype(np.int64) + 1970


def _geometric_pmf(p: float, length: int) -> np.ndarray:
    """P(G - 1 = l), l = 0..length-1, for G ~ Geometric(p) on 1, 2, ..."""
    return p * (1 - p) ** np.arange(length)


def _kernels(length: int) -> dict[str, np.ndarray]:
    """Distributions of (discharge - admission) and of the readmission gap, as day kernels."""
    g0 = _geometric_pmf(ev.LOS_P, length)
    primary = 0.5 * g0 + 0.5 * np.r_[0.0, g0[:-1]]  # Geometric + Bernoulli(0.5) - 1
    readmit = _geometric_pmf(ev.READMIT_LOS_P, length)
    q = np.exp(-1 / ev.READMIT_GAP_MEAN)
    gap = (1 - q) * q ** np.arange(ev.READMIT_GAP_MAX + 1)
    gap[-1] = q**ev.READMIT_GAP_MAX  # min(floor(Exp), MAX)
    readmit_lag = np.r_[0.0, 0.0, gap]  # admission = discharge + 2 + gap
    terminal = np.r_[0.0, _geometric_pmf(ev.TERMINAL_LOS_P, length - 1)]  # los - 1 >= 1
    return {"primary": primary, "readmit": readmit, "terminal": terminal, "lag": readmit_lag}


def _cdf(kernel: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(discharge - admission <= x) for integer arrays ``x`` (0 below 0, 1 beyond the kernel)."""
    c = np.r_[np.cumsum(kernel), 1.0]
    return np.where(x < 0, 0.0, c[np.clip(x, 0, len(kernel))])


def _conv(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Causal convolution along days: out[:, d] = sum_l kernel[l] x[:, d - l]."""
    out = fftconvolve(x, kernel[None, :], axes=1)[:, : x.shape[1]]
    return np.maximum(out, 0.0)


def _geometric_filter(x: np.ndarray, p: float, b: list[float]) -> np.ndarray:
    """Causal convolution with ``b[j] * (1 - p)**(l - j)`` (an exact first-order recursion)."""
    return lfilter(b, [1.0, -(1.0 - p)], x, axis=1)


def _los(x: np.ndarray, kind: str) -> np.ndarray:
    """Discharge-day intensity from admission-day intensity (exact geometric kernels)."""
    if kind == "primary":  # Geometric(LOS_P) - 1 + Bernoulli(0.5)
        y = _geometric_filter(x, ev.LOS_P, [ev.LOS_P])
        return 0.5 * y + 0.5 * np.pad(y, ((0, 0), (1, 0)))[:, :-1]
    return _geometric_filter(x, ev.READMIT_LOS_P, [ev.READMIT_LOS_P])


def _ongoing(x: np.ndarray, kind: str) -> np.ndarray:
    """Expected stays admitted before day d (intensity ``x``) still in hospital on day d."""
    if kind == "primary":  # P(los - 1 >= l) = (q^l + q^(l-1)) / 2, l >= 1
        q = 1 - ev.LOS_P
        return _geometric_filter(x, ev.LOS_P, [0.0, 0.5 * q + 0.5])
    if kind == "terminal":  # los - 1 = Geometric(p) >= 1: P(los - 1 >= l) = q^(l-1)
        return _geometric_filter(x, ev.TERMINAL_LOS_P, [0.0, 1.0])
    q = 1 - ev.READMIT_LOS_P  # los - 1 = Geometric(p) - 1: P(los - 1 >= l) = q^l
    return _geometric_filter(x, ev.READMIT_LOS_P, [0.0, q])


def expected_counts(pop: Population, cal: Calendar, prog: dict[str, np.ndarray],
                    effect_inpatient: float, effect_ed: float) -> dict[str, np.ndarray]:
    """Model-expected counts per calendar year for one chunk (see the module docstring).

    Parameters
    ----------
    pop : Population
        Members of the chunk (latent risk, enrollment, deaths).
    cal : Calendar
        Month boundaries.
    prog : dict
        Output of :func:`valuecase.synth.program.assign_program` (``person``, ``enroll``,
        ``end``, ``arm``).
    effect_inpatient, effect_ed : float
        True relative program effects.

    Returns
    -------
    dict
        :data:`COUNTS` -> float array with one value per calendar year of the window
        (``ed_visit_events`` counts visits before same-day de-duplication).
    """
    years = years_of(cal)
    uniq = np.unique(years)
    first, n_days = cal.first_day, cal.last_day - cal.first_day + 1
    day = first + np.arange(n_days)
    mon = cal.month_of(day)
    length = (cal.month_start[1:] - cal.month_start[:-1])[mon].astype(float)
    year_idx = np.searchsorted(uniq, years[mon])
    cutoff = cal.last_day - READMISSION_WINDOW_DAYS
    k = _kernels(90)
    treated = prog["arm"] == 1
    win_start = np.full(pop.n, np.iinfo(np.int64).max)
    win_stop = np.full(pop.n, np.iinfo(np.int64).min)
    win_start[prog["person"][treated]] = prog["enroll"][treated]
    win_stop[prog["person"][treated]] = prog["end"][treated]
    ip, ed = ev.ip_rate(pop), ev.ed_rate(pop)
    out = {name: np.zeros(len(uniq)) for name in COUNTS}
    out["member_months"] = np.bincount(np.searchsorted(uniq, years), pop.enrolled.sum(axis=0),
                                       minlength=len(uniq)).astype(float)

    def by_year(x: np.ndarray) -> np.ndarray:
        return np.bincount(year_idx, x.sum(axis=0), minlength=len(uniq))

    for lo in range(0, pop.n, BLOCK):
        rows = np.arange(lo, min(lo + BLOCK, pop.n))
        death = pop.death_day[rows][:, None]
        dies = death >= 0
        enrolled = pop.enrolled[rows][:, mon]
        alive = ~dies | (day[None, :] <= death)
        in_win = (day[None, :] >= win_start[rows][:, None]) & (
            day[None, :] <= win_stop[rows][:, None])
        f_ip = np.where(in_win, 1 + effect_inpatient, 1.0)
        f_ed = np.where(in_win, 1 + effect_ed, 1.0)
        dying = np.flatnonzero(dies[:, 0])

        def by_death(kernel: np.ndarray, limit_day: np.ndarray, death=death,
                     dying=dying) -> np.ndarray:
            """P(discharge <= min(death, limit_day)) for a stay admitted on each day."""
            out = np.broadcast_to(_cdf(kernel, limit_day - day), (len(death), n_days)).copy()
            to_death = np.minimum(death[dying], limit_day) - day[None, :]
            out[dying] = _cdf(kernel, to_death)
            return out

        no_limit = np.array(cal.last_day + 10_000)
        p_readmit = ev.readmit_probability(pop.risk[rows][:, mon])

        # Admission intensities by generation, before the kept-stay filter.
        chain = [ip[rows][:, mon] / length * enrolled * alive]
        for g in range(1, ev.READMIT_GENERATIONS + 1):
            discharges = _los(chain[-1], "primary" if g == 1 else "readmit")
            chain.append(_conv(discharges * p_readmit, k["lag"]))
        kept = []
        for g, c in enumerate(chain):
            los = k["primary"] if g == 0 else k["readmit"]
            kept.append(c * enrolled * by_death(los, no_limit))
        # Terminal stays: admitted 2+ days before death.
        term = np.zeros_like(chain[0])
        for i in dying:
            back = np.arange(1, len(k["terminal"]))  # admission = death - back, back = los - 1
            adm = death[i, 0] - back - first
            ok = (adm >= 0) & (adm < n_days)
            term[i, adm[ok]] = ev.TERMINAL_SHARE * k["terminal"][back[ok]]
        term *= enrolled
        coverage = (_ongoing(kept[0], "primary") + _ongoing(term, "terminal")
                    + _ongoing(sum(kept[1:]), "readmit"))
        not_covered = np.exp(-coverage)
        final = [x * not_covered * f_ip for x in kept]
        final_term = term * not_covered * f_ip
        stays = sum(final) + final_term
        via_ed = ev.P_VIA_ED * stays
        ed_tr = ed[rows][:, mon] / length * enrolled * alive * f_ed
        out["acute_stays"] += by_year(stays)
        out["ed_visits_admitted"] += by_year(via_ed)
        out["ed_visit_events"] += by_year(ed_tr + via_ed)
        out["ed_visits"] += by_year(-np.expm1(-(ed_tr + via_ed)))

        # Index stays (by admission day) and their discharge-day intensity.
        index_by_adm = np.zeros_like(stays)
        index_dis = np.zeros_like(stays)
        dis_ok = (day[None, :] <= cutoff) & alive
        for g, c in enumerate(chain):
            los = k["primary"] if g == 0 else k["readmit"]
            admitted = c * enrolled * not_covered * f_ip * P_INDEX_DISPOSITION
            index_by_adm += admitted * by_death(los, np.array(cutoff))
            index_dis += _los(admitted, "primary" if g == 0 else "readmit") * dis_ok
        out["index_stays"] += by_year(index_by_adm)

        # Next stay 1-30 days after an index discharge on day e: the stay's own readmission
        # (probability p_readmit(e) x K_t(e) by lag t) or any other stay (Poisson, BG_t(e)).
        # Survival S_t(e) = exp(-BG_t(e)) x (1 - p_readmit(e) K_t(e)); readmission = 1 - S_30.
        child_keep = enrolled * by_death(k["readmit"], no_limit) * not_covered * f_ip
        cum_stays = np.pad(np.cumsum(stays, axis=1), ((0, 0), (0, READMISSION_WINDOW_DAYS)),
                           mode="edge")
        pad_keep = np.pad(child_keep, ((0, 0), (0, READMISSION_WINDOW_DAYS)))
        cols = np.arange(n_days)

        def survival(t: np.ndarray, e: np.ndarray, cum_stays=cum_stays, pad_keep=pad_keep,
                     p_readmit=p_readmit) -> np.ndarray:
            """S_t(e) for a few columns ``e``, ``t`` days each."""
            bg = cum_stays[:, e + t] - cum_stays[:, e]
            child = sum(k["lag"][s] * pad_keep[:, e + s] * (s <= t)
                        for s in range(2, READMISSION_WINDOW_DAYS + 1))
            return np.exp(-bg) * (1 - p_readmit[:, e] * child)

        w = READMISSION_WINDOW_DAYS
        child = np.zeros_like(stays)
        for s in range(2, w + 1):
            child += k["lag"][s] * pad_keep[:, s:s + n_days]
        bg = cum_stays[:, w:w + n_days] - cum_stays[:, :n_days]
        readmit = index_dis * (1 - np.exp(-bg) * (1 - p_readmit * child))
        out["readmissions_30d"] += by_year(readmit)
        # Readmissions after discharges in the last 30 days of a year land in the next year.
        for b in np.flatnonzero(np.diff(year_idx)) + 1:
            e = cols[max(b - w, 0):b]
            moved = (index_dis[:, e] * (survival(b - e - 1, e) - survival(np.array(w), e))).sum()
            out["readmissions_30d"][year_idx[b - 1]] -= moved
            out["readmissions_30d"][year_idx[b]] += moved
    return out


def generated_counts(events: dict[str, dict[str, np.ndarray]], pop: Population,
                     cal: Calendar) -> dict[str, np.ndarray]:
    """Realized counts per calendar year of what the generator wrote (one chunk).

    Returns
    -------
    dict
        ``member_months``; ``ed_visits`` (distinct person-days with a treat-and-release ED visit
        or an admission through the ED), ``ed_visit_events`` (the same before de-duplication),
        ``ed_visits_admitted`` (stays admitted through the ED), ``acute_stays`` (one per ``111``
        claim), ``readmission_stays`` (stays the generator made as readmissions),
        ``terminal_stays`` and ``adjacent_same_facility`` (stays admitted the day after the same
        person's previous stay at the same hospital ended, which claims logic merges).
    """
    years = years_of(cal)
    uniq = np.unique(years)

    def year(days: np.ndarray) -> np.ndarray:
        return np.searchsorted(uniq, years[cal.month_of(days)])

    def count(days: np.ndarray) -> np.ndarray:
        return np.bincount(year(days), minlength=len(uniq)).astype(float)

    st, ed = events["stays"], events["ed"]
    via = st["via_ed"]
    person = np.r_[ed["person"], st["person"][via]]
    day = np.r_[ed["day"], st["adm"][via]]
    key = np.unique(person.astype(np.int64) * (1 << 32) + day)
    order = np.lexsort((st["adm"], st["facility"], st["person"]))
    p, f, adm, dis = (st[x][order] for x in ("person", "facility", "adm", "dis"))
    adjacent = np.zeros(len(p), dtype=bool)
    adjacent[1:] = (p[1:] == p[:-1]) & (f[1:] == f[:-1]) & (adm[1:] <= dis[:-1] + 1)
    return {
        "member_months": np.bincount(np.searchsorted(uniq, years), pop.enrolled.sum(axis=0),
                                     minlength=len(uniq)).astype(float),
        "ed_visits": count(key % (1 << 32)),
        "ed_visit_events": count(day),
        "ed_visits_admitted": count(st["adm"][via]),
        "acute_stays": count(st["adm"]),
        "readmission_stays": count(st["adm"][st["gen"] >= 1]),
        "terminal_stays": count(st["adm"][st["gen"] == -1]),
        "adjacent_same_facility": count(adm[adjacent]),
    }
