"""Identifiers in one normal form, and an account of every value that could not be used.

Names are upper case A-Z (accents, spaces and punctuation removed; a first-name nickname as
its formal name), birth dates ISO (from ISO, ``YYYYMMDD``, or day/month/year text whose order
is given by ``date_format`` or detected from the file, stopping when the file does not say),
sex M/F/U (not tokenized: too few values to hide), postcodes of any country as upper-case letters and digits (ZIP+4 cut to five
digits, a numeric postcode that lost its leading zeros padded back), an address or locality
as upper-case letters and digits, an id (e.g. Medicaid) likewise. Every value that is dropped
is counted with its reason (:class:`FieldCounts`), so no identifier is lost silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from valuecase.errors import ValuecaseError

NICKNAMES: dict[str, str] = {
    "AL": "ALBERT", "ALEX": "ALEXANDER", "ANDY": "ANDREW", "ANNIE": "ANN", "BECKY": "REBECCA",
    "BEN": "BENJAMIN", "BETTY": "ELIZABETH", "BILL": "WILLIAM", "BILLY": "WILLIAM",
    "BOB": "ROBERT", "BOBBY": "ROBERT", "CATHY": "CATHERINE", "CHRIS": "CHRISTOPHER",
    "CHUCK": "CHARLES", "CHARLIE": "CHARLES", "DAN": "DANIEL", "DANNY": "DANIEL",
    "DAVE": "DAVID", "DEBBIE": "DEBORAH", "DICK": "RICHARD", "ED": "EDWARD", "EDDIE": "EDWARD",
    "FRANK": "FRANCIS", "GREG": "GREGORY", "JACK": "JOHN", "JIM": "JAMES", "JIMMY": "JAMES",
    "JOE": "JOSEPH", "JOEY": "JOSEPH", "JOHNNY": "JOHN", "KATE": "KATHERINE",
    "KATHY": "KATHERINE", "KATIE": "KATHERINE", "LARRY": "LAWRENCE", "LIZ": "ELIZABETH",
    "LIZZIE": "ELIZABETH", "MAGGIE": "MARGARET", "MATT": "MATTHEW", "MEG": "MARGARET",
    "MIKE": "MICHAEL", "NICK": "NICHOLAS", "PAT": "PATRICIA", "PEGGY": "MARGARET",
    "RICK": "RICHARD", "ROB": "ROBERT", "SALLY": "SARAH", "SAM": "SAMUEL", "STEVE": "STEVEN",
    "SUE": "SUSAN", "TOM": "THOMAS", "TOMMY": "THOMAS", "TONY": "ANTHONY", "WILL": "WILLIAM",
}
"""Common English nicknames and their formal first names (upper case, normalized)."""

_SLASHED = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


def text(value: object) -> str:
    """A cell as stripped text; missing (``None``, NaN, ``pd.NA``) as ``""``.

    Examples
    --------
    >>> text(None), text(float("nan")), text(" a ")
    ('', '', 'a')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def normalize_name(value: object, *, first: bool = False) -> str | None:
    """A name in upper case A-Z only (accents, spaces and punctuation removed).

    A first name that is a known nickname becomes its formal name (:data:`NICKNAMES`).

    Examples
    --------
    >>> normalize_name("  José-Luis ")
    'JOSELUIS'
    >>> normalize_name("O'Brien"), normalize_name("bob", first=True), normalize_name(" ")
    ('OBRIEN', 'ROBERT', None)
    """
    folded = unicodedata.normalize("NFKD", text(value))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).upper()
    folded = re.sub(r"[^A-Z]", "", folded)
    if not folded:
        return None
    return NICKNAMES.get(folded, folded) if first else folded


