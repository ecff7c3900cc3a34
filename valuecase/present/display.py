"""Display helpers for notebooks whose outputs must survive HTML rendering.

plotly >= 6 emits only its own mimetype, which nbconvert drops silently, so a report
rendered from a papermill run would have no charts. :func:`show` emits both a
``text/html`` fragment (rendered in the HTML report, where plotly.js is inlined once
by the ``valuecase`` template) and the plotly mimetype (interactive in JupyterLab).
Reports inline the plotly.js *basic* bundle, so :func:`show` refuses trace types it cannot
draw (see :mod:`valuecase.present.trace_types`).
"""

from __future__ import annotations

import html
import itertools
import json
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from IPython.display import display
from plotly.basedatatypes import BaseFigure

from valuecase.present import formatting
from valuecase.present.currency import with_symbol
from valuecase.present.trace_types import check_trace_types

__all__ = ["show", "show_markdown", "show_table", "figure_bundle", "table_html"]

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"

# A per-kernel counter gives every figure a unique, run-to-run stable div id.
_figure_ids = itertools.count(1)

# Nothing in a chart reaches the network: no send-to-cloud ("Share chart...") button (on by
# default in plotly.js), no plotly logo linking to plotly.com, and a mode bar of only local
# tools: download as PNG (made in the page), zoom and reset the axes. (`showEditInChartStudio`
# is not set: plotly.js 4 has no such button, and plotly.py prints a warning into the report
# for a config key it does not know.)
_PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "showSendToCloud": False,
    "modeBarButtons": [["toImage", "zoom2d", "resetScale2d"]],
}

Formatter = str | Callable[[Any], str]


def figure_bundle(fig: go.Figure, div_id: str) -> dict[str, Any]:
    """Return the mime bundle that :func:`show` displays.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Figure to display.
    div_id : str
        HTML id of the chart's ``div``; must be unique within a report.

    Returns
    -------
    dict
        Bundle with ``text/html``, the plotly mimetype and ``text/plain``.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> bundle = figure_bundle(go.Figure(go.Bar(x=["a"], y=[1])), "fig-1")
    >>> sorted(bundle)
    ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']
    """
    height = fig.layout.height
    fragment = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        config=_PLOTLY_CONFIG,
        default_width="100%",
        default_height=f"{height}px" if height else "450px",
    )
    plotly_json = json.loads(fig.to_json())
    plotly_json["config"] = dict(_PLOTLY_CONFIG)
    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else "figure"
    return {
        "text/html": fragment,
        PLOTLY_MIMETYPE: plotly_json,
        "text/plain": f"<plotly figure: {title}>",
    }


def show(fig: go.Figure) -> None:
    """Display a plotly figure so it renders both in JupyterLab and in HTML reports.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Figure to display; only trace types the report's plotly.js bundle draws
        (:data:`valuecase.present.trace_types.BUNDLE_TRACE_TYPES`).

    Raises
    ------
    TypeError
        When ``fig`` is not a plotly figure.
    ValueError
        When ``fig`` has a trace type the report's plotly.js bundle cannot draw.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> sorted(figure_bundle(go.Figure(go.Bar(x=["a"], y=[1])), "fig-1"))
    ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']
    >>> show(go.Figure(go.Heatmap(z=[[1]])))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: trace type(s) 'heatmap' cannot be drawn in reports: ...
    """
    if not isinstance(fig, BaseFigure):
        raise TypeError(f"show() expects a plotly Figure, got {type(fig).__name__}")
    check_trace_types({trace.type for trace in fig.data})  # else an empty box in the report
    display(figure_bundle(fig, f"valuecase-fig-{next(_figure_ids)}"), raw=True)


_NUMERIC_TEXT = re.compile(r"[\s\d.,%$<>+\-−–—()]*\d[\s\d.,%$<>+\-−–—()]*")


def _format_cell(value: Any, formatter: Formatter | None, column: Any = None) -> str:
    if formatter is None and str(column) in formatting.PLAIN_COLUMNS and isinstance(
            value, numbers.Real) and not isinstance(value, bool | np.bool_) and float(
            value).is_integer():
        return str(int(value))  # a year or a percentile, not a quantity
    if formatter is str:
        return formatting.NOT_SHOWN if formatting.is_missing(value) else str(value)  # as is
    if isinstance(value, str):
        return str(formatting.value_label(value))  # already text (e.g. a suppression marker)
    if formatter is None or formatting.is_missing(value) or isinstance(value, bool):
        return formatting.auto(value)
    if callable(formatter):
        return str(formatter(value))
    return formatter.format(value)


