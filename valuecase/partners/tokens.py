"""Keyed tokens of a person's identifiers: what a partner sends instead of names.

Each identifier is normalized (names upper-case without accents or punctuation, a nickname
turned into its formal name, birth date ISO, sex M/F/U, ZIP5, Medicaid id) and then replaced
by an HMAC-SHA256 keyed with a secret the partners share and the data never carry. Several
tokens per person (full names, phonetic codes, birth date and its parts, the day/month-swapped
birth date, sex, ZIP, Medicaid id) let the matcher tolerate a typo or a missing field. Without
the secret a token cannot be recomputed from a guess; with it, anyone can test a guess, so the
secret stays with the partners (see the README).

The token file holds a partner-local ``record_id`` (random, never derived from the person's
identifier) and the token columns only. The partner keeps the link between ``record_id`` and
its own person id in a private file that never leaves its machine.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import jellyfish
import numpy as np
import pandas as pd

from valuecase.errors import ValuecaseError

SECRET_ENV = "VALUECASE_LINK_SECRET"
"""Environment variable read for the shared secret when no secret file is given."""

MIN_SECRET_BYTES = 16

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

TOKEN_COLUMNS: tuple[str, ...] = (
    "t_first", "t_last", "t_first_phonetic", "t_last_phonetic", "t_birth_date",
    "t_birth_year", "t_birth_month_day", "t_birth_date_swapped", "t_sex", "t_zip",
    "t_medicaid_id",
)
"""Token columns of a token file, after ``record_id``."""

IDENTIFIER_COLUMNS: tuple[str, ...] = (
    "person_id", "first_name", "last_name", "birth_date", "sex", "zip", "medicaid_id",
)
"""Columns of an identifiers file; ``sex``, ``zip`` and ``medicaid_id`` may be absent."""

REQUIRED_COLUMNS: tuple[str, ...] = ("person_id", "first_name", "last_name", "birth_date")


def _text(value: object) -> str:
    """A cell as stripped text; missing (``None``, NaN, ``pd.NA``) as ``""``."""
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
    text = unicodedata.normalize("NFKD", _text(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = re.sub(r"[^A-Z]", "", text)
    if not text:
        return None
    return NICKNAMES.get(text, text) if first else text


def normalize_birth_date(value: object) -> str | None:
    """A birth date as ISO ``YYYY-MM-DD`` from ISO, ``YYYYMMDD`` or US ``MM/DD/YYYY`` text.

    Examples
    --------
    >>> normalize_birth_date("1980-05-03"), normalize_birth_date("5/3/1980")
    ('1980-05-03', '1980-05-03')
    >>> normalize_birth_date("1980-02-30") is None, normalize_birth_date("") is None
    (True, True)
    """
    text = _text(value)
    formats = (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{4})(\d{2})(\d{2})",
               r"(\d{1,2})/(\d{1,2})/(\d{4})")
    for i, pattern in enumerate(formats):
        m = re.fullmatch(pattern, text)
        if m:
            parts = [int(p) for p in m.groups()]
            year, month, day = parts if i < 2 else (parts[2], parts[0], parts[1])
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                return None
    return None


def normalize_sex(value: object) -> str:
    """``M``, ``F`` or ``U`` (unknown) from common spellings.

    Examples
    --------
    >>> [normalize_sex(v) for v in ("male", " f ", "X", None)]
    ['M', 'F', 'U', 'U']
    """
    text = _text(value).upper()
    return {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F"}.get(text, "U")


def normalize_zip(value: object) -> str | None:
    """The five-digit ZIP code (ZIP+4 cut to five digits); anything else is missing.

    Examples
    --------
    >>> normalize_zip("02139-4307"), normalize_zip(2139), normalize_zip("ABC")
    ('02139', '02139', None)
    """
    digits = re.sub(r"\D", "", _text(value))
    if isinstance(value, int | np.integer) and 0 < len(digits) < 5:
        digits = digits.zfill(5)  # a ZIP read as a number lost its leading zeros
    return digits[:5] if len(digits) in (5, 9) else None


def normalize_medicaid_id(value: object) -> str | None:
    """A Medicaid id in upper case letters and digits only.

    Examples
    --------
    >>> normalize_medicaid_id(" ma-123 456 "), normalize_medicaid_id("")
    ('MA123456', None)
    """
    text = re.sub(r"[^A-Z0-9]", "", _text(value).upper())
    return text or None


def read_secret(secret_file: str | Path | None = None) -> bytes:
    """The shared secret: the bytes of ``secret_file`` (one trailing newline dropped), else
    the environment variable ``VALUECASE_LINK_SECRET``; at least 16 bytes.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "shared.secret")
    ...     _ = path.write_text("correct horse battery staple\\n")
    ...     len(read_secret(path))
    28
    """
    if secret_file is not None:
        path = Path(secret_file)
        if not path.is_file():
            raise ValuecaseError(f"secret file not found: {path}")
        secret = path.read_bytes()
        secret = secret[:-2] if secret.endswith(b"\r\n") else secret.removesuffix(b"\n")
        where = str(path)
    else:
        env = os.environ.get(SECRET_ENV)
        if env is None:
            raise ValuecaseError(f"no secret: give --secret-file or set {SECRET_ENV}")
        secret, where = env.encode(), SECRET_ENV
    if len(secret) < MIN_SECRET_BYTES:
        raise ValuecaseError(f"the secret in {where} is {len(secret)} bytes; at least "
                             f"{MIN_SECRET_BYTES} are needed (a random one: "
                             "python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return secret


def keyed_token(secret: bytes, field: str, value: str | None) -> str | None:
    """HMAC-SHA256 of ``field|value`` under ``secret``, hex; ``None`` for a missing value.

    The field name separates domains: the same text as a first and a last name gives two
    different tokens. Both partners must use the same field names and secret.

    Examples
    --------
    >>> t = keyed_token(b"0123456789abcdef", "last", "SMITH")
    >>> len(t), t == keyed_token(b"0123456789abcdef", "first", "SMITH")
    (64, False)
    """
    if value is None:
        return None
    return hmac.new(secret, f"{field}|{value}".encode(), hashlib.sha256).hexdigest()


def person_tokens(secret: bytes, first_name: object, last_name: object, birth_date: object,
                  sex: object = None, zip_code: object = None,
                  medicaid_id: object = None) -> dict[str, str | None]:
    """The tokens of one person (:data:`TOKEN_COLUMNS`), missing fields as ``None``.

    Examples
    --------
    >>> key = b"0123456789abcdef"
    >>> a = person_tokens(key, "Bob", "Smith", "1980-05-03", "M", "02139")
    >>> b = person_tokens(key, "ROBERT", "smith", "1980-03-05", "male", "02139-0001")
    >>> a["t_first"] == b["t_first"], a["t_birth_date"] == b["t_birth_date_swapped"]
    (True, True)
    >>> a["t_medicaid_id"] is None
    True
    """
    first = normalize_name(first_name, first=True)
    last = normalize_name(last_name)
    dob = normalize_birth_date(birth_date)
    swapped = None
    if dob is not None:
        year, month, day = dob.split("-")
        if int(day) <= 12 and day != month:
            swapped = f"{year}-{day}-{month}"
    sex_code = normalize_sex(sex)
    values = {
        "t_first": ("first", first),
        "t_last": ("last", last),
        "t_first_phonetic": ("first_metaphone", jellyfish.metaphone(first) if first else None),
        "t_last_phonetic": ("last_soundex", jellyfish.soundex(last) if last else None),
        "t_birth_date": ("birth_date", dob),
        "t_birth_year": ("birth_year", dob[:4] if dob else None),
        "t_birth_month_day": ("birth_month_day", dob[5:] if dob else None),
        # under the birth date's own field name: equals the other side's t_birth_date
        "t_birth_date_swapped": ("birth_date", swapped),
        "t_sex": ("sex", None if sex_code == "U" else sex_code),
        "t_zip": ("zip", normalize_zip(zip_code)),
        "t_medicaid_id": ("medicaid_id", normalize_medicaid_id(medicaid_id)),
    }
    return {col: keyed_token(secret, field, value) for col, (field, value) in values.items()}


def read_identifiers(path: str | Path) -> pd.DataFrame:
    """An identifiers CSV as text (``person_id, first_name, last_name, birth_date`` required;
    ``sex``, ``zip``, ``medicaid_id`` optional), empty cells as missing."""
    path = Path(path)
    if not path.is_file():
        raise ValuecaseError(f"identifiers file not found: {path}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValuecaseError(f"{path.name}: not a readable UTF-8 CSV file "
                             f"({str(exc).splitlines()[0]})") from None
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValuecaseError(f"{path.name}: missing required column(s) {', '.join(missing)} "
                             f"(expected {', '.join(IDENTIFIER_COLUMNS)})")
    ids = frame["person_id"].str.strip()
    if (ids == "").any():
        raise ValuecaseError(f"{path.name}: person_id is empty on line "
                             f"{int((ids == '').to_numpy().argmax()) + 2}")
    if ids.duplicated().any():
        raise ValuecaseError(f"{path.name}: person_id {ids[ids.duplicated()].iloc[0]!r} "
                             "appears more than once")
    frame["person_id"] = ids
    return frame.astype(object).where(frame != "", None)


def tokenize(identifiers: pd.DataFrame, secret: bytes,
             seed: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The token table and the partner's private crosswalk of an identifiers table.

    Returns ``(tokens, private)``: ``tokens`` has ``record_id`` and :data:`TOKEN_COLUMNS`,
    rows in ``record_id`` order (the input's order, e.g. alphabetical, is not kept);
    ``private`` maps ``record_id`` to ``person_id`` and stays with the partner. Record ids
    are 16 random hex digits (``seed`` makes them reproducible, for tests).

    Examples
    --------
    >>> people = pd.DataFrame({"person_id": ["c1"], "first_name": ["Liz"],
    ...                        "last_name": ["Ng"], "birth_date": ["1990-12-01"]})
    >>> tokens, private = tokenize(people, b"0123456789abcdef", seed=1)
    >>> list(tokens.columns) == ["record_id", *TOKEN_COLUMNS], "Ng" in tokens.to_csv()
    (True, False)
    >>> private.columns.tolist()
    ['record_id', 'person_id']
    """
    if len(secret) < MIN_SECRET_BYTES:
        raise ValuecaseError(f"the secret must be at least {MIN_SECRET_BYTES} bytes")
    rng = np.random.default_rng(seed)
    record_ids: set[str] = set()
    while len(record_ids) < len(identifiers):
        draws = rng.integers(0, 2**63, size=len(identifiers) - len(record_ids))
        record_ids.update(f"{int(d):016x}" for d in draws)
    ids = list(rng.permutation(sorted(record_ids)))
    rows = []
    for rec in identifiers.to_dict("records"):
        rows.append(person_tokens(secret, rec.get("first_name"), rec.get("last_name"),
                                  rec.get("birth_date"), rec.get("sex"), rec.get("zip"),
                                  rec.get("medicaid_id")))
    tokens = pd.DataFrame(rows, columns=list(TOKEN_COLUMNS)).astype(object)
    tokens.insert(0, "record_id", ids)
    private = pd.DataFrame({"record_id": ids,
                            "person_id": identifiers["person_id"].astype(str).to_numpy()})
    order = np.argsort(np.array(ids))
    return (tokens.iloc[order].reset_index(drop=True),
            private.iloc[order].reset_index(drop=True))


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as Parquet (``.parquet``) or CSV (any other suffix), without index."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def tokenize_file(identifiers_csv: str | Path, secret: bytes, out: str | Path,
                  private_out: str | Path, seed: int | None = None) -> Mapping[str, object]:
    """Tokenize an identifiers CSV: the token file to ``out`` (the one to send) and the
    private crosswalk to ``private_out`` (kept). Returns counts for the CLI."""
    identifiers = read_identifiers(identifiers_csv)
    tokens, private = tokenize(identifiers, secret, seed=seed)
    write_table(tokens, out)
    write_table(private, private_out)
    present = {col: int(tokens[col].notna().sum()) for col in TOKEN_COLUMNS}
    return {"records": len(tokens), "tokens_present": present, "out": str(out),
            "private_out": str(private_out)}
