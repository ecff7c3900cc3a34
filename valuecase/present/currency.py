"""The currency a report's amounts are shown in: one setting per report, read by every table,
sentence, column header and chart axis.

A report notebook runs in its own kernel and shows amounts of one currency, the ``currency:``
parameter (an ISO 4217 code, ``USD`` by default). Its first code cell calls
:func:`use_currency` once; from then on :func:`valuecase.present.formatting.money` writes that
currency's symbol, a column header ``"Paid ($)"`` reads ``"Paid (A$)"``, and the chart helpers
(:mod:`valuecase.present.figures`, :mod:`valuecase.present.roi_figures`) prefix axes and hover
labels with it. US benchmarks (MEPS) are quoted only for US dollars
(:func:`shows_us_benchmarks`).

Examples
--------
>>> previous = use_currency("AUD")
>>> symbol(), in_use()
('A$', 'AUD')
>>> _ = use_currency(previous)
>>> symbol()
'$'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

__all__ = ["currency_symbol", "in_use", "shown_in", "shows_us_benchmarks", "symbol",
           "use_currency", "with_symbol"]

DEFAULT = "USD"
"""The currency of amounts when a report names none."""
_IN_USE = [DEFAULT]


@cache  # read for every amount a report formats; babel's lookup is not free
def currency_symbol(code: str) -> str:
    """The prefix money is shown with in reports written in US English: ``$`` for USD, the
    currency's distinct symbol otherwise (``A$``, ``€``, ``£``; the code and a no-break space
    where there is none).

    Examples
    --------
    >>> [currency_symbol(c) for c in ("USD", "AUD", "EUR", "GBP", "CHF")]
    ['$', 'A$', '€', '£', 'CHF\\xa0']
    """
    from babel.numbers import get_currency_symbol

    found = get_currency_symbol(code, locale="en_US")
    return found if found != code else f"{code}\xa0"


def use_currency(code: str) -> str:
    """Show every amount from now on in currency ``code``; returns the code in use before.

    Parameters
    ----------
    code : str
        ISO 4217 code, as validated by ``SuiteParameters.currency``.

    Examples
    --------
    >>> use_currency("EUR")
    'USD'
    >>> use_currency("USD")
    'EUR'
    """
    currency_symbol(code)  # an unknown code fails here, not in the middle of a table
    previous, _IN_USE[0] = _IN_USE[0], code
    return previous


@contextmanager
def shown_in(code: str) -> Iterator[str]:
    """Amounts in currency ``code`` inside the ``with`` block (the results a run builds for
    its reports: sentences such as the break-even and Monte Carlo summaries), the currency in
    use before after it.

    Examples
    --------
    >>> from valuecase.present.formatting import money
    >>> with shown_in("EUR"):
    ...     money(5)
    '€5'
    >>> money(5)
    '$5'
    """
    previous = use_currency(code)
    try:
        yield symbol()
    finally:
        use_currency(previous)


def in_use() -> str:
    """The ISO code amounts are shown in (``USD`` unless :func:`use_currency` said otherwise).

    Examples
    --------
    >>> in_use()
    'USD'
    """
    return _IN_USE[0]


def symbol() -> str:
    """The symbol amounts are shown with: :func:`currency_symbol` of :func:`in_use`.

    Examples
    --------
    >>> symbol()
    '$'
    """
    return currency_symbol(_IN_USE[0])


def with_symbol(text: str) -> str:
    """``text`` with its ``($)`` / ``$`` unit marks in the currency in use (headers, axis
    titles written for dollars).

    Examples
    --------
    >>> with_symbol("Paid ($)")
    'Paid ($)'
    >>> previous = use_currency("GBP")
    >>> with_symbol("Paid ($)"), with_symbol("$ over the horizon")
    ('Paid (£)', '£ over the horizon')
    >>> _ = use_currency(previous)
    """
    mark = symbol()
    if mark == "$":
        return text
    return text.replace("($)", f"({mark.strip()})").replace("$ ", f"{mark.strip()} ")


def shows_us_benchmarks(code: str | None = None) -> bool:
    """Whether US benchmarks (MEPS spending shares) may be quoted beside the data: only when
    its amounts are US dollars (``code``, or the currency in use).

    Examples
    --------
    >>> shows_us_benchmarks("USD"), shows_us_benchmarks("AUD")
    (True, False)
    """
    return (code or _IN_USE[0]) == "USD"
