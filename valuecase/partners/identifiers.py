"""Synthetic identifiers with a known truth: a payer's members and a partner's clients.

The payer's file is clean; the partner's file holds an overlapping subset of the payer's
members plus people the payer does not cover, with the errors real intake records have:
nicknames, typos in names, a changed last name, day and month transposed, a wrong birth date,
missing fields, a changed ZIP, names in other case and dates in US format. The truth table
says which partner client is which payer member. Everything comes from one ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from valuecase.partners.tokens import NICKNAMES

FEMALE = ("Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
          "Sarah", "Karen", "Nancy", "Margaret", "Lisa", "Betty", "Sandra", "Ashley",
          "Kimberly", "Emily", "Donna", "Michelle", "Deborah", "Rebecca", "Catherine",
          "Katherine", "Maria", "Ann", "Zoë", "Chloé", "Renée", "Rosa", "Guadalupe", "Aaliyah",
          "Keisha", "Mei", "Fatima", "Olga", "Priya", "Nicole", "Angela", "Brenda")
MALE = ("James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph",
        "Thomas", "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Steven", "Andrew",
        "Gregory", "Edward", "Samuel", "Benjamin", "Nicholas", "Lawrence", "Francis",
        "Alexander", "Albert", "José", "Luis", "Carlos", "Juan", "André", "DeShawn",
        "Tyrone", "Wei", "Minh", "Mohammed", "Ivan", "Raj", "Kevin", "Brian", "Jason")
LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
        "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
        "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
        "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
        "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter",
        "Roberts", "O'Brien", "O'Connor", "Smith-Jones", "Muñoz", "Peña", "Müller",
        "St. Pierre", "McDonald", "Van der Berg", "Kowalski", "Nowak", "Patel", "Shah", "Kim",
        "Park", "Chen", "Wang", "Li", "Tran", "Le", "Pham", "Okafor", "Mensah", "Diallo",
        "Haddad", "Cohen", "Levy", "Murphy", "Kelly", "Sullivan")
ZIPS = ("02118", "02119", "02120", "02121", "02122", "02124", "02125", "02126", "02127",
        "02128", "02130", "02131", "02132", "02134", "02135", "02136", "02138", "02139",
        "02140", "02141", "02143", "02144", "02145", "02148", "02149", "02150", "02151",
        "02152", "02155", "02169")

ERROR_RATES: dict[str, float] = {
    "nickname": 0.25,        # of clients whose formal first name has a nickname
    "first_typo": 0.05, "last_typo": 0.05, "last_changed": 0.02,
    "birth_swapped": 0.04,   # day and month transposed (when both are <= 12)
    "birth_wrong": 0.02,     # a day or a year off
    "birth_missing": 0.03, "sex_missing": 0.10, "zip_missing": 0.08, "zip_changed": 0.12,
    "lower_case": 0.10, "us_date": 0.20,
    "medicaid_given": 0.50,  # a member's Medicaid id on the partner's intake form
}
"""Share of partner records with each error (independent draws)."""

_NICKNAMES_OF: dict[str, list[str]] = {
    formal: sorted(nick.title() for nick, f in NICKNAMES.items() if f == formal)
    for formal in sorted(set(NICKNAMES.values()))
}


@dataclass(frozen=True)
class SyntheticLinkage:
    """A payer file, a partner file and the truth (``payer_id``, ``partner_id``)."""

    payer: pd.DataFrame
    partner: pd.DataFrame
    truth: pd.DataFrame


def _zipf_choice(rng: np.random.Generator, values: tuple[str, ...], size: int) -> np.ndarray:
    """Draws where the k-th value is ~1/k as common (common names repeat, as in life)."""
    weights = 1.0 / np.arange(1, len(values) + 1) ** 0.8
    return rng.choice(np.array(values, dtype=object), size=size, p=weights / weights.sum())


def synthetic_persons(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` plausible persons: ``person_id, first_name, last_name, birth_date, sex, zip,
    medicaid_id`` (born 1940-2015, ZIPs of one metropolitan area).

    Examples
    --------
    >>> people = synthetic_persons(3, seed=1)
    >>> people.columns.tolist()
    ['person_id', 'first_name', 'last_name', 'birth_date', 'sex', 'zip', 'medicaid_id']
    >>> bool(people["person_id"].str.match(r"M\\d{8}").all())
    True
    """
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["F", "M"], dtype=object), size=n)
    female, male = _zipf_choice(rng, FEMALE, n), _zipf_choice(rng, MALE, n)
    first = np.where(sex == "F", female, male)
    start, span = date(1940, 1, 1), (date(2015, 12, 31) - date(1940, 1, 1)).days
    births = [(start + timedelta(days=int(d))).isoformat() for d in rng.integers(0, span, n)]
    member = rng.choice(10**8, size=n, replace=False)
    medicaid = rng.choice(10**9, size=n, replace=False)
    return pd.DataFrame({
        "person_id": [f"M{m:08d}" for m in member],
        "first_name": first, "last_name": _zipf_choice(rng, LAST, n), "birth_date": births,
        "sex": sex, "zip": rng.choice(np.array(ZIPS, dtype=object), size=n),
        "medicaid_id": [f"MA{m:09d}" for m in medicaid],
    })


