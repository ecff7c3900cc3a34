"""Keyed composite tokens of a person's identifiers: what a partner sends instead of names.

Identifiers are normalized (:mod:`valuecase.partners.normalize`) and combined: every token is
an HMAC-SHA256, keyed with a secret the partners share, of **several** fields together
(:data:`COMPOSITES`; e.g. first name + last name + birth date, or last name + birth date +
sex), never of one field alone. A holder of the secret who enumerates every value of one
field (every birth date, every ZIP, every first name) therefore finds no token: a guess must
name a whole combination. The set of composites is chosen so that each common error (a typo
in one name, swapped first and last names, a nickname, day and month transposed, a changed
last name or postcode, a wrong birth date) leaves some composites equal, the way the OPPRL
and Datavant token sets do.

The token file holds a partner-local ``record_id`` (random, never derived from the person's
identifier) and the token columns only. The partner keeps the link between ``record_id`` and
its own person id in a private file (written readable by its owner only) that never leaves
its machine.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import jellyfish
import numpy as np
import pandas as pd

from valuecase.errors import ValuecaseError
from valuecase.partners.normalize import (  # noqa: F401 - re-exported: the public API
    NICKNAMES,
    FieldCounts,
    normalize_birth_date,
    normalize_code,
    normalize_medicaid_id,
    normalize_name,
    normalize_people,
    normalize_postcode,
    normalize_sex,
    normalize_zip,
)

SECRET_ENV = "VALUECASE_LINK_SECRET"
"""Environment variable read for the shared secret when no secret file is given."""

MIN_SECRET_BYTES = 16
MIN_SECRET_DISTINCT = 8
"""A secret needs this many distinct characters, none of them in more than a quarter of it."""

COMPOSITES: dict[str, tuple[str, ...]] = {
    "t_name_dob": ("first", "last", "dob"),
    "t_names_dob_unordered": ("names_unordered", "dob_unordered"),
    "t_phonetic_dob": ("first_metaphone", "last_soundex", "dob"),
    "t_initial_last_dob": ("first_initial", "last", "dob"),
    "t_first_lastcode_dob": ("first", "last_soundex", "dob"),
    "t_last_dob": ("last", "dob"),
    "t_first_dob": ("first", "dob"),
    "t_name_year": ("names_unordered", "year"),
    "t_name_postcode": ("names_unordered", "postcode"),
    "t_last_address": ("last", "address"),
    "t_address_dob": ("address", "dob"),
    "t_last_postcode": ("last", "postcode"),
    "t_dob_postcode": ("dob", "postcode"),
    "t_id_year": ("id", "year"),
    "t_id_initial": ("id", "first_initial"),
}
"""Token column -> the normalized parts it combines (see :func:`person_parts`). Each token
combines at least two fields of the person, so no single field can be enumerated."""

TOKEN_COLUMNS: tuple[str, ...] = tuple(COMPOSITES)
"""Token columns of a token file, after ``record_id``."""

IDENTIFIER_COLUMNS: tuple[str, ...] = (
    "person_id", "first_name", "last_name", "birth_date", "sex", "zip", "medicaid_id",
    "address",
)
"""Columns of an identifiers file; all but the first four may be absent."""

TOKENIZED_COLUMNS: tuple[str, ...] = (
    "first_name", "last_name", "birth_date", "zip", "medicaid_id", "address",
)
"""Columns whose values go into tokens (sex has too few values to hide and is not used)."""

REQUIRED_COLUMNS: tuple[str, ...] = ("person_id", "first_name", "last_name", "birth_date")


def check_secret(secret: bytes, where: str = "the secret") -> bytes:
    """``secret`` if it is long and varied enough, else a clear error: at least
    :data:`MIN_SECRET_BYTES` bytes, :data:`MIN_SECRET_DISTINCT` distinct ones, none making
    up more than a quarter of it.

    Examples
    --------
    >>> len(check_secret(b"correct horse battery staple"))
    28
    >>> check_secret(b"aaaaaaaaaaaaaaaa")
    Traceback (most recent call last):
    ...
    valuecase.errors.ValuecaseError: the secret has too little variety (1 distinct characters; at least 8, none in more than a quarter of it) (a random one: python -c 'import secrets; print(secrets.token_urlsafe(32))')
    """
    hint = " (a random one: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    if len(secret) < MIN_SECRET_BYTES:
        raise ValuecaseError(f"{where} is {len(secret)} bytes; at least {MIN_SECRET_BYTES} "
                             f"are needed{hint}")
    counts = Counter(secret)
    if len(counts) < MIN_SECRET_DISTINCT or max(counts.values()) * 4 > len(secret):
        raise ValuecaseError(f"{where} has too little variety ({len(counts)} distinct "
                             f"characters; at least {MIN_SECRET_DISTINCT}, none in more than "
                             f"a quarter of it){hint}")
    return secret


def read_secret(secret_file: str | Path | None = None) -> bytes:
    """The shared secret: the bytes of ``secret_file`` (one trailing newline dropped), else
    the environment variable ``VALUECASE_LINK_SECRET``; checked by :func:`check_secret`.

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
        where = f"the secret in {path}"
    else:
        env = os.environ.get(SECRET_ENV)
        if env is None:
            raise ValuecaseError(f"no secret: give --secret-file or set {SECRET_ENV}")
        secret, where = env.encode(), f"the secret in {SECRET_ENV}"
    return check_secret(secret, where)


