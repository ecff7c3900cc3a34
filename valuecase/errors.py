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