def _typo(rng: np.random.Generator, name: str) -> str:
    """One keying error: a letter dropped, doubled, replaced or two letters swapped."""
    if len(name) < 3:
        return name + name[-1]
    i = int(rng.integers(1, len(name) - 1))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return name[:i] + name[i + 1:]
    if kind == 1:
        return name[:i] + name[i] + name[i:]
    if kind == 2:
        letter = chr(ord("a") + int(rng.integers(0, 26)))
        return name[:i] + (letter.upper() if name[i].isupper() else letter) + name[i + 1:]
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def _partner_record(rng: np.random.Generator, person: dict, member: bool,
                    rates: dict[str, float]) -> dict:
    """A partner's intake record of ``person``, with errors drawn at ``rates``."""
    rec = dict(person)

    def hit(kind: str) -> bool:
        return bool(rng.random() < rates[kind])

    nicks = _NICKNAMES_OF.get(rec["first_name"].upper())
    if nicks and hit("nickname"):
        rec["first_name"] = nicks[int(rng.integers(0, len(nicks)))]
    if hit("first_typo"):
        rec["first_name"] = _typo(rng, rec["first_name"])
    if hit("last_changed"):
        rec["last_name"] = LAST[int(rng.integers(0, len(LAST)))]
    elif hit("last_typo"):
        rec["last_name"] = _typo(rng, rec["last_name"])
    born = date.fromisoformat(rec["birth_date"])
    if hit("birth_swapped") and born.day <= 12:
        born = date(born.year, born.day, born.month)
    elif hit("birth_wrong"):
        born = (born + timedelta(days=1) if rng.random() < 0.5
                else born.replace(year=born.year - 1, day=min(born.day, 28)))
    rec["birth_date"] = (f"{born.month}/{born.day}/{born.year}" if hit("us_date")
                         else born.isoformat())
    if hit("birth_missing"):
        rec["birth_date"] = None
    if hit("sex_missing"):
        rec["sex"] = None
    if hit("zip_changed"):
        rec["zip"] = ZIPS[int(rng.integers(0, len(ZIPS)))]
    if hit("zip_missing"):
        rec["zip"] = None
    if hit("lower_case"):
        rec["first_name"], rec["last_name"] = rec["first_name"].lower(), rec["last_name"].lower()
    if not (member and hit("medicaid_given")):
        rec["medicaid_id"] = None
    return rec


def synthetic_linkage(n_payer: int = 2000, n_partner: int = 600, overlap: float = 0.75,
                      seed: int = 0,
                      rates: dict[str, float] | None = None) -> SyntheticLinkage:
    """A payer file of ``n_payer`` members and a partner file of ``n_partner`` clients, a
    share ``overlap`` of whom are payer members (the others are not covered by the payer).

    Examples
    --------
    >>> s = synthetic_linkage(n_payer=50, n_partner=20, overlap=0.5, seed=3)
    >>> len(s.payer), len(s.partner), len(s.truth)
    (50, 20, 10)
    >>> bool(s.partner["person_id"].str.match(r"C\\d{6}").all())
    True
    """
    if not 0 <= overlap <= 1:
        raise ValueError(f"overlap must be between 0 and 1, got {overlap}")
    rates = {**ERROR_RATES, **(rates or {})}
    n_members = int(round(n_partner * overlap))
    if n_members > n_payer:
        raise ValueError(f"{n_members} overlapping clients but only {n_payer} payer members")
    rng = np.random.default_rng(seed)
    people = synthetic_persons(n_payer + n_partner - n_members, seed=seed)
    payer = people.iloc[:n_payer].reset_index(drop=True)
    chosen = rng.choice(n_payer, size=n_members, replace=False)
    outsiders = np.arange(n_payer, len(people))
    source = np.concatenate([chosen, outsiders])
    records = [_partner_record(rng, people.iloc[i].to_dict(), i < n_payer, rates)
               for i in source]
    partner = pd.DataFrame(records, columns=people.columns)
    client_ids = [f"C{c:06d}" for c in rng.choice(10**6, size=len(partner), replace=False)]
    truth = pd.DataFrame({"payer_id": people["person_id"].to_numpy()[chosen],
                          "partner_id": client_ids[:n_members]})
    partner["person_id"] = client_ids
    order = rng.permutation(len(partner))
    partner = partner.iloc[order].reset_index(drop=True)
    return SyntheticLinkage(payer=payer, partner=partner,
                            truth=truth.sort_values("payer_id").reset_index(drop=True))


