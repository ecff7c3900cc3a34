"""Minimum detectable effects for two-group comparisons (two-sided tests)."""

from __future__ import annotations

import math

from scipy import stats


def _multiplier(alpha: float, power: float) -> float:
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("alpha and power must be between 0 and 1")
    return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))


def _check_n(n_treated: float, n_control: float) -> None:
    if n_treated <= 0 or n_control <= 0:
        raise ValueError("n_treated and n_control must be positive")


def design_effect(icc: float = 0.0, cluster_size: float = 1.0) -> float:
    """Variance inflation from clustering: ``1 + (m - 1) * icc``.

    Examples
    --------
    >>> design_effect(0.05, 21)
    2.0
    """
    if not 0 <= icc <= 1 or cluster_size < 1:
        raise ValueError("icc must be in [0, 1] and cluster_size at least 1")
    return 1.0 + (cluster_size - 1.0) * icc


def minimum_detectable_effect(n_treated: float, n_control: float, sd: float,
                              alpha: float = 0.05, power: float = 0.8, icc: float = 0.0,
                              cluster_size: float = 1.0) -> float:
    """Smallest true difference in means detectable with the given power (two-sided test).

    ``MDE = (z_{1-alpha/2} + z_power) * sd * sqrt(1/n1 + 1/n0) * sqrt(DE)`` with design effect
    ``DE = 1 + (cluster_size - 1) * icc`` (e.g. repeated member months per person, or
    persons per practice). With alpha = 0.05 and power = 0.8 the multiplier is 2.80.

    Examples
    --------
    >>> round(minimum_detectable_effect(400, 400, sd=1000.0), 1)
    198.1
    """
    _check_n(n_treated, n_control)
    if sd <= 0:
        raise ValueError("sd must be positive")
    de = design_effect(icc, cluster_size)
    return _multiplier(alpha, power) * sd * math.sqrt((1 / n_treated + 1 / n_control) * de)


def minimum_detectable_rate_ratio(n_treated: float, n_control: float, baseline_rate: float,
                                  exposure: float, alpha: float = 0.05, power: float = 0.8,
                                  overdispersion: float = 0.0) -> float:
    """Smallest detectable *reduction* in an event rate, as a rate ratio below 1.

    Each person contributes ``exposure`` (e.g. 12 member months) at ``baseline_rate`` events
    per unit of exposure, so the expected count is ``mu = baseline_rate * exposure``. With a
    negative binomial (NB2) dispersion ``overdispersion`` (0 = Poisson), the variance of the
    log rate ratio is approximately ``(1/mu + overdispersion) * (1/n1 + 1/n0)`` and the
    detectable ratio is ``exp(-(z_{1-alpha/2} + z_power) * sqrt(var))``.

    Examples
    --------
    >>> round(minimum_detectable_rate_ratio(500, 500, baseline_rate=0.05, exposure=12), 3)
    0.796
    """
    _check_n(n_treated, n_control)
    if baseline_rate <= 0 or exposure <= 0 or overdispersion < 0:
        raise ValueError("baseline_rate and exposure must be positive, overdispersion >= 0")
    mu = baseline_rate * exposure
    var = (1 / mu + overdispersion) * (1 / n_treated + 1 / n_control)
    return math.exp(-_multiplier(alpha, power) * math.sqrt(var))
