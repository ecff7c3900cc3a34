"""Typing rules for text read from files, as Ibis expressions that give the same answer on
every engine.

Engines disagree on lenient casts: ``TRY_CAST('2020' AS DATE)`` is NULL on DuckDB and
2020-01-01 on Spark; ``'1.7'`` cast to an integer rounds on DuckDB and is NULL on Spark;
``'1e3'`` is a valid amount to both. So no rule here relies on a cast to decide what is
accepted: every accepted format is matched explicitly by a regular expression, normalized to
one canonical text (ISO ``YYYY-MM-DD`` dates, plain decimal numbers), and only that text is
cast. Anything else is NULL, which the loader turns into a reject reason.

Accepted formats
----------------
- **date**: ``YYYY-MM-DD``, ``YYYYMMDD``, ``M/D/YYYY`` (``MM/DD/YYYY``); impossible calendar
  days (``2020-02-30``) are NULL.
- **integer**: optional sign and up to 18 digits (``"1.7"``, ``"1e3"`` are NULL).
- **amount**: optional sign, optional ``$``, thousands commas between groups of three digits,
  and at most two decimal places that are not zero (``"10.5000"`` is 10.50, ``"10.505"`` is
  NULL); exact ``DECIMAL(18, 2)``. A float's residue within 1e-6 of a whole cent is that cent
  (``"1018.0999999999999"`` is 1018.10). A lone separator followed by exactly three digits is
  never a decimal: ``"1,500"`` is 1500.00, ``"1.500"`` is NULL (``ambiguous_amount`` in the
  loader). Scientific notation, ``NaN`` and ``inf`` are NULL. With a
  decimal comma (``parse_amount(s, decimal=",")``, chosen per file by the loader) the roles of
  comma and point swap: ``"1.234,50"`` is 1234.50.
- **code**: trimmed text; numeric codes shorter than the code's width are left-padded with
  zeros (revenue center ``450`` is ``0450``).

Blank text (empty or only spaces) is NULL for every kind.

Examples
--------
>>> import ibis
>>> t = ibis.memtable({"s": ["2020-01-31", "20200131", "1/31/2020", "2020", "2020-02-30"]})
>>> [str(d)[:10] for d in t.select(d=parse_date(t.s)).to_pandas()["d"]]
['2020-01-31', '2020-01-31', '2020-01-31', 'NaT', 'NaT']
>>> t = ibis.memtable({"s": ["$1,234.50", "10.5000", "10.505", "1e3", "-0.01"]})
>>> [None if v is None else str(v) for v in t.select(m=parse_amount(t.s)).to_pandas()["m"]]
['1234.50', '10.50', None, None, '-0.01']
"""

from __future__ import annotations

import re

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

__all__ = ["AMOUNT_TYPE", "CODE_WIDTH", "amount_in_groups", "amount_residue", "amount_text_flags",
           "blank_to_null", "normalized_code", "parse_amount", "parse_code", "parse_date", "parse_integer",
           "typed_column"]

AMOUNT_TYPE = dt.Decimal(18, 2)
"""Money, exact: 16 digits before the point, 2 after."""

_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_COMPACT = r"^[0-9]{8}$"
_US = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"
_INTEGER = r"^[+-]?[0-9]{1,18}$"


def _amount_pattern(dec: str, group: str) -> str:
    """Digits with optional thousands groups (1,234,567), then at most two significant
    decimals. A lone separator followed by exactly three digits (``1.500``) is never a decimal
    (money has two): only zeros may follow the cents, and never exactly one."""
    d, g = re.escape(dec), re.escape(group)
    return (rf"^[+-]?\$?([0-9]{{1,3}}({g}[0-9]{{3}})+({d}[0-9]{{0,2}}0*)?"
            rf"|[0-9]+({d}[0-9]{{0,2}}|{d}[0-9]{{2}}00+)?)$")


def _residue_pattern(dec: str) -> str:
    """A float's residue: a whole cent, then four zeros or four nines and more digits
    (``1018.0999999999999``, ``0.30000000000000004``): within 1e-6 of that cent."""
    d = re.escape(dec)
    return rf"^[+-]?[0-9]+{d}[0-9]{{2}}(0000[0-9]*[1-9]|9999[0-9]*)$"