def detect_date_order(values: pd.Series | list[object]) -> str:
    """``"MD"`` or ``"DM"``: the order of day and month in a column's slashed dates.

    A first part above 12 is a day, a second part above 12 is a day. A column with both is
    refused, and so is one whose slashed dates never say (every part <= 12): give
    ``--date-format`` then. A column without slashed dates gives ``"MD"`` (unused).

    Examples
    --------
    >>> detect_date_order(["5/3/1980", "12/31/1990"]), detect_date_order(["31/12/1990"])
    ('MD', 'DM')
    >>> detect_date_order(["5/3/1980"])
    Traceback (most recent call last):
    ...
    valuecase.errors.ValuecaseError: birth dates such as '5/3/1980' could be month/day or day/month and no date says which: give --date-format (e.g. %m/%d/%Y or %d/%m/%Y)
    """
    first_is_day = second_is_day = 0
    example = None
    for value in values:
        m = _SLASHED.fullmatch(text(value))
        if m:
            example = example or m.group(0)
            first_is_day += int(m.group(1)) > 12
            second_is_day += int(m.group(2)) > 12
    if example is None:
        return "MD"
    if first_is_day and second_is_day:
        raise ValuecaseError(f"birth dates are written both month/day ({second_is_day} dates) "
                             f"and day/month ({first_is_day} dates): give --date-format")
    if not first_is_day and not second_is_day:
        raise ValuecaseError(f"birth dates such as {example!r} could be month/day or day/month "
                             "and no date says which: give --date-format (e.g. %m/%d/%Y or "
                             "%d/%m/%Y)")
    return "DM" if first_is_day else "MD"


def normalize_birth_date(value: object, date_format: str | None = None,
                         order: str = "MD") -> str | None:
    """A birth date as ISO ``YYYY-MM-DD``, or ``None`` when empty or unparseable.

    ISO and ``YYYYMMDD`` are always read; ``date_format`` (``strptime``) reads another
    format; otherwise slashed dates are read in ``order`` (``"MD"`` US, ``"DM"``).

    Examples
    --------
    >>> normalize_birth_date("1980-05-03"), normalize_birth_date("5/3/1980")
    ('1980-05-03', '1980-05-03')
    >>> normalize_birth_date("5/3/1980", order="DM"), normalize_birth_date("03.05.1980", "%d.%m.%Y")
    ('1980-03-05', '1980-05-03')
    >>> normalize_birth_date("1980-02-30") is None, normalize_birth_date("") is None
    (True, True)
    """
    raw = text(value)
    m = re.fullmatch(r"(\d{4})-?(\d{1,2})-?(\d{1,2})", raw)
    if m and ("-" in raw or len(raw) == 8):
        year, month, day = (int(p) for p in m.groups())
    elif date_format is not None:
        try:
            return datetime.strptime(raw, date_format).date().isoformat()
        except ValueError:
            return None
    elif (m := _SLASHED.fullmatch(raw)) is not None:
        a, b, year = (int(p) for p in m.groups())
        month, day = (a, b) if order == "MD" else (b, a)
    else:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def normalize_sex(value: object) -> str:
    """``M``, ``F`` or ``U`` (unknown) from common spellings.

    Examples
    --------
    >>> [normalize_sex(v) for v in ("male", " f ", "X", None)]
    ['M', 'F', 'U', 'U']
    """
    return {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F"}.get(text(value).upper(), "U")


def normalize_postcode(value: object) -> str | None:
    """A postcode of any country as upper-case letters and digits.

    A US ZIP+4 is cut to its five digits; a numeric postcode of 3 or 4 digits is padded to
    five (a ZIP read as a number lost its leading zeros; both sides pad alike, so a
    4-digit postcode of another country still matches itself).

    Examples
    --------
    >>> normalize_postcode("02139-4307"), normalize_postcode(2139), normalize_postcode("2600")
    ('02139', '02139', '02600')
    >>> normalize_postcode("SW1A 1AA"), normalize_postcode(" - ")
    ('SW1A1AA', None)
    """
    raw = text(value)
    if isinstance(value, float) and raw.endswith(".0"):
        raw = raw[:-2]
    code = re.sub(r"[^A-Z0-9]", "", raw.upper())
    if code.isdigit():
        if len(code) == 9:
            code = code[:5]
        elif len(code) in (3, 4):
            code = code.zfill(5)
    return code or None


normalize_zip = normalize_postcode


def normalize_code(value: object) -> str | None:
    """An id, address or locality in upper-case letters and digits only.

    Examples
    --------
    >>> normalize_code(" ma-123 456 "), normalize_code("12 Main St."), normalize_code("")
    ('MA123456', '12MAINST', None)
    """
    folded = unicodedata.normalize("NFKD", text(value))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).upper()
    return re.sub(r"[^A-Z0-9]", "", folded) or None


