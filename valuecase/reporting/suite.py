"""Run the notebook suite on a data folder and publish HTML reports plus ``index.html``.

A run has four steps, and nothing is published unless all of them succeed:

1. **Check** - the parameters file is read and every value is checked against the
   ``parameters`` cell of *every* chosen notebook before any notebook runs, so a typo aimed at the
   last notebook fails in seconds, not after the first ones ran.
2. **Build** - notebooks run with papermill (one after the other, or ``jobs`` at a time in
   separate processes) into a staging folder next to the output folder, and are rendered there.
3. **Guard** - every funder-facing report (``funder_facing=True``) is scanned for the person
   identifiers of the input (all ``person_id`` and ``member_id`` values of the eligibility
   table); one hit fails the run.
4. **Publish** - staged files replace the published ones (each ``os.replace`` is atomic,
   ``index.html`` goes last). The output folder's manifest (``.valuecase-reports.json``) lists
   the files valuecase published; files of a previous run whose notebook left the suite are
   deleted, so stale reports never sit next to new ones. Other files in the folder are never
   touched. With ``only``, the other suite reports of the previous run stay and stay listed.

On failure the staging folder is kept for debugging (the error says where) and the published
reports are untouched.

Examples
--------
>>> [n.name for n in SUITE]
['data_quality', 'population', 'utilization', 'impact', 'roi', 'funder_summary']
>>> [n.name for n in SUITE if n.funder_facing]
['funder_summary']
>>> notebook_parameters_for("population", Path("data/sample"), None,
...                         {"notebooks": {"population": {"period": "quarter"}}})["period"]
'quarter'
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from valuecase.errors import ParametersError
from valuecase.data.load import find_table_files
from valuecase.privacy import (
    IdentifierLeakError,
    find_identifiers,
    person_identifiers,
    strip_plotlyjs,
)
from valuecase.reporting.render import (
    NotebookExecutionError,
    ParameterError,
    ReportEntry,
    check_parameters,
    data_fingerprint,
    execute_notebook,
    notebook_parameters,
    render_html,
    write_index,
)
from valuecase.yaml_file import read_yaml_mapping

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
SUMMARY_MIMETYPE = "application/vnd.valuecase.population.summary+json"
"""Output mimetype a notebook uses to publish its one-line summary for the index page."""
MANIFEST = ".valuecase-reports.json"
"""File in the output folder listing the files the last successful run published."""

Log = Callable[[str], None]


@dataclass(frozen=True)
class SuiteNotebook:
    """One notebook of the suite: file stem, report title, and whether funders read it."""

    name: str
    title: str
    funder_facing: bool = False


SUITE: tuple[SuiteNotebook, ...] = (
    SuiteNotebook("data_quality", "Data quality"),
    SuiteNotebook("population", "Population and cost concentration"),
    SuiteNotebook("utilization", "Utilization and cost trends"),
    SuiteNotebook("impact", "Impact evaluation"),
    SuiteNotebook("roi", "Return on investment"),
    SuiteNotebook("funder_summary", "The value case in one page", funder_facing=True),
)
"""The notebooks ``valuecase report`` runs, in order."""


@dataclass(frozen=True)
class SuiteResult:
    """What a suite run published.

    Attributes
    ----------
    out_dir : pathlib.Path
        The output folder.
    entries : tuple of ReportEntry
        Every report listed on the index (those run now, then those kept with ``only``).
    index_path : pathlib.Path
        ``out_dir / "index.html"``.
    metadata : dict
        Run metadata (data fingerprint, parameters file, run date, timings, guard result).
    """

    out_dir: Path
    entries: tuple[ReportEntry, ...]
    index_path: Path
    metadata: dict[str, Any]


def read_params(params_file: Path | None) -> dict[str, Any]:
    """Read a parameters YAML file (``{}`` when none is given).

    Examples
    --------
    >>> read_params(None)
    {}
    >>> from valuecase.datasets import example_params
    >>> read_params(Path(example_params("sample.yml")))["notebooks"]["population"]["period"]
    'year'
    """
    if params_file is None:
        return {}
    return read_yaml_mapping(params_file, "parameters file")


SHARED_PARAMETERS = ("roi_params_file", "design", "baseline_months", "followup_months",
                     "trigger_min_stays", "trigger_window_days", "trigger_after_months", "seed")
"""Top-level keys of a parameters file passed to every notebook whose parameters cell has them
(so the impact, ROI and funder reports always use the same study and assumptions)."""


def notebook_parameters_for(name: str, data_dir: Path, params_file: Path | None,
                            params: dict[str, Any],
                            accepted: Sequence[str] | None = None) -> dict[str, Any]:
    """Parameters injected into notebook ``name``: data folder, mapping, shared and own values.

    Shared top-level keys (:data:`SHARED_PARAMETERS`) go to the notebooks whose parameters cell
    (``accepted``) has them; a ``notebooks: {name: {...}}`` section wins over them. Relative
    paths in ``*_file`` values are relative to the parameters file's folder.
    """
    values: dict[str, Any] = {"data_dir": str(Path(data_dir).resolve())}
    if params.get("column_mapping") and params_file is not None:
        values["mapping_file"] = str(Path(params_file).resolve())
    if accepted is not None:
        values.update({k: params[k] for k in SHARED_PARAMETERS if k in params and k in accepted})
    per_notebook = (params.get("notebooks") or {}).get(name) or {}
    if not isinstance(per_notebook, dict):
        raise ParametersError(f"{params_file}: notebooks.{name} must be a mapping")
    for key in ("data_dir", "mapping_file"):
        if key in per_notebook:
            # every report reads the same data: the fingerprint and the privacy guard's
            # identifier scan are taken from --data and the top-level column_mapping
            raise ParametersError(f"{params_file}: notebooks.{name}.{key} is not allowed; "
                                  "use --data and the top-level column_mapping")
    values.update(per_notebook)
    base = Path(params_file).resolve().parent if params_file is not None else Path.cwd()
    for key, value in values.items():
        if key.endswith("_file") and isinstance(value, str) and value:
            values[key] = str((base / value).resolve())
    return values


def check_suite_parameters(chosen: Sequence[SuiteNotebook], data_dir: Path,
                           params_file: Path | None, params: dict[str, Any],
                           notebook_dir: Path,
                           suite: Sequence[SuiteNotebook] | None = None) -> dict[str, dict]:
    """Check the parameters of every chosen notebook before any runs; return them by name.

    Notebooks that are not chosen (``only``) but have a section in the parameters file are
    checked too. Every problem is collected, so one run reports all typos at once.

    Raises
    ------
    ParametersError
        ``notebooks:`` names a notebook that is not in the suite, or a section is not a mapping.
    ParameterError
        A name or type does not fit a notebook's ``parameters`` cell (one line per problem).

    Examples
    --------
    >>> check_suite_parameters(SUITE[1:2], Path("data/sample"), None,
    ...                        {"notebooks": {"population": {"perod": "year"}}}, NOTEBOOK_DIR)
    Traceback (most recent call last):
    ...
    valuecase.reporting.render.ParameterError: notebook population.py has no parameter 'perod'...
    """
    suite = SUITE if suite is None else suite
    allowed = ("column_mapping", "notebooks", *SHARED_PARAMETERS)
    stray = [k for k in params if k not in allowed]
    if stray:
        raise ParametersError(f"{params_file}: unknown top-level key {stray[0]!r}; allowed: "
                              f"{', '.join(allowed)}")
    sections = params.get("notebooks") or {}
    if not isinstance(sections, dict):
        raise ParametersError(f"{params_file}: notebooks must be a mapping of notebook names")
    known = [nb.name for nb in suite]
    unknown = [name for name in sections if name not in known]
    if unknown:
        raise ParametersError(f"{params_file}: notebooks.{unknown[0]} is not a report of the "
                              f"suite; choose from {', '.join(known)}")
    values: dict[str, dict] = {}
    problems: list[str] = []
    # the chosen notebooks, and any other with a section in the file (a typo there is still a typo)
    for nb in [nb for nb in suite if nb in chosen or nb.name in sections]:
        source = notebook_dir / f"{nb.name}.py"
        if not source.exists():
            problems.append(f"notebook {source} not found")
            continue
        nb_values = notebook_parameters_for(nb.name, data_dir, params_file, params,
                                            accepted=list(notebook_parameters(source)))
        try:
            check_parameters(source, nb_values)
        except ParameterError as exc:
            problems.append(str(exc))
        if nb in chosen:
            values[nb.name] = nb_values
    if problems:
        raise ParameterError("; ".join(problems))
    return values


@dataclass(frozen=True)
class _Outcome:
    """What one notebook run produced (picklable, so it crosses process boundaries)."""

    name: str
    seconds: float
    summary: str = ""
    failure: tuple[str, int, str, str, str] | None = None  # notebook, cell, line, summary, ipynb


def _build_one(nb: SuiteNotebook, source: Path, staging: Path, values: dict[str, Any],
               metadata: dict[str, Any], notebook_dir: Path, progress: bool) -> _Outcome:
    """Execute and render one notebook into ``staging`` (runs in a worker process or inline)."""
    start = time.perf_counter()
    ipynb = staging / f"{nb.name}.ipynb"
    try:
        execute_notebook(source, ipynb, values, cwd=notebook_dir, progress=progress)
    except NotebookExecutionError as err:
        return _Outcome(nb.name, time.perf_counter() - start, failure=(
            str(err.notebook), err.cell, err.first_line, err.summary, str(err.output_ipynb)))
    render_html(ipynb, staging / f"{nb.name}.html", nb.title, {**metadata, "parameters": values})
    return _Outcome(nb.name, time.perf_counter() - start, read_summary(ipynb))


def _raise_failure(outcome: _Outcome) -> None:
    if outcome.failure is not None:
        notebook, cell, line, summary, ipynb = outcome.failure
        raise NotebookExecutionError(Path(notebook), cell, line, summary, Path(ipynb))


def _build_all(chosen: Sequence[SuiteNotebook], values: dict[str, dict], staging: Path,
               metadata: dict[str, Any], notebook_dir: Path, jobs: int, progress: bool,
               log: Log) -> dict[str, _Outcome]:
    """Run the chosen notebooks, ``jobs`` at a time; stop at the first failure."""
    outcomes: dict[str, _Outcome] = {}
    total = len(chosen)

    def started(i: int, nb: SuiteNotebook) -> None:
        log(f"[{i}/{total}] {nb.name}: running")

    def finished(outcome: _Outcome) -> None:
        state = "FAILED" if outcome.failure else "done"
        log(f"      {outcome.name}: {state} in {outcome.seconds:.1f} s")

    if jobs <= 1 or total <= 1:
        for i, nb in enumerate(chosen, 1):
            started(i, nb)
            outcome = _build_one(nb, notebook_dir / f"{nb.name}.py", staging, values[nb.name],
                                 metadata, notebook_dir, progress)
            finished(outcome)
            _raise_failure(outcome)
            outcomes[nb.name] = outcome
        return outcomes

    # papermill's cwd= is a process-wide chdir: notebooks run in separate processes, never threads.
    context = multiprocessing.get_context("spawn")
    queue = list(enumerate(chosen, 1))
    running: dict[Future, SuiteNotebook] = {}
    failed: _Outcome | None = None
    with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=context) as pool:
        while (queue and failed is None) or running:
            # Submit only as many as there are workers, so "running" lines are true starts.
            while queue and failed is None and len(running) < jobs:
                i, nb = queue.pop(0)
                started(i, nb)
                running[pool.submit(_build_one, nb, notebook_dir / f"{nb.name}.py", staging,
                                    values[nb.name], metadata, notebook_dir, False)] = nb
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                running.pop(future)
                outcome = future.result()
                finished(outcome)
                if outcome.failure is not None and failed is None:
                    failed = outcome  # let running notebooks finish, start no new ones
                outcomes[outcome.name] = outcome
    if failed is not None:
        _raise_failure(failed)
    return outcomes


def scan_funder_reports(staging: Path, funder: Sequence[SuiteNotebook],
                        identifiers: set[str]) -> dict[str, float]:
    """Fail when a funder-facing report in ``staging`` contains a person identifier.

    The inlined plotly.js library is skipped (it is the same for every report and holds no
    data); everything else - text, tables, chart data, metadata - is scanned.

    Returns
    -------
    dict
        Seconds spent per report (the guard is part of the run's timings).

    Raises
    ------
    IdentifierLeakError
        Names the report and the number of identifiers found (never the identifiers).
    """
    timings: dict[str, float] = {}
    for nb in funder:
        html = staging / f"{nb.name}.html"
        start = time.perf_counter()
        found = find_identifiers(strip_plotlyjs(html.read_text(encoding="utf-8")), identifiers)
        timings[nb.name] = time.perf_counter() - start
        if found:
            raise IdentifierLeakError(
                f"funder-facing report {nb.name}.html contains {len(found)} person "
                f"identifier{'s' if len(found) != 1 else ''} from the input (person_id/member_id); "
                f"reports not published. The rendered file is kept for review in {staging}"
            )
    return timings


def run_suite(data_dir: str | Path = "data/sample", out_dir: str | Path = "reports",
              params_file: str | Path | None = None, only: Sequence[str] | None = None,
              notebook_dir: Path | None = None, progress: bool = True, jobs: int = 1,
              suite: Sequence[SuiteNotebook] | None = None,
              log: Log | None = None) -> SuiteResult:
    """Check parameters, execute the suite's notebooks, guard, render and publish atomically.

    Parameters
    ----------
    data_dir : path
        Folder of contract tables.
    out_dir : path
        Where reports are published (``index.html``, ``<name>.html``, ``<name>.ipynb``).
    params_file : path, optional
        YAML parameters: ``column_mapping`` and ``notebooks: {name: {param: value}}``.
    only : sequence of str, optional
        Run only these notebooks; other reports of the previous run stay published.
    notebook_dir : pathlib.Path, optional
        Folder of the jupytext sources (default :data:`NOTEBOOK_DIR`).
    progress : bool, default True
        papermill's per-cell progress bar (sequential runs only).
    jobs : int, default 1
        Notebooks run at the same time, each in its own process.
    suite : sequence of SuiteNotebook, optional
        The notebooks (default :data:`SUITE`).
    log : callable, optional
        Receives one line per notebook start and finish (with elapsed seconds).

    Raises
    ------
    ParametersError, ParameterError
        Before anything runs: bad parameters file, unknown notebook, name or type.
    NotebookExecutionError
        A cell failed; names notebook and cell and where the partial notebook is kept.
    IdentifierLeakError
        A funder-facing report contains a person identifier of the input.

    Examples
    --------
    ``run_suite("data/sample", "reports", jobs=2)`` is what ``valuecase report --jobs 2`` runs.
    """
    suite = SUITE if suite is None else tuple(suite)
    notebook_dir = NOTEBOOK_DIR if notebook_dir is None else Path(notebook_dir)
    log = log or (lambda line: None)
    if jobs < 1:
        raise ParametersError(f"--jobs must be at least 1, got {jobs}")
    run_start = time.perf_counter()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    params_file = Path(params_file) if params_file else None
    params = read_params(params_file)
    files = find_table_files(data_dir)
    names = [n.name for n in suite]
    for name in only or ():
        if name not in names:
            raise ParametersError(f"--only {name}: unknown report; choose from {', '.join(names)}")
    chosen = [n for n in suite if not only or n.name in only]
    values = check_suite_parameters(chosen, data_dir, params_file, params, notebook_dir, suite)
    funder = [nb for nb in chosen if nb.funder_facing]
    identifiers: set[str] = set()
    if funder:
        from valuecase.data.mapping import ColumnMapping

        mapping = ColumnMapping.from_dict(params.get("column_mapping"), str(params_file))
        identifiers = person_identifiers(data_dir, mapping)

    inputs = [p for paths in files.values() for p in paths]
    shown_file = str(params_file) if params_file else "(none: notebook defaults)"
    metadata: dict[str, Any] = {
        "data_fingerprint": data_fingerprint(inputs),
        "extra": {"Data folder": str(data_dir), "Parameters file": shown_file},
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-staging-", dir=out_dir.parent))
    outcomes = _build_all(chosen, values, staging, metadata, notebook_dir, jobs, progress, log)
    guard_seconds = scan_funder_reports(staging, funder, identifiers)

    entries = [ReportEntry(nb.name, nb.title, staging / f"{nb.name}.html",
                           outcomes[nb.name].summary) for nb in chosen]
    if only:  # reports of the previous run that were not re-run stay listed
        for nb in suite:
            if nb not in chosen and (out_dir / f"{nb.name}.html").exists():
                kept = out_dir / f"{nb.name}.ipynb"
                summary = read_summary(kept) if kept.exists() else ""
                entries.append(ReportEntry(nb.name, nb.title, staging / f"{nb.name}.html",
                                           summary))
        entries.sort(key=lambda e: names.index(e.name))
    index_params = {"data_dir": str(data_dir.resolve())}
    for nb in chosen:
        for key, value in ((params.get("notebooks") or {}).get(nb.name) or {}).items():
            index_params[f"{nb.name}.{key}"] = value
    write_index(staging, entries, {**metadata, "title": "valuecase reports",
                                   "parameters": index_params})
    published = _publish(staging, out_dir, [e.name for e in entries])
    final = tuple(ReportEntry(e.name, e.title, out_dir / e.html_path.name, e.summary)
                  for e in entries)
    metadata.update({
        "data_dir": str(data_dir),
        "parameters_file": shown_file,
        "run_date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": {name: o.seconds for name, o in outcomes.items()},
        "guard_seconds": guard_seconds,
        "identifiers_checked": len(identifiers),
        "wall_seconds": time.perf_counter() - run_start,
    })
    return SuiteResult(out_dir, final, published, metadata)


def read_summary(ipynb: Path) -> str:
    """The one-line summary a notebook published with :data:`SUMMARY_MIMETYPE` (or "").

    Examples
    --------
    >>> import tempfile
    >>> nb = Path(tempfile.mkdtemp()) / "x.ipynb"
    >>> _ = nb.write_text(json.dumps({"cells": [{"outputs": [{"data": {
    ...     SUMMARY_MIMETYPE: {"summary": "Net savings $1.2M."}}}]}]}))
    >>> read_summary(nb)
    'Net savings $1.2M.'
    """
    nb = json.loads(Path(ipynb).read_text())
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if SUMMARY_MIMETYPE in data:
                value = data[SUMMARY_MIMETYPE]
                return str(value.get("summary", "")) if isinstance(value, dict) else str(value)
    return ""


def _publish(staging: Path, out_dir: Path, names: Sequence[str]) -> Path:
    """Move staged files into ``out_dir`` (each replaced atomically), drop stale ones.

    ``names`` are the reports the new index lists; files that the previous manifest lists and
    that no longer belong to any of them are deleted. ``index.html`` is replaced last.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / MANIFEST
    previous: list[str] = []
    if manifest.exists():
        try:
            previous = list(json.loads(manifest.read_text()).get("files", []))
        except (ValueError, AttributeError):
            previous = []
    current = sorted({f"{n}{ext}" for n in names for ext in (".html", ".ipynb")} | {"index.html"})
    for path in sorted(staging.iterdir()):
        if path.name != "index.html":
            os.replace(path, out_dir / path.name)
    for name in previous:
        stale = out_dir / Path(name).name  # never outside out_dir, whatever the manifest says
        if name not in current and stale.suffix in {".html", ".ipynb"} and stale.is_file():
            stale.unlink()
    tmp = out_dir / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"files": current}, indent=1))
    os.replace(tmp, manifest)
    os.replace(staging / "index.html", out_dir / "index.html")  # last: it links the others
    shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


def publish_summary(text: str) -> None:
    """From inside a notebook: publish the one-line summary shown on the index page.

    Tag the cell ``remove_cell``; the output is read from the executed notebook, not rendered.

    Examples
    --------
    In a notebook cell tagged ``remove_cell``: ``publish_summary("Net savings $1.2M (ROI 1.8).")``.
    """
    from IPython.display import display

    display({SUMMARY_MIMETYPE: {"summary": text}}, raw=True)
