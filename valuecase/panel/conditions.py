"""Chronic-condition flags from diagnosis codes: the CMS Chronic Conditions Warehouse categories
most relevant to complex care, as ICD-10-CM code prefixes, and the claims that qualify a person.

**Source and licence.** The categories and their codes follow the CMS Chronic Conditions
Warehouse (CCW) chronic condition algorithms (https://www2.ccwdata.org, "CCW Chronic Condition
Algorithms" and "Other Chronic or Potentially Disabling Conditions"), a work of the U.S.
government in the public domain. The prefixes below were written for valuecase and checked
against the CCW code lists as redistributed by the Tuva Project
(``tuva-health/tuva``, ``seeds/value_sets/chronic_conditions/
chronic_conditions__cms_chronic_conditions_hierarchy.csv``, Apache-2.0); that file is not
copied here. **Prefixes approximate the full code lists**: a prefix takes in every code below
it (``I42`` would take in I42.1-I42.4 and I42.9, which CCW's heart-failure list leaves out, so
it is written out as I42.0, I42.5-I42.8), and a few rarely coded members of a list are left
out: from chronic kidney disease gout with renal involvement (M10.3x), lupus and Sjogren's
nephritis, tuberculous and syphilitic nephropathy; from serious mental illness the other mood
disorders of CCW's bipolar list (F33.8, F34.8x, F34.9) and F44.89; from substance use
nicotine-induced disorders (F17.x), alcoholic cardiomyopathy (I42.6) and the pregnancy and
newborn codes. Checked: every other ICD-10-CM code of those CCW lists matches its category,
and no code of another CCW list matches except the header F32.8. ICD-9-CM codes (claims before
October 2015, the DE-SynPUF) match nothing.

**Qualification** (CCW's rule, simplified to one for all categories): a person has the
condition when, within the look-back window, **at least 1 inpatient claim or at least 2 other
non-drug claims** carry a qualifying code in any diagnosis position. CCW's look-back differs by
condition (one to three years); valuecase uses the study's baseline window for every one. An
inpatient claim is an institutional claim with an inpatient bill type (11x, 12x) or a
source-declared inpatient encounter. Reversal lines (negative paid amount) do not count.

Diagnosis columns are ``diagnosis_code_1`` .. ``diagnosis_code_25`` of ``medical_claim``; any
of them may be absent. Codes are compared upper case without dots or spaces (``e11.9`` =
``E119``).

Examples
--------
>>> conditions_of_code("e11.65"), conditions_of_code("I13.0"), conditions_of_code("Z00.00")
(('diabetes',), ('heart_failure', 'chronic_kidney_disease', 'hypertension'), ())
>>> import ibis, pandas as pd
>>> lines = ibis.memtable(pd.DataFrame({
...     "person_id": ["A", "A", "B"], "claim_id": ["1", "2", "3"],
...     "claim_type": ["professional"] * 3, "paid_amount": [50.0] * 3,
...     "claim_start_date": pd.to_datetime(["2023-01-05", "2023-02-07", "2023-01-09"]).date,
...     "diagnosis_code_1": ["E11.9", "R05.9", "E119"], "diagnosis_code_2": [None, "e119", None]}))
>>> months = condition_months(lines).to_pandas().sort_values(["person_id", "month"])
>>> months[["person_id", "condition", "claims", "inpatient_claims"]].values.tolist()
[['A', 'diabetes', 1, 0], ['A', 'diabetes', 1, 0], ['B', 'diabetes', 1, 0]]
>>> qualify(months.groupby(["person_id", "condition"], as_index=False)[
...     ["claims", "inpatient_claims"]].sum())[["person_id", "condition"]].values.tolist()
[['A', 'diabetes']]
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from valuecase.data.enrollment import first_of_month
from valuecase.data.load import LoadedData
from valuecase.trace import stage

__all__ = ["CONDITIONS", "CONDITION_NAMES", "DIAGNOSIS_COLUMNS", "Condition", "condition_months",
           "conditions_of_code", "materialize_conditions", "normalize_code", "qualify"]

DIAGNOSIS_COLUMNS = tuple(f"diagnosis_code_{i}" for i in range(1, 26))
"""The contract's diagnosis columns of ``medical_claim`` (each optional)."""
INPATIENT_BILL_TYPES = ("11", "12")
MIN_INPATIENT_CLAIMS = 1
MIN_OTHER_CLAIMS = 2


