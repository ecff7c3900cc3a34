"""The index page linking every report of a run, with the run metadata on top.

Examples
--------
>>> ReportEntry("roi", "Return on investment", Path("reports/roi.html"), "Net savings.").name
'roi'
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from valuecase.reporting.html import TEMPLATE_DIR, TEMPLATE_NAME, atomic_write_text, run_metadata

__all__ = ["ReportEntry", "write_index"]


@dataclass(frozen=True)
class ReportEntry:
    """One rendered report listed on the index page.

    Examples
    --------
    >>> ReportEntry("roi", "Return on investment", Path("reports/roi.html"), "Net savings.")
    ReportEntry(name='roi', title='Return on investment', html_path=PosixPath('reports/roi.html'), summary='Net savings.', question='', audience='', pdf=False)
    """

    name: str
    title: str
    html_path: Path
    summary: str = ""
    question: str = ""
    audience: str = ""
    pdf: bool = False
    """Whether ``<name>.pdf`` sits beside the HTML (``valuecase report --pdf``): linked too."""


def write_index(out_dir: Path, reports: list[ReportEntry], metadata: Mapping[str, Any],
                data: str = "", story: Sequence[str] = ()) -> Path:
    """Write ``index.html``: what each report answers and for whom, the one number to look at
    first (its summary), the data the run read and the data's own story, the run metadata.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder of the reports; ``index.html`` is written there (atomically).
    reports : list of ReportEntry
        Reports to link, in display order; links are relative to ``out_dir``.
    metadata : mapping
        Run metadata as for :func:`render_html`; ``title`` defaults to
        ``"valuecase reports"``. Every value is HTML-escaped.
    data : str
        One sentence on the data the run read (:func:`valuecase.reporting.guide.describe_data`).
    story : sequence of str
        Sentences on synthetic data's planted truth
        (:func:`valuecase.reporting.guide.synthetic_story`); shown under "About this data".

    Returns
    -------
    pathlib.Path
        The index file.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> idx = write_index(out, [ReportEntry("roi", "ROI", out / "roi.html", "Net savings.")],
    ...                   {"data_fingerprint": "3f2a9c0d1e4b5a67"})
    >>> 'href="roi.html"' in idx.read_text()
    True
    """
    import jinja2

    out_dir = Path(out_dir)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR / TEMPLATE_NAME)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    meta = run_metadata(str(metadata.get("title") or "valuecase reports"), metadata)
    items = []
    for entry in reports:
        target = Path(entry.html_path)
        rel = Path(os.path.relpath(target.resolve(), out_dir.resolve())).as_posix()
        pdf = Path(rel).with_suffix(".pdf").as_posix() if entry.pdf else ""
        items.append(
            {"href": quote(rel), "file": rel, "title": entry.title, "summary": entry.summary,
             "question": entry.question, "audience": entry.audience, "pdf": quote(pdf)}
        )
    page = env.get_template("report_index.html.j2").render(meta=meta, reports=items,
                                                            data=data, story=list(story))
    index = out_dir / "index.html"
    atomic_write_text(index, page)
    return index