def linkage_for(payer_ids: np.ndarray, partner_members: np.ndarray, outsiders: int,
                seed: int = 0, rates: dict[str, float] | None = None,
                birth_dates: list[str] | None = None,
                sexes: list[str] | None = None) -> SyntheticLinkage:
    """Identifier files for given persons: the payer's file has one row per id of
    ``payer_ids``; the partner's file holds ``partner_members`` (a subset, e.g. the program's
    members, written with the partner's errors) and ``outsiders`` clients the payer does not
    cover. ``birth_dates`` (ISO) and ``sexes`` (``F``/``M``), aligned with ``payer_ids``,
    replace the drawn ones, so the files agree with the claims' eligibility. Used by
    :func:`valuecase.synth.generate` for the bundled sample.

    Examples
    --------
    >>> s = linkage_for(np.array(["P1", "P2", "P3"]), np.array(["P2"]), outsiders=1, seed=2)
    >>> s.payer["person_id"].tolist(), len(s.partner), s.truth["payer_id"].tolist()
    (['P1', 'P2', 'P3'], 2, ['P2'])
    """
    rates = {**ERROR_RATES, **(rates or {})}
    rng = np.random.default_rng(seed)
    payer_ids = [str(x) for x in payer_ids]
    partner_members = [str(x) for x in partner_members]
    n_payer = len(payer_ids)
    people = synthetic_persons(n_payer + outsiders, seed=seed)
    if birth_dates is not None:
        people.loc[:n_payer - 1, "birth_date"] = list(birth_dates)
    if sexes is not None:  # first names that go with the sex
        sex = np.asarray(list(sexes), dtype=object)
        names = np.where(sex == "F", _zipf_choice(rng, FEMALE, n_payer),
                         _zipf_choice(rng, MALE, n_payer))
        people.loc[:n_payer - 1, "sex"] = sex
        people.loc[:n_payer - 1, "first_name"] = names
    people["person_id"] = payer_ids + [f"X{i:08d}" for i in range(outsiders)]
    payer = people.iloc[:n_payer].reset_index(drop=True)
    where = pd.Index(payer["person_id"]).get_indexer(partner_members)
    if (where < 0).any():
        raise ValueError("partner_members must be a subset of payer_ids")
    source = np.concatenate([where, np.arange(n_payer, len(people))]).astype(int)
    records = [_partner_record(rng, people.iloc[i].to_dict(), i < n_payer, rates)
               for i in source]
    partner = pd.DataFrame(records, columns=people.columns)
    client_ids = [f"C{c:06d}" for c in rng.choice(10**6, size=len(partner), replace=False)]
    truth = pd.DataFrame({"payer_id": partner_members,
                          "partner_id": client_ids[:len(partner_members)]})
    partner["person_id"] = client_ids
    partner = partner.iloc[rng.permutation(len(partner))].reset_index(drop=True)
    return SyntheticLinkage(payer=payer, partner=partner,
                            truth=truth.sort_values("payer_id").reset_index(drop=True))


def write_synthetic_linkage(out_dir: str | Path, **options: object) -> dict[str, Path]:
    """Write ``payer.csv``, ``partner.csv`` and ``truth.csv`` of :func:`synthetic_linkage`
    (``options`` are its arguments) into ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    s = synthetic_linkage(**options)  # type: ignore[arg-type]
    paths = {name: out / f"{name}.csv" for name in ("payer", "partner", "truth")}
    s.payer.to_csv(paths["payer"], index=False)
    s.partner.to_csv(paths["partner"], index=False)
    s.truth.to_csv(paths["truth"], index=False)
    return paths