@dataclass(frozen=True)
class Condition:
    """One chronic-condition category: its name, label, the CCW categories it stands for and
    its ICD-10-CM code prefixes (upper case, no dots)."""

    name: str
    label: str
    ccw: tuple[str, ...]
    prefixes: tuple[str, ...]


def _diabetic(suffix: str) -> tuple[str, ...]:
    return tuple(f"{p}{suffix}" for p in ("E08", "E09", "E10", "E11", "E13"))


CONDITIONS: tuple[Condition, ...] = (
    Condition("diabetes", "diabetes", ("Diabetes",), ("E08", "E09", "E10", "E11", "E13")),
    Condition("heart_failure", "heart failure",
              ("Heart Failure and Non-Ischemic Heart Disease",),
              ("I50", "I110", "I130", "I132", "I0981", "I420", "I425", "I426", "I427", "I428",
               "I43", "P290")),
    Condition("copd", "COPD", ("Chronic Obstructive Pulmonary Disease",),
              ("J40", "J41", "J42", "J43", "J44", "J47", "J982", "J983")),
    Condition("chronic_kidney_disease", "chronic kidney disease", ("Chronic Kidney Disease",),
              ("N18", "I12", "I13", "N01", "N02", "N03", "N04", "N05", "N06", "N07", "N08",
               "N14", "N150", "N158", "N159", "N16", "N251", "N258", "N259", "N261", "N269", "N990",
               "Q61", "K767", *_diabetic("21"), *_diabetic("22"), *_diabetic("29"))),
    Condition("depression", "depression", ("Depressive Disorders",), ("F32", "F33", "F341")),
    Condition("serious_mental_illness", "serious mental illness",
              ("Schizophrenia and Other Psychotic Disorders", "Bipolar Disorder"),
              ("F20", "F21", "F22", "F23", "F24", "F25", "F28", "F29", "F30", "F31", "F39",
               "F323", "F333", "F060", "F062")),
    Condition("substance_use", "substance use disorder",
              ("Alcohol Use Disorders", "Drug Use Disorders", "Opioid Use Disorder (OUD)"),
              ("F10", "F11", "F12", "F13", "F14", "F15", "F16", "F18", "F19", "F55", "K70",
               "K292", "G621", "T510X", "T40", "Z714", "Z715", "Z716")),
    Condition("hypertension", "hypertension", ("Hypertension",),
              ("I10", "I11", "I12", "I13", "I15", "I674", "N262", "H3503")),
    Condition("ischemic_heart_disease", "ischemic heart disease", ("Ischemic Heart Disease",),
              ("I20", "I24", "I25")),
    Condition("asthma", "asthma", ("Asthma",), ("J45",)),
)
"""The condition categories, each with its CCW source categories and ICD-10-CM prefixes."""
CONDITION_NAMES = tuple(c.name for c in CONDITIONS)


def conditions_of_code(code: str | None) -> tuple[str, ...]:
    """Names of the conditions whose prefixes match ``code`` (any case, dots ignored)."""
    if code is None:
        return ()
    norm = "".join(ch for ch in str(code).upper() if ch.isalnum())
    return tuple(c.name for c in CONDITIONS if norm and norm.startswith(c.prefixes))


def normalize_code(code: ir.StringValue) -> ir.StringValue:
    """A diagnosis code upper case with everything but letters and digits removed (NULL when
    nothing is left). A regular expression, not ``strip()``, which Spark compiles wrongly."""
    return code.upper().re_replace("[^A-Z0-9]", "").nullif("")


def _matches(code: ir.StringValue, condition: Condition) -> ir.BooleanValue:
    by_length: dict[int, list[str]] = {}
    for p in condition.prefixes:
        by_length.setdefault(len(p), []).append(p)
    tests = [code.substr(0, n).isin(sorted(ps)) for n, ps in sorted(by_length.items())]
    out = tests[0]
    for t in tests[1:]:
        out = out | t
    return out.fill_null(False)


