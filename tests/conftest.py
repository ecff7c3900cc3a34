"""Shared fixtures: paths to the bundled sample and to the third-party data in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

collect_ignore = ["fixtures"]  # notebooks run by papermill, not modules to import

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
EXTERNAL = REPO.parent / "shared" / "external-data"
ARTIFACTS = REPO / "test-artifacts"


def external(name: str) -> Path:
    """Folder of one third-party data set; fail loudly (never skip) when it is missing."""
    path = EXTERNAL / name
    if not path.is_dir():
        pytest.fail(f"external test data missing: {path} (CI clones shared/ beside the repo)")
    return path


@pytest.fixture(scope="session")
def seed10() -> Path:
    return external("tuva-synthetic-seed-10")


@pytest.fixture(scope="session")
def demo100() -> Path:
    return external("tuva-demo-100")


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not (SAMPLE / "eligibility.parquet").exists():
        pytest.fail(f"bundled sample missing in {SAMPLE}; regenerate with `make sample`")
    return SAMPLE


@pytest.fixture(scope="session")
def seed10_data(seed10):
    from valuecase.data.load import load

    return load(seed10)


@pytest.fixture(scope="session")
def seed10_panel(seed10_data):
    from valuecase.panel.member_panel import build_panel

    return build_panel(seed10_data)
