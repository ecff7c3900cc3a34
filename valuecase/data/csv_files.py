"""What a CSV file is before any engine reads it: encoding, delimiter, shape, decimal separator.

One pass over each CSV file, in Python, the same whatever the engine: the file must be UTF-8
(a byte-order mark is allowed), its delimiter is the one of ``, ; TAB |`` that splits the header
line most, and every record must have as many fields as the header (blank lines are skipped).
Anything else stops the run with one line naming the file, the line and the problem — never
the row's contents, which may hold personal data. The same pass detects the decimal separator
of the amount columns (:func:`detect_decimal`).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "medical_claim.csv"
>>> _ = p.write_text("claim_id;paid_amount\\nC1;100,10\\nC2;1.234,50\\n")
>>> info = inspect_csv(p, amount_columns=("paid_amount",))
>>> info.delimiter, info.rows, info.decimal
(';', 2, ',')
>>> _ = p.write_text("claim_id,paid_amount\\nC1,100.10\\nC2\\n")
>>> try:
...     inspect_csv(p)
... except ContractError as exc:
...     print(str(exc).split(": ", 1)[1])
line 3: expected 2 fields, found 1 (a short or long row, or a stray delimiter or quote)
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from valuecase.errors import ContractError

__all__ = ["DELIMITERS", "MAX_COLUMNS", "CsvInfo", "check_header", "detect_decimal",
           "inspect_csv", "open_text", "parse_header", "sniff_delimiter"]

DELIMITERS = (",", ";", "\t", "|")
"""Delimiters recognized in a header line."""

MAX_COLUMNS = 10_000
"""Most columns a table's file may have (Tuva's widest table has about 100)."""

# a decimal comma: one or two (or a float's four and more) digits after a comma at the end
# (thousands groups have three), or a comma after thousands points
_COMMA_DECIMAL = re.compile(
    r"^[+-]?\$?([0-9.]*[0-9],([0-9]{1,2}|[0-9]{4,})|[0-9]{1,3}(\.[0-9]{3})+,[0-9]+)$")
# a decimal point: the same with the roles swapped
_POINT_DECIMAL = re.compile(
    r"^[+-]?\$?([0-9,]*[0-9]?\.([0-9]{1,2}|[0-9]{4,})|[0-9]{1,3}(,[0-9]{3})+\.[0-9]+)$")
# whole amounts in thousands groups (1.500, 12,000, 2.000.000): thousands in either reading
# of the file, or (money has two decimals) no decimal at all, so they decide nothing
_GROUPS = re.compile(r"^[+-]?\$?[0-9]{1,3}([.,][0-9]{3})+$")


@dataclass(frozen=True)
class CsvInfo:
    """The shape of one CSV file.

    Attributes
    ----------
    path : Path
    delimiter : str
    columns : tuple of str
        Header names as written (trimmed).
    rows : int
        Data records (blank lines not counted).
    decimal : str
        ``"."`` or ``","``: the decimal separator of the amount columns (``"."`` when the file
        gives no evidence either way).
    """

    path: Path
    delimiter: str
    columns: tuple[str, ...]
    rows: int
    decimal: str = "."


def _lines(fh: Iterable[str], counter: list[int]) -> Iterator[str]:
    for line in fh:
        counter[0] += 1
        yield line


def sniff_delimiter(header: str) -> str:
    """The delimiter that splits ``header`` into the most fields (``,`` when none does)."""
    counts = {d: _field_count(header, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 1 else ","


def _field_count(line: str, delimiter: str) -> int:
    """Fields of ``line`` split by ``delimiter`` (0 when a field would pass the csv module's
    field size limit: a long header split by the wrong delimiter is one huge field)."""
    try:
        return len(next(csv.reader([line], delimiter=delimiter)))
    except csv.Error:
        return 0


def parse_header(line: str) -> tuple[str, list[str]]:
    """The delimiter of a header line and its column names (trimmed)."""
    delimiter = sniff_delimiter(line)
    return delimiter, [h.strip() for h in next(csv.reader([line], delimiter=delimiter), [])]


def inspect_csv(path: str | Path, amount_columns: Iterable[str] = (),
                decimal: str | None = None) -> CsvInfo:
    """Check one CSV file end to end and describe it.

    Parameters
    ----------
    path : path
    amount_columns : iterable of str
        Header names holding money, for :func:`detect_decimal`.
    decimal : {".", ","}, optional
        The decimal separator when the user set it; detected when None.

    Raises
    ------
    ContractError
        ``<file>: line N: <problem>`` for an unreadable or empty file, bytes that are not
        UTF-8, or a record with more or fewer fields than the header.
    """
    path = Path(path)
    label = str(path)
    line_no = [0]
    try:
        fh = open_text(path)
    except OSError as exc:
        raise ContractError(f"{label}: cannot read file ({exc.strerror or exc})") from None
    amounts = set(amount_columns)
    votes = {",": 0, ".": 0, "groups": 0}
    first_line: dict[str, int] = {}
    rows = 0
    with fh:
        try:
            first = fh.readline()
            line_no[0] = 1
            if not first.strip():
                raise ContractError(f"{label}: line 1: the file is empty (no header line)")
            delimiter, header = parse_header(first)
            check_header(header, label)
            width = len(header)
            watch = [i for i, h in enumerate(header) if h in amounts]
            reader = csv.reader(_lines(fh, line_no), delimiter=delimiter)
            for record in reader:
                if not record or record == [""]:
                    continue  # a blank line
                if len(record) != width:
                    raise ContractError(
                        f"{label}: line {line_no[0]}: expected {width} fields, found "
                        f"{len(record)} (a short or long row, or a stray delimiter or quote)")
                rows += 1
                for i in watch:
                    value = record[i].strip()
                    if _COMMA_DECIMAL.match(value):
                        kind = ","
                    elif _POINT_DECIMAL.match(value):
                        kind = "."
                    elif _GROUPS.match(value):
                        kind = "groups"
                    else:
                        continue
                    votes[kind] += 1
                    first_line.setdefault(kind, line_no[0])
        except (OSError, EOFError) as exc:  # a broken or truncated .csv.gz
            raise ContractError(f"{label}: line {max(line_no[0], 1)}: cannot read file "
                                f"({getattr(exc, 'strerror', None) or exc})") from None
        except UnicodeDecodeError:
            raise ContractError(
                f"{label}: line {_first_bad_line(path)}: bytes that are not UTF-8 (save the "
                "file as UTF-8)") from None
        except csv.Error as exc:
            raise ContractError(f"{label}: line {line_no[0]}: {exc}") from None
    found = decimal or detect_decimal(votes, label, first_line)
    return CsvInfo(path, delimiter, tuple(header), rows, found)


def open_text(path: str | Path) -> io.TextIOBase:
    """A CSV file opened as UTF-8 text (a byte-order mark is dropped); ``.gz`` files are
    decompressed on the way, as both engines read them."""
    path = Path(path)
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def check_header(names: list[str], label: str) -> None:
    """Stop on a header no engine can read as one table: more than :data:`MAX_COLUMNS`
    columns, or two columns whose names are the same once trimmed and case-folded (the
    engines would keep one and silently drop or rename the other).

    Examples
    --------
    >>> check_header(["claim_id", "paid_amount", " Paid_Amount"], "medical_claim.csv")
    Traceback (most recent call last):
    ...
    valuecase.errors.ContractError: medical_claim.csv: columns 2 'paid_amount' and 3 'Paid_Amount' have the same name (ignoring case and spaces); rename or drop one
    """
    if len(names) > MAX_COLUMNS:
        raise ContractError(f"{label}: line 1: {len(names):,} columns, more than the "
                            f"{MAX_COLUMNS:,} a table may have (is this a table's file?)")
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        folded = name.strip().casefold()
        if folded in seen:
            j = seen[folded]
            raise ContractError(
                f"{label}: columns {j + 1} '{names[j].strip()}' and {i + 1} '{name.strip()}' "
                "have the same name (ignoring case and spaces); rename or drop one")
        seen[folded] = i


def _first_bad_line(path: Path) -> int:
    """Line of the first bytes that are not UTF-8 (text is decoded in blocks, so the error
    itself does not say)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def detect_decimal(votes: dict[str, int], label: str = "",
                   lines: dict[str, int] | None = None) -> str:
    """The decimal separator from counts of values that can only be read one way.

    ``100,10`` can only be a decimal comma (thousands groups have three digits) and ``100.10``
    only a decimal point; ``1,234`` or ``1.234`` (``votes["groups"]``) decide nothing. A file
    with both kinds stops the run, naming the first line of each (``lines``: kind -> line); so
    does a file with thousands groups and nothing that decides. A file with neither uses the
    point.

    Examples
    --------
    >>> detect_decimal({",": 0, ".": 3, "groups": 2})
    '.'
    >>> try:
    ...     detect_decimal({",": 0, ".": 0, "groups": 3}, "f.csv", {"groups": 2})
    ... except ContractError as exc:
    ...     print(str(exc)[:60])
    f.csv: amounts such as '1.500' or '1,500' (line 2, 3 values)
    """
    lines = lines or {}

    def at(kind: str) -> str:
        return f"line {lines[kind]}, " if kind in lines else ""

    if votes[","] and votes["."]:
        raise ContractError(
            f"{label}: amounts use both a decimal comma ({at(',')}{votes[','] :,} values such as "
            f"'100,10') and a decimal point ({at('.')}{votes['.']:,} values such as '100.10'); "
            "set --decimal-separator (or decimal_separator:) to say which one the file uses")
    if votes.get("groups") and not votes[","] and not votes["."]:
        raise ContractError(
            f"{label}: amounts such as '1.500' or '1,500' ({at('groups')}{votes['groups']:,} "
            "values) are thousands groups, and no amount shows which separator is the "
            "decimal one; set --decimal-separator (or decimal_separator:) to say it")
    return "," if votes[","] else "."
