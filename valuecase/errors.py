"""Errors that valuecase reports to users as one clear line (the CLI prints them without a traceback)."""

from __future__ import annotations


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
