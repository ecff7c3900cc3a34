"""The report run's privacy guard reads every person identifier of the input."""

from __future__ import annotations

import pandas as pd

from valuecase.reporting.guard import person_identifiers


def test_person_identifiers_reads_both_columns_of_every_part(tmp_path):
    (tmp_path / "eligibility").mkdir()  # the parts of one table, in its folder
    pd.DataFrame({"person_id": ["P1", "P2"], "member_id": ["M1", None]}).to_parquet(
        tmp_path / "eligibility" / "part1.parquet")
    pd.DataFrame({"person_id": ["P3"], "member_id": ["M3"]}).to_parquet(
        tmp_path / "eligibility" / "part2.parquet")
    assert person_identifiers(tmp_path) == {"P1", "P2", "P3", "M1", "M3"}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert person_identifiers(empty) == set()


def test_person_identifiers_of_the_sample(sample_dir):
    ids = person_identifiers(sample_dir)
    elig = pd.read_parquet(sample_dir / "eligibility.parquet", columns=["person_id", "member_id"])
    assert ids == set(elig["person_id"]) | set(elig["member_id"])