def condition_months(lines: ir.Table) -> ir.Table | None:
    """Claims with a qualifying code per person, month and condition (on the engine).

    Parameters
    ----------
    lines : ibis.Table
        Medical claim lines (``person_id, claim_id, claim_start_date`` and any of the
        diagnosis columns; ``claim_type``, ``bill_type_code``, ``encounter_class``,
        ``paid_amount`` when present).

    Returns
    -------
    ibis.Table or None
        ``person_id, month, condition, claims, inpatient_claims``: the distinct claims starting
        in the month with a code of the condition in any diagnosis position, and how many of
        them were inpatient claims. None when the lines have no diagnosis column at all.
    """
    present = [c for c in DIAGNOSIS_COLUMNS if c in lines.columns]
    if not present:
        return None
    inst = (lines.claim_type == "institutional") if "claim_type" in lines.columns else (
        ibis.literal(False))
    bill = (lines.bill_type_code.substr(0, 2).isin(INPATIENT_BILL_TYPES)
            if "bill_type_code" in lines.columns else ibis.literal(False))
    declared = (lines.encounter_class.isin(["inpatient"]) if "encounter_class" in lines.columns
                else ibis.literal(False))
    t = lines
    if "paid_amount" in lines.columns:
        t = t.filter(t.paid_amount.isnull() | (t.paid_amount >= 0))
    # one reference to the lines, codes and conditions unnested from arrays: a union per
    # diagnosis column would repeat the lines' whole plan 25 times (Spark ran out of memory
    # analysing it); month and inpatient are the claim's, whichever line carries the code
    claim = ibis.window(group_by=[t.person_id, t.claim_id])
    t = t.mutate(_inpatient=((inst & bill) | declared).fill_null(False).cast("int64"),
                 _month=first_of_month(t.claim_start_date))
    t = t.mutate(_claim_month=t._month.min().over(claim),
                 _claim_inpatient=t._inpatient.max().over(claim))
    long = t.select("person_id", "claim_id", month=t._claim_month, inpatient=t._claim_inpatient,
                    code=ibis.array([t[c].cast("string") for c in present]).unnest())
    # normalized in a second step: Spark refuses an expression around a generator
    long = long.mutate(code=normalize_code(long.code))
    long = long.filter(long.code.notnull())
    tagged = long.select(
        "person_id", "claim_id", "month", "inpatient",
        condition=ibis.array([ibis.ifelse(_matches(long.code, c), ibis.literal(c.name),
                                          ibis.null("string")) for c in CONDITIONS]).unnest())
    claims = tagged.filter(tagged.condition.notnull()).distinct()
    return claims.group_by(["person_id", "month", "condition"]).aggregate(
        claims=claims.claim_id.nunique().cast("int64"),
        inpatient_claims=claims.inpatient.sum().cast("int64"))


@stage("conditions")
def materialize_conditions(data: LoadedData, name: str = "condition_months") -> ir.Table | None:
    """:func:`condition_months` of the data's ``medical_claim``, computed once on its engine and
    kept as table ``name`` (person x month x condition: small next to the claim lines); None
    without medical claims or diagnosis columns."""
    if "medical_claim" not in data.tables:
        return None
    expr = condition_months(data.table("medical_claim"))
    return None if expr is None else data.engine.materialize(expr, name)


def qualify(counts: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``counts`` (``claims``, ``inpatient_claims`` summed over a look-back window)
    that meet CCW's rule: at least 1 inpatient claim or at least 2 other claims.

    Examples
    --------
    >>> c = pd.DataFrame({"person_id": ["A", "B", "C"], "condition": ["copd"] * 3,
    ...                   "claims": [1, 2, 1], "inpatient_claims": [1, 0, 0]})
    >>> qualify(c)["person_id"].tolist()
    ['A', 'B']
    """
    other = counts["claims"] - counts["inpatient_claims"]
    ok = (counts["inpatient_claims"] >= MIN_INPATIENT_CLAIMS) | (other >= MIN_OTHER_CLAIMS)
    return counts[ok].reset_index(drop=True)
