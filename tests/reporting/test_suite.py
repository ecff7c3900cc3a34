"""The suite runner on small fixture notebooks: parallel runs, atomic publish, stale files, the
identifier guard on funder-facing reports, and escaping of user-supplied names. (Parameter
checks are in ``tests/analysis/test_parameters.py``.)"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from valuecase.cli import app
from valuecase.privacy import IdentifierLeakError
from valuecase.reporting import suite as suite_mod
from valuecase.reporting.execute import NotebookExecutionError
from valuecase.reporting.suite import SuiteNotebook, notebook_values, run_suite

from browser import open_report
from conftest import ARTIFACTS

pytestmark = [pytest.mark.notebook]

HEADER = "# %% tags=[\"parameters\"]\ndata_dir = \"\"\n"

# A funder-facing table of a small-cell population, suppressed with the privacy function;
# FUNDER_LEAK also prints one person id (the mistake the guard must catch).
FUNDER = HEADER + '''leak = False
partner = "<img src=x onerror=alert(1)>"

# %%
import pandas as pd
from valuecase.privacy import suppress_table
from valuecase.present.display import show_markdown, show_table
from valuecase.reporting.summary import publish_summary

elig = pd.read_parquet(f"{data_dir}/eligibility.parquet")
counts = elig.groupby("gender")["person_id"].nunique().rename("persons").to_frame()
counts.loc["all"] = counts.sum()
show_table(suppress_table(counts, ["persons"], total_row="all").reset_index(),
           caption=f"Persons served with {partner}")
show_markdown(f"Partner: {partner}")

# %% tags=["remove_cell"]
publish_summary(f"{int(counts.loc['all', 'persons'])} persons")

# %%
if leak:
    print("Example member:", elig["person_id"].iloc[-1])
'''

FUNDER_LEAK = FUNDER.replace("leak = False", "leak = True")

PLAIN = HEADER + '''
# %%
print("plain report")
'''

BROKEN = HEADER + '''
# %%
x = 1

# %%
raise RuntimeError("boom")
'''


@pytest.fixture(scope="module")
def small_data(sample_dir, tmp_path_factory) -> Path:
    """Eligibility of 13 persons: every count by gender is a small cell."""
    folder = tmp_path_factory.mktemp("small-data")
    elig = pd.read_parquet(sample_dir / "eligibility.parquet")
    keep = elig["person_id"].drop_duplicates().iloc[:13]
    elig[elig["person_id"].isin(keep)].to_parquet(folder / "eligibility.parquet")
    return folder


def _notebooks(folder: Path, **sources: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in sources.items():
        (folder / f"{name}.py").write_text(text)
    return folder


FUNDER_NB = SuiteNotebook("funder", "Funder summary", funder_facing=True)


def test_injected_person_id_is_caught_and_previous_reports_stay(tmp_path, small_data):
    nbs = _notebooks(tmp_path / "nbs", funder=FUNDER)
    out = tmp_path / "out"
    good = run_suite(small_data, out, notebook_dir=nbs, suite=[FUNDER_NB], progress=False)
    assert good.metadata["identifiers_checked"] == 26  # 13 person ids + 13 member ids
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    text = (out / "funder.html").read_text()
    assert "&lt;11" in text  # the small cells are shown as suppressed
    leaky = _notebooks(tmp_path / "leaky", funder=FUNDER_LEAK)
    with pytest.raises(IdentifierLeakError,
                       match=r"funder\.html contains 1 person identifier .*not published"):
        run_suite(small_data, out, notebook_dir=leaky, suite=[FUNDER_NB], progress=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # the same leak in a report that is not funder-facing is not the guard's business
    evaluator = SuiteNotebook("funder", "Evaluator view")
    run_suite(small_data, out, notebook_dir=leaky, suite=[evaluator], progress=False)
    assert "Example member:" in (out / "funder.html").read_text()


def test_guard_failure_through_the_cli(tmp_path, small_data, monkeypatch):
    nbs = _notebooks(tmp_path / "nbs", funder=FUNDER_LEAK)
    monkeypatch.setattr(suite_mod, "NOTEBOOK_DIR", nbs)
    monkeypatch.setattr(suite_mod, "SUITE", (FUNDER_NB,))
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["report", "--data", str(small_data), "--out", str(out)])
    assert r.exit_code == 1
    assert "funder.html contains 1 person identifier" in r.stderr
    assert "Traceback" not in r.stderr and not (out / "index.html").exists()
    leaked = pd.read_parquet(small_data / "eligibility.parquet")["person_id"].iloc[-1]
    assert leaked not in r.stderr  # the message never repeats the identifier


def test_funder_report_shows_no_count_below_11(tmp_path, small_data):
    from test_reports import small_counts_in_tables

    nbs = _notebooks(tmp_path / "nbs", funder=FUNDER)
    run_suite(small_data, tmp_path / "out", notebook_dir=nbs, suite=[FUNDER_NB], progress=False)
    html = (tmp_path / "out" / "funder.html").read_text()
    counted = small_counts_in_tables(html)
    assert counted["checked"] >= 3 and counted["small"] == []
    # the check itself catches an unsuppressed table
    assert small_counts_in_tables("<table><tr><th>persons</th></tr><tr><td>7</td></tr></table>"
                                  )["small"] == ["7"]


def test_partner_name_is_shown_as_text(tmp_path, small_data):
    nbs = _notebooks(tmp_path / "nbs", funder=FUNDER)
    out = tmp_path / "out"
    run_suite(small_data, out, notebook_dir=nbs, suite=[FUNDER_NB], progress=False)
    html = (out / "funder.html").read_text()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    seen = open_report(out / "funder.html", screenshot=ARTIFACTS / "report-fixture-partner.png")
    # the browser shows the name as text: caption and markdown line
    assert seen.text.count("<img src=x onerror=alert(1)>") >= 2
    assert seen.console_errors == [] and seen.external_requests == []


def test_parallel_run_logs_each_notebook_and_publishes_all(tmp_path, small_data):
    nbs = _notebooks(tmp_path / "nbs", a=PLAIN, b=PLAIN, funder=FUNDER)
    suite = [SuiteNotebook("a", "A"), SuiteNotebook("b", "B"), FUNDER_NB]
    lines: list[str] = []
    result = run_suite(small_data, tmp_path / "out", notebook_dir=nbs, suite=suite, jobs=2,
                       log=lines.append)
    assert [e.name for e in result.entries] == ["a", "b", "funder"]  # suite order, not finish order
    for name in ("a", "b", "funder"):
        assert (tmp_path / "out" / f"{name}.html").stat().st_size > 100_000
        assert any(re.fullmatch(rf"\[\d/3\] {name}: running", line) for line in lines)
        assert any(re.fullmatch(rf"\s*{name}: done in \d+\.\d s", line) for line in lines)
    assert result.entries[2].summary == "13 persons"
    assert "13 persons" in (tmp_path / "out" / "index.html").read_text()


def test_parallel_failure_names_cell_and_keeps_previous(tmp_path, small_data):
    nbs = _notebooks(tmp_path / "nbs", a=PLAIN, broken=BROKEN)
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("previous good index")
    (out / "broken.html").write_text("previous good report")
    suite = [SuiteNotebook("a", "A"), SuiteNotebook("broken", "Broken")]
    with pytest.raises(NotebookExecutionError, match=r"broken\.py failed in cell 3 .*boom") as err:
        run_suite(small_data, out, notebook_dir=nbs, suite=suite, jobs=2, progress=False)
    assert err.value.output_ipynb.exists()  # partial notebook kept, and the message says where
    assert str(err.value.output_ipynb) in str(err.value)
    assert (out / "index.html").read_text() == "previous good index"
    assert (out / "broken.html").read_text() == "previous good report"
    assert not (out / "a.html").exists()


def test_broken_notebook_through_the_cli_leaves_reports_untouched(tmp_path, small_data,
                                                                  monkeypatch):
    nbs = _notebooks(tmp_path / "nbs", a=PLAIN, broken=BROKEN)
    monkeypatch.setattr(suite_mod, "NOTEBOOK_DIR", nbs)
    out = tmp_path / "out"
    runner = CliRunner()
    monkeypatch.setattr(suite_mod, "SUITE", (SuiteNotebook("a", "A"),))
    assert runner.invoke(app, ["report", "--data", str(small_data), "--out", str(out)]
                         ).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(suite_mod, "SUITE", (SuiteNotebook("a", "A"),
                                             SuiteNotebook("broken", "Broken")))
    r = runner.invoke(app, ["report", "--data", str(small_data), "--out", str(out)])
    assert r.exit_code == 1
    assert re.search(r"error: notebook broken\.py failed in cell 3 .*RuntimeError: boom", r.stderr)
    assert "Partially executed notebook kept at" in r.stderr and "Traceback" not in r.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_stale_reports_are_removed_and_only_keeps_the_others(tmp_path, small_data):
    nbs = _notebooks(tmp_path / "nbs", a=PLAIN, b=PLAIN, c=PLAIN)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.html").write_text("not ours")  # never published by valuecase: left alone
    run_suite(small_data, out, notebook_dir=nbs, progress=False,
              suite=[SuiteNotebook("a", "A"), SuiteNotebook("b", "B")])
    assert (out / "b.html").exists() and (out / "b.ipynb").exists()
    # b left the suite, c joined: b's files go, c's arrive, the unrelated file stays
    suite = [SuiteNotebook("a", "A"), SuiteNotebook("c", "C")]
    run_suite(small_data, out, notebook_dir=nbs, progress=False, suite=suite)
    assert sorted(p.name for p in out.iterdir()) == [
        ".valuecase-reports.json", "a.html", "a.ipynb", "c.html", "c.ipynb", "index.html",
        "notes.html"]
    # --only c: a's report of the previous run stays, and stays on the index
    a_before = (out / "a.html").read_bytes()
    result = run_suite(small_data, out, notebook_dir=nbs, progress=False, suite=suite,
                       only=["c"])
    assert [e.name for e in result.entries] == ["a", "c"]
    assert (out / "a.html").read_bytes() == a_before
    index = (out / "index.html").read_text()
    assert 'href="a.html"' in index and 'href="c.html"' in index
    assert not list(tmp_path.glob(".out-staging-*"))


def test_the_report_parameters_reach_the_notebooks_that_declare_them(tmp_path):
    from valuecase.analysis.parameters import check_parameters

    params_file = tmp_path / "p.yml"
    params_file.write_text("followup_months: 6\n")
    params = check_parameters(params_file)
    impact = notebook_values("impact", params, tmp_path / "r",
                             ["results_dir", "followup_months", "roi_params_file", "placebo_split"])
    assert impact == {"results_dir": str(tmp_path / "r"), "followup_months": 6,
                      "placebo_split": -6}  # impact has no ROI file
    roi = notebook_values("roi", params, None, ["roi_params_file", "followup_months"])
    assert roi["followup_months"] == 6 and roi["roi_params_file"].endswith("roi-sample.yml")

