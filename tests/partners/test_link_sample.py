"""Linkage on the bundled sample (issue 14, items 3 and 4): ``valuecase synth`` wrote the
payer's identifier file (every member, birth date and sex as in eligibility), the partner's
(the program arm with a partner's typos, nicknames, swapped dates and missing fields, plus
non-members) and the truth; the CLI links them as two partners would."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

VALUECASE = [sys.executable, "-m", "valuecase.cli", "link"]


@pytest.fixture(scope="module")
def linked(sample_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("link-sample")
    secret = work / "secret"
    secret.write_text("a secret the payer and the CBO share, never sent")
    ids = sample_dir / "identifiers"
    for side in ("payer", "partner"):
        r = subprocess.run([*VALUECASE, "tokenize", str(ids / f"{side}.csv"), "--secret-file",
                            str(secret), "--out", str(work / f"{side}.parquet")],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
    r = subprocess.run([*VALUECASE, "match", str(work / "payer.parquet"),
                        str(work / "partner.parquet"), "--out", str(work / "crosswalk.csv")],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return work


def test_the_sample_identifier_files_agree_with_the_claims(sample_dir):
    ids = sample_dir / "identifiers"
    payer = pd.read_csv(ids / "payer.csv", dtype=str).set_index("person_id")
    elig = pd.read_parquet(sample_dir / "eligibility.parquet").drop_duplicates("person_id")
    elig = elig.set_index("person_id")
    assert set(payer.index) == set(elig.index)
    known = elig[elig["birth_date"].notna()]  # eligibility leaves some birth dates blank
    assert len(known) > 0.8 * len(elig)
    assert (payer.loc[known.index, "birth_date"] == known["birth_date"].astype(str)).all()
    assert (payer.loc[elig.index, "sex"] == elig["gender"].map({"female": "F",
                                                                "male": "M"})).all()
    truth = pd.read_csv(ids / "truth.csv", dtype=str)
    enr = pd.read_parquet(sample_dir / "program_enrollment.parquet")
    assert set(truth["payer_id"]) == set(enr.loc[enr["arm"] == "program", "person_id"])
    partner = pd.read_csv(ids / "partner.csv", dtype=str)
    assert len(partner) > len(truth)  # clients the payer does not cover


def test_linkage_on_the_sample_meets_the_bar(linked, sample_dir):
    cw = pd.read_csv(linked / "crosswalk.csv")
    a = pd.read_csv(linked / "payer.private.csv").set_index("record_id")["person_id"]
    b = pd.read_csv(linked / "partner.private.csv").set_index("record_id")["person_id"]
    found = set(zip(cw["record_id_a"].map(a), cw["record_id_b"].map(b), strict=True))
    truth = pd.read_csv(sample_dir / "identifiers" / "truth.csv", dtype=str)
    true = set(zip(truth["payer_id"], truth["partner_id"], strict=True))
    precision, recall = len(found & true) / len(found), len(found & true) / len(true)
    # measured with composite tokens (issue 29): precision 1.000 / 0.994 / 0.989 and recall
    # 0.989 / 0.983 / 0.983 for three draws of the random record ids (the false link: same
    # first name, birth date and ZIP, another last name); before, with one token per field,
    # 1.000 and 0.989. The record ids are not seeded here, hence 0.98, not 0.99.
    assert precision >= 0.98 and recall >= 0.95, (precision, recall)
    sent = (linked / "crosswalk.csv").read_text() + pd.read_parquet(
        linked / "partner.parquet").to_csv()
    partner = pd.read_csv(sample_dir / "identifiers" / "partner.csv", dtype=str)
    for value in pd.concat([partner["birth_date"], partner["medicaid_id"],
                            partner["person_id"]]).dropna():
        assert value not in sent
