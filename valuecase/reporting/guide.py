"""What the index page says besides the links: the data a run read, and the data's own story.

The index tells a reader in a few lines what each report answers and who it is for (from
:data:`valuecase.reporting.suite.SUITE`), which data the run read (:func:`describe_data`) and,
when that data was made by ``valuecase synth``, what its planted truth is and why the results
look the way they do (:func:`synthetic_story`): on the bundled sample a negative ROI and a
failed pre-trend check are the sample's story, not faults of the tool. Every number in these
sentences comes from the run's results or the data folder's ``truth.json``; none is written
here.

Examples
--------
>>> required_cut(0.7928, "ratio")
0.2072
>>> round(required_cut(-0.5, "log_ratio"), 4)
0.3935
>>> required_cut(0.25, "reduction")
0.25
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from valuecase.analysis.results import Results
from valuecase.errors import ValuecaseError

__all__ = ["describe_data", "required_cut", "synthetic_story", "synthetic_truth"]

SYNTH_GENERATOR = "valuecase.synth"
"""``generator`` of a ``truth.json`` that ``valuecase synth`` wrote."""

LINE_NOUNS = {"inpatient": "acute hospital stays", "ed": "ED visits"}
"""What a service line counts, for sentences (``truth.json`` names its effects by line too)."""

LINE_OUTCOMES = {"inpatient": "inpatient_stays", "ed": "ed_visits"}
"""The outcome of each service line among ``truth.json``'s estimands."""


def required_cut(value: float, kind: str) -> float:
    """The share of a service line's events a break-even effect removes.

    Parameters
    ----------
    value : float
        The break-even effect on the line's own scale.
    kind : {"ratio", "log_ratio", "reduction", "difference"}
        That scale: a rate ratio, a log rate ratio, a share of events removed, or a
        difference in events (no share: NaN).

    Returns
    -------
    float
        ``0.21`` means "the program must remove 21% of these events"; above 1 means that even
        removing every event would not pay.

    Examples
    --------
    >>> required_cut(-0.086, "ratio")
    1.086
    >>> math.isnan(required_cut(-1.0, "difference"))
    True
    """
    if kind == "ratio":
        return round(1.0 - value, 10)
    if kind == "log_ratio":
        return 1.0 - math.exp(value)
    if kind == "reduction":
        return value
    return float("nan")


def synthetic_truth(data_dir: Path) -> dict[str, Any] | None:
    """The ``truth.json`` of a folder ``valuecase synth`` wrote, or None for any other data.

    Examples
    --------
    >>> from valuecase.datasets import sample_dir
    >>> synthetic_truth(sample_dir())["true_effects"]["inpatient"]
    -0.15
    >>> synthetic_truth(Path("/nonexistent")) is None
    True
    """
    path = Path(data_dir) / "truth.json"
    try:
        truth = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(truth, dict) or truth.get("generator") != SYNTH_GENERATOR:
        return None
    return truth


def _values(results_dir: Path | None, name: str) -> Mapping[str, Any]:
    if results_dir is None:
        return {}
    try:
        values = Results.read(results_dir, name).values
    except ValuecaseError:
        return {}
    return {} if "unavailable" in values else values


def _month(iso: object) -> str:
    """``"2022-01-01"`` as ``"January 2022"`` (no hyphen for a line to break at)."""
    return dt.date.fromisoformat(str(iso)[:10]).strftime("%B %Y")


def _pct(share: float) -> str:
    return f"{share:.0%}"


