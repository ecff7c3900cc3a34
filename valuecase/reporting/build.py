"""Execute and render the chosen notebooks into the staging folder, one after the other or
``jobs`` at a time in separate processes (papermill's ``cwd=`` is a process-wide chdir, so
never threads); the first failure stops new starts and is raised with notebook and cell.

Examples
--------
>>> Outcome("roi", 1.5).failure is None
True
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from valuecase.reporting.execute import NotebookExecutionError, execute_notebook
from valuecase.reporting.html import render_html
from valuecase.reporting.summary import read_summary

__all__ = ["Outcome", "build_all"]

Log = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    """What one notebook run produced (picklable, so it crosses process boundaries)."""

    name: str
    seconds: float
    summary: str = ""
    failure: tuple[str, int, str, str, str] | None = None  # notebook, cell, line, summary, ipynb


def _build_one(nb: Any, source: Path, staging: Path, values: dict[str, Any],
               metadata: dict[str, Any], notebook_dir: Path, progress: bool,
               shown: dict[str, Any]) -> Outcome:
    """Execute and render one notebook into ``staging`` (runs in a worker process or inline)."""
    start = time.perf_counter()
    ipynb = staging / f"{nb.name}.ipynb"
    try:
        execute_notebook(source, ipynb, values, cwd=staging, progress=progress)
    except NotebookExecutionError as err:
        return Outcome(nb.name, time.perf_counter() - start, failure=(
            str(err.notebook), err.cell, err.first_line, err.summary, str(err.output_ipynb)))
    render_html(ipynb, staging / f"{nb.name}.html", nb.title, {**metadata, "parameters": shown})
    return Outcome(nb.name, time.perf_counter() - start, read_summary(ipynb))


def _raise_failure(outcome: Outcome) -> None:
    if outcome.failure is not None:
        notebook, cell, line, summary, ipynb = outcome.failure
        raise NotebookExecutionError(Path(notebook), cell, line, summary, Path(ipynb))


def build_all(chosen: Sequence[Any], values: dict[str, dict], staging: Path,
              metadata: dict[str, Any], notebook_dir: Path, jobs: int, progress: bool,
              log: Log, shown: dict[str, dict] | None = None,
              sources: dict[str, Path] | None = None) -> dict[str, Outcome]:
    """Run the chosen notebooks, ``jobs`` at a time; stop at the first failure.

    ``sources`` maps a report to another notebook file to run in its place (a report that
    cannot be made from the data is rendered by a notebook that says why).
    """
    outcomes: dict[str, Outcome] = {}
    shown = shown or {}
    sources = sources or {}
    total = len(chosen)

    def source(nb: Any) -> Path:
        return sources.get(nb.name, notebook_dir / f"{nb.name}.py")

    def started(i: int, nb: Any) -> None:
        log(f"[{i}/{total}] {nb.name}: running")

    def finished(outcome: Outcome) -> None:
        state = "FAILED" if outcome.failure else "done"
        log(f"      {outcome.name}: {state} in {outcome.seconds:.1f} s")

    if jobs <= 1 or total <= 1:
        for i, nb in enumerate(chosen, 1):
            started(i, nb)
            outcome = _build_one(nb, source(nb), staging, values[nb.name],
                                 metadata, notebook_dir, progress, shown.get(nb.name, {}))
            finished(outcome)
            _raise_failure(outcome)
            outcomes[nb.name] = outcome
        return outcomes

    # papermill's cwd= is a process-wide chdir: notebooks run in separate processes, never threads.
    context = multiprocessing.get_context("spawn")
    queue = list(enumerate(chosen, 1))
    running: dict[Future, Any] = {}
    failed: Outcome | None = None
    with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=context) as pool:
        while (queue and failed is None) or running:
            # Submit only as many as there are workers, so "running" lines are true starts.
            while queue and failed is None and len(running) < jobs:
                i, nb = queue.pop(0)
                started(i, nb)
                running[pool.submit(_build_one, nb, source(nb), staging,
                                    values[nb.name], metadata, notebook_dir, False,
                                    shown.get(nb.name, {}))] = nb
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
