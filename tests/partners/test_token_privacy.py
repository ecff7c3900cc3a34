"""The party holding the secret cannot decode the other party's people field by field.

The attack of issue 29: whoever holds the secret (in the two-party mode, the payer) receives
the partner's token file and hashes every plausible value of one field (every first name,
last name, birth date, birth year, month and day, sex, ZIP, phonetic code) under every token
label, then looks the token file up. Against one keyed token per field (the former format,
rebuilt here with the same HMAC) it reads the name and birth date of nearly every client who
is not a plan member; against composite tokens it reads nothing.
"""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta

import jellyfish
import pandas as pd
import pytest

from valuecase.partners.identifiers import FEMALE, LAST, MALE, ZIPS
from valuecase.partners.normalize import (
    NICKNAMES,
    normalize_birth_date,
    normalize_name,
    normalize_sex,
    normalize_zip,
)
from valuecase.partners.tokens import COMPOSITES, TOKEN_COLUMNS, keyed_token, tokenize_file

LEGACY_LABELS = ("first", "last", "first_metaphone", "last_soundex", "birth_date",
                 "birth_year", "birth_month_day", "sex", "zip")
"""The field names of the former one-field-per-token format."""


def legacy_tokens(secret: bytes, people: pd.DataFrame) -> pd.DataFrame:
    """The former token file: one keyed token of each field alone (``field|value``)."""
    rows = []
    for rec in people.to_dict("records"):
        first = normalize_name(rec["first_name"], first=True)
        last = normalize_name(rec["last_name"])
        dob = normalize_birth_date(rec["birth_date"])
        sex = normalize_sex(rec["sex"])
        values = {"first": first, "last": last,
                  "first_metaphone": jellyfish.metaphone(first) if first else None,
                  "last_soundex": jellyfish.soundex(last) if last else None,
                  "birth_date": dob, "birth_year": dob[:4] if dob else None,
                  "birth_month_day": dob[5:] if dob else None,
                  "sex": None if sex == "U" else sex, "zip": normalize_zip(rec["zip"])}
        rows.append({f"t_{k}": keyed_token(secret, k, v) for k, v in values.items()})
    return pd.DataFrame(rows, index=people["person_id"].to_numpy())


def single_field_dictionary() -> set[str]:
    """Every plausible value of any one field: names (formal and nicknames), their phonetic
    codes, every birth date 1930-2020, its year and month-day, sex, the area's ZIPs."""
    names = {normalize_name(n) for n in (*FEMALE, *MALE, *LAST, *NICKNAMES, *NICKNAMES.values())}
    names = {n for n in names if n}
    values = set(names) | {jellyfish.metaphone(n) for n in names} | {
        jellyfish.soundex(n) for n in names}
    day = date(1930, 1, 1)
    while day <= date(2020, 12, 31):
        values |= {day.isoformat(), day.isoformat()[5:]}
        day += timedelta(days=1)
    values |= {str(y) for y in range(1930, 2021)} | {"M", "F"} | set(ZIPS)
    values |= {f"{z:05d}" for z in range(2100, 2200)}
    return values


def enumerate_single_fields(secret: bytes, tokens: pd.DataFrame,
                            labels: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Per row of ``tokens``: every cell whose token equals the HMAC of one dictionary value
    under one label, as {column: value}. The attacker tries every value under every label."""
    lookup = {}
    for value in single_field_dictionary():
        for label in labels:
            lookup[keyed_token(secret, label, value)] = value
    found: dict[str, dict[str, str]] = {}
    for person, row in tokens.iterrows():
        hits = {col: lookup[t] for col, t in row.items() if t in lookup}
        if hits:
            found[str(person)] = hits
    return found


@pytest.fixture(scope="module")
def non_members(linkage_truth):
    partner = linkage_truth.partner
    outside = partner[~partner["person_id"].isin(linkage_truth.truth["partner_id"])]
    assert len(outside) == 150  # `valuecase link synth --seed 0`: 150 clients not covered
    return outside


def test_the_enumeration_reads_one_field_tokens(secret, non_members):
    """The control: the same enumeration decodes the former format (so it can fail)."""
    found = enumerate_single_fields(secret, legacy_tokens(secret, non_members), LEGACY_LABELS)
    decoded = [p for p, hits in found.items()
               if {"t_first", "t_last", "t_birth_date"} <= set(hits)]
    # measured: 135 of 150 (the others have a typo'd name or a missing birth date)
    assert len(decoded) >= 120, len(decoded)
    row = non_members.set_index("person_id").loc[decoded[0]]
    assert found[decoded[0]]["t_last"] == normalize_name(row["last_name"])


def test_the_enumeration_reads_nothing_from_composite_tokens(secret, non_members,
                                                             tmp_path):
    source = tmp_path / "partner.csv"
    non_members.to_csv(source, index=False)
    out = tmp_path / "partner.tokens.parquet"
    tokenize_file(source, secret, out, tmp_path / "partner.private.csv")
    tokens = pd.read_parquet(out).set_index("record_id")
    assert list(tokens.columns) == list(TOKEN_COLUMNS)
    assert tokens.notna().sum().sum() > 5 * len(tokens)  # there are tokens to attack
    labels = (*LEGACY_LABELS, *COMPOSITES, *{p for parts in COMPOSITES.values() for p in parts})
    found = enumerate_single_fields(secret, tokens, labels)
    assert found == {}  # not one token of one person read, let alone a name and birth date


def test_the_private_file_is_readable_by_its_owner_only(secret, linkage_truth, tmp_path):
    source = tmp_path / "partner.csv"
    linkage_truth.partner.to_csv(source, index=False)
    for private in (tmp_path / "p.private.csv", tmp_path / "p.private.parquet"):
        private.write_text("an older file with wider rights")
        os.chmod(private, 0o644)
        tokenize_file(source, secret, tmp_path / "t.parquet", private)
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
        kept = (pd.read_parquet(private) if private.suffix == ".parquet"
                else pd.read_csv(private, dtype=str))
        assert list(kept.columns) == ["record_id", "person_id"] and len(kept) == 600
