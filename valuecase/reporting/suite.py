"""Run the notebook suite on a data folder and publish HTML reports plus ``index.html``.

The suite builds everything in a staging folder next to the output folder and replaces the
published reports only when every notebook succeeded, so a failed run never leaves a mix of new
and stale reports. On failure the staging folder is kept for debugging and the error names the
notebook and cell.

Examples
--------
>>> [n.name for n in SUITE]
['data_quality', 'population', 'utilization']
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from valuecase.errors import ParametersError
from valuecase.load import find_table_files
from valuecase.reporting.render import (
    ReportEntry,
    data_fingerprint,
    execute_notebook,
    render_html,
    write_index,
)

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
SUMMARY_MIMETYPE = "application/vnd.valuecase.summary+json"
"""Output mimetype a notebook uses to publish its one-line summary for the index page."""


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
)
"""The notebooks ``valuecase report`` runs, in order."""


@dataclass(frozen=True)
class SuiteResult:
    """What a suite run published."""

    out_dir: Path
    entries: tuple[ReportEntry, ...]
    index_path: Path
    metadata: dict[str, Any]


def read_params(params_file: Path | None) -> dict[str, Any]:
    """Read a parameters YAML file (``{}`` when none is given)."""
    if params_file is None:
        return {}
    try:
        raw = yaml.safe_load(Path(params_file).read_text())
    except FileNotFoundError:
        raise ParametersError(f"{params_file}: parameters file not found") from None
    except yaml.YAMLError as exc:
        raise ParametersError(f"{params_file}: not valid YAML ({exc.__class__.__name__})") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ParametersError(f"{params_file}: top level must be a mapping of names to values")
    return raw


def notebook_parameters_for(name: str, data_dir: Path, params_file: Path | None,
                            params: dict[str, Any]) -> dict[str, Any]:
    """Parameters injected into notebook ``name``: data folder, mapping, per-notebook values."""
    values: dict[str, Any] = {"data_dir": str(Path(data_dir).resolve())}
    if params.get("column_mapping") and params_file is not None:
        values["mapping_file"] = str(Path(params_file).resolve())
    per_notebook = (params.get("notebooks") or {}).get(name) or {}
    if not isinstance(per_notebook, dict):
        raise ParametersError(f"{params_file}: notebooks.{name} must be a mapping")
    values.update(per_notebook)
    return values


def run_suite(data_dir: str | Path = "data/sample", out_dir: str | Path = "reports",
              params_file: str | Path | None = None, only: Sequence[str] | None = None,
              notebook_dir: Path = NOTEBOOK_DIR, progress: bool = True) -> SuiteResult:
    """Execute the suite's notebooks with papermill, render HTML and write the index.

    Parameters
    ----------
    data_dir : path
        Folder of contract tables.
    out_dir : path
        Where reports are published (``index.html``, ``<name>.html``, ``<name>.ipynb``).
    params_file : path, optional
        YAML parameters: ``column_mapping`` and ``notebooks: {name: {param: value}}``.
    only : sequence of str, optional
        Run only these notebooks.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    params_file = Path(params_file) if params_file else None
    params = read_params(params_file)
    files = find_table_files(data_dir)
    names = [n.name for n in SUITE]
    for name in only or ():
        if name not in names:
            raise ParametersError(f"--only {name}: unknown report; choose from {', '.join(names)}")
    chosen = [n for n in SUITE if not only or n.name in only]
    inputs = [p for paths in files.values() for p in paths]
    metadata: dict[str, Any] = {
        "data_fingerprint": data_fingerprint(inputs),
        "data_dir": str(data_dir),
        "parameters_file": str(params_file) if params_file else "(defaults)",
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-staging-", dir=out_dir.parent))
    entries = []
    for nb in chosen:
        values = notebook_parameters_for(nb.name, data_dir, params_file, params)
        ipynb = staging / f"{nb.name}.ipynb"
        execute_notebook(notebook_dir / f"{nb.name}.py", ipynb, values, cwd=notebook_dir,
                         progress=progress)
        html = staging / f"{nb.name}.html"
        render_html(ipynb, html, nb.title, {**metadata, "parameters": values})
        entries.append(ReportEntry(nb.name, nb.title, html, read_summary(ipynb)))
    write_index(staging, entries, {**metadata, "title": "valuecase reports"})
    published = _publish(staging, out_dir)
    final = tuple(ReportEntry(e.name, e.title, out_dir / e.html_path.name, e.summary)
                  for e in entries)
    metadata["run_date"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return SuiteResult(out_dir, final, published, metadata)


def read_summary(ipynb: Path) -> str:
    """The one-line summary a notebook published with :data:`SUMMARY_MIMETYPE` (or "")."""
    nb = json.loads(Path(ipynb).read_text())
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if SUMMARY_MIMETYPE in data:
                value = data[SUMMARY_MIMETYPE]
                return str(value.get("summary", "")) if isinstance(value, dict) else str(value)
    return ""


def _publish(staging: Path, out_dir: Path) -> Path:
    """Move staged files into ``out_dir`` (each replaced atomically), then drop the staging."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(staging.iterdir()):
        if path.name != "index.html":
            os.replace(path, out_dir / path.name)
    os.replace(staging / "index.html", out_dir / "index.html")  # last: it links the others
    shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


def publish_summary(text: str) -> None:
    """From inside a notebook: publish the one-line summary shown on the index page.

    Tag the cell ``remove_cell``; the output is read from the executed notebook, not rendered.
    """
    from IPython.display import display

    display({SUMMARY_MIMETYPE: {"summary": text}}, raw=True)