def _groups_pattern(sep: str) -> str:
    """Whole amounts in thousands groups of ``sep`` (``1.500``, ``2.000.000``)."""
    s = re.escape(sep)
    return rf"^[+-]?\$?[0-9]{{1,3}}({s}[0-9]{{3}})+$"


_AMOUNT = _amount_pattern(".", ",")
_AMOUNT_COMMA = _amount_pattern(",", ".")


_SPACE = r"[ \t\n\r\f]"


def blank_to_null(s: ir.StringValue) -> ir.StringValue:
    """Text without leading and trailing white space, NULL when nothing is left.

    Not Ibis's ``strip()``: on Spark it compiles to ``TRIM(' \\t\\n\\r\\v\\f' FROM s)``,
    whose ``\\v`` and ``\\f`` Spark reads as the letters v and f, so ``"inf"`` became ``"in"``.
    """
    # trim only where an edge may be white space (or the text is empty): the first and the
    # last character at most a space, compared as text (bytes on every engine: the empty text
    # and any text starting with a byte up to 32 sort before "!"), cheap tests instead of a
    # regular expression per value (3x faster on Spark, whose Java regular expressions
    # dominate typing otherwise). The replacements below decide exactly, so any superset of
    # the true edges gives the same text, and only such a text can become empty. The last
    # character by code point, not DuckDB's reverse(), which reverses by grapheme cluster
    # and hid a final space behind a prefix character (U+0600 + space).
    edge = ((s < "!") | (s.right(1) < "!")).fill_null(False)
    trimmed = s.re_replace(f"^{_SPACE}+", "").re_replace(f"{_SPACE}+$", "").nullif("")
    return ibis.ifelse(edge, trimmed, s).cast("string")


def _matches(s: ir.StringValue, pattern: str) -> ir.BooleanValue:
    # NULL in, False out on every engine (re_search of NULL is NULL on DuckDB, False on Spark)
    return s.notnull() & s.re_search(pattern).fill_null(False)


def parse_date(s: ir.StringValue) -> ir.DateValue:
    """Dates in the accepted formats; anything else (or an impossible day) is NULL."""
    s = blank_to_null(s)
    us = s.split("/")
    iso_from_us = (us[2] + "-" + us[0].lpad(2, "0") + "-" + us[1].lpad(2, "0"))
    iso = (ibis.cases((_matches(s, _ISO), s),
                      (_matches(s, _COMPACT),
                       s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2)),
                      (_matches(s, _US), iso_from_us),
                      else_=ibis.null().cast("string")))
    return iso.try_cast("date")


def parse_integer(s: ir.StringValue) -> ir.IntegerValue:
    """Whole numbers (optional sign, up to 18 digits); anything else is NULL."""
    s = blank_to_null(s)
    plain = s.re_replace(r"^\+", "")
    return ibis.ifelse(_matches(s, _INTEGER), plain, ibis.null().cast("string")).try_cast(
        "int64")


def parse_amount(s: ir.StringValue, decimal: str = ".") -> ir.DecimalValue:
    """Money as exact ``DECIMAL(18, 2)``; anything outside the accepted format is NULL.

    ``decimal=","`` reads the European way: ``1.234,50`` is 1234.50, ``100,10`` is 100.10
    (a point separates thousands, in groups of three). A float's residue within 1e-6 of a
    whole cent is that cent (``1018.0999999999999`` is 1018.10; :func:`amount_residue`). A lone
    separator followed by three digits is never a decimal: with ``decimal="."``, ``1.500`` is
    NULL (:func:`amount_in_groups` says why) and ``1,500`` is 1500.00.
    """
    s = blank_to_null(s)
    if decimal not in (".", ","):
        raise ValueError(f"decimal must be '.' or ',', got {decimal!r}")
    group = "," if decimal == "." else "."
    # no regex back-references: DuckDB writes them \1, Spark $1
    plain = s.replace("$", "").replace(group, "")
    if decimal == ",":
        plain = plain.replace(",", ".")
    exact = plain.re_replace(r"^\+", "").try_cast(AMOUNT_TYPE)
    # the residue: the whole cent written before it, one cent further when nines follow
    cents = (s.re_extract(rf"^[+-]?[0-9]+{re.escape(decimal)}[0-9]{{2}}", 0)
             .replace(decimal, ".").re_replace(r"^\+", "").try_cast(AMOUNT_TYPE))
    nines = s.re_search(rf"{re.escape(decimal)}[0-9]{{2}}9")
    step = ibis.ifelse(s.startswith("-"), ibis.literal(-1), ibis.literal(1)) * ibis.literal(
        "0.01", AMOUNT_TYPE)
    rounded = ibis.ifelse(nines, cents + step, cents).cast(AMOUNT_TYPE)
    return ibis.cases((_matches(s, _AMOUNT_COMMA if decimal == "," else _AMOUNT), exact),
                      (_residue(s, decimal), rounded),
                      else_=ibis.null(AMOUNT_TYPE))


