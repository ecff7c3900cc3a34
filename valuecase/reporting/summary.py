"""The one-line summary a report publishes for the index page.

A notebook calls :func:`publish_summary` in a cell tagged ``remove_cell``; the suite reads it
back from the executed notebook with :func:`read_summary`. This module is small on purpose:
notebooks import it, so it must not pull in papermill or nbconvert.

Examples
--------
>>> import json, tempfile
>>> from pathlib import Path
>>> nb = Path(tempfile.mkdtemp()) / "x.ipynb"
>>> _ = nb.write_text(json.dumps({"cells": [{"outputs": [{"data": {
...     SUMMARY_MIMETYPE: {"summary": "Net savings $1.2M."}}}]}]}))
>>> read_summary(nb)
'Net savings $1.2M.'
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["SUMMARY_MIMETYPE", "publish_summary", "read_summary"]

SUMMARY_MIMETYPE = "application/vnd.valuecase.summary+json"
"""Output mimetype a notebook uses to publish its one-line summary for the index page."""


def publish_summary(text: str) -> None:
    """From inside a notebook: publish the one-line summary shown on the index page."""
    from IPython.display import display

    display({SUMMARY_MIMETYPE: {"summary": text}}, raw=True)


def read_summary(ipynb: Path) -> str:
    """The one-line summary a notebook published with :data:`SUMMARY_MIMETYPE` (or "")."""
    nb = json.loads(Path(ipynb).read_text())
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if SUMMARY_MIMETYPE in data:
                value = data[SUMMARY_MIMETYPE]
                return str(value.get("summary", "")) if isinstance(value, dict) else str(value)
    return ""
