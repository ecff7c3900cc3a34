"""A package that stands on its own: the wheel carries the notebooks, templates, plotly.js
bundle, bundled sample and example parameters, and works outside the repository."""

from __future__ import annotations

import subprocess
import zipfile


def test_installed_wheel_is_used_and_finds_its_package_data(installed_wheel, tmp_path):
    code = ("import valuecase, valuecase.datasets as d, valuecase.reporting.suite as s;"
            "print(valuecase.__file__);"
            "print(sorted(p.name for p in d.sample_dir().glob('*.parquet')));"
            "print(sorted(p.name for p in (d.sample_dir() / 'identifiers').glob('*.csv')));"
            "print(sorted(p.name for p in s.NOTEBOOK_DIR.glob('*.py')));"
            "print(d.list_example_params())")
    r = subprocess.run([str(installed_wheel / "python"), "-c", code], capture_output=True,
                       text=True, cwd=tmp_path, check=True)
    where, sample, identifiers, notebooks, params = r.stdout.splitlines()
    assert where.startswith(str(installed_wheel.parent)), where  # not the repository's copy
    assert "medical_claim.parquet" in sample and "eligibility.parquet" in sample
    assert "program_services.parquet" in sample  # the partner tables too
    assert identifiers == str(["partner.csv", "payer.csv", "truth.csv"])
    assert notebooks == str(sorted(f"{n}.py" for n in (
        "data_quality", "funder_summary", "impact", "partners", "population", "roi",
        "utilization")))
    assert "sample.yml" in params and "roi-sample.yml" in params


def test_the_cli_summarizes_the_bundled_sample_from_another_folder(installed_wheel, tmp_path):
    from valuecase.datasets import sample_dir

    r = subprocess.run([str(installed_wheel / "python"), "-c",
                        "import valuecase.datasets as d; print(d.sample_dir())"],
                       capture_output=True, text=True, cwd=tmp_path, check=True)
    installed_sample = r.stdout.strip()
    r = subprocess.run([str(installed_wheel / "valuecase"), "summarize", installed_sample,
                        "--json"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    repo = subprocess.run([str(installed_wheel / "valuecase"), "summarize", str(sample_dir()),
                           "--json"], capture_output=True, text=True, cwd=tmp_path)
    assert r.stdout == repo.stdout  # the shipped sample is the repository's sample


def test_wheel_lists_its_package_data(installed_wheel):
    wheel = next((installed_wheel.parents[1] / "dist").glob("valuecase-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("valuecase/reporting/notebooks/impact.py",
                   "valuecase/reporting/templates/valuecase/index.html.j2",
                   "valuecase/datasets/sample/medical_claim.parquet",
                   "valuecase/datasets/params/roi-sample.yml", "valuecase/py.typed"):
        assert needed in names, needed
    assert any(n.startswith("valuecase/reporting/assets/") and n.endswith(".js") for n in names)


def test_doctests_of_the_installed_package_pass_from_another_folder(installed_wheel, tmp_path):
    """Every docstring example runs against the installed wheel, from a folder that is not the
    repository, with no project configuration: none depends on the working directory."""

    r = subprocess.run([str(installed_wheel / "python"), "-c",
                        "import valuecase, pathlib; print(pathlib.Path(valuecase.__file__).parent)"],
                       capture_output=True, text=True, check=True, cwd=tmp_path)
    package = r.stdout.strip()
    r = subprocess.run([str(installed_wheel / "python"), "-m", "pytest", "-q", "--doctest-modules",
                        "-p", "no:cacheprovider", "-c", "/dev/null", "--rootdir", str(tmp_path),
                        f"--ignore={package}/reporting/notebooks", package],
                       capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    assert " passed" in r.stdout and " failed" not in r.stdout


def test_the_build_backend_warns_of_no_deprecation(installed_wheel):
    """A deprecation of the build tools today is a failed install on a fresh machine later
    (setuptools stops building a TOML-table ``license`` after 2027-02-18)."""
    log = (installed_wheel.parents[1] / "build.log").read_text()
    assert "Successfully built valuecase" in log or "Stored in directory" in log, log[-2000:]
    flagged = [line for line in log.splitlines()
               if "Deprecat" in line or "BuildBackendWarning" in line]
    assert flagged == [], "\n".join(flagged)


def test_the_wheel_carries_the_license(installed_wheel):
    wheel = next((installed_wheel.parents[1] / "dist").glob("valuecase-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    license_file = next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))
    text = zipfile.ZipFile(wheel).read(license_file).decode()
    assert "Apache License" in text and "Version 2.0" in text
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in metadata
