"""Files a command is about to write, checked before anything is read: never an input, never
inside the data folder, never a folder, in a folder that exists and takes files.

Examples
--------
>>> import tempfile
>>> data = Path(tempfile.mkdtemp())
>>> within(data / "x.csv", data), within(data.parent, data)
(True, False)
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["check_output_file", "same_file", "within"]


def check_output_file(path: str | Path, option: str, data_dir: str | Path | None = None,
                      inputs: tuple[str | Path | None, ...] = ()) -> list[str]:
    """Problems of a file a command is about to write, found before anything is read.

    The file must not be one of ``inputs`` (say the mapping file) or lie in the data folder
    (whose files are the input: writing there could overwrite the claims), must not be a
    folder, and its folder must exist and be writable.

    Examples
    --------
    >>> import tempfile
    >>> data = Path(tempfile.mkdtemp())
    >>> check_output_file(data / "medical_claim.csv", "--rejects-out", data)[0]  # doctest: +ELLIPSIS
    '--rejects-out .../medical_claim.csv: is in the data folder (its files are the input); write it elsewhere'
    >>> check_output_file(data / "missing" / "r.csv", "--rejects-out")[0]  # doctest: +ELLIPSIS
    '--rejects-out .../missing/r.csv: folder ... does not exist'
    >>> check_output_file(data.parent / "rejects.csv", "--rejects-out", data)
    []
    """
    path = Path(path)
    where = f"{option} {path}"
    for item in inputs:
        if item is not None and Path(item).exists() and same_file(path, Path(item)):
            return [f"{where}: is an input file; write it elsewhere"]
    if data_dir is not None and Path(data_dir).exists() and within(path, Path(data_dir)):
        return [f"{where}: is in the data folder (its files are the input); write it elsewhere"]
    if path.is_dir():
        return [f"{where}: is a folder; name a file"]
    parent = path.absolute().parent
    if not parent.exists():
        return [f"{where}: folder {parent} does not exist"]
    if not parent.is_dir():
        return [f"{where}: {parent} is not a folder"]
    if path.exists() and not os.access(path, os.W_OK):
        return [f"{where}: cannot write the file"]
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        return [f"{where}: cannot create files in {parent}"]
    return []


def within(path: Path, folder: Path) -> bool:
    """Is ``path`` (resolved, links followed) ``folder`` or inside it?"""
    target, root = path.resolve(), folder.resolve()
    return target == root or root in target.parents


def same_file(a: Path, b: Path) -> bool:
    """Are ``a`` and ``b`` one file (by path, or by device and inode)?"""
    try:
        return a.resolve() == b.resolve() or (a.exists() and os.path.samefile(a, b))
    except OSError:
        return False
