"""The third-party test data lives in the repository, unchanged: every file its SHA256SUMS lists."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import EXTERNAL

SETS = ("cms-desynpuf-sample0", "desynpuf-claimsdb-500", "synthea-us-11", "tuva-demo-100",
        "tuva-synthetic-seed-10", "omop-eunomia-synthea27nj", "omop-etlcms-handconverted-2p")


@pytest.mark.parametrize("name", SETS)
def test_external_files_match_their_checksums(name):
    folder = EXTERNAL / name
    assert (folder / "README.md").is_file(), f"{name}: README with origin and licence missing"
    listed = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, file = line.split(maxsplit=1)
        listed[file.lstrip("*")] = digest
    on_disk = {p.name for p in folder.glob("*.csv")}
    assert on_disk == set(listed), f"{name}: files differ from SHA256SUMS"
    for file, digest in listed.items():
        assert hashlib.sha256((folder / file).read_bytes()).hexdigest() == digest, file
