"""Publish a staged run: staged reports replace the published ones atomically, stale ones go.

The output folder's manifest (``.valuecase-reports.json``) lists the files valuecase
published; files of a previous run whose notebook left the suite are deleted, so stale reports
never sit next to new ones. A report's PDF goes with its HTML: a report re-run without
``--pdf`` loses the PDF of its previous version, a report not re-run (``--only``) keeps it.
Other files in the folder are never touched. ``index.html`` is replaced last, and the staging
folder (with the run's analysis results) is removed.

The manifest also records the fingerprint of the data the reports were made from
(:func:`published_data`): ``report --only`` keeps the other published reports only when they
come from the same data, so an index never mixes two data sets. A staging folder is made by
:func:`new_staging`, which first removes the staging folders of runs that ended without
publishing (interrupted, or failed and kept for debugging).

Examples
--------
>>> MANIFEST
'.valuecase-reports.json'
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["MANIFEST", "new_staging", "publish", "published_data"]

MANIFEST = ".valuecase-reports.json"
"""File in the output folder listing the files the last successful run published."""
PUBLISHED = frozenset({".html", ".ipynb", ".pdf"})
"""Suffixes of the files a run publishes (only such files are ever deleted)."""


_OWNER = ".valuecase-staging-pid"
"""File in a staging folder holding the id of the process that uses it."""


def new_staging(out_dir: Path) -> Path:
    """A new staging folder beside ``out_dir`` (absolute), after removing the staging folders
    of earlier runs into ``out_dir`` whose process has ended.

    Examples
    --------
    >>> out = Path(tempfile.mkdtemp()) / "reports"
    >>> old = out.parent / ".reports-staging-x1"
    >>> (old / "results").mkdir(parents=True)
    >>> _ = (old / _OWNER).write_text("999999999")  # a run that is not running any more
    >>> staging = new_staging(out)
    >>> old.exists(), staging.name.startswith(".reports-staging-")
    (False, True)
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out_dir.name}-staging-"
    for folder in out_dir.parent.glob(f"{prefix}*"):
        if folder.is_dir() and not folder.is_symlink() and not _running(folder / _OWNER):
            shutil.rmtree(folder, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=out_dir.parent)).resolve()
    (staging / _OWNER).write_text(str(os.getpid()))
    return staging


def _running(owner: Path) -> bool:
    """Is the process named in ``owner`` still running? (False without the file.)"""
    try:
        pid = int(owner.read_text().strip())
        os.kill(pid, 0)
    except PermissionError:
        return True  # it exists, under another user
    except (OSError, ValueError):
        return False
    return True


def published_data(out_dir: Path) -> str | None:
    """The data fingerprint of the reports published in ``out_dir`` (None when unknown)."""
    try:
        value = json.loads((Path(out_dir) / MANIFEST).read_text()).get("data")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def publish(staging: Path, out_dir: Path, names: Sequence[str],
            data: str | None = None) -> Path:
    """Move staged files into ``out_dir`` (each replaced atomically), drop stale ones.

    ``names`` are the reports the new index lists; files that the previous manifest lists and
    that no longer belong to any of them are deleted. ``index.html`` is replaced last.
    ``data``: the fingerprint of the data the reports come from, kept in the manifest.
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
        if path.is_file() and path.name not in ("index.html", _OWNER):
            os.replace(path, out_dir / path.name)
    for name in previous:
        stale = out_dir / Path(name).name  # never outside out_dir, whatever the manifest says
        if name not in current and stale.suffix in PUBLISHED and stale.is_file():
            stale.unlink()
    tmp = out_dir / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"files": sorted(current), "data": data}, indent=1))
    os.replace(tmp, manifest)
    os.replace(staging / "index.html", out_dir / "index.html")  # last: it links the others
    shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"
