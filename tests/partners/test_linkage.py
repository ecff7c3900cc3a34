"""Linking token files on the synthetic truth: precision, recall, determinism, missing data.

Measured on ``synthetic_linkage(seed=0)`` (2,000 payer members, 600 partner clients of whom
450 are members) at threshold 0.9: probabilistic precision 1.000, recall 0.989;
deterministic (first name, last name, birth date) precision 1.000, recall 0.851. Over seeds
0-5 the probabilistic mode's lowest precision was 0.9955 and lowest recall 0.9756, so the
bounds below (0.99 and 0.95 on seed 0, the issue's bar; 0.98 where fields are missing)
leave room for a different random stream, not for a worse model.
"""

from __future__ import annotations

import pandas as pd
import pytest

from valuecase.errors import ValuecaseError
from valuecase.partners.identifiers import synthetic_linkage
from valuecase.partners.linkage import check_tokens, link
from valuecase.partners.tokens import TOKEN_COLUMNS, tokenize


@pytest.fixture(scope="module")
def probabilistic(tokenized):
    ta, _, tb, _ = tokenized
    return link(ta, tb, mode="probabilistic", threshold=0.9, seed=0)


@pytest.fixture(scope="module")
def deterministic(tokenized):
    ta, _, tb, _ = tokenized
    return link(ta, tb, mode="deterministic")


def test_probabilistic_precision_and_recall(probabilistic, tokenized, linkage_truth,
                                            precision_recall):
    _, pa, _, pb = tokenized
    precision, recall = precision_recall(probabilistic.crosswalk, pa, pb, linkage_truth.truth)
    # the bar (precision >= 0.99, recall >= 0.95); measured 1.000 and 0.989 on seed 0
    assert precision >= 0.99 and recall >= 0.95, (precision, recall)


def test_probabilistic_finds_more_than_deterministic(probabilistic, deterministic, tokenized,
                                                     linkage_truth, precision_recall):
    _, pa, _, pb = tokenized
    p_prob, r_prob = precision_recall(probabilistic.crosswalk, pa, pb, linkage_truth.truth)
    p_det, r_det = precision_recall(deterministic.crosswalk, pa, pb, linkage_truth.truth)
    assert p_det == 1.0  # an exact rule on three tokens is rarely wrong ...
    assert r_det < 0.9 < r_prob  # ... and misses every nickname, typo or swapped date
    assert r_prob - r_det >= 0.08


def test_crosswalk_holds_record_ids_and_probabilities_only(probabilistic, tokenized):
    ta, _, tb, _ = tokenized
    cw = probabilistic.crosswalk
    assert list(cw.columns) == ["record_id_a", "record_id_b", "match_probability"]
    assert cw["record_id_a"].isin(ta["record_id"]).all()
    assert cw["record_id_b"].isin(tb["record_id"]).all()
    assert cw["record_id_a"].is_unique and cw["record_id_b"].is_unique  # one-to-one
    assert cw["match_probability"].between(0.9, 1).all()
    s = probabilistic.summary
    assert (s["records_a"], s["records_b"], s["links"]) == (2000, 600, len(cw))
    assert s["match_rate_b"] == pytest.approx(len(cw) / 600, abs=1e-4)
    assert s["candidate_pairs"] > s["links"]


def test_threshold_trades_recall_for_certainty(tokenized, probabilistic):
    ta, _, tb, _ = tokenized
    strict = link(ta, tb, threshold=0.999)
    assert len(strict.crosswalk) < len(probabilistic.crosswalk)
    assert strict.crosswalk["match_probability"].min() >= 0.999


def test_same_seed_same_crosswalk(probabilistic, secret):
    again = synthetic_linkage(n_payer=2000, n_partner=600, overlap=0.75, seed=0)
    ta, _ = tokenize(again.payer, secret, seed=1)
    tb, _ = tokenize(again.partner, secret, seed=2)
    assert link(ta, tb, seed=0).crosswalk.equals(probabilistic.crosswalk)


