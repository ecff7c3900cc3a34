"""Open rendered HTML reports in headless Debian Chromium (driven by playwright).

Test helper, not a test module. Uses the system ``chromium`` through ``executable_path``;
never ``playwright install``. Requests that leave the file (anything but ``file:``,
``data:``, ``blob:``, ``about:``) are recorded and aborted, so a report that would fetch
from the network fails the test instead of silently working online.

Examples
--------
In a test::

    report = open_report(Path("reports/roi.html"))
    assert report.charts == report.charts_rendered and not report.external_requests
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BrowserReport", "ChartControls", "chromium_path", "click_every_chart_control",
           "open_report"]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


@dataclass
class BrowserReport:
    """What a page looked like in the browser.

    Attributes
    ----------
    charts : int
        plotly chart divs (``.js-plotly-plot``: plotly.js ran ``newPlot`` on them).
    charts_rendered : int
        Charts that drew an svg (``.js-plotly-plot .main-svg``).
    console_errors : list of str
        Console messages of type error and uncaught page errors.
    external_requests : list of str
        URLs of requests that would have left the file.
    text : str
        Visible text of the page body.
    """

    charts: int
    charts_rendered: int
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    text: str = ""


def chromium_path() -> str:
    """Path of the system Chromium, or a clear error when it is missing.

    Returns
    -------
    str
        ``$VALUECASE_CHROMIUM``, ``/usr/bin/chromium`` or ``chromium`` on ``PATH``.

    Raises
    ------
    FileNotFoundError
        When no Chromium executable is found.

    Examples
    --------
    On Debian, ``chromium_path()`` returns ``'/usr/bin/chromium'``.
    """
    candidates = [os.environ.get("VALUECASE_CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(
        "No Chromium found for browser tests: install Debian's `chromium` package "
        "(apt-get install chromium) or set VALUECASE_CHROMIUM to its path. "
        "Do not use `playwright install`."
    )


def _count(page, selector: str) -> int:
    return int(page.evaluate("(s) => document.querySelectorAll(s).length", selector))


def open_report(
    html_path: Path, screenshot: Path | None = None, timeout_ms: int = 15_000
) -> BrowserReport:
    """Open an HTML file in headless Chromium and report what rendered.

    Parameters
    ----------
    html_path : pathlib.Path
        The report to open (``file://`` URL).
    screenshot : pathlib.Path, optional
        If given, a full-page PNG screenshot is saved there.
    timeout_ms : int, default 15000
        How long to wait for every plotly div to draw an svg.

    Returns
    -------
    BrowserReport

    Examples
    --------
    ``open_report(Path("reports/index.html")).external_requests`` is ``[]`` for a
    self-contained page.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    url = Path(html_path).resolve().as_uri()
    console_errors: list[str] = []
    external: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})

            def route(route_obj):
                if route_obj.request.url.startswith(LOCAL_SCHEMES):
                    route_obj.continue_()
                else:
                    route_obj.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on(
                "console",
                lambda msg: (
                    console_errors.append(f"console: {msg.text}") if msg.type == "error" else None
                ),
            )
            page.on("pageerror", lambda exc: console_errors.append(f"pageerror: {exc}"))
            page.on(
                "request",
                lambda req: None if req.url.startswith(LOCAL_SCHEMES) else external.append(req.url),
            )
            page.goto(url, wait_until="load", timeout=60_000)
            try:
                page.wait_for_function(
                    """() => {
                        const divs = document.querySelectorAll('.plotly-graph-div');
                        return Array.from(divs).every(d => d.querySelector('.main-svg'));
                    }""",
                    timeout=timeout_ms,
                )
            except PlaywrightTimeout:
                pass  # reported through charts_rendered < charts
            charts = _count(page, ".js-plotly-plot")
            rendered = int(
                page.evaluate(
                    "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                    ".filter(d => d.querySelector('.main-svg')).length"
                )
            )
            text = page.inner_text("body")
            if screenshot is not None:
                Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return BrowserReport(
        charts=charts,
        charts_rendered=rendered,
        console_errors=console_errors,
        external_requests=external,
        text=text,
    )


@dataclass
class ChartControls:
    """What a reader can click in a page's charts, and what clicking it all did.

    Attributes
    ----------
    buttons : list of list of str
        Per chart, the ``data-title`` of each mode-bar button (``.modebar-btn``).
    configs : list of dict
        Per chart, plotly's resolved ``showSendToCloud``, ``displaylogo`` and
        ``plotlyServerURL``.
    network_links : list of str
        ``href``/``src``/``action`` attributes in the page (HTML and SVG) with an http(s) address.
    external_requests : list of str
        Requests that would have left the file, while loading and clicking every button.
    popups : int
        Windows or tabs the clicks opened.
    downloads : list of str
        Suggested names of the files the clicks downloaded (the PNG export).
    """

    buttons: list[list[str]] = field(default_factory=list)
    configs: list[dict] = field(default_factory=list)
    network_links: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    popups: int = 0
    downloads: list[str] = field(default_factory=list)


def click_every_chart_control(html_path: Path, timeout_ms: int = 15_000) -> ChartControls:
    """Open a report, list every chart's mode-bar buttons and every link to a network address,
    then click every mode-bar button and record requests, pop-ups and downloads.

    Examples
    --------
    ``click_every_chart_control(Path("reports/roi.html")).external_requests == []``
    """
    from playwright.sync_api import sync_playwright

    seen = ChartControls()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900},
                                          accept_downloads=True)
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                LOCAL_SCHEMES) else r.abort())
            context.on("request", lambda req: None if req.url.startswith(LOCAL_SCHEMES)
                       else seen.external_requests.append(req.url))
            page = context.new_page()

            def popup(_page) -> None:
                seen.popups += 1

            context.on("page", popup)
            page.on("download", lambda d: seen.downloads.append(d.suggested_filename))
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load", timeout=60_000)
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
                ".every(d => d.querySelector('.main-svg'))", timeout=timeout_ms)
            charts = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
                .map(gd => ({buttons: Array.from(gd.querySelectorAll('.modebar-btn'))
                                 .map(b => b.getAttribute('data-title') || b.className.baseVal
                                           || b.className),
                             config: {showSendToCloud: gd._context.showSendToCloud,
                                      displaylogo: gd._context.displaylogo,
                                      plotlyServerURL: gd._context.plotlyServerURL}}))""")
            seen.buttons = [c["buttons"] for c in charts]
            seen.configs = [c["config"] for c in charts]
            seen.network_links = page.evaluate("""() => {
                const out = [];
                for (const el of document.querySelectorAll('*')) {
                    for (const a of el.attributes) {
                        if (/(^|:)(href|src|action|formaction)$/i.test(a.name)
                            && /^\\s*https?:/i.test(a.value)) { out.push(a.value); }
                    }
                }
                return out; }""")
            count = page.evaluate("() => document.querySelectorAll('.modebar-btn').length")
            for i in range(count):
                page.evaluate("(i) => document.querySelectorAll('.modebar-btn')[i].click()", i)
                page.wait_for_timeout(300)  # the PNG export is made asynchronously
            page.wait_for_timeout(1_000)
        finally:
            browser.close()
    return seen