def keyed_token(secret: bytes, label: str, *values: str | None) -> str | None:
    """HMAC-SHA256 of ``label|value|value...`` under ``secret``, hex; ``None`` when a value
    is missing.

    The label separates domains: the same text under two labels gives two different tokens.
    Both partners must use the same labels and secret.

    Examples
    --------
    >>> t = keyed_token(b"0123456789abcdef", "t_name_dob", "ANN", "LEE", "1990-01-02")
    >>> len(t), t == keyed_token(b"0123456789abcdef", "t_name_dob", "LEE", "ANN", "1990-01-02")
    (64, False)
    >>> keyed_token(b"0123456789abcdef", "t_name_dob", "ANN", None, "1990-01-02") is None
    True
    """
    if any(v is None for v in values):
        return None
    message = "|".join((label, *values))  # type: ignore[arg-type]
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def person_parts(first: str | None, last: str | None, dob: str | None,
                 postcode: str | None = None, address: str | None = None,
                 person_id: str | None = None) -> dict[str, str | None]:
    """The parts composites are made of, from normalized fields (``None`` where missing).

    Examples
    --------
    >>> p = person_parts("ANN", "LEE", "1990-12-02")
    >>> p["names_unordered"], p["dob_unordered"], p["first_initial"], p["last_soundex"]
    ('ANN LEE', '1990-02-12', 'A', 'L000')
    """
    unordered = None
    if dob is not None:
        year, month, day = dob.split("-")
        unordered = "-".join((year, *sorted((month, day))))
    return {
        "first": first, "last": last, "dob": dob, "postcode": postcode,
        "address": address, "id": person_id,
        "first_initial": first[0] if first else None,
        "first_metaphone": jellyfish.metaphone(first) if first else None,
        "last_soundex": jellyfish.soundex(last) if last else None,
        "names_unordered": " ".join(sorted((first, last))) if first and last else None,
        "dob_unordered": unordered,
        "year": dob[:4] if dob else None,
    }


def person_tokens(secret: bytes, first_name: object, last_name: object, birth_date: object,
                  sex: object = None, zip_code: object = None, medicaid_id: object = None,
                  address: object = None) -> dict[str, str | None]:
    """The composite tokens of one person (:data:`TOKEN_COLUMNS`), ``None`` where a part is
    missing; a slashed birth date is read month first (US).

    Examples
    --------
    >>> key = b"0123456789abcdef"
    >>> a = person_tokens(key, "Bob", "Smith", "1980-05-03", "M", "02139")
    >>> b = person_tokens(key, "smith", "ROBERT", "1980-03-05", "male", "02139-0001")
    >>> a["t_names_dob_unordered"] == b["t_names_dob_unordered"], a["t_name_dob"] == b["t_name_dob"]
    (True, False)
    >>> a["t_id_year"] is None
    True
    """
    people = pd.DataFrame({"person_id": ["."], "first_name": [first_name],
                           "last_name": [last_name], "birth_date": [birth_date], "sex": [sex],
                           "zip": [zip_code], "medicaid_id": [medicaid_id],
                           "address": [address]}).astype(object)
    normalized, _ = normalize_people(people, order="MD")
    return tokens_of(normalized, secret)[0]


