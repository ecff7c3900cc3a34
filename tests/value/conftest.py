"""Fixtures of the value-case tests."""

from __future__ import annotations

import pytest

from valuecase.analysis.parameters import check_parameters
from valuecase.analysis.run import Analysis


@pytest.fixture(scope="module")
def run():
    """The analysis stages on the bundled sample (each computed once, on first use)."""
    return Analysis(check_parameters())
