"""Private spill folders of the DuckDB engine: one per engine, removed when its process ends,
and removed by the next engine when its process ended without removing it.

A process that does not end normally (a notebook kernel stopped by its manager, a killed
worker) skips its exit handlers, so its folder - with whatever DuckDB had spilled, gigabytes
for a whole state's claims - would stay in the temporary folder for good. Each folder is
therefore named after its machine and process (``valuecase-duckdb-<host>-<pid>-<random>``),
and a new engine removes the folders of this machine whose process no longer runs. Folders of
other machines (a temporary folder shared between containers) and of running processes are
left alone.

Examples
--------
>>> import tempfile
>>> parent = tempfile.mkdtemp()
>>> folder = Path(spill_folder(parent))
>>> folder.parent == Path(parent) and folder.name.startswith(PREFIX)
True
>>> owner_pid(folder) == os.getpid()
True
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path

__all__ = ["PREFIX", "owner_pid", "remove_orphans", "spill_folder"]

PREFIX = "valuecase-duckdb-"
"""How every spill folder's name starts."""


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname()) or "host"


def spill_folder(parent: str | os.PathLike[str] | None = None) -> str:
    """A new folder in ``parent`` (default: the system's temporary folder), removed when this
    process ends; first removes the folders left there by ended processes
    (:func:`remove_orphans`)."""
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    remove_orphans(base)
    folder = tempfile.mkdtemp(prefix=f"{PREFIX}{_host()}-{os.getpid()}-", dir=base)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def owner_pid(folder: str | os.PathLike[str]) -> int | None:
    """The process that made ``folder`` on this machine (None for another machine's folder
    or any other name)."""
    found = re.fullmatch(rf"{re.escape(PREFIX + _host())}-(\d+)-[^-]+", Path(folder).name)
    return int(found.group(1)) if found else None


def remove_orphans(parent: str | os.PathLike[str]) -> list[Path]:
    """Remove the spill folders in ``parent`` whose process (on this machine) has ended;
    return them."""
    removed = []
    for folder in Path(parent).glob(f"{PREFIX}*"):
        pid = owner_pid(folder)
        if pid is not None and folder.is_dir() and not _running(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    if os.name != "posix":  # on Windows os.kill(pid, 0) would send Ctrl+C: never ask there
        return True
    try:
        os.kill(pid, 0)  # no signal: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (PermissionError), or cannot tell
        return True
    return True