def tokens_of(normalized: pd.DataFrame, secret: bytes) -> list[dict[str, str | None]]:
    """The composite tokens of each row of :func:`normalize_people`'s table."""
    rows = []
    for rec in normalized.to_dict("records"):
        parts = person_parts(rec["first"], rec["last"], rec["birth_date"], rec["postcode"],
                             rec["address"], rec["id"])
        rows.append({col: keyed_token(secret, col, *(parts[p] for p in names))
                     for col, names in COMPOSITES.items()})
    return rows


def read_identifiers(path: str | Path) -> pd.DataFrame:
    """An identifiers CSV as text (``person_id, first_name, last_name, birth_date`` required;
    ``sex``, ``zip``, ``medicaid_id``, ``address`` optional), empty
    cells as missing."""
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


def tokenize(identifiers: pd.DataFrame, secret: bytes, seed: int | None = None,
             date_format: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The token table and the partner's private crosswalk of an identifiers table.

    Returns ``(tokens, private)``: ``tokens`` has ``record_id`` and :data:`TOKEN_COLUMNS`,
    rows in ``record_id`` order (the input's order, e.g. alphabetical, is not kept);
    ``private`` maps ``record_id`` to ``person_id`` and stays with the partner. Record ids
    are 16 random hex digits (``seed`` makes them reproducible, for tests). ``tokens.attrs``
    holds the :class:`FieldCounts` under ``"counts"``.

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
    check_secret(secret)
    normalized, counts = normalize_people(identifiers, date_format=date_format)
    rng = np.random.default_rng(seed)
    record_ids: set[str] = set()
    while len(record_ids) < len(identifiers):
        draws = rng.integers(0, 2**63, size=len(identifiers) - len(record_ids))
        record_ids.update(f"{int(d):016x}" for d in draws)
    ids = list(rng.permutation(sorted(record_ids)))
    tokens = pd.DataFrame(tokens_of(normalized, secret), columns=list(TOKEN_COLUMNS))
    tokens = tokens.astype(object)
    tokens.insert(0, "record_id", ids)
    private = pd.DataFrame({"record_id": ids,
                            "person_id": identifiers["person_id"].astype(str).to_numpy()})
    order = np.argsort(np.array(ids))
    tokens = tokens.iloc[order].reset_index(drop=True)
    tokens.attrs["counts"] = counts
    return tokens, private.iloc[order].reset_index(drop=True)


def write_table(frame: pd.DataFrame, path: str | Path, private: bool = False) -> Path:
    """Write ``frame`` as Parquet (``.parquet``) or CSV (any other suffix), without index;
    ``private``: the file is created readable and writable by its owner only (mode 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = frame.copy()
    frame.attrs = {}
    if private:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when the file was there before with wider rights
        with os.fdopen(fd, "wb") as handle:
            if path.suffix.lower() == ".parquet":
                frame.to_parquet(handle, index=False)
            else:
                handle.write(frame.to_csv(index=False).encode())
    elif path.suffix.lower() == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def tokenize_file(identifiers_csv: str | Path, secret: bytes, out: str | Path,
                  private_out: str | Path, seed: int | None = None,
                  date_format: str | None = None) -> Mapping[str, object]:
    """Tokenize an identifiers CSV: the token file to ``out`` (the one to send) and the
    private crosswalk to ``private_out`` (kept, mode 0600). Returns counts for the CLI:
    records, tokens present per column and the fields' used and dropped values."""
    identifiers = read_identifiers(identifiers_csv)
    tokens, private = tokenize(identifiers, secret, seed=seed, date_format=date_format)
    counts: FieldCounts = tokens.attrs["counts"]
    write_table(tokens, out)
    write_table(private, private_out, private=True)
    present = {col: int(tokens[col].notna().sum()) for col in TOKEN_COLUMNS}
    fields = [c for c in TOKENIZED_COLUMNS if c in identifiers.columns]
    unused = [c for c in identifiers.columns if c not in ("person_id", *TOKENIZED_COLUMNS)]
    lines = counts.lines(fields)
    if unused:
        lines.append(f"not used: {', '.join(unused)}")
    return {"records": len(tokens), "tokens_present": present, "out": str(out),
            "private_out": str(private_out), "fields": lines}
