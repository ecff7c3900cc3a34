"""``valuecase report`` into an output folder that already holds something (issue 27): an index
never mixes the reports of two data sets, and the staging folders of interrupted runs are
removed by the next run. Run as users run it: the CLI in a subprocess, the real notebooks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

VALUECASE = [sys.executable, "-m", "valuecase.cli"]


def report(data: Path, out: Path, only: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run([*VALUECASE, "report", "--data", str(data), "--out", str(out),
                           "--only", only], capture_output=True, text=True, env=env,
                          timeout=900)


def test_only_into_reports_of_other_data_never_mixes_them(tmp_path, seed10):
    first = tmp_path / "seed"
    shutil.copytree(seed10, first)
    other = tmp_path / "seed-without-pharmacy"  # another data set: one table fewer
    shutil.copytree(seed10, other)
    (other / "pharmacy_claim_seed.csv").unlink()
    out = tmp_path / "reports"
    # an interrupted run (its process is gone) and a run that never wrote its owner
    for name, owner in ((".reports-staging-old1", "999999999"), (".reports-staging-old2", None)):
        (tmp_path / name / "results").mkdir(parents=True)
        if owner:
            (tmp_path / name / ".valuecase-staging-pid").write_text(owner)
    unrelated = tmp_path / ".other-staging-x"  # another output folder's: left alone
    unrelated.mkdir()

    r = report(first, out, "data_quality")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".other-staging-x", "reports", "seed", "seed-without-pharmacy"]
    manifest = json.loads((out / ".valuecase-reports.json").read_text())
    assert manifest["files"] == ["data_quality.html", "data_quality.ipynb", "index.html"]

    r = report(other, out, "utilization")
    assert r.returncode == 0, r.stderr
    assert "the published reports come from other data" in r.stderr
    index = (out / "index.html").read_text()
    assert 'href="utilization.html"' in index and "data_quality" not in index
    assert not (out / "data_quality.html").exists()  # the other data's report is gone
    assert json.loads((out / ".valuecase-reports.json").read_text())["data"] != manifest["data"]
    assert not list(tmp_path.glob(".reports-staging-*"))
