"""nbval (``--nbval-lax``) over the suite's notebooks, as a user would run them in Jupyter.

nbval collects ``.ipynb`` files; the notebooks are jupytext ``py:percent`` sources. Each is
converted with jupytext, unchanged, into a temporary folder and pytest runs nbval on them in a
subprocess with no project configuration. With their defaults (``results_dir = ""``) they
compute their results in-process on the bundled sample, as in JupyterLab. Every cell must run
without error (lax: outputs are not compared), and every notebook must contribute at least
one test.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jupytext
import pytest

from valuecase.reporting.suite import NOTEBOOK_DIR, SUITE

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

def _convert(name: str, folder: Path) -> Path:
    nb = jupytext.read(NOTEBOOK_DIR / f"{name}.py")
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{name}: expected one cell tagged 'parameters'"
    assert re.search(r"""^results_dir = ""$""", cells[0].source, re.M)  # computes in-process
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3",
                                          "language": "python"})
    path = folder / f"{name}.ipynb"
    jupytext.write(nb, path)
    return path


def test_notebooks_pass_nbval_lax(tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    paths = [_convert(nb.name, folder) for nb in SUITE]
    junit = tmp_path / "nbval.xml"
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q",
         "--rootdir", str(tmp_path), "-c", "/dev/null", f"--junitxml={junit}",
         "--nbval-kernel-name", "python3", *map(str, paths)],
        cwd=tmp_path, capture_output=True, text=True, timeout=1200,
    )
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    per_notebook: dict[str, int] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        for bad in ("failure", "error", "skipped"):
            assert case.find(bad) is None, (case.get("classname"), case.get("name"), bad)
        notebook = case.get("classname").rsplit(".", 1)[0].split(".")[-1]  # "nb.roi.ipynb"
        per_notebook[notebook] = per_notebook.get(notebook, 0) + 1
    assert sorted(per_notebook) == sorted(nb.name for nb in SUITE)
    assert all(n >= 1 for n in per_notebook.values()), per_notebook
    passed = int(re.search(r"(\d+) passed", r.stdout).group(1))
    assert passed == sum(per_notebook.values()) >= len(SUITE)
