"""Print a rendered HTML report to PDF with headless Chromium, offline.

``valuecase report --pdf`` writes ``<name>.pdf`` beside each ``<name>.html``. The page is
printed by the system Chromium (Debian's ``chromium``, the browser the report tests use) with
its own print engine, so the PDF is what a reader gets from "Print > Save as PDF": the report's
``@media print`` rules apply, charts are vector graphics and every word is extractable text.

Nothing leaves the machine while printing: every host name resolves to nothing
(``--host-resolver-rules``), every request that is not a local file goes to a proxy that does
not exist (``--proxy-server`` on the discard port, loopback included), and the browser's own
background traffic (updates, sync, metrics) is switched off. The browser runs with a fresh
profile in a temporary folder that is removed afterwards.

Examples
--------
>>> "--host-resolver-rules=MAP * ~NOTFOUND" in OFFLINE_ARGS
True
>>> print_args(Path("/r/roi.html"), Path("/r/.roi.pdf.tmp"), Path("/tmp/p"))[-1]
'file:///r/roi.html'
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from valuecase.errors import ParametersError, ValuecaseError

__all__ = ["CHROMIUM_ENV", "OFFLINE_ARGS", "PRINT_WINDOW", "PdfError", "find_chromium",
           "print_args", "print_pdf", "print_reports"]

CHROMIUM_ENV = "VALUECASE_CHROMIUM"
"""Environment variable naming the Chromium executable (default: ``chromium`` on ``PATH``)."""

OFFLINE_ARGS: tuple[str, ...] = (
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves
    "--proxy-server=127.0.0.1:9",  # every http(s) request (IP addresses too) to a dead proxy
    "--proxy-bypass-list=<-loopback>",  # ...loopback included
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
)
"""Chromium switches that keep the print run offline."""

PRINT_WINDOW = (700, 1000)
"""Window size (CSS pixels) the page is laid out in before printing: charts are drawn at a
width that fits the printable width of both A4 and US Letter (with the report's margins)."""


class PdfError(ValuecaseError):
    """Chromium could not print a report (the message names the report and Chromium's reason)."""


def find_chromium() -> str:
    """The Chromium executable that prints PDFs.

    Returns
    -------
    str
        ``$VALUECASE_CHROMIUM`` when set, else ``chromium`` (or ``chromium-browser``,
        ``google-chrome``) on ``PATH``.

    Raises
    ------
    ParametersError
        No Chromium found (or ``$VALUECASE_CHROMIUM`` is not an executable file).

    Examples
    --------
    >>> import os
    >>> os.environ[CHROMIUM_ENV] = "/nowhere/chromium"
    >>> find_chromium()
    Traceback (most recent call last):
    ...
    valuecase.errors.ParametersError: --pdf needs Chromium: VALUECASE_CHROMIUM=/nowhere/chromium is not an executable file
    >>> del os.environ[CHROMIUM_ENV]
    """
    given = os.environ.get(CHROMIUM_ENV)
    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return given
        raise ParametersError(f"--pdf needs Chromium: {CHROMIUM_ENV}={given} is not an "
                              "executable file")
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise ParametersError("--pdf needs Chromium and none was found: install it (Debian: "
                          f"apt-get install chromium) or set {CHROMIUM_ENV} to its path")


def print_args(html: Path, pdf: Path, profile: Path) -> list[str]:
    """Chromium's command-line switches that print ``html`` to ``pdf`` offline (without the
    executable).

    Examples
    --------
    >>> args = print_args(Path("/r/roi.html"), Path("/r/roi.pdf"), Path("/tmp/p"))
    >>> [a for a in args if a.startswith("--print-to-pdf")]
    ['--print-to-pdf=/r/roi.pdf']
    """
    width, height = PRINT_WINDOW
    args = ["--headless", "--disable-gpu", f"--user-data-dir={profile}",
            f"--window-size={width},{height}", *OFFLINE_ARGS,
            "--no-pdf-header-footer", f"--print-to-pdf={pdf}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return [*args, Path(html).resolve().as_uri()]


def print_pdf(html: Path, pdf: Path | None = None, chromium: str | None = None,
              timeout: float = 180) -> Path:
    """Print one HTML report to PDF with headless Chromium, offline; written atomically.

    Parameters
    ----------
    html : pathlib.Path
        The rendered report.
    pdf : pathlib.Path, optional
        Output file (default: ``html`` with the suffix ``.pdf``); replaced only when the
        print succeeded.
    chromium : str, optional
        Chromium executable (default: :func:`find_chromium`).
    timeout : float
        Seconds before the print is given up.

    Returns
    -------
    pathlib.Path
        The PDF file.

    Raises
    ------
    ParametersError
        No Chromium found.
    PdfError
        Chromium failed, timed out or wrote no PDF.

    Examples
    --------
    ``print_pdf(Path("reports/roi.html"))`` writes ``reports/roi.pdf``
    (see ``tests/reporting/test_pdf.py``).
    """
    html = Path(html)
    pdf = html.with_suffix(".pdf") if pdf is None else Path(pdf)
    executable = chromium or find_chromium()
    tmp = pdf.with_name(f".{pdf.name}.tmp")
    with tempfile.TemporaryDirectory(prefix="valuecase-chromium-") as profile:
        try:
            run = subprocess.run([executable, *print_args(html, tmp, Path(profile))],
                                 capture_output=True, text=True, timeout=timeout,
                                 stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            raise PdfError(f"{html.name}: Chromium did not print it within {timeout:.0f} s") from None
        except OSError as exc:
            raise PdfError(f"{html.name}: could not start Chromium ({exc.strerror})") from None
    written = tmp.is_file() and tmp.read_bytes()[:5] == b"%PDF-"
    if run.returncode != 0 or not written:
        tmp.unlink(missing_ok=True)
        reason = next((line for line in reversed(run.stderr.splitlines()) if line.strip()),
                      f"exit code {run.returncode}")
        raise PdfError(f"{html.name}: Chromium wrote no PDF ({reason.strip()})")
    os.replace(tmp, pdf)
    return pdf


def print_reports(folder: Path, names: Sequence[str], chromium: str | None = None,
                  jobs: int = 1, log: Callable[[str], None] | None = None) -> dict[str, float]:
    """Print ``<name>.html`` of ``folder`` to ``<name>.pdf`` for every name, ``jobs`` at a time
    (each print is its own Chromium process).

    Returns
    -------
    dict
        Seconds each print took, by report name.

    Raises
    ------
    PdfError
        The first report Chromium could not print (the others are finished first).

    Examples
    --------
    >>> print_reports(Path("."), [])
    {}
    """
    if not names:
        return {}
    executable = chromium or find_chromium()

    def one(name: str) -> float:
        start = time.perf_counter()
        print_pdf(Path(folder) / f"{name}.html", chromium=executable)
        seconds = time.perf_counter() - start
        if log is not None:
            log(f"      {name}.pdf: printed in {seconds:.1f} s")
        return seconds

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(names)))) as pool:
        futures = {name: pool.submit(one, name) for name in names}
    return {name: future.result() for name, future in futures.items()}