def _residue(s: ir.StringValue, decimal: str) -> ir.BooleanValue:
    # a substring test first: the pattern runs only on text with four zeros or nines
    maybe = (s.contains("0000") | s.contains("9999")).fill_null(False)
    return ibis.ifelse(maybe, _matches(s, _residue_pattern(decimal)), False)


def amount_residue(s: ir.StringValue, decimal: str = ".") -> ir.BooleanValue:
    """Text that :func:`parse_amount` reads as the whole cent its float residue is within
    1e-6 of (``1018.0999999999999``, ``0.30000000000000004``), to be counted in a note.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["1018.0999999999999", "-2.0000000001", "10.5000", "1.1"]})
    >>> t.select(r=amount_residue(t.s), m=parse_amount(t.s).cast("string")).to_pandas(
    ...     ).values.tolist()
    [[True, '1018.10'], [True, '-2.00'], [False, '10.50'], [False, '1.10']]
    """
    return _residue(blank_to_null(s), decimal)


def amount_in_groups(s: ir.StringValue, decimal: str = ".") -> ir.BooleanValue:
    """Whole amounts grouped in thousands by the file's *decimal* separator (``1.500`` or
    ``2.000.000`` where the point is the decimal): money has two decimals, so this is not
    one, and the value is refused as ``ambiguous_amount`` rather than guessed.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"s": ["1.500", "2.000.000", "1,500", "1.50"]})
    >>> t.select(g=amount_in_groups(t.s)).g.to_pandas().tolist()
    [True, True, False, False]
    """
    return _matches(blank_to_null(s), _groups_pattern(decimal))


def parse_code(s: ir.StringValue, width: int | None = None) -> ir.StringValue:
    """Codes as text; numeric codes shorter than ``width`` are left-padded with zeros."""
    s = blank_to_null(s)
    if not width:
        return s
    # the length first, in a CASE: the pattern runs only on the (rare) short codes
    short = (s.length() < width).fill_null(False)
    short_number = ibis.ifelse(short, _matches(s, r"^[0-9]+$"), False)
    return ibis.ifelse(short_number, s.lpad(width, "0"), s)


CODE_WIDTH = {"revenue_center_code": 4, "place_of_service_code": 2,
              "discharge_disposition_code": 2, "drg_code": 3}
"""Numeric codes shorter than this are left-padded with zeros."""

CODE_LEADING_ZERO = {"drg_code": 3, "bill_type_code": 3}
"""Codes of this many digits also written with one leading zero too many: a DRG as 4 digits (CCLF writes ``0291``
for 291), a bill type as ``0111``: one digit longer and starting with 0, the zero is
dropped."""