def test_synthetic_truth_is_seeded_and_realistic(linkage_truth):
    again = synthetic_linkage(n_payer=2000, n_partner=600, overlap=0.75, seed=0)
    assert again.partner.equals(linkage_truth.partner) and again.truth.equals(
        linkage_truth.truth)
    other = synthetic_linkage(n_payer=2000, n_partner=600, overlap=0.75, seed=1)
    assert not other.partner.equals(linkage_truth.partner)
    truth = linkage_truth.truth
    assert len(truth) == 450 and truth["payer_id"].isin(linkage_truth.payer["person_id"]).all()
    pairs = truth.merge(linkage_truth.payer, left_on="payer_id", right_on="person_id").merge(
        linkage_truth.partner, left_on="partner_id", right_on="person_id",
        suffixes=("_payer", "_partner"))
    differ = {c: (pairs[f"{c}_payer"] != pairs[f"{c}_partner"]).mean()
              for c in ("first_name", "last_name", "birth_date", "zip")}
    assert all(0.05 < share < 0.5 for share in differ.values()), differ
    assert pairs["birth_date_partner"].str.contains("/", na=False).any()  # US-format dates


def test_missing_fields_are_tolerated(secret, precision_recall, linkage_truth, tokenized):
    s = synthetic_linkage(seed=0, rates={"birth_missing": 0.2, "zip_missing": 0.5,
                                         "sex_missing": 0.5})
    ta, pa = tokenize(s.payer, secret, seed=1)
    tb, pb = tokenize(s.partner, secret, seed=2)
    result = link(ta, tb)
    precision, recall = precision_recall(result.crosswalk, pa, pb, s.truth)
    assert precision >= 0.98 and recall >= 0.85, (precision, recall)  # measured 0.998, 0.882
    # clients without a birth date are still linked, on names and what else they share
    no_birth = set(s.partner.loc[s.partner["birth_date"].isna(), "person_id"])
    linked = set(result.crosswalk["record_id_b"].map(pb.set_index("record_id")["person_id"]))
    assert len(no_birth & linked & set(s.truth["partner_id"])) >= 40
    # a partner that collects no sex, ZIP or Medicaid id at all (measured: 1.000, 0.902)
    ta, pa, _, _ = tokenized
    partner = linkage_truth.partner.drop(columns=["sex", "zip", "medicaid_id"])
    tb_few, pb_few = tokenize(partner, secret, seed=2)
    few = link(ta, tb_few)
    precision, recall = precision_recall(few.crosswalk, pa, pb_few, linkage_truth.truth)
    assert precision >= 0.98 and recall >= 0.85, (precision, recall)


def test_another_secret_links_nothing(tokenized, linkage_truth):
    ta, _, _, _ = tokenized
    tb, _ = tokenize(linkage_truth.partner, b"not the shared secret at all", seed=2)
    assert link(ta, tb, mode="deterministic").crosswalk.empty


def test_token_files_are_checked():
    token = "0" * 64
    with pytest.raises(ValuecaseError, match="unexpected column"):
        check_tokens(pd.DataFrame({"record_id": ["1"], "last_name": ["Lee"]}))
    with pytest.raises(ValuecaseError, match="not tokens"):
        check_tokens(pd.DataFrame({"record_id": ["1"], "t_name_dob": ["LEE"]}))
    with pytest.raises(ValuecaseError, match="unique"):
        check_tokens(pd.DataFrame({"record_id": ["1", "1"], "t_name_dob": [token, token]}))
    with pytest.raises(ValuecaseError, match="no record_id"):
        check_tokens(pd.DataFrame({"t_name_dob": [token]}))
    few = check_tokens(pd.DataFrame({"record_id": ["1"], "t_name_dob": [token]}))
    assert list(few.columns) == ["record_id", *TOKEN_COLUMNS]
    assert few["t_name_postcode"].isna().all()
    with pytest.raises(ValuecaseError, match="--mode"):
        link(few, few, mode="fuzzy")
    with pytest.raises(ValuecaseError, match="--threshold"):
        link(few, few, threshold=1.5)
    with pytest.raises(ValuecaseError, match="token columns"):
        link(few, few, mode="deterministic", rule=["t_first"])
