"""Parameters that try to break a report (issue 11): labels written as Markdown or HTML stay
text, a program cost of 0 gives "not defined" instead of a crash, and the presentation glitches
of the bundled sample's reports stay gone."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from valuecase.datasets import example_params

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

EVIL_LABEL = ("![beacon](https://tracker.example/p.png) [click](javascript:alert(1)) "
              "<img src=https://tracker.example/q.png> **bold** $5$")


def _text(page: str) -> str:
    body = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("hostile")
    roi = yaml.safe_load(example_params("roi-sample.yml").read_text())
    roi["service_lines"]["inpatient"]["label"] = EVIL_LABEL
    roi["program_costs"] = {"staff": {"partner": "payer", "annual": 0}}
    (folder / "roi.yml").write_text(yaml.safe_dump(roi))
    (folder / "params.yml").write_text("roi_params_file: roi.yml\n")
    out = folder / "reports"
    r = subprocess.run([sys.executable, "-m", "valuecase.cli", "report", "--params",
                        str(folder / "params.yml"), "--out", str(out), "--only", "roi",
                        "--only", "funder_summary", "--jobs", "2"],
                       capture_output=True, text=True, timeout=900,
                       env={**os.environ, "COLUMNS": "160"})
    pages = {p.stem: p.read_text(encoding="utf-8") for p in out.glob("*.html")} \
        if r.returncode == 0 else {}
    return {"result": r, "pages": pages}


def test_the_run_succeeds_quietly(hostile_run):
    r = hostile_run["result"]
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Traceback" not in r.stderr and "IPKernelApp" not in r.stderr


def test_labels_from_the_roi_file_stay_text(hostile_run):
    page = hostile_run["pages"]["roi"]
    assert "tracker.example" in page  # the label is shown...
    assert not re.search(r"<img[^>]+tracker\.example", page)  # ...but never as an image
    assert not re.search(r"href=[\"']?javascript:", page, re.I)
    assert "<b>bold</b>" not in page and "<strong>bold</strong>" not in page
    assert "![beacon](https://tracker.example/p.png)" in _text(page)


def test_zero_program_cost_says_roi_is_not_defined(hostile_run):
    roi, funder = (_text(hostile_run["pages"][n]) for n in ("roi", "funder_summary"))
    assert "not defined" in roi and "program cost is zero" in roi
    assert "not defined because the program cost is zero" in funder
    for text in (roi, funder):
        assert not re.search(r"\b(inf|nan)%", text, re.I)


@pytest.mark.parametrize("name", ["roi", "funder_summary"])
def test_presentation_glitches_are_gone(hostile_run, name):
    page = hostile_run["pages"][name]
    text = _text(page)
    assert len(re.findall(r"<h1[\s>]", re.sub(r"<script.*?</script>", "", page,
                                                flags=re.S))) == 1  # the title once
    assert not re.search(r"\*\*\S", text.replace("**bold**", ""))  # Markdown rendered
    assert not re.findall(r"\d+\.\d{6,}", text)  # numbers formatted
    assert "/" + "tmp/" not in text and str(Path.home()) not in text  # no machine paths