def normalized_code(s: ir.StringValue, target: str) -> ir.StringValue:
    """A code column's text in the one form the pipeline reads: :func:`parse_code` with the
    column's :data:`CODE_WIDTH`, a leading zero too many dropped (:data:`CODE_LEADING_ZERO`),
    and an NDC written with hyphens (``0002-1433-80``, 4-4-2, 5-3-2 or 5-4-1) as its 11
    digits 5-4-2 (``00002143380``). Revenue codes of 3 digits are padded to 4; ICD-10 codes
    with or without the dot are read alike where they are used
    (:func:`valuecase.panel.conditions.normalize_code`).

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"drg": ["0291", "291", "91", "A291"], "bill": ["0111", "111", "11",
    ...                   "01111"], "ndc": ["0002-1433-80", "12345-678-90", "12345-6789-1",
    ...                   "00002143380"]})
    >>> t.select(d=normalized_code(t.drg, "drg_code"), b=normalized_code(t.bill,
    ...          "bill_type_code"), n=normalized_code(t.ndc, "ndc_code")).to_pandas(
    ...          ).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['291', '111', '00002143380'], ['291', '111', '12345067890'], ['091', '11', '12345678901'],
     ['A291', '01111', '00002143380']]
    """
    code = parse_code(s, CODE_WIDTH.get(target))
    if target in CODE_LEADING_ZERO:
        width = CODE_LEADING_ZERO[target]
        # the length first, in a CASE: the rest runs only on codes one digit too long
        long = (code.length() == width + 1).fill_null(False)
        extra_zero = ibis.ifelse(long, code.startswith("0") & _matches(code, r"^[0-9]+$"),
                                 False)
        return ibis.ifelse(extra_zero, code.substr(1), code)
    if target == "ndc_code":
        parts = code.split("-")
        eleven = (parts[0].lpad(5, "0") + parts[1].lpad(4, "0") + parts[2].lpad(2, "0"))
        hyphens = ibis.ifelse(code.contains("-").fill_null(False),
                              _matches(code, r"^[0-9]{4,5}-[0-9]{3,4}-[0-9]{1,2}$"), False)
        return ibis.ifelse(hyphens, eleven, code)
    return code


def typed_column(col: ir.Column, kind: str, target: str,
                 comma: ir.BooleanValue | None = None
                 ) -> tuple[ir.Value, ir.BooleanValue | None]:
    """The typed value of a source column and, for parsed kinds, "had a value that did not
    parse" (None when the column cannot fail). ``comma``: this row's file writes amounts with
    a decimal comma."""
    dtype = col.type()
    text = col if dtype.is_string() else col.cast("string")
    if kind == "date":
        if dtype.is_date():
            return col, None
        if dtype.is_timestamp():
            return col.cast("date"), None
        value = parse_date(text)
    elif kind == "amount":
        if dtype.is_floating():
            # Parquet doubles: NaN, infinity and anything beyond DECIMAL(18, 2) are not money.
            # One comparison decides it on every engine (both order NaN above all numbers);
            # not isinf(), which ibis compiles to a constant FALSE on Spark.
            value = ibis.ifelse(col.abs() < 1e16, col.round(2).try_cast(AMOUNT_TYPE),
                                ibis.null(AMOUNT_TYPE))
        elif dtype.is_numeric():
            value = col.try_cast(AMOUNT_TYPE)
        else:
            value = parse_amount(text)
            if comma is not None:
                value = ibis.ifelse(comma, parse_amount(text, decimal=","), value)
        # "had a value": ibis on Spark counts a NaN double as null, so a double is asked
        # through a comparison, NULL only for a missing value (NaN compares on every engine)
        present = (col.abs() < 1e16).notnull() if dtype.is_floating() else col.notnull()
        return value, present & value.isnull()
    elif kind == "integer":
        if dtype.is_integer():
            return col.cast("int64"), None
        if dtype.is_floating():  # whole numbers only: 3.0 is 3, 1.7 is not an integer
            value = ibis.ifelse(col == col.round(0), col.try_cast("int64"), ibis.null("int64"))
        else:
            value = parse_integer(text)
    else:
        return (normalized_code(text, target) if kind == "code"
                else blank_to_null(text)), None
    return value, blank_to_null(text).notnull() & value.isnull()


def amount_text_flags(col: ir.Column, comma: ir.BooleanValue | None = None
                      ) -> tuple[ir.BooleanValue, ir.BooleanValue] | None:
    """For an amount column of text: (read from a float's residue, written in thousands
    groups of the file's decimal separator); None for a typed column. ``comma`` as in
    :func:`typed_column`."""
    if not col.type().is_string():
        return None
    if comma is None:
        return amount_residue(col), amount_in_groups(col)
    return (ibis.ifelse(comma, amount_residue(col, ","), amount_residue(col)),
            ibis.ifelse(comma, amount_in_groups(col, ","), amount_in_groups(col)))
