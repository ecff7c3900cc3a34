"""ROI arithmetic: the stable, hand-checkable functions every other ROI module builds on.

Definitions (README, "ROI and the value case"; always labelled, because a published "387% ROI" was really a
benefit-cost ratio of 3.87, i.e. 287% ROI):

- gross savings ``S``; program cost ``C``; **net savings** ``S - C``;
- **ROI** ``(S - C) / C``; **benefit-cost ratio** ``S / C``;
- **NPV** ``sum_t (S_t - C_t) / (1 + r) ** t`` for ``t = 1..H`` (end-of-year convention);
- **payback** the first month whose cumulative net savings is >= 0 (``None`` if never);
- **break-even effect** the reduction at which net savings are zero.

Examples
--------
>>> service_line_savings(100_000, 0.25, 0.50, 300)  # AHRQ asthma worked example
3750000.0
>>> summarize(3.87, 1.0).labelled()
'ROI 287% (net savings / cost); benefit-cost ratio 3.87 (savings / cost)'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "RoiSummary",
    "breakeven_reduction",
    "npv",
    "payback_month",
    "service_line_savings",
    "summarize",
]


def service_line_savings(members: float, baseline_rate: float, reduction: float,
                         unit_cost: float) -> float:
    """Gross savings of one service line over one year.

    ``members x baseline_rate x reduction x unit_cost``, as the Excel ROI calculators compute it.

    Parameters
    ----------
    members : float
        Members (enrollee-years) in the program.
    baseline_rate : float
        Events per member per year without the program (e.g. ED visits).
    reduction : float
        Share of baseline events avoided (0.15 = 15% fewer events).
    unit_cost : float
        Cost per event (paid per ED visit, per stay ...).

    Returns
    -------
    float
        Gross savings in currency units.

    Examples
    --------
    >>> service_line_savings(100_000, 0.25, 0.5, 300)
    3750000.0
    """
    return float(members) * float(baseline_rate) * float(reduction) * float(unit_cost)


@dataclass(frozen=True)
class RoiSummary:
    """Gross savings, program cost and the two ratios people confuse, each clearly named.

    Attributes
    ----------
    gross_savings, program_cost, net_savings : float
        ``S``, ``C`` and ``S - C``.
    roi : float
        ``(S - C) / C`` (0.0 = break even).
    benefit_cost_ratio : float
        ``S / C`` (1.0 = break even).

    Examples
    --------
    >>> s = summarize(3_870_000, 1_000_000)
    >>> round(s.roi, 2), round(s.benefit_cost_ratio, 2)
    (2.87, 3.87)
    """

    gross_savings: float
    program_cost: float
    net_savings: float
    roi: float
    benefit_cost_ratio: float

    def labelled(self) -> str:
        """One line naming both ratios.

        Examples
        --------
        >>> summarize(150, 100).labelled()
        'ROI 50% (net savings / cost); benefit-cost ratio 1.50 (savings / cost)'
        """
        return (f"ROI {self.roi:.0%} (net savings / cost); "
                f"benefit-cost ratio {self.benefit_cost_ratio:.2f} (savings / cost)")

    def summary(self) -> str:
        """Readable multi-line summary with the money and both ratios.

        Examples
        --------
        >>> print(summarize(150, 100).summary())
        Gross savings: 150
        Program cost: 100
        Net savings: 50
        ROI 50% (net savings / cost); benefit-cost ratio 1.50 (savings / cost)
        """
        return (f"Gross savings: {self.gross_savings:,.0f}\n"
                f"Program cost: {self.program_cost:,.0f}\n"
                f"Net savings: {self.net_savings:,.0f}\n"
                f"{self.labelled()}")


def summarize(gross_savings: float, program_cost: float) -> RoiSummary:
    """Net savings, ROI and benefit-cost ratio of gross savings ``S`` against cost ``C``.

    Parameters
    ----------
    gross_savings : float
        ``S``.
    program_cost : float
        ``C``; must be > 0 (ROI is undefined without a cost).

    Returns
    -------
    RoiSummary

    Raises
    ------
    ValueError
        If ``program_cost <= 0``.

    Examples
    --------
    >>> s = summarize(3.87, 1.0)
    >>> round(s.roi, 10), s.benefit_cost_ratio
    (2.87, 3.87)
    """
    s, c = float(gross_savings), float(program_cost)
    if not c > 0:
        raise ValueError(f"program_cost must be > 0 to compute ROI (got {program_cost!r})")
    return RoiSummary(gross_savings=s, program_cost=c, net_savings=s - c,
                      roi=(s - c) / c, benefit_cost_ratio=s / c)


def npv(net_cashflows: Sequence[float] | np.ndarray, rate: float = 0.03) -> float:
    """Net present value with end-of-year discounting: ``sum_t x_t / (1 + rate) ** t``, t = 1..H.

    Parameters
    ----------
    net_cashflows : sequence of float
        Net savings per year, year 1 first.
    rate : float, default 0.03
        Annual discount rate.

    Returns
    -------
    float

    Examples
    --------
    >>> round(npv([110.0, 121.0], 0.10), 6)  # 100 + 100
    200.0
    """
    x = np.asarray(net_cashflows, dtype=float)
    if rate <= -1:
        raise ValueError(f"rate must be > -1 (got {rate})")
    t = np.arange(1, x.size + 1)
    return float(np.sum(x / (1.0 + rate) ** t))


def breakeven_reduction(members: float, baseline_rate: float, unit_cost: float,
                        program_cost: float) -> float:
    """Reduction in events at which one service line's savings exactly pay for the program.

    Solves ``members x baseline_rate x reduction x unit_cost - program_cost = 0``.

    Parameters
    ----------
    members, baseline_rate, unit_cost : float
        As in :func:`service_line_savings`; their product must be > 0.
    program_cost : float
        Program cost over the same year.

    Returns
    -------
    float
        Break-even reduction (a share; above 1.0 means break-even is out of reach).

    Examples
    --------
    >>> breakeven_reduction(100_000, 0.25, 300, 3_750_000)
    0.5
    """
    spend = float(members) * float(baseline_rate) * float(unit_cost)
    if not spend > 0:
        raise ValueError("members x baseline_rate x unit_cost must be > 0 to find a break-even")
    return float(program_cost) / spend


def payback_month(monthly_net: Sequence[float] | np.ndarray) -> int | None:
    """First month (1-based) whose cumulative net savings is >= 0; ``None`` if it never is.

    Parameters
    ----------
    monthly_net : sequence of float
        Net savings (savings - costs) per month, month 1 first.

    Returns
    -------
    int or None

    Examples
    --------
    >>> payback_month([-100, -50, 60, 60, 60])
    5
    >>> payback_month([-1, -1]) is None
    True
    """
    x = np.asarray(monthly_net, dtype=float)
    cum = np.cumsum(x)
    tol = 1e-9 * max(1.0, float(np.abs(x).sum())) if x.size else 0.0  # float round-off only
    hit = np.flatnonzero(cum >= -tol)
    return int(hit[0]) + 1 if hit.size else None
