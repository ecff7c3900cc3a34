"""The CLI as users meet it: run as a subprocess, bad files actually fed in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

VALUECASE = [sys.executable, "-m", "valuecase.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run([*VALUECASE, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def test_summarize_json_on_tuva_seed(seed10):
    r = run("summarize", str(seed10), "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    for key in ("persons", "member_months", "medical_paid", "pharmacy_paid", "ed_visits",
                "inpatient_stays", "bed_days", "readmissions_30d"):
        assert key in s
    assert (s["persons"], s["member_months"], s["inpatient_stays"], s["bed_days"],
            s["readmissions_30d"]) == (10, 309, 1, 2, 0)  # Tuva's acute rule (test_panel)
    assert s["medical_paid"] + s["medical_paid_outside_enrollment"] + s[
        "medical_paid_rejected"] == pytest.approx(163_818.97, abs=0.01)


def test_validate_prints_reconciliation(seed10):
    r = run("validate", str(seed10))
    assert r.returncode == 0, r.stderr
    assert "Reconciliation" in r.stdout and "medical_claim" in r.stdout
    assert "163818.97" in r.stdout.replace(",", "")


def test_validate_writes_rejects_csv_with_formula_cells_neutralized(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame({"person_id": ["=cmd|' /C calc'!A0", "P2"],
                  "enrollment_start_date": ["2020-01-01", "bad"],
                  "enrollment_end_date": ["2020-12-31", "2020-12-31"]}).to_csv(
        data / "eligibility.csv", index=False)
    pd.DataFrame({"claim_id": ["C1"], "claim_line_number": [1], "person_id": ["P2"],
                  "claim_type": ["professional"], "claim_start_date": ["2020-01-02"],
                  "paid_amount": [1]}).to_csv(data / "medical_claim.csv", index=False)
    out = tmp_path / "rejects.csv"
    r = run("validate", str(data), "--rejects-out", str(out), "--strict")
    assert r.returncode == 1, r.stderr  # --strict: rejects present
    rejects = pd.read_csv(out)
    assert rejects["reason"].tolist() == ["unparseable:enrollment_start_date"]


def test_missing_column_is_one_line_error_without_traceback(tmp_path):
    pd.DataFrame({"person_id": ["P1"], "enrollment_start_date": ["2020-01-01"]}).to_csv(
        tmp_path / "eligibility.csv", index=False)
    pd.DataFrame({"claim_id": ["C1"]}).to_csv(tmp_path / "medical_claim.csv", index=False)
    r = run("validate", str(tmp_path))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "eligibility.csv" in lines[0] and "enrollment_end_date" in lines[0]


def test_unreadable_file_is_one_line_error(tmp_path):
    pd.DataFrame({"person_id": ["P1"], "enrollment_start_date": ["2020-01-01"],
                  "enrollment_end_date": ["2020-02-01"]}).to_csv(tmp_path / "eligibility.csv",
                                                                 index=False)
    (tmp_path / "medical_claim.parquet").write_bytes(b"\x00garbage")
    r = run("summarize", str(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "medical_claim.parquet" in r.stderr


def test_missing_folder_and_mapping_file(tmp_path):
    r = run("summarize", str(tmp_path / "nope"))
    assert r.returncode == 2 and "data folder not found" in r.stderr
    r = run("summarize", str(tmp_path), "--mapping", str(tmp_path / "missing.yml"))
    assert r.returncode == 2 and "mapping file not found" in r.stderr


def test_synth_bad_option_is_clear(tmp_path):
    r = run("synth", "--out", str(tmp_path), "--members", "0")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "members" in r.stderr


def test_synth_small_then_summarize(tmp_path):
    r = run("synth", "--out", str(tmp_path), "--members", "300", "--months", "24",
            "--seed", "5")
    assert r.returncode == 0, r.stderr
    assert "medical_claim" in r.stdout
    s = json.loads(run("summarize", str(tmp_path), "--json").stdout)
    assert s["persons"] == 300
    assert 0 < s["member_months"] <= 300 * 24


def test_report_unknown_only_name_is_an_error(seed10, tmp_path):
    r = run("report", "--data", str(seed10), "--out", str(tmp_path / "r"), "--only", "nosuch")
    assert r.returncode == 2 and "unknown report" in r.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
@pytest.mark.spark
def test_summarize_on_spark_equals_duckdb_exactly(sample_dir):
    """The issue's must-show: ``valuecase summarize --engine spark data --json`` == DuckDB."""
    outputs = {}
    for engine in ("duckdb", "spark"):
        r = run("summarize", "--engine", engine, str(sample_dir), "--json")
        assert r.returncode == 0, r.stderr[-2000:]
        outputs[engine] = json.loads(r.stdout.strip().splitlines()[-1])
    assert outputs["spark"] == outputs["duckdb"]
    assert outputs["duckdb"]["member_months"] > 10_000


def test_unknown_engine_is_one_line_error(seed10):
    r = run("summarize", "--engine", "oracle", str(seed10))
    assert r.returncode == 2
    assert r.stderr.strip() == "error: unknown engine 'oracle'; choose from duckdb, spark"


def test_no_help_shows_bool_noise_on_flags():
    """Flags such as --strict, --json, --pdf and --help take no value: no ``<bool>`` after them."""
    for command in ([], ["validate"], ["summarize"], ["report"], ["simulate"], ["link"],
                    ["link", "tokenize"], ["link", "match"]):
        r = subprocess.run([*VALUECASE, *command, "--help"], capture_output=True, text=True,
                           env={**os.environ, "COLUMNS": "120"})
        assert r.returncode == 0, r.stderr
        assert "<bool>" not in r.stdout, command
