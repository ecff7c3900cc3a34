"""Publish a staged run: staged reports replace the published ones atomically, stale ones go.

The output folder's manifest (``.valuecase-reports.json``) lists the files valuecase
published; files of a previous run whose notebook left the suite are deleted, so stale reports
never sit next to new ones. A report's PDF goes with its HTML: a report re-run without
``--pdf`` loses the PDF of its previous version, a report not re-run (``--only``) keeps it.
Other files in the folder are never touched. ``index.html`` is replaced last, and the staging
folder (with the run's analysis results) is removed.

Examples
--------
>>> MANIFEST
'.valuecase-reports.json'
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

__all__ = ["MANIFEST", "publish"]

MANIFEST = ".valuecase-reports.json"
"""File in the output folder listing the files the last successful run published."""
PUBLISHED = frozenset({".html", ".ipynb", ".pdf"})
"""Suffixes of the files a run publishes (only such files are ever deleted)."""


def publish(staging: Path, out_dir: Path, names: Sequence[str]) -> Path:
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
    current = {f"{n}{ext}" for n in names for ext in (".html", ".ipynb")} | {"index.html"}
    for n in names:  # a PDF printed now, or one of a report this run did not rebuild
        rebuilt = (staging / f"{n}.html").exists()
        if (staging / f"{n}.pdf").exists() or (not rebuilt and f"{n}.pdf" in previous):
            current.add(f"{n}.pdf")
    for path in sorted(staging.iterdir()):
        if path.is_file() and path.name != "index.html":
            os.replace(path, out_dir / path.name)
    for name in previous:
        stale = out_dir / Path(name).name  # never outside out_dir, whatever the manifest says
        if name not in current and stale.suffix in PUBLISHED and stale.is_file():
            stale.unlink()
    tmp = out_dir / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"files": sorted(current)}, indent=1))
    os.replace(tmp, manifest)
    os.replace(staging / "index.html", out_dir / "index.html")  # last: it links the others
    shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"
