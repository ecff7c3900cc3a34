"""Shared fixtures of the partner-linkage tests: one synthetic truth, tokenized once."""

from __future__ import annotations

import pandas as pd
import pytest

from valuecase.partners.identifiers import SyntheticLinkage, synthetic_linkage
from valuecase.partners.tokens import tokenize

SECRET = b"a secret the partners share, 16+ bytes"


def _true_pairs(result_crosswalk: pd.DataFrame, private_a: pd.DataFrame,
               private_b: pd.DataFrame) -> set[tuple[str, str]]:
    """The crosswalk's links as (payer person id, partner person id), through the private
    crosswalks each side kept."""
    cw = result_crosswalk.merge(private_a.rename(columns={"record_id": "record_id_a",
                                                          "person_id": "payer_id"}))
    cw = cw.merge(private_b.rename(columns={"record_id": "record_id_b",
                                            "person_id": "partner_id"}))
    assert len(cw) == len(result_crosswalk)
    return set(zip(cw["payer_id"], cw["partner_id"], strict=True))


def _precision_recall(crosswalk: pd.DataFrame, private_a: pd.DataFrame,
                      private_b: pd.DataFrame, truth: pd.DataFrame) -> tuple[float, float]:
    found = _true_pairs(crosswalk, private_a, private_b)
    expected = set(zip(truth["payer_id"], truth["partner_id"], strict=True))
    hits = len(found & expected)
    return hits / max(len(found), 1), hits / len(expected)


@pytest.fixture(scope="session")
def secret() -> bytes:
    """The secret shared by the partners in these tests."""
    return SECRET


@pytest.fixture(scope="session")
def precision_recall():
    """(precision, recall) of a crosswalk against the truth, through the private files."""
    return _precision_recall


@pytest.fixture(scope="session")
def true_pairs():
    """A crosswalk's links as (payer person id, partner person id)."""
    return _true_pairs


@pytest.fixture(scope="session")
def linkage_truth() -> SyntheticLinkage:
    return synthetic_linkage(n_payer=2000, n_partner=600, overlap=0.75, seed=0)


@pytest.fixture(scope="session")
def tokenized(linkage_truth):
    """(tokens_a, private_a, tokens_b, private_b) of the payer and partner files."""
    ta, pa = tokenize(linkage_truth.payer, SECRET, seed=1)
    tb, pb = tokenize(linkage_truth.partner, SECRET, seed=2)
    return ta, pa, tb, pb
