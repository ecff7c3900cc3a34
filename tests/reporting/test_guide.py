"""The index page's guide: what the data is, and synthetic data's own story from its truth."""

from __future__ import annotations

import json
from pathlib import Path

from valuecase.analysis.results import Results
from valuecase.datasets import sample_dir
from valuecase.reporting.guide import describe_data, synthetic_story, synthetic_truth
from valuecase.reporting.index import ReportEntry, write_index

from browser import open_report


def _results(tmp_path: Path, roi: dict | None = None, impact: dict | None = None,
             population: dict | None = None) -> Path:
    folder = tmp_path / "results"
    for name, values in (("roi", roi), ("impact", impact), ("population", population)):
        if values is not None:
            r = Results(name)
            r.values.update(values)
            r.write(folder)
    return folder


def test_story_compares_the_break_even_cut_with_the_planted_truth(tmp_path):
    truth = synthetic_truth(sample_dir())
    results = _results(
        tmp_path,
        roi={"summary": {"roi": -0.76},
             "breakeven_effects": {"inpatient": {"value": 0.7928, "kind": "ratio"},
                                   "ed": {"value": -0.086, "kind": "ratio"}}},
        impact={"pretrend": {"p_value": 0.023}})
    story = " ".join(synthetic_story(truth, results))
    planted = truth["true_effects"]
    assert f"acute hospital stays by {-planted['inpatient']:.0%}" in story
    true_cut = 1 - truth["estimands"]["followup_rate_ratio"]["inpatient_stays"]
    assert "cut acute hospital stays by 21%" in story
    assert f"a {true_cut:.0%} cut: short of that" in story
    # a break-even rate ratio below zero: no reduction of ED visits alone can pay
    assert "Even removing every one of the ED visits would not cover" in story
    assert "negative ROI (-76%) is this sample's result, not a fault" in story
    assert "pre-trend check fails (p = 0.023)" in story and "selection 1" in story


def test_story_says_enough_when_the_truth_reaches_break_even(tmp_path):
    truth = synthetic_truth(sample_dir())
    results = _results(tmp_path, roi={
        "summary": {"roi": 0.2},
        "breakeven_effects": {"inpatient": {"value": 0.95, "kind": "ratio"}}},
        impact={"pretrend": {"p_value": 0.4}})
    story = " ".join(synthetic_story(truth, results))
    assert "cut acute hospital stays by 5%" in story and ": enough." in story
    assert "not a fault" not in story and "pre-trend" not in story


def test_other_data_has_no_story(tmp_path):
    assert synthetic_truth(tmp_path) is None
    (tmp_path / "truth.json").write_text(json.dumps({"generator": "someone else"}))
    assert synthetic_truth(tmp_path) is None
    (tmp_path / "truth.json").write_text("{not json")
    assert synthetic_truth(tmp_path) is None


def test_data_sentence_names_people_and_months_but_no_path(tmp_path):
    results = _results(tmp_path, population={
        "persons": 15000, "member_months": 354127,
        "first_month": "2022-01-01", "last_month": "2024-12-01"})
    text = describe_data(Path("/home/someone/claims-2024"), "desynpuf", results)
    assert text == ("Data: folder claims-2024 (CMS DE-SynPUF): 15,000 people, 354,127 member "
                    "months, January 2022 to December 2024.")
    assert "/home" not in text


def test_index_shows_question_audience_first_number_and_story(tmp_path):
    index = write_index(
        tmp_path,
        [ReportEntry("roi", "Return on investment", tmp_path / "roi.html", "ROI -76%.",
                     "Whether the savings cover the cost.", "finance teams")],
        {"data_fingerprint": "3f2a9c0d1e4b5a67"},
        data="Data: folder x (Tuva input layer).", story=["These claims are synthetic <b>."])
    seen = open_report(index)
    assert seen.console_errors == [] and seen.external_requests == []
    for text in ("Whether the savings cover the cost.", "for finance teams",
                 "Look first at: ROI -76%.", "Data: folder x (Tuva input layer).",
                 "About this data", "These claims are synthetic <b>.", "About this run"):
        assert text in seen.text, text
    assert "<b>." not in index.read_text()  # escaped
