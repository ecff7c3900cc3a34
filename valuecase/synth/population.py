"""Members: demographics, chronic conditions, latent risk, enrollment spans and deaths.

Dates are integer day numbers (days since 1970-01-01) throughout the generator; the writer turns
them into date32. Month ``m`` of the window runs from ``cal.month_start[m]`` to
``cal.month_start[m + 1] - 1``.

Examples
--------
>>> import numpy as np
>>> from valuecase.synth.config import SynthConfig
>>> from valuecase.synth.population import Calendar, make_population
>>> cfg = SynthConfig(members=50, months=24)
>>> pop = make_population(np.random.default_rng(1), np.arange(50), Calendar.from_config(cfg))
>>> pop.enrolled.shape
(50, 24)
>>> bool(pop.enrolled.any(axis=1).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import SynthConfig

EPOCH = np.datetime64("1970-01-01", "D")
PLANS = np.array(["medicaid_hmo_a", "medicaid_hmo_b", "medicaid_ffs"])
PLAN_P = np.array([0.45, 0.35, 0.20])
SITES = np.array(["north", "central", "south"])
# Hospital pool: two hospitals per site.
FACILITY_NPI = np.array(
    ["1528064329", "1730182216", "1245337412", "1669474055", "1386652118", "1902815530"]
)
FACILITY_SITE = np.array([0, 0, 1, 1, 2, 2])
CONDITIONS = ("diabetes", "heart_failure", "copd", "serious_mental_illness", "substance_use")


@dataclass(frozen=True)
class Calendar:
    """Month boundaries of the data window as day numbers."""

    month_start: np.ndarray  # shape (months + 1,)

    @classmethod
    def from_config(cls, cfg: SynthConfig) -> Calendar:
        first = np.datetime64(cfg.start, "M")
        months = first + np.arange(cfg.months + 1)
        return cls((months.astype("datetime64[D]") - EPOCH).astype(np.int64))

    @property
    def months(self) -> int:
        return len(self.month_start) - 1

    @property
    def first_day(self) -> int:
        return int(self.month_start[0])

    @property
    def last_day(self) -> int:
        return int(self.month_start[-1]) - 1

    def month_of(self, day: np.ndarray) -> np.ndarray:
        """Month index of each day (-1 before the window, ``months`` after it)."""
        return np.searchsorted(self.month_start, day, side="right") - 1

    def random_day(self, rng: np.random.Generator, month: np.ndarray) -> np.ndarray:
        """A uniformly random day inside each month index."""
        length = self.month_start[month + 1] - self.month_start[month]
        return self.month_start[month] + np.floor(rng.random(len(month)) * length).astype(np.int64)


@dataclass
class Population:
    """One chunk of members (arrays indexed by person within the chunk)."""

    index: np.ndarray  # global 0-based member index
    age: np.ndarray  # age at the start of the window
    birth_day: np.ndarray
    female: np.ndarray
    plan: np.ndarray
    site: np.ndarray
    facility: np.ndarray  # index into FACILITY_NPI: home hospital
    conditions: np.ndarray  # (n, len(CONDITIONS)) bool
    frailty: np.ndarray  # persistent latent risk, mean about 1
    risk: np.ndarray  # (n, months) latent risk per month: frailty x slow transient factor
    specialty_rx: np.ndarray  # on a high-cost specialty drug
    enrolled: np.ndarray  # (n, months) bool, after death
    death_day: np.ndarray  # -1 when alive at the end

    @property
    def n(self) -> int:
        return len(self.index)

    @property
    def n_conditions(self) -> np.ndarray:
        return self.conditions.sum(axis=1)


def _enrollment(rng: np.random.Generator, n: int, months: int) -> np.ndarray:
    """Enrolled month mask with churn: late joiners, early leavers, some gaps."""
    first = np.where(rng.random(n) < 0.68, 0, rng.integers(1, months, n))
    stays = first + np.floor(rng.exponential(16.0, n)).astype(np.int64)
    last = np.where(rng.random(n) < 0.62, months - 1, np.minimum(stays, months - 1))
    last = np.maximum(last, first)
    m = np.arange(months)
    mask = (m >= first[:, None]) & (m <= last[:, None])
    # A gap (two spans) for some people with long enough spans.
    span = last - first + 1
    has_gap = (rng.random(n) < 0.14) & (span >= 6)
    gap_len = rng.integers(1, 4, n)
    gap_start = first + 1 + np.floor(rng.random(n) * np.maximum(span - gap_len - 1, 1)).astype(int)
    in_gap = (m >= gap_start[:, None]) & (m < (gap_start + gap_len)[:, None]) & has_gap[:, None]
    return mask & ~in_gap


def make_population(rng: np.random.Generator, index: np.ndarray, cal: Calendar) -> Population:
    """Draw one chunk of members.

    Parameters
    ----------
    rng : numpy.random.Generator
        The chunk's generator.
    index : numpy.ndarray
        Global 0-based member indices of the chunk.
    cal : Calendar
        Month boundaries.

    Returns
    -------
    Population
    """
    n, months = len(index), cal.months
    years = int(np.ceil(months / 12))
    max_age = max(20, 64 - years)
    age = 19 + np.floor(rng.beta(1.2, 1.7, n) * (max_age - 19 + 1)).astype(np.int64)
    birth_day = cal.first_day - np.round(age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    female = rng.random(n) < 0.58
    plan = rng.choice(len(PLANS), n, p=PLAN_P)
    site = rng.choice(3, n, p=[0.4, 0.35, 0.25])
    facility = 2 * site + (rng.random(n) < 0.4)

    # Chronic conditions: prevalence rises with age; a correlated "complexity" factor links them.
    complexity = rng.normal(size=n)
    base = np.array([-2.6, -4.4, -3.6, -2.2, -2.5])
    age_slope = np.array([0.55, 0.75, 0.6, 0.0, -0.1])
    logit = base + age_slope * (age[:, None] - 40) / 10 + 0.9 * complexity[:, None]
    conditions = rng.random((n, len(CONDITIONS))) < 1 / (1 + np.exp(-logit))

    # Persistent frailty: lognormal, correlated with age, conditions and complexity.
    log_frailty = (
        0.12 * (age - 40) / 10
        + 0.42 * conditions.sum(axis=1)
        + 0.35 * complexity
        + rng.normal(0, 1.15, n)
    )
    frailty = np.exp(log_frailty)
    frailty = frailty / 2.9  # mean about 1

    # Slowly varying transient factor: AR(1) on the log scale, stationary sd 0.55.
    rho, sd = 0.85, 0.45
    shocks = rng.normal(0, sd * np.sqrt(1 - rho**2), (n, months))
    log_t = np.empty((n, months))
    log_t[:, 0] = rng.normal(0, sd, n)
    for m in range(1, months):
        log_t[:, m] = rho * log_t[:, m - 1] + shocks[:, m]
    risk = frailty[:, None] * np.exp(log_t - sd**2 / 2)

    specialty_rx = rng.random(n) < np.clip(0.02 * frailty**0.5, 0, 0.3)

    enrolled = _enrollment(rng, n, months)
    # Deaths: monthly hazard rising with risk and age; enrollment stops after the death month.
    hazard = 0.0003 * risk**0.8 * np.exp(0.35 * (age[:, None] - 40) / 10)
    dies = (rng.random((n, months)) < hazard) & enrolled
    any_death = dies.any(axis=1)
    death_month = np.where(any_death, dies.argmax(axis=1), months)
    death_day = np.full(n, -1, dtype=np.int64)
    who = np.flatnonzero(any_death)
    death_day[who] = cal.random_day(rng, death_month[who])
    enrolled &= np.arange(months)[None, :] <= death_month[:, None]

    return Population(
        index=np.asarray(index), age=age, birth_day=birth_day, female=female, plan=plan,
        site=site, facility=facility, conditions=conditions, frailty=frailty, risk=risk,
        specialty_rx=specialty_rx, enrolled=enrolled, death_day=death_day,
    )


def enrollment_spans(pop: Population, cal: Calendar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contiguous enrolled month runs as (person, start_day, end_day) arrays."""
    e = pop.enrolled.astype(np.int8)
    padded = np.pad(e, ((0, 0), (1, 1)))
    diff = np.diff(padded, axis=1)
    p_start, m_start = np.nonzero(diff == 1)
    p_end, m_end = np.nonzero(diff == -1)  # already ordered by person then month
    return p_start, cal.month_start[m_start], cal.month_start[m_end] - 1
