"""Shared fixtures: paths to the bundled sample and to the third-party data in tests/data/external."""

from __future__ import annotations

from pathlib import Path

import pytest

from valuecase.datasets import sample_dir as sample_dir_path


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the test ids
def pytest_collection_modifyitems(config, items):
    """One xdist group per test file (``--dist loadgroup`` then runs a file on one worker, so its
    module fixtures are built once, as ``--dist loadfile`` does), except that every test that
    runs Apache Spark, in-process (the ``spark`` fixture) or in a subprocess (``@pytest.mark.spark``),
    joins the one group ``spark``: one worker, one Spark session and one JVM for the run, instead
    of a JVM per worker competing for the same two cores."""
    for item in items:
        spark = "spark" in getattr(item, "fixturenames", ()) or item.get_closest_marker("spark")
        if spark and not item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.spark)
        group = "spark" if spark else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))

collect_ignore = ["fixtures"]  # notebooks run by papermill, not modules to import

REPO = Path(__file__).resolve().parents[1]
SAMPLE = sample_dir_path()
EXTERNAL = REPO / "tests" / "data" / "external"
ARTIFACTS = REPO / "test-artifacts"


def external(name: str) -> Path:
    """Folder of one third-party data set; fail loudly (never skip) when it is missing."""
    path = EXTERNAL / name
    if not path.is_dir():
        pytest.fail(f"external test data missing: {path} (it is part of the repository)")
    return path


@pytest.fixture(scope="session")
def seed10() -> Path:
    return external("tuva-synthetic-seed-10")


@pytest.fixture(scope="session")
def demo100() -> Path:
    return external("tuva-demo-100")


@pytest.fixture(scope="session")
def desynpuf500() -> Path:
    return external("desynpuf-claimsdb-500")


@pytest.fixture(scope="session")
def desynpuf_cms() -> Path:
    return external("cms-desynpuf-sample0")


@pytest.fixture(scope="session")
def synthea11() -> Path:
    return external("synthea-us-11")


@pytest.fixture(scope="session")
def omop_eunomia() -> Path:
    return external("omop-eunomia-synthea27nj")


@pytest.fixture(scope="session")
def omop_etlcms() -> Path:
    return external("omop-etlcms-handconverted-2p")


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


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory) -> Path:
    """valuecase built as a wheel from a copy of the sources and installed into a fresh virtual
    environment outside the repository; returns that environment's ``bin`` folder.

    The fresh environment sees this environment's dependencies through a ``.pth`` line (so no
    download is needed) but not its editable valuecase: ``import valuecase`` resolves to the
    installed wheel, with the notebooks, templates, sample and example files it ships.
    """
    import shutil
    import subprocess
    import sys
    import sysconfig

    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(REPO / "valuecase", src / "valuecase",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, src / name)
    dist = base / "dist"
    pip = [sys.executable, "-m", "pip"]
    # verbose: the build backend's own warnings (deprecations) are kept for the packaging test
    build = subprocess.run([*pip, "wheel", "--no-deps", "-v", "-w", str(dist), str(src)],
                           check=True, capture_output=True, text=True)
    (base / "build.log").write_text(build.stdout + build.stderr)
    wheel = next(dist.glob("valuecase-*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    fresh = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    (fresh / "zz-valuecase-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # pip puts nbconvert's templates in <prefix>/share/jupyter; the borrowed dependencies keep
    # theirs in this environment's prefix, so the fresh one links to them
    (venv / "share").mkdir(exist_ok=True)
    (venv / "share" / "jupyter").symlink_to(Path(sys.prefix) / "share" / "jupyter")
    subprocess.run([*pip, "--python", str(venv / "bin" / "python"), "install", "--no-deps",
                    "--no-index", "-q", str(wheel)], check=True, capture_output=True)
    return venv / "bin"


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory, installed_wheel):
    """The whole suite, with PDFs, written by valuecase installed from its wheel into a fresh
    environment, run from a folder outside the repository with every stage call logged
    (``valuecase report --pdf --jobs 2``): ``(out folder, CompletedProcess, stage counts)``.
    One build per test session, shared by ``tests/reporting/test_reports.py`` and
    ``test_print.py``."""
    import os
    import subprocess

    from valuecase.datasets import example_params
    from valuecase.trace import LOG_ENV, read_stage_log

    work = tmp_path_factory.mktemp("elsewhere")
    out = work / "reports"
    log = work / "stages.log"
    env = {**os.environ, LOG_ENV: str(log)}
    r = subprocess.run([str(installed_wheel / "valuecase"), "report", "--out", str(out), "--params",
                        str(example_params("sample.yml")), "--jobs", "2", "--pdf"],
                       capture_output=True, text=True, timeout=1800, cwd=work, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r, read_stage_log(log)


@pytest.fixture(scope="session")
def spark():
    """A local Apache Spark session (2 cores, UTC, no UI) for the engine-equality tests."""
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("valuecase-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.memory", "2g")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
