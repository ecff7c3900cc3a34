"""Run the report suite on a data folder and publish HTML reports plus ``index.html``.

A run has five steps, and nothing is published unless all of them succeed:

1. **Check** - every parameter (file, ``--data``, ``--out``) is validated for type and meaning
   by :func:`valuecase.analysis.parameters.check_parameters`; all problems at once, before
   anything runs.
2. **Analyse** - every stage runs once (:func:`valuecase.analysis.run.run_analysis`) and the
   results of the chosen reports are written into the staging folder next to ``--out``.
3. **Present** - the notebooks run with papermill (``jobs`` at a time, each in its own process),
   read those results and present them; each is rendered to one self-contained HTML file.
4. **Guard** - funder-facing reports are scanned for the person identifiers of the input;
   with ``pdf=True`` each report is then printed to ``<name>.pdf`` by headless Chromium,
   offline (:mod:`valuecase.reporting.pdf`).
5. **Publish** - staged files replace the published ones atomically (``index.html`` last).

On failure the staging folder is kept for debugging (the error says where; the next run into
the same output folder removes it) and the published reports are untouched.

Examples
--------
>>> [n.name for n in SUITE]  # doctest: +NORMALIZE_WHITESPACE
['data_quality', 'population', 'utilization', 'impact', 'roi', 'partners',
 'funder_summary']
>>> [n.name for n in SUITE if n.funder_facing]
['funder_summary']
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from valuecase.analysis.parameters import SuiteParameters, check_parameters
from valuecase.analysis.results import Results
from valuecase.datasets import sample_dir
from valuecase.errors import ParametersError, ValuecaseError
from valuecase.reporting.build import build_all
from valuecase.reporting.catalog import SUITE, SuiteNotebook
from valuecase.reporting.execute import notebook_parameters
from valuecase.reporting.guard import person_identifiers, scan_funder_reports
from valuecase.reporting.guide import describe_data, synthetic_story, synthetic_truth
from valuecase.reporting.html import data_fingerprint
from valuecase.reporting.index import ReportEntry, write_index
from valuecase.reporting.pdf import find_chromium, print_reports
from valuecase.reporting.publish import new_staging, publish, published_data
from valuecase.reporting.summary import read_summary

__all__ = ["NOTEBOOK_DIR", "SUITE", "SuiteNotebook", "SuiteResult", "notebook_values",
           "run_suite"]

NOTEBOOK_DIR = Path(__file__).resolve().parent / "notebooks"
"""The suite's jupytext notebooks (package data: they ship with valuecase)."""
FALLBACK_DIR = NOTEBOOK_DIR / "fallback"
"""Notebooks run in place of a report the data cannot support (they say why)."""

Log = Callable[[str], None]


@dataclass(frozen=True)
class SuiteResult:
    """What a suite run published: output folder, index entries, index file, run metadata."""

    out_dir: Path
    entries: tuple[ReportEntry, ...]
    index_path: Path
    metadata: dict[str, Any]


def notebook_values(name: str, params: SuiteParameters, results_dir: Path | None,
                    declared: Sequence[str]) -> dict[str, Any]:
    """The values injected into notebook ``name``: those of its parameters cell (``declared``)
    that the run sets — ``results_dir``, the data folder, mapping and the report's parameters.

    Examples
    --------
    >>> v = notebook_values("population", SuiteParameters(), Path("/r"),
    ...                     ["results_dir", "period", "seed"])
    >>> v["results_dir"], v["period"], v["seed"]
    ('/r', 'year', 2024)
    """
    values: dict[str, Any] = {"data_dir": str(params.resolved_data_dir()),
                              "mapping_file": params.mapping_file}
    if results_dir is not None:
        values["results_dir"] = str(results_dir)
    own = params.for_report(name)
    if "roi_params_file" in own:
        own["roi_params_file"] = str(params.resolved_roi_file())
    values.update({k: v for k, v in own.items() if k != "data_dir"})
    return {k: v for k, v in values.items() if k in declared}