def describe_data(data_dir: Path, layout: str, results_dir: Path | None,
                  bundled_sample: bool = False) -> str:
    """One sentence on the data a run read: its folder and layout, people, months covered.

    Parameters
    ----------
    data_dir : pathlib.Path
        The data folder (only its name is shown: no machine paths).
    layout : str
        The source layout (``tuva``, ``desynpuf``, ``synthea``).
    results_dir : pathlib.Path, optional
        The run's results; the population report's values give people and months.
    bundled_sample : bool
        Whether the folder is the sample that ships with valuecase.

    Examples
    --------
    >>> describe_data(Path("/x/claims"), "tuva", None)
    'Data: folder claims (Tuva input layer).'
    """
    from valuecase.data.layouts import get_layout

    source = get_layout(layout).summary.split(":")[0]  # "Tuva input layer", "CMS DE-SynPUF"
    where = ("the synthetic sample bundled with valuecase" if bundled_sample
             else f"folder {Path(data_dir).name}")
    text = f"Data: {where} ({source})"
    pop = _values(results_dir, "population")
    if pop.get("persons") and pop.get("first_month"):
        text += (f": {int(pop['persons']):,} people, {int(pop['member_months']):,} member "
                 f"months, {_month(pop['first_month'])} to {_month(pop['last_month'])}")
    return text + "."


def synthetic_story(truth: Mapping[str, Any], results_dir: Path | None) -> list[str]:
    """Sentences on what synthetic data's planted truth is and why its results look as they do.

    Parameters
    ----------
    truth : mapping
        The data folder's ``truth.json`` (:func:`synthetic_truth`).
    results_dir : pathlib.Path, optional
        The run's results: the ROI report's break-even effects and the impact report's
        pre-trend test, when those reports ran.

    Returns
    -------
    list of str
        Plain sentences, the planted effect first.

    Examples
    --------
    >>> from valuecase.datasets import sample_dir
    >>> synthetic_story(synthetic_truth(sample_dir()), None)[0]  # doctest: +ELLIPSIS
    'These claims are synthetic (made by valuecase synth; no real people) with a program of known effect: ...'
    """
    config = truth.get("config", {})
    effects = truth.get("true_effects", {})
    planted = [f"{noun} by {_pct(-float(effects[line]))}" for line, noun in LINE_NOUNS.items()
               if isinstance(effects.get(line), int | float) and effects[line] < 0]
    story = ["These claims are synthetic (made by valuecase synth; no real people) with a "
             "program of known effect: while enrolled, it cuts "
             + (" and ".join(planted) or "nothing") + ". The reports estimate that effect "
             "from the claims alone, as they would on real data."]
    roi = _values(results_dir, "roi")
    summary = roi.get("summary") or {}
    ratios = truth.get("estimands", {}).get("followup_rate_ratio", {})
    for line, be in (roi.get("breakeven_effects") or {}).items():
        cut = required_cut(float(be["value"]), str(be["kind"]))
        true_ratio = ratios.get(LINE_OUTCOMES.get(line))
        if line not in LINE_NOUNS or not math.isfinite(cut) or true_ratio is None:
            continue
        true_cut = 1.0 - float(true_ratio)
        noun = LINE_NOUNS[line]
        others = " (the other service lines at their estimates)" if len(ratios) > 1 else ""
        if cut > 1:
            story.append(f"Even removing every one of the {noun} would not cover the program's "
                         f"cost{others}; the true effect cuts them by {_pct(true_cut)} over "
                         "the study's follow-up.")
        else:
            verdict = "short of that" if cut > true_cut else "enough"
            story.append(f"To break even, the program would have to cut {noun} by {_pct(cut)}"
                         f"{others}; its true effect over the study's follow-up is a "
                         f"{_pct(true_cut)} cut: {verdict}.")
    roi_value = summary.get("roi")
    if isinstance(roi_value, int | float) and roi_value < 0:
        story.append(f"So the negative ROI ({roi_value:.0%}) is this sample's result, not a "
                     "fault: the program, at the costs in the sample's ROI file, does not pay "
                     "for itself.")
    pretrend = _values(results_dir, "impact").get("pretrend") or {}
    p_value = pretrend.get("p_value")
    if isinstance(p_value, int | float) and p_value < 0.05 and not config.get("randomized"):
        story.append(f"The pre-trend check fails (p = {p_value:.3f}) because enrollment was "
                     "not random: the generator lets age, site and chronic conditions sway who "
                     "enrols (selection "
                     f"{float(config.get('selection', 1.0)):g}), so the program and comparison "
                     "groups already differed before enrolling. The check is doing its job: "
                     "it warns that the comparison group is no perfect twin.")
    return story
