"""How a number reads: the one formatting layer of every report table and sentence.

Money carries the symbol of the report's currency (:mod:`valuecase.present.currency`) and, where
it has one, its period ("$1,234 per person-year"); rates name their denominator ("12.3 per
1,000 member-years"); percentages follow one rule for decimals (:func:`percent`); counts have
thousands separators and a suppressed count shows :data:`SUPPRESSED`; a value not shown shows
:data:`NOT_SHOWN`; booleans read "yes"/"no". No function here ever writes scientific notation.

Column headers and coded values get their human names from the one label dictionary,
:mod:`valuecase.present.labels` (re-exported here: :func:`column_label`, :func:`value_label`).

Examples
--------
>>> money(-2642836.4), money(12.5, period="per member-month", cents=True)
('-$2,642,836', '$12.50 per member-month')
>>> rate(12.345), percent(0.0242), count(1234), yes_no(True)
('12.3 per 1,000 member-years', '2.4%', '1,234', 'yes')
>>> ci(-749.61, 806.16, money)
'95% CI -$750 to $806'
>>> number(544512.7), number(-0.08607), number(float("nan"))
('544,513', '-0.086', '—')
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from valuecase.present import currency as currency_in_use
from valuecase.present.labels import (
    COLUMN_LABELS,
    STRICT_LABELS_ENV,
    VALUE_LABELS,
    column_label,
    value_label,
)
from valuecase.privacy import MIN_CELL_SIZE, SUPPRESSED

__all__ = [
    "COLUMN_LABELS", "NOT_SHOWN", "PLAIN_COLUMNS", "STRICT_LABELS_ENV", "SUPPRESSED",
    "SUPPRESSED_NOTE", "VALUE_LABELS", "auto", "ci", "column_label", "count", "input_value",
    "is_missing", "money", "number", "p_value", "percent", "percent_change", "rate", "ratio",
    "signed", "value_label", "yes_no",
]

NOT_SHOWN = "—"
"""Shown in a cell whose value is not shown: computed from a count below the cell-size
threshold, or not defined."""
SUPPRESSED_NOTE = (f"{SUPPRESSED}: fewer than {MIN_CELL_SIZE}; {NOT_SHOWN}: not shown "
                   f"(computed from fewer than {MIN_CELL_SIZE}, or not defined).")
"""The one sentence every caption with suppressed cells ends with."""

Number = float | int | Decimal


def is_missing(x: Any) -> bool:
    """True for ``None`` and NaN (float or pandas' ``NA``).

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0)
    (True, True, False)
    """
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN, pd.NA (raises TypeError: ambiguous)
    except TypeError:
        return True


def _plain(x: Number, digits: int) -> str:
    """``x`` with thousands separators and ``digits`` decimals; never scientific notation."""
    return f"{x:,.{digits}f}"


def number(x: Number | None, digits: int | None = None) -> str:
    """A plain number: thousands separators, no scientific notation.

    Without ``digits``: whole numbers from 1,000 up, 2 decimals from 1, 3 decimals below 1.

    Examples
    --------
    >>> number(1234567.891), number(2.3456), number(0.012345), number(175.0), number(0.0)
    ('1,234,568', '2.35', '0.012', '175', '0')
    """
    if is_missing(x):
        return NOT_SHOWN
    if digits is None:
        size = abs(float(x))
        whole = float(x).is_integer()
        digits = 0 if size >= 1000 or whole else 2 if size >= 1 else 3
    text = _plain(x, digits)
    return text[1:] if text.startswith("-") and text.strip("-0.,") == "" else text  # no "-0"


def signed(x: Number | None, digits: int = 2) -> str:
    """A number with its sign always shown (``+0.12``, ``-1,234.00``).

    Examples
    --------
    >>> signed(0.123), signed(-1234, digits=0)
    ('+0.12', '-1,234')
    """
    if is_missing(x):
        return NOT_SHOWN
    return ("+" if x >= 0 else "") + _plain(x, digits)


def money(x: Number | None, period: str | None = None, *, cents: bool = False,
          signed_: bool = False, currency: str | None = None) -> str:
    """An amount with its currency symbol after the sign (``-$1,234``), and its period.

    Parameters
    ----------
    x : float, int or Decimal
        The amount (a ``Decimal`` is formatted exactly).
    period : str, optional
        What the amount is per, e.g. ``"per member-month"``.
    cents : bool, default False
        Show two decimals (PMPM amounts); whole units otherwise.
    signed_ : bool, default False
        Show ``+`` before positive amounts (changes).
    currency : str, optional
        Symbol; the report's (:func:`valuecase.present.currency.symbol`) by default.

    Examples
    --------
    >>> money(95572), money(-0.4), money(1234.5), money(Decimal("1234.565"), cents=True)
    ('$95,572', '$0', '$1,235', '$1,234.57')
    >>> money(28.27, "per member-month", cents=True, signed_=True)
    '+$28.27 per member-month'
    """
    if is_missing(x):
        return NOT_SHOWN
    symbol = currency_in_use.symbol() if currency is None else currency
    exact = x if isinstance(x, Decimal) else Decimal(repr(float(x)))  # as written, not binary
    rounded = exact.quantize(Decimal("0.01") if cents else Decimal("1"), rounding=ROUND_HALF_UP)
    amount = _plain(abs(rounded), 2 if cents else 0)
    negative = rounded < 0
    sign = "-" if negative else ("+" if signed_ and rounded > 0 else "")
    return f"{sign}{symbol}{amount}" + (f" {period}" if period else "")


def rate(x: Number | None, per: str = "1,000 member-years", digits: int = 1) -> str:
    """A rate with its denominator: ``12.3 per 1,000 member-years``.

    Examples
    --------
    >>> rate(0.8349, per="member-year", digits=2)
    '0.83 per member-year'
    """
    if is_missing(x):
        return NOT_SHOWN
    return f"{_plain(x, digits)} per {per}"


def ratio(x: Number | None, digits: int = 2) -> str:
    """A ratio (rate ratio, benefit–cost ratio): ``0.83``.

    Examples
    --------
    >>> ratio(0.8349), ratio(None)
    ('0.83', '—')
    """
    return NOT_SHOWN if is_missing(x) else _plain(x, digits)


def percent(share: Number | None, *, signed_: bool = False) -> str:
    """A share as a percentage, always with one decimal (so ``2.4%`` never sits beside
    ``2.42%``); a positive share under 0.05% reads ``<0.1%``.

    Examples
    --------
    >>> percent(0.02424), percent(0.5), percent(0.0002), percent(-0.123, signed_=True)
    ('2.4%', '50.0%', '<0.1%', '-12.3%')
    """
    if is_missing(share):
        return NOT_SHOWN
    pct = float(share) * 100
    if 0 < pct < 0.05:
        return "<0.1%"
    text = f"{pct:,.1f}%"
    if text in ("-0.0%",):
        text = "0.0%"
    return ("+" + text) if signed_ and pct > 0 and text != "0.0%" else text


def percent_change(ratio_value: Number, digits: int = 0) -> str:
    """A rate ratio as the change it means: ``0.77`` -> ``23% fewer``, ``1.2`` -> ``20% more``.

    Examples
    --------
    >>> percent_change(0.77), percent_change(1.2), percent_change(1.0)
    ('23% fewer', '20% more', 'no change')
    """
    pct = (float(ratio_value) - 1) * 100
    text = f"{abs(pct):,.{digits}f}%"
    if text.strip("0.%") == "":
        return "no change"
    return f"{text} {'fewer' if pct < 0 else 'more'}"


def count(n: Number | None, threshold: int = MIN_CELL_SIZE) -> str:
    """A count of people or events: ``1,234``; 1 to ``threshold - 1`` read :data:`SUPPRESSED`.

    Examples
    --------
    >>> count(7), count(0), count(1234), count(1234.0, threshold=0)
    ('<11', '0', '1,234', '1,234')
    """
    if is_missing(n):
        return NOT_SHOWN
    value = int(round(float(n)))
    return SUPPRESSED if 0 < value < threshold else f"{value:,}"


def ci(low: Number | None, high: Number | None,
       fmt: Callable[[Any], str] = number, level: int = 95) -> str:
    """A confidence interval: ``95% CI $1 to $2`` (each end formatted by ``fmt``).

    Examples
    --------
    >>> ci(0.7344, 1.179, ratio), ci(0.1, 0.2, percent, level=90)
    ('95% CI 0.73 to 1.18', '90% CI 10.0% to 20.0%')
    """
    if is_missing(low) or is_missing(high):
        return f"{level}% CI not defined"
    return f"{level}% CI {fmt(low)} to {fmt(high)}"


def p_value(p: Number | None) -> str:
    """A p-value: three decimals, ``<0.001`` below that.

    Examples
    --------
    >>> p_value(0.01234), p_value(0.00001)
    ('0.012', '<0.001')
    """
    if is_missing(p):
        return NOT_SHOWN
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def yes_no(flag: Any) -> str:
    """A boolean as a reader says it.

    Examples
    --------
    >>> yes_no(True), yes_no(False)
    ('yes', 'no')
    """
    return NOT_SHOWN if is_missing(flag) else ("yes" if bool(flag) else "no")


def input_value(key: str, x: Number | None) -> str:
    """An ROI input's value by what the input is (its key in the value model).

    Examples
    --------
    >>> input_value("service_lines.ed.unit_cost", 1234.5)
    '$1,235'
    >>> input_value("service_lines.ed.reduction", 0.25), input_value("discount_rate", 0.03)
    ('25.0%', '3.0%')
    >>> input_value("service_lines.inpatient.effect", 0.8349), input_value("horizon_years", 3)
    ('0.835', '3')
    >>> input_value("service_lines.ed.baseline_rate", 1.2)
    '1.20 per member-year'
    >>> input_value("program_costs.staff.per_member_year", 1200)
    '$1,200 per member-year'
    >>> input_value("payment_models[1].fee_per_enrollee_year", 1200.0)
    '$1,200'
    """
    if is_missing(x):
        return NOT_SHOWN
    name = key.rsplit(".", 1)[-1]
    if name in ("unit_cost", "annual") or name.endswith(("cost", "fee_per_enrollee_year")):
        return money(x)
    if name == "per_member_year":
        return money(x, "per member-year")
    if name == "baseline_rate":
        return rate(x, per="member-year", digits=2)
    if name in ("reduction", "cost_trend") or name.endswith(("_rate", "share")):
        return percent(x)
    if name == "members" or float(x).is_integer():
        return count(x, threshold=0)
    return number(x, 3 if abs(float(x)) < 10 else None)


PLAIN_COLUMNS = frozenset({"year", "from", "to", "percentile", "window_days", "event_time",
                           "horizon_days"})
"""Columns of labels that are numbers (a year, a percentile): shown without separators."""


def auto(value: Any) -> str:
    """Any cell value as text, when its column names no format: booleans ``yes``/``no``,
    missing values :data:`NOT_SHOWN`, numbers by :func:`number`, coded values by
    :func:`value_label`.

    Examples
    --------
    >>> auto(True), auto(None), auto(1234.5), auto(12), auto("food_insecurity")
    ('yes', '—', '1,234', '12', 'Food insecurity')
    """
    if isinstance(value, bool | np.bool_):
        return yes_no(value)
    if is_missing(value):
        return NOT_SHOWN
    if isinstance(value, str):
        return str(value_label(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | Decimal | np.floating):
        return number(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d") if hasattr(value, "hour") and value.hour == 0 \
            else str(value)
    return str(value)