def shown_parameters(name: str, params: SuiteParameters) -> dict[str, Any]:
    """The report's parameters as shown in its metadata block: no machine paths (folders and
    files by name only)."""
    shown = params.for_report(name)
    shown["data_dir"] = params.resolved_data_dir().name
    if "roi_params_file" in shown:
        shown["roi_params_file"] = params.resolved_roi_file().name
    if shown.get("mapping_file"):
        shown["mapping_file"] = Path(shown["mapping_file"]).name
    return shown


def _unavailable(results_dir: Path, name: str) -> bool:
    """Whether report ``name``'s results say the data cannot support it (a notebook without
    results of its own, e.g. a custom one, is run as it is)."""
    try:
        return "unavailable" in Results.read(results_dir, name).values
    except ValuecaseError:
        return False


def input_files(data_dir: Path, layout: str) -> list[Path]:
    """The files a run reads (for the data fingerprint): the contract tables' files, or every
    file of a source folder in another layout."""
    if layout != "tuva":
        return sorted(p for p in Path(data_dir).iterdir() if p.is_file())
    from valuecase.data.load import find_table_files

    return [p for paths in find_table_files(data_dir).values() for p in paths]


def run_suite(data_dir: str | Path | None = None, out_dir: str | Path = "reports",
              params_file: str | Path | None = None, only: Sequence[str] | None = None,
              notebook_dir: Path | None = None, progress: bool = True, jobs: int = 1,
              suite: Sequence[SuiteNotebook] | None = None,
              log: Log | None = None, engine: str | None = None,
              layout: str | None = None, pdf: bool = False) -> SuiteResult:
    """Check parameters, analyse once, execute the notebooks, guard, render, publish.

    Parameters
    ----------
    data_dir : path, optional
        Folder of contract tables (default: the bundled sample).
    out_dir : path
        Where reports are published (``index.html``, ``<name>.html``, ``<name>.ipynb``).
    params_file : path, optional
        YAML parameters (see :mod:`valuecase.analysis.parameters`).
    only : sequence of str, optional
        Run only these reports; other reports of the previous run stay published.
    notebook_dir, suite : optional
        Other notebooks (tests); default :data:`NOTEBOOK_DIR` and :data:`SUITE`.
    progress : bool
        papermill's per-cell progress bar (sequential runs only).
    jobs : int
        Notebooks run at the same time, each in its own process.
    log : callable, optional
        Receives one line per step (analysis, each notebook start and finish).
    engine : str, optional
        ``duckdb`` or ``spark``; wins over ``engine:`` in the parameters file.
    layout : str, optional
        ``tuva``, ``desynpuf`` or ``synthea``; wins over ``layout:`` in the parameters file.
    pdf : bool
        Also print each report to ``<name>.pdf`` beside its HTML (headless Chromium, offline,
        ``jobs`` at a time), published with it.

    Raises
    ------
    ParametersError
        Before anything runs: every problem of the parameters, data folder or output folder;
        with ``pdf=True``, no Chromium found.
    PdfError
        Chromium could not print a report (nothing is published).
    NotebookExecutionError
        A cell failed; names notebook and cell and where the partial notebook is kept.
    IdentifierLeakError
        A funder-facing report contains a person identifier of the input.

    Examples
    --------
    ``run_suite(out_dir="reports", jobs=2)`` is what ``valuecase report --jobs 2`` runs.
    """
    suite = SUITE if suite is None else tuple(suite)
    notebook_dir = NOTEBOOK_DIR if notebook_dir is None else Path(notebook_dir)
    log = log or (lambda line: None)
    if jobs < 1:
        raise ParametersError(f"--jobs must be at least 1, got {jobs}")
    run_start = time.perf_counter()
    names = [n.name for n in suite]
    unknown = [name for name in only or () if name not in names]
    if unknown:
        raise ParametersError(f"--only {unknown[0]}: unknown report; choose from "
                              f"{', '.join(names)}")
    overrides = {k: v for k, v in {"engine": engine, "layout": layout}.items() if v}
    chromium = find_chromium() if pdf else None  # no Chromium: stop before anything runs
    params = check_parameters(params_file, data_dir, out_dir, overrides=overrides or None)
    out_dir = Path(out_dir)
    chosen = [n for n in suite if not only or n.name in only]
    funder = [nb for nb in chosen if nb.funder_facing]
    data_path = params.resolved_data_dir()

    # absolute: the notebooks run with the staging folder as working directory; staging
    # folders of interrupted runs go first
    staging = new_staging(out_dir)
    results_dir = staging / "results"
    from valuecase.analysis.run import run_analysis

    log(f"analysis: every stage once for {', '.join(n.name for n in chosen)}")
    provenance = run_analysis(params, [n.name for n in chosen], results_dir, log=log)
    log(f"analysis: done in {provenance['analysis_seconds']:.1f} s")

    inputs = input_files(data_path, params.layout)
    shown_file = Path(params_file).name if params_file else "(none: defaults)"
    metadata: dict[str, Any] = {
        "data_fingerprint": data_fingerprint(inputs),
        "extra": {"Data folder": data_path.name, "Parameters file": shown_file},
    }
    # a report the data cannot support (no claims, no program data) is rendered by a notebook saying why
    sources = {nb.name: FALLBACK_DIR / "unavailable.py" for nb in chosen
               if _unavailable(results_dir, nb.name)}
    values = {nb.name: notebook_values(nb.name, params, results_dir, list(notebook_parameters(
        sources.get(nb.name, notebook_dir / f"{nb.name}.py")))) for nb in chosen}
    for name in sources:
        values[name]["report"] = name
    shown = {nb.name: shown_parameters(nb.name, params) for nb in chosen}
    outcomes = build_all(chosen, values, staging, metadata, notebook_dir, jobs, progress, log,
                         shown=shown, sources=sources)
    identifiers: set[str] = set()
    if funder:
        from valuecase.data.mapping import ColumnMapping

        mapping = (ColumnMapping.from_dict(params.column_mapping, shown_file)
                   if params.column_mapping else None)
        identifiers = person_identifiers(data_path, mapping, params.engine, params.layout)
    guard_seconds = scan_funder_reports(staging, funder, identifiers)
    pdf_seconds = (print_reports(staging, [nb.name for nb in chosen], chromium, jobs, log)
                   if chromium is not None else {})

    entries = [ReportEntry(nb.name, nb.title, staging / f"{nb.name}.html",
                           outcomes[nb.name].summary, nb.question, nb.audience,
                           pdf=nb.name in pdf_seconds)
               for nb in chosen]
    same_data = published_data(out_dir) == metadata["data_fingerprint"]
    if only and not same_data and (out_dir / "index.html").exists():
        log(f"{out_dir}: the published reports come from other data; only the reports of "
            "this run are kept")
    if only and same_data:  # reports of the previous run on this data stay listed
        for nb in suite:
            if nb not in chosen and (out_dir / f"{nb.name}.html").exists():
                kept = out_dir / f"{nb.name}.ipynb"
                summary = read_summary(kept) if kept.exists() else ""
                entries.append(ReportEntry(nb.name, nb.title, staging / f"{nb.name}.html",
                                           summary, nb.question, nb.audience,
                                           pdf=(out_dir / f"{nb.name}.pdf").exists()))
        entries.sort(key=lambda e: names.index(e.name))
    index_params = {"data": data_path.name, "seed": params.seed, "design": params.design}
    truth = synthetic_truth(data_path)
    write_index(staging, entries, {**metadata, "title": "valuecase reports",
                                   "parameters": index_params},
                data=describe_data(data_path, params.layout, results_dir,
                                   bundled_sample=data_path.resolve() == sample_dir().resolve()),
                story=synthetic_story(truth, results_dir) if truth else [])
    published = publish(staging, out_dir, [e.name for e in entries],
                        data=metadata["data_fingerprint"])
    final = tuple(replace(e, html_path=out_dir / e.html_path.name) for e in entries)
    metadata.update({
        "data_dir": str(data_path),
        "parameters_file": shown_file,
        "run_date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "analysis_seconds": provenance["analysis_seconds"],
        "stage_seconds": provenance["stage_seconds"],
        "seconds": {name: o.seconds for name, o in outcomes.items()},
        "guard_seconds": guard_seconds,
        "pdf_seconds": pdf_seconds,
        "identifiers_checked": len(identifiers),
        "wall_seconds": time.perf_counter() - run_start,
    })
    return SuiteResult(out_dir, final, published, metadata)