def _shown(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` without a bare index: a named index becomes a column, an unnamed one is dropped
    (row numbers such as ``7`` and ``8`` mean nothing to a reader)."""
    names = [n for n in df.index.names if n is not None]
    if names and not set(map(str, names)) & set(map(str, df.columns)):
        return df.reset_index()
    return df.reset_index(drop=True)


def table_html(
    df: pd.DataFrame,
    caption: str | None = None,
    formats: Mapping[str, Formatter] | None = None,
) -> str:
    """Render a DataFrame as an HTML table with human headers and every cell escaped.

    Headers are :func:`valuecase.present.formatting.column_label` of each column (an error
    for a column without a label when ``VALUECASE_STRICT_LABELS`` is set); a named index is
    shown as a column and an unnamed one not at all. Cells without a format read as
    :func:`valuecase.present.formatting.auto` says (``yes``/``no``, ``—`` for a missing
    value, no scientific notation); cells that read as numbers get ``class="num"`` (kept on
    one line by the report's CSS).

    Parameters
    ----------
    df : pandas.DataFrame
        Table to render.
    caption : str, optional
        Caption shown above the table.
    formats : mapping of column name to format, optional
        A ``str.format`` pattern such as ``"{:,.0f}"`` or a callable returning a string
        (see :mod:`valuecase.present.formatting`); ``str`` shows the values exactly as they
        are (names from the data, such as column names).

    Returns
    -------
    str
        An HTML ``<table>`` fragment.

    Examples
    --------
    >>> import pandas as pd
    >>> "&lt;b&gt;" in table_html(pd.DataFrame({"plan": ["<b>"]}))
    True
    >>> t = table_html(pd.DataFrame({"net_position": [1.5e6], "primary": [True]}))
    >>> "Net position" in t, '<td class="num">1,500,000</td>' in t, "<td>yes</td>" in t
    (True, True, True)
    """
    formats = dict(formats or {})
    unknown = sorted(set(map(str, formats)) - set(map(str, df.columns)))
    if unknown:
        raise KeyError(f"formats name columns not in the table: {unknown}")
    df = _shown(df)
    esc = html.escape
    parts = ['<table class="valuecase-table">']
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    head = [f'<th scope="col">{esc(formatting.column_label(col))}</th>' for col in df.columns]
    parts.append("<thead><tr>" + "".join(head) + "</tr></thead>")
    parts.append("<tbody>")
    columns = list(df.columns)
    for row in df.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(columns, row, strict=True):
            text = _format_cell(value, formats.get(col, formats.get(str(col))), col)
            numeric = text == formatting.NOT_SHOWN or _NUMERIC_TEXT.fullmatch(text) is not None
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{esc(text)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def show_table(
    df: pd.DataFrame,
    caption: str | None = None,
    formats: Mapping[str, Formatter] | None = None,
) -> None:
    """Display a DataFrame as a clean, escaped HTML table.

    Parameters
    ----------
    df : pandas.DataFrame
        Table to display.
    caption : str, optional
        Caption shown above the table; a ``($)`` in it reads in the report's currency.
    formats : mapping of column name to format, optional
        A ``str.format`` pattern such as ``"{:,.0f}"`` or a callable returning a string.

    Examples
    --------
    >>> import pandas as pd
    >>> "$1,234" in table_html(pd.DataFrame({"cost": [1234.5]}), formats={"cost": "${:,.0f}"})
    True
    """
    caption = with_symbol(caption) if caption else caption
    bundle = {
        "text/html": table_html(df, caption=caption, formats=formats),
        "text/plain": (f"{caption}\n" if caption else "") + _shown(df).to_string(index=False),
    }
    display(bundle, raw=True)


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~&$")


def md_escape(text: object) -> str:
    """``text`` as literal Markdown: every character Markdown or HTML would act on is escaped,
    so a name from a parameters file shows as written and never becomes a link, an image or
    HTML.

    Examples
    --------
    >>> print(md_escape("![x](http://e.vil/a.png) <b>"))
    \\!\\[x\\]\\(http://e\\.vil/a\\.png\\) &lt;b&gt;
    """
    out = []
    for ch in str(text):
        if ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == "&":
            out.append("&amp;")
        elif ch in _MARKDOWN_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def show_text(text: str) -> None:
    """Display plain text that may hold user-supplied names (see :func:`md_escape`); line
    breaks are kept."""
    show_markdown("  \n".join(md_escape(line) for line in str(text).split("\n")),
                  allow_html=True)


def show_markdown(text: str, *, allow_html: bool = False) -> None:
    """Display Markdown text (rendered in JupyterLab and in the HTML report).

    Parameters
    ----------
    text : str
        Markdown source.
    allow_html : bool, default False
        When False, ``<`` is escaped so names interpolated into ``text`` cannot
        inject HTML. Set True only for trusted, author-written HTML.

    Examples
    --------
    In a notebook: ``show_markdown("**Total savings:** $1.2M")``.
    """
    source = text if allow_html else text.replace("<", "&lt;")
    # a dollar sign starts TeX math in Jupyter's Markdown: "**-$762**" came out as literal
    # stars. Money is written with dollars, math never is.
    source = re.sub(r"(?<!\\)\$", r"\\$", source)
    display({"text/markdown": source, "text/plain": text}, raw=True)
