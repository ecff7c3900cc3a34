"""Tests of valuecase.partners (a package, so its conftest does not shadow tests/conftest.py)."""
