"""Diagnosis codes consistent with each member's chronic conditions, and race.

The claim builders (:mod:`valuecase.synth.claims`) draw a primary diagnosis per claim from a
short list whatever the member's conditions. :func:`diagnosis_columns` makes the codes agree
with :data:`valuecase.synth.population.CONDITIONS`:

- a drawn primary code of a chronic condition the member does not have (or of a CCW category
  the generator does not model: hypertension, depression, asthma) is replaced by a fixed
  symptom or screening code (:data:`NOT_CHRONIC`), so no claim carries a condition its member
  lacks;
- ``diagnosis_code_2..4`` list the member's own conditions: each condition appears on a claim
  with probability :data:`LISTED_P` (chronic conditions are coded on most, not all, claims), as
  one of its :data:`CONDITION_CODES`, in the order of ``CONDITIONS``.

These draws come from a random stream of their own (and the primary codes are only mapped,
never redrawn), so every other column is what it was before diagnoses were made consistent.
A reversal line carries the secondary codes of the claim it reverses (the draws are keyed by
that claim). Race comes from its own stream too (:func:`draw_race`).

Examples
--------
>>> import numpy as np
>>> lines = {"person": np.array([0, 0, 1]), "source": np.array([0, 0, 1]),
...          "dx": np.array(["E119", "E119", "E119"], dtype=object)}
>>> conditions = np.array([[True, False, False, False, False], [False] * 5])
>>> cols = diagnosis_columns(np.random.default_rng(0), lines, conditions)
>>> cols["dx1"].tolist()
['E119', 'E119', 'R739']
>>> cols["dx2"][2]
''
"""

from __future__ import annotations

import numpy as np

from .population import CONDITIONS

CONDITION_CODES = {
    "diabetes": ("E119", "E1165", "E1140"),
    "heart_failure": ("I509", "I5022", "I5032"),
    "copd": ("J449", "J441", "J439"),
    "serious_mental_illness": ("F209", "F259", "F319"),
    "substance_use": ("F1020", "F1120", "F1220"),
}
"""ICD-10-CM codes written for each generator condition (each in exactly one CCW category of
:mod:`valuecase.panel.conditions`)."""
CODE_CONDITION = {
    "I509": "heart_failure", "J441": "copd", "F209": "serious_mental_illness",
    "F1020": "substance_use", "E1165": "diabetes", "E119": "diabetes", "J449": "copd",
    "I10": None, "F329": None, "J45909": None,
}
"""Chronic-condition codes among the claim builders' primary codes -> the generator condition
they mean (None: a CCW category the generator does not model)."""
NOT_CHRONIC = {
    "I509": "R0602", "J441": "J209", "F209": "R4689", "F1020": "R4182", "E1165": "R739",
    "E119": "R739", "J449": "R059", "I10": "R030", "F329": "Z1331", "J45909": "R062",
}
"""The code a chronic-condition primary code becomes on a member without that condition
(shortness of breath, acute bronchitis, behavioural symptom, altered mental status,
hyperglycaemia, cough, elevated blood pressure reading, depression screening, wheezing)."""
LISTED_P = 0.6
SECONDARY = 3
RACES = np.array(["white", "black or african american", "asian",
                  "american indian or alaska native", "native hawaiian or other pacific islander",
                  "other race", "unknown"])
RACE_P = np.array([0.45, 0.22, 0.06, 0.02, 0.005, 0.12, 0.125])
"""Race values (Tuva's eligibility vocabulary) and shares, roughly those of adult Medicaid
enrollees with a share left unknown."""


def primary_codes(dx: np.ndarray, has: np.ndarray) -> np.ndarray:
    """``dx`` with each chronic-condition code its member lacks replaced (:data:`NOT_CHRONIC`).

    ``has`` is the (lines, conditions) boolean matrix of each line's member.
    """
    out = dx.astype(object).copy()
    index = {name: i for i, name in enumerate(CONDITIONS)}
    for code, condition in CODE_CONDITION.items():
        at = out == code
        if condition is not None:
            at &= ~has[:, index[condition]]
        out[at] = NOT_CHRONIC[code]
    return out


def diagnosis_columns(rng: np.random.Generator, lines: dict[str, np.ndarray],
                      conditions: np.ndarray) -> dict[str, np.ndarray]:
    """Primary and secondary diagnosis codes of every line (``dx1`` .. ``dx4``, ``""`` = none).

    Parameters
    ----------
    rng : numpy.random.Generator
        The diagnoses' own stream.
    lines : dict
        Claim lines with ``person`` (index into ``conditions``), ``source`` (the claim a line
        belongs to, or the claim it reverses) and the drawn primary ``dx``.
    conditions : numpy.ndarray
        (members, len(CONDITIONS)) boolean.
    """
    person, source = lines["person"], lines["source"]
    has = conditions[person]
    n_claims = int(source.max()) + 1 if len(source) else 0
    listed_u = rng.random((n_claims, len(CONDITIONS)))
    code_u = rng.random((n_claims, len(CONDITIONS)))
    dx1 = primary_codes(lines["dx"], has)
    out = {"dx1": dx1, **{f"dx{k + 2}": np.full(len(person), "", dtype=object)
                         for k in range(SECONDARY)}}
    filled = np.zeros(len(person), dtype=np.int64)
    for i, name in enumerate(CONDITIONS):
        codes = np.array(CONDITION_CODES[name], dtype=object)
        in_primary = np.isin(dx1, codes)
        listed = has[:, i] & (listed_u[source, i] < LISTED_P) & ~in_primary
        listed &= filled < SECONDARY
        pick = codes[np.minimum((code_u[source, i] * len(codes)).astype(np.int64),
                                len(codes) - 1)]
        for k in range(SECONDARY):
            at = listed & (filled == k)
            out[f"dx{k + 2}"][at] = pick[at]
        filled += listed
    return out


def draw_race(rng: np.random.Generator, n: int) -> np.ndarray:
    """Race of ``n`` members from :data:`RACE_P` (the race stream of a chunk)."""
    return RACES[rng.choice(len(RACES), n, p=RACE_P)]
