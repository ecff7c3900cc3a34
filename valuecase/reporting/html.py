"""Render an executed notebook to one self-contained HTML report: code hidden, the plotly.js
bundle inlined once, run metadata on top, no external requests; files written atomically.

Examples
--------
>>> import tempfile
>>> f = Path(tempfile.mkdtemp()) / "eligibility.csv"
>>> _ = f.write_text("person_id\\nP1\\n")
>>> len(data_fingerprint([f]))
16
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nbformat

__all__ = ["REMOVED_CELL_TAGS", "TEMPLATE_DIR", "atomic_write_text", "data_fingerprint",
           "render_html", "run_metadata"]

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "valuecase"

#: Tags whose cells never appear in a rendered report.
REMOVED_CELL_TAGS = frozenset({"remove_cell", "parameters", "injected-parameters"})



def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def run_metadata(title: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    from valuecase import __version__

    meta: dict[str, Any] = {
        "title": title,
        "valuecase_version": __version__,
        "run_date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    meta.update({k: v for k, v in metadata.items() if v is not None})
    meta["title"] = title
    return meta


def render_html(ipynb: Path, html: Path, title: str, metadata: Mapping[str, Any]) -> Path:
    """Render an executed notebook to one self-contained HTML report.

    Code is hidden, cells tagged ``remove_cell`` / ``parameters`` / ``injected-parameters``
    are dropped, inputs tagged ``remove_input`` and outputs tagged ``remove_output`` are
    removed, plotly.js is inlined once and nothing is loaded from the network.

    Parameters
    ----------
    ipynb : pathlib.Path
        An executed notebook.
    html : pathlib.Path
        Output file; replaced atomically.
    title : str
        Report title (page title and heading of the metadata block).
    metadata : mapping
        Run metadata shown at the top: ``data_fingerprint``, ``parameters`` (mapping),
        ``valuecase_version`` and ``run_date`` (both defaulted), ``extra`` (mapping).
        Every value is HTML-escaped.

    Returns
    -------
    pathlib.Path
        ``html``.

    Examples
    --------
    After :func:`execute_notebook` (see ``tests/reporting/test_render.py``)::

        render_html(Path("build/population.ipynb"), Path("reports/population.html"),
                    "Population", {"data_fingerprint": "3f2a9c0d1e4b5a67"})
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    from valuecase.reporting.plotlyjs import bundle_js

    config = Config()
    config.TemplateExporter.exclude_input = True
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVED_CELL_TAGS)
    config.TagRemovePreprocessor.remove_input_tags = {"remove_input"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove_output"}
    exporter = HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)

    nb = nbformat.read(Path(ipynb), as_version=4)
    nb.metadata["title"] = title
    resources = {
        "valuecase": run_metadata(title, metadata),
        "valuecase_plotlyjs": bundle_js(),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html = Path(html)
    atomic_write_text(html, body)
    return html


def data_fingerprint(paths: Iterable[Path | str]) -> str:
    """Short sha256 over the names and contents of input files.

    Parameters
    ----------
    paths : iterable of path-like
        Input files. Order does not matter (they are sorted); a file's name counts, its
        folder does not.

    Returns
    -------
    str
        The first 16 hex characters of the digest.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "eligibility.csv"
    >>> _ = f.write_text("person_id\\nP1\\n")
    >>> a = data_fingerprint([f]); _ = f.write_text("person_id\\nP2\\n")
    >>> len(a), a == data_fingerprint([f])
    (16, False)
    """
    digest = hashlib.sha256()
    for path in sorted((Path(p) for p in paths), key=lambda p: (p.name, str(p))):
        name = path.name.encode("utf-8")
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(path.stat().st_size.to_bytes(8, "big"))
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:16]
