"""Errors that valuecase reports to users as one clear line (the CLI prints them without a traceback)."""

from __future__ import annotations

import errno

__all__ = ["ContractError", "ParametersError", "ReportUnavailable", "ValuecaseError",
           "storage_problem"]


class ValuecaseError(Exception):
    """Base class of the errors a user can fix: the message says what and where."""


class ContractError(ValuecaseError):
    """Input files break the data contract (missing file or column, unreadable file, bad type).

    Examples
    --------
    >>> str(ContractError("medical_claim.csv: missing required column 'paid_amount'"))
    "medical_claim.csv: missing required column 'paid_amount'"
    """


class ParametersError(ValuecaseError):
    """A parameters / mapping file is invalid; the message names the field."""


class ReportUnavailable(ValuecaseError):
    """The data cannot support this report (no claims accepted, no program data): raised when
    a report notebook opened by hand computes its results; in a notebook it stops the run with
    the plain message instead of a traceback (``valuecase report`` renders such a report with
    the fallback notebook instead).

    Examples
    --------
    >>> ReportUnavailable("No program data: nothing to evaluate.")._render_traceback_()
    ['No program data: nothing to evaluate.']
    """

    def _render_traceback_(self) -> list[str]:
        """What IPython shows in place of a traceback."""
        return str(self).splitlines()


_STORAGE_ERRORS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
                   errno.EROFS: "read-only file system", errno.EFBIG: "file too large",
                   errno.EACCES: "permission denied", errno.EPERM: "permission denied"}


def storage_problem(exc: BaseException) -> str | None:
    """One line for a file that could not be written (a full disk, a quota, permissions),
    from Python's ``OSError`` or an engine's message; None for any other error.

    Examples
    --------
    >>> import errno
    >>> storage_problem(OSError(errno.ENOSPC, "No space left on device", "rejects.csv"))
    'rejects.csv: cannot write (no space left on device)'
    >>> storage_problem(RuntimeError("IO Error: No space left on device")) is None
    False
    >>> storage_problem(KeyError("x")) is None
    True
    """
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRORS:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}cannot write ({_STORAGE_ERRORS[exc.errno]})"
    if "No space left on device" in str(exc):  # DuckDB, Spark and pyarrow say it in words
        return "cannot write (no space left on device)"
    return None