normalize_medicaid_id = normalize_code


@dataclass
class FieldCounts:
    """Per identifier field: values used in tokens and values dropped, by reason."""

    used: Counter = field(default_factory=Counter)
    dropped: dict[str, Counter] = field(default_factory=dict)

    def count(self, name: str, raw: object, value: str | None, reason: str) -> None:
        """Count ``raw`` of field ``name``: used when ``value`` is set, else dropped as
        ``empty`` or ``reason``."""
        if value is not None:
            self.used[name] += 1
            return
        why = "empty" if text(raw) == "" else reason
        self.dropped.setdefault(name, Counter())[why] += 1

    def lines(self, fields: list[str]) -> list[str]:
        """One line per field: ``first_name  used 598  dropped 2 (empty 2)``.

        Examples
        --------
        >>> c = FieldCounts()
        >>> c.count("birth_date", "31/31/1990", None, "unparseable date")
        >>> c.lines(["birth_date"])
        ['birth_date    used 0  dropped 1 (unparseable date 1)']
        """
        out = []
        for name in fields:
            dropped = self.dropped.get(name, Counter())
            reasons = ", ".join(f"{why} {n:,}" for why, n in sorted(dropped.items()))
            out.append(f"{name:<13} used {self.used[name]:,}  dropped {sum(dropped.values()):,}"
                       + (f" ({reasons})" if reasons else ""))
        return out


def normalize_people(identifiers: pd.DataFrame, date_format: str | None = None,
                     order: str | None = None) -> tuple[pd.DataFrame, FieldCounts]:
    """Every identifier field of every person normalized (``None`` where dropped), and the
    counts of used and dropped values per field. Slashed birth dates are read with
    ``date_format``, else in ``order`` (``"MD"``, ``"DM"``), else in the order
    :func:`detect_date_order` finds in the file.

    Examples
    --------
    >>> people = pd.DataFrame({"person_id": ["1", "2"], "first_name": ["Bob", ""],
    ...                        "last_name": ["Lee", "Ng"],
    ...                        "birth_date": ["13/2/1990", "31/2/1990"]})
    >>> norm, counts = normalize_people(people)
    >>> norm.loc[0, ["first", "last", "birth_date"]].tolist()
    ['ROBERT', 'LEE', '1990-02-13']
    >>> counts.lines(["first_name", "birth_date"])[1]
    'birth_date    used 1  dropped 1 (unparseable date 1)'
    """
    counts = FieldCounts()
    if order is None:
        order = "MD" if date_format else detect_date_order(identifiers["birth_date"])

    def column(name: str) -> list[object]:
        return (identifiers[name].tolist() if name in identifiers.columns
                else [None] * len(identifiers))

    specs = {  # output column: (input column, normalizer, reason a value is dropped)
        "first": ("first_name", lambda v: normalize_name(v, first=True), "no letters"),
        "last": ("last_name", normalize_name, "no letters"),
        "birth_date": ("birth_date", lambda v: normalize_birth_date(v, date_format, order),
                       "unparseable date"),
        "postcode": ("zip", normalize_postcode, "no letters or digits"),
        "address": ("address", normalize_code, "no letters or digits"),
        "id": ("medicaid_id", normalize_code, "no letters or digits"),
    }
    out = {}
    for name, (source, normalizer, reason) in specs.items():
        raws = column(source)
        values = [normalizer(v) for v in raws]
        if source in identifiers.columns:
            for raw, value in zip(raws, values, strict=True):
                counts.count(source, raw, value, reason)
        out[name] = values
    return pd.DataFrame(out, index=identifiers.index).astype(object), counts

