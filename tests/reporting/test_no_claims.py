"""Claims files without a data row (issue 11, item 6): ``report`` still writes every report;
data quality shows what was read, every other report says plainly that there are no claims to
describe. Run by the CLI as a user would."""

from __future__ import annotations

import shutil

import pytest
from test_no_program import REPORTS, report, text_of

pytestmark = [pytest.mark.notebook]

HEADER = ("claim_id,claim_line_number,person_id,claim_type,claim_start_date,claim_end_date,"
          "paid_amount\n")


@pytest.fixture(scope="module")
def header_only_claims(tmp_path_factory, sample_dir):
    folder = tmp_path_factory.mktemp("no-claims")
    shutil.copy(sample_dir / "eligibility.parquet", folder)
    shutil.copy(sample_dir / "program_enrollment.parquet", folder)
    (folder / "medical_claim.csv").write_text(HEADER)
    out = folder.parent / "no-claims-reports"
    r = report("--data", str(folder), "--out", str(out), "--jobs", "2")
    assert r.returncode == 0, r.stderr[-3000:]
    return out


def test_header_only_claims_give_reports_that_say_there_is_no_data(header_only_claims):
    for name in REPORTS:
        text = text_of(header_only_claims / f"{name}.html")
        assert "Traceback" not in text and "nan" not in text.split(), name
        if name != "data_quality":
            assert "There are no claims to describe" in text, name
    quality = text_of(header_only_claims / "data_quality.html")
    assert "medical_claim.csv has no data rows (only a header)" in quality
    assert "Every table reconciles" in quality
    index = text_of(header_only_claims / "index.html")
    assert index.count("No claims accepted: nothing to describe.") == len(REPORTS) - 1


def test_pharmacy_only_claims_do_not_print_an_undefined_readmission_rate(tmp_path, sample_dir):
    data = tmp_path / "data"
    data.mkdir()
    for table in ("eligibility", "pharmacy_claim"):
        shutil.copy(sample_dir / f"{table}.parquet", data)
    (data / "medical_claim.csv").write_text(HEADER)
    out = tmp_path / "reports"
    r = report("--data", str(data), "--out", str(out), "--only", "utilization")
    assert r.returncode == 0, r.stderr[-3000:]
    index = text_of(out / "index.html")
    assert "30-day readmission not shown (<11 index stays)" in index
    assert "nan" not in index.split() and "nan." not in index
