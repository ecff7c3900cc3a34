"""`valuecase report --pdf` and its help, without building the report suite: the CLI as a
subprocess, Chromium printing real pages (offline: a local server counts every request), and
the suite runner on small fixture notebooks (PDFs published atomically with the HTML).

The printed sample reports (page counts, mode bars, cut tables) are tested in
``test_print.py``."""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from valuecase.errors import ParametersError
from valuecase.reporting.catalog import report_names
from valuecase.reporting.pdf import OFFLINE_ARGS, PdfError, print_args, print_pdf
from valuecase.reporting.publish import MANIFEST
from valuecase.reporting.suite import SuiteNotebook, run_suite

from browser import chromium_path

CLI = Path(sys.executable).with_name("valuecase")


def _pdf_text(path: Path) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_report_help_lists_the_report_names_and_shows_plain_flags():
    r = subprocess.run([str(CLI), "report", "--help"], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    help_text = re.sub(r"\s+", " ", r.stdout.replace("│", " "))
    names = report_names()
    assert len(names) == 7
    assert f"--only REPORT Run only this report (repeatable): {', '.join(names)}." in help_text
    assert "--pdf Also write <report>.pdf beside each HTML report" in help_text
    assert "<bool>" not in help_text and "--no-pdf" not in help_text
    assert "--help Show this message and exit." in help_text


@pytest.mark.parametrize("how", ["unset", "bad path"])
def test_pdf_without_chromium_is_one_error_line_before_anything_runs(tmp_path, how):
    env = {**os.environ, "PATH": str(tmp_path / "empty-bin")}  # no chromium on PATH
    env.pop("VALUECASE_CHROMIUM", None)
    if how == "bad path":
        env["VALUECASE_CHROMIUM"] = str(tmp_path / "no-such-chromium")
    out = tmp_path / "reports"
    r = subprocess.run([str(CLI), "report", "--pdf", "--out", str(out)], capture_output=True,
                       text=True, timeout=300, env=env, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --pdf needs Chromium"), r.stderr
    assert ("none was found" in lines[0]) == (how == "unset")
    assert "Traceback" not in r.stderr + r.stdout
    assert not out.exists() and not list(tmp_path.glob(".reports-staging-*"))  # nothing ran


class _Counter(http.server.BaseHTTPRequestHandler):
    """Counts every request (any host name that reaches this port)."""

    seen: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    """A server on 127.0.0.1 counting requests: what a page would fetch, were it online."""
    _Counter.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Counter.seen
    server.shutdown()
    server.server_close()


def _page_that_calls_home(tmp_path: Path, port: int) -> Path:
    """A page that tries every way out: images, a stylesheet, a script and fetch(), by IP
    address and by host name."""
    html = tmp_path / "calls-home.html"
    urls = [f"http://127.0.0.1:{port}/ip.png", f"http://localhost:{port}/name.png"]
    html.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<link rel='stylesheet' href='http://localhost:{port}/style.css'>"
        f"<script src='http://127.0.0.1:{port}/script.js'></script></head><body>"
        "<h1>Offline report marker</h1><p>Printed without the network.</p>"
        + "".join(f"<img src='{u}'>" for u in urls)
        + f"<script>fetch('http://127.0.0.1:{port}/fetch').catch(() => null);</script>"
        "</body></html>")
    return html


@pytest.mark.browser
def test_print_pdf_makes_no_request_and_the_text_is_extractable(tmp_path, local_server):
    port, seen = local_server
    html = _page_that_calls_home(tmp_path, port)
    pdf = print_pdf(html, chromium=chromium_path())
    assert pdf == tmp_path / "calls-home.pdf"
    pages, text = _pdf_text(pdf)
    assert pages == 1 and "Offline report marker" in text
    assert seen == []  # nothing reached the server, by IP address or by host name
    assert not list(tmp_path.glob(".*.tmp"))
    # the same print without the offline switches does reach it: the check above can fail
    online = [a for a in print_args(html, tmp_path / "online.pdf", tmp_path / "profile")
              if a not in OFFLINE_ARGS]
    subprocess.run([chromium_path(), *online], capture_output=True, timeout=180)
    assert {"/ip.png", "/name.png"} <= set(seen), seen


@pytest.mark.browser
def test_a_failed_print_raises_and_leaves_no_file(tmp_path):
    html = tmp_path / "r.html"
    html.write_text("<p>x</p>")
    (tmp_path / "r.pdf").write_bytes(b"%PDF- the last good one")
    with pytest.raises(PdfError, match=r"r\.html: Chromium wrote no PDF"):
        print_pdf(html, chromium="/bin/false")
    assert (tmp_path / "r.pdf").read_bytes() == b"%PDF- the last good one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.pdf"]


def _notebooks(folder: Path, **sources: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in sources.items():
        (folder / f"{name}.py").write_text(
            f"# %% tags=[\"parameters\"]\ndata_dir = \"\"\n\n# %%\nprint(\"{text}\")\n")
    return folder


@pytest.mark.notebook
@pytest.mark.browser
def test_pdfs_are_published_with_their_reports_and_never_left_stale(tmp_path, sample_dir,
                                                                   monkeypatch):
    nbs = _notebooks(tmp_path / "nbs", a="report a text", b="report b text")
    suite = [SuiteNotebook("a", "Report A"), SuiteNotebook("b", "Report B")]
    out = tmp_path / "out"
    monkeypatch.setenv("VALUECASE_CHROMIUM", chromium_path())
    lines: list[str] = []
    result = run_suite(sample_dir, out, notebook_dir=nbs, suite=suite, progress=False,
                       pdf=True, jobs=2, log=lines.append)  # two prints at a time
    assert set(result.metadata["pdf_seconds"]) == {"a", "b"}
    assert sum(".pdf: printed in" in line for line in lines) == 2
    for name in ("a", "b"):
        pages, text = _pdf_text(out / f"{name}.pdf")
        assert pages == 1 and f"report {name} text" in text
    assert "a.pdf" in json.loads((out / MANIFEST).read_text())["files"]
    index = (out / "index.html").read_text()
    assert 'href="a.pdf"' in index and 'href="b.pdf"' in index  # the index links them

    # printing fails: nothing of the run is published, the last good files stay
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setenv("VALUECASE_CHROMIUM", "/bin/false")
    with pytest.raises(PdfError):
        run_suite(sample_dir, out, notebook_dir=nbs, suite=suite, progress=False, pdf=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    # a re-run without --pdf drops the old PDF of what it rebuilt, keeps the others'
    run_suite(sample_dir, out, notebook_dir=nbs, suite=suite, progress=False, only=["a"])
    assert not (out / "a.pdf").exists() and (out / "a.html").exists()
    assert (out / "b.pdf").read_bytes() == before["b.pdf"]
    assert json.loads((out / MANIFEST).read_text())["files"] == [
        "a.html", "a.ipynb", "b.html", "b.ipynb", "b.pdf", "index.html"]
    index = (out / "index.html").read_text()
    assert 'href="a.pdf"' not in index and 'href="b.pdf"' in index


def test_no_chromium_stops_run_suite_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("VALUECASE_CHROMIUM", str(tmp_path / "missing"))
    with pytest.raises(ParametersError, match="--pdf needs Chromium"):
        run_suite(tmp_path / "no-such-data", tmp_path / "out", pdf=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
