"""Normalization, keyed tokens and the token file: tokens carry no identifier."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from valuecase.errors import ValuecaseError
from valuecase.partners.tokens import (
    COMPOSITES,
    NICKNAMES,
    SECRET_ENV,
    TOKEN_COLUMNS,
    normalize_birth_date,
    normalize_medicaid_id,
    normalize_name,
    normalize_sex,
    normalize_zip,
    person_tokens,
    read_identifiers,
    read_secret,
    tokenize,
    tokenize_file,
)

SECRET = b"a secret the partners share, 16+ bytes"  # as in conftest.py


def test_names_lose_case_accents_spaces_and_punctuation():
    assert normalize_name("José") == normalize_name("JOSE") == normalize_name(" jose ") == "JOSE"
    assert normalize_name("Zoë") == "ZOE" and normalize_name("Muñoz") == "MUNOZ"
    assert normalize_name("O'Brien") == normalize_name("o brien") == "OBRIEN"
    assert normalize_name("Smith-Jones") == "SMITHJONES"
    assert normalize_name("St. Pierre") == "STPIERRE"
    for missing in (None, "", "  ", "--", float("nan"), pd.NA):
        assert normalize_name(missing) is None


def test_nicknames_become_formal_first_names_only():
    assert normalize_name("Bob", first=True) == "ROBERT"
    assert normalize_name("bill", first=True) == "WILLIAM"
    assert normalize_name("Liz", first=True) == "ELIZABETH"
    assert normalize_name("Peggy", first=True) == normalize_name("Margaret", first=True)
    assert normalize_name("Bob") == "BOB"  # a last name is never rewritten
    assert len(NICKNAMES) >= 40
    # formal names are not nicknames themselves (no chains), all in normalized form
    assert not set(NICKNAMES.values()) & set(NICKNAMES)
    assert all(re.fullmatch("[A-Z]+", k + v) for k, v in NICKNAMES.items())


def test_other_fields_normalize():
    assert normalize_birth_date("1980-05-03") == "1980-05-03"
    assert normalize_birth_date("5/3/1980") == normalize_birth_date("19800503") == "1980-05-03"
    assert normalize_birth_date("5/3/1980", order="DM") == "1980-03-05"
    assert normalize_birth_date("03/05/1980", "%d/%m/%Y") == "1980-05-03"
    assert normalize_birth_date("1980-13-01") is None and normalize_birth_date(None) is None
    assert normalize_birth_date(float("nan")) is None
    assert [normalize_sex(v) for v in ("M", "female", "", "other", None)] == \
        ["M", "F", "U", "U", "U"]
    assert normalize_zip("02139") == normalize_zip("02139-1234") == normalize_zip(2139) == "02139"
    # postcodes of any country are kept, as text; a 4-digit one is padded alike on both sides
    assert normalize_zip("2600") == normalize_zip(2600) == "02600"
    assert normalize_zip("SW1A 1AA") == "SW1A1AA" and normalize_zip(None) is None
    assert normalize_medicaid_id("ma 123-456") == "MA123456"
    assert normalize_medicaid_id(float("nan")) is None


def test_same_person_written_differently_gets_the_same_tokens():
    a = person_tokens(SECRET, "Bob", "O'Brien", "1980-05-03", "male", "02139-0001", "ma-1")
    b = person_tokens(SECRET, "ROBERT", "obrien", "5/3/1980", "M", "02139", "MA1")
    assert a == b
    assert set(a) == set(TOKEN_COLUMNS) == set(COMPOSITES)
    present = [v for c, v in a.items() if "address" not in c]  # no address given
    assert all(re.fullmatch("[0-9a-f]{64}", v) for v in present)


def test_every_token_combines_at_least_two_fields():
    single_field_parts = {"first", "last", "dob", "postcode", "address", "id",
                          "first_initial", "first_metaphone", "last_soundex", "year"}
    fields_of = {"first": "first", "first_initial": "first", "first_metaphone": "first",
                 "last": "last", "last_soundex": "last", "dob": "dob", "year": "dob",
                 "dob_unordered": "dob", "names_unordered": "first+last",
                 "postcode": "postcode", "address": "address", "id": "id"}
    assert single_field_parts <= set(fields_of)
    for column, parts in COMPOSITES.items():
        fields = set("+".join(fields_of[p] for p in parts).split("+"))
        assert len(fields) >= 2, column


def test_composites_tolerate_typos_and_swaps():
    a = person_tokens(SECRET, "Jonathan", "Smith", "1980-05-03", "M", "02139")
    typo = person_tokens(SECRET, "Jonathon", "Smyth", "1980-05-03", "M", "02139")
    assert a["t_name_dob"] != typo["t_name_dob"]
    assert a["t_phonetic_dob"] == typo["t_phonetic_dob"]  # both names misspelt
    swapped = person_tokens(SECRET, "Smith", "Jonathan", "1980-03-05", "M", "02139")
    assert a["t_name_dob"] != swapped["t_name_dob"]
    assert a["t_names_dob_unordered"] == swapped["t_names_dob_unordered"]
    assert a["t_name_postcode"] == swapped["t_name_postcode"]
    first_typo = person_tokens(SECRET, "Jnathan", "Smith", "1980-05-03", "M", "02139")
    assert a["t_initial_last_dob"] == first_typo["t_initial_last_dob"]
    assert a["t_last_dob"] == first_typo["t_last_dob"]
    married = person_tokens(SECRET, "Jonathan", "Miller", "1980-05-03", "M", "02139")
    assert a["t_first_dob"] == married["t_first_dob"]
    wrong_day = person_tokens(SECRET, "Jonathan", "Smith", "1980-05-04", "M", "02139")
    assert a["t_name_year"] == wrong_day["t_name_year"]


def test_tokens_depend_on_the_secret_and_the_column():
    a = person_tokens(SECRET, "Ann", "Lee", "1990-01-02", "F", "02139", "MA1", "1 Main St")
    b = person_tokens(b"another secret of 16+ bytes", "Ann", "Lee", "1990-01-02", "F",
                      "02139", "MA1", "1 Main St")
    assert all(a[c] is not None and a[c] != b[c] for c in TOKEN_COLUMNS)
    assert len(set(a.values())) == len(TOKEN_COLUMNS)  # the column name is in each message


def test_missing_fields_give_missing_tokens():
    t = person_tokens(SECRET, "Ann", "Lee", "", None, "", None)
    assert {c for c, v in t.items() if v is None} == set(TOKEN_COLUMNS)
    t = person_tokens(SECRET, "Ann", None, "1990-01-02", "F", "02139")
    assert {c for c, v in t.items() if v is not None} == {"t_first_dob", "t_dob_postcode"}


def test_secret_from_file_or_environment_never_short_nor_uniform(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    f = tmp_path / "secret"
    f.write_bytes(b"0123456789abcdef\n")
    assert read_secret(f) == b"0123456789abcdef"
    f.write_bytes(b"0123456789abcde\n")  # 15 bytes
    with pytest.raises(ValuecaseError, match="at least 16"):
        read_secret(f)
    for weak in (b"aaaaaaaaaaaaaaaa", b"abababababababababab", b"aaaaaaaaaaaaaaaaaaaaaaaabcdefghij"):
        f.write_bytes(weak)
        with pytest.raises(ValuecaseError, match="too little variety"):
            read_secret(f)
    with pytest.raises(ValuecaseError, match="no secret"):
        read_secret()
    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(ValuecaseError, match="at least 16"):
        read_secret()
    monkeypatch.setenv(SECRET_ENV, "x" * 16)
    with pytest.raises(ValuecaseError, match="too little variety"):
        read_secret()
    monkeypatch.setenv(SECRET_ENV, "correct horse battery staple")
    assert read_secret() == b"correct horse battery staple"
    with pytest.raises(ValuecaseError, match="not found"):
        read_secret(tmp_path / "nothing")
    with pytest.raises(ValuecaseError, match="at least 16"):
        tokenize(pd.DataFrame({"person_id": ["1"]}), b"short")


def test_record_ids_are_random_and_the_private_crosswalk_finds_each_person(tokenized,
                                                                          linkage_truth):
    ta, pa, _, _ = tokenized
    assert list(ta.columns) == ["record_id", *TOKEN_COLUMNS]
    assert list(pa.columns) == ["record_id", "person_id"]
    assert ta["record_id"].is_unique and ta["record_id"].str.fullmatch("[0-9a-f]{16}").all()
    assert ta["record_id"].is_monotonic_increasing  # the input's order is not kept
    assert (pa["record_id"] == ta["record_id"]).all()
    again, pa_again = tokenize(linkage_truth.payer, SECRET, seed=1)
    assert again.equals(ta) and pa_again.equals(pa)  # reproducible with a seed
    other, _ = tokenize(linkage_truth.payer, SECRET, seed=5)
    assert not set(other["record_id"]) & set(ta["record_id"])
    # the private crosswalk leads back to the person whose identifiers made the tokens
    person = linkage_truth.payer.iloc[17]
    rid = pa.loc[pa["person_id"] == person["person_id"], "record_id"].item()
    row = ta.loc[ta["record_id"] == rid].iloc[0]
    expected = person_tokens(SECRET, person["first_name"], person["last_name"],
                             person["birth_date"], person["sex"], person["zip"],
                             person["medicaid_id"])
    assert row[list(TOKEN_COLUMNS)].to_dict() == expected


def raw_identifiers(identifiers: pd.DataFrame) -> set[str]:
    """Every identifier as given and as normalized, for a substring scan."""
    values: set[str] = set()
    for col in identifiers.columns:
        for v in identifiers[col].dropna().astype(str):
            values |= {v, v.upper(), v.lower()}
    for v in identifiers["first_name"].dropna():
        values.add(normalize_name(v, first=True))
    for v in identifiers["last_name"].dropna():
        values.add(normalize_name(v))
    for v in identifiers["medicaid_id"].dropna():
        values.add(normalize_medicaid_id(v))
    for v in identifiers["zip"].dropna():
        values.add(normalize_zip(v))
    for v in identifiers["birth_date"].dropna():
        iso = normalize_birth_date(v)
        values |= {iso, iso.replace("-", "")} if iso else set()
    return {v for v in values if v}


def assert_no_identifier(text: str, identifiers: set[str]) -> None:
    """No identifier appears in the rows of CSV ``text``; a short all-hex value (a ZIP,
    'Ada') could occur by chance inside a token, so those must not be a whole field."""
    text = text.split("\n", 1)[1]  # the header names columns, not persons
    fields = set(re.split(r"[,\n]", text))
    for value in identifiers:
        if re.fullmatch(r"[0-9a-fA-F]{1,7}", value):
            assert value not in fields, value
        else:
            assert value not in text, value


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_token_file_holds_no_raw_identifier(tmp_path, linkage_truth, suffix):
    partner = linkage_truth.partner.copy()
    tricky = pd.DataFrame([{"person_id": "C-BOB-1", "first_name": "Bob",
                            "last_name": "Smith-Jones", "birth_date": "4/7/1961",
                            "sex": "male", "zip": "02139-4307", "medicaid_id": "MA-777 888"},
                           {"person_id": "C-2", "first_name": "Zoë", "last_name": "O'Brien",
                            "birth_date": None, "sex": None, "zip": None,
                            "medicaid_id": None}])
    partner = pd.concat([partner, tricky], ignore_index=True)
    source = tmp_path / "partner.csv"
    partner.to_csv(source, index=False)
    out, private = tmp_path / f"tokens{suffix}", tmp_path / "private.csv"
    tokenize_file(source, SECRET, out, private)
    tokens = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out, dtype=str)
    assert list(tokens.columns) == ["record_id", *TOKEN_COLUMNS]
    cells = tokens[list(TOKEN_COLUMNS)].stack().dropna()
    assert cells.str.fullmatch("[0-9a-f]{64}").all()
    assert tokens["record_id"].str.fullmatch("[0-9a-f]{16}").all()
    identifiers = raw_identifiers(read_identifiers(source))
    assert {"Bob", "ROBERT", "SMITHJONES", "1961-04-07", "MA777888", "C-BOB-1"} <= identifiers
    assert_no_identifier(tokens.to_csv(index=False), identifiers)
    raw = out.read_bytes().decode("latin-1")  # the file's bytes as written, metadata too
    for value in identifiers:  # shorter ones could be any few bytes of a binary file
        if len(value) >= 6 and not re.fullmatch(r"[0-9a-fA-F]+", value):
            assert value not in raw, value
    kept = pd.read_csv(private, dtype=str)
    assert list(kept.columns) == ["record_id", "person_id"] and len(kept) == len(partner)


def test_identifier_file_errors(tmp_path):
    f = tmp_path / "ids.csv"
    f.write_text("person_id,first_name,last_name\n1,Ann,Lee\n")
    with pytest.raises(ValuecaseError, match="missing required column.*birth_date"):
        read_identifiers(f)
    f.write_text("person_id,first_name,last_name,birth_date\n1,Ann,Lee,\n1,Bo,Li,\n")
    with pytest.raises(ValuecaseError, match="'1' appears more than once"):
        read_identifiers(f)
    f.write_text("person_id,first_name,last_name,birth_date\n,Ann,Lee,\n")
    with pytest.raises(ValuecaseError, match="empty on line 2"):
        read_identifiers(f)
    with pytest.raises(ValuecaseError, match="not found"):
        read_identifiers(tmp_path / "none.csv")


def test_the_scan_finds_a_planted_identifier(linkage_truth):
    identifiers = raw_identifiers(linkage_truth.partner)
    person = linkage_truth.partner.dropna().iloc[0]
    for leak in (person["last_name"].upper(), person["medicaid_id"], person["person_id"],
                 person["zip"]):
        with pytest.raises(AssertionError):
            assert_no_identifier(f"record_id,t_zip\nabc,{leak}\n", identifiers)
