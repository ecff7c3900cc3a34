"""The one small API a report notebook uses to get its numbers.

In a report run, ``valuecase report`` computed everything once and passes ``results_dir``:
:func:`report_results` reads the report's results from there. Opened in JupyterLab without a
results folder, the same call computes them in-process through the same pipeline, so a
notebook works both ways and never orchestrates anything itself.

A notebook passes its whole namespace: ``res = results_for("roi", globals())`` takes
``results_dir`` and the report's parameters (the names of its ``parameters`` cell) from it.

Examples
--------
>>> res = report_results("utilization", period="year")
>>> res["period"]
'year'
>>> results_for("utilization", {"results_dir": "", "period": "all", "x": 1})["period"]
'all'
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from valuecase.analysis.parameters import REPORT_FIELDS, SuiteParameters, format_problems
from valuecase.analysis.results import Results
from valuecase.errors import ParametersError, ReportUnavailable

__all__ = ["parameters_from_notebook", "report_results", "results_for"]


def parameters_from_notebook(name: str, values: dict[str, Any]) -> SuiteParameters:
    """:class:`SuiteParameters` from the flat values of report ``name``'s parameters cell."""
    top = {k: v for k, v in values.items() if k in SuiteParameters.model_fields}
    section = {k: v for k, v in values.items() if k not in SuiteParameters.model_fields}
    raw: dict[str, Any] = dict(top)
    if section:
        raw["notebooks"] = {name: section}
    try:
        return SuiteParameters.model_validate(raw)
    except ValidationError as exc:
        raise ParametersError("\n".join(format_problems(exc, f"notebook {name}"))) from None


def report_results(name: str, results_dir: str = "", **params: Any) -> Results:
    """The results of report ``name``: read from ``results_dir``, or computed here.

    Parameters
    ----------
    name : str
        The report (a key of :data:`valuecase.analysis.sections.BUILDERS`).
    results_dir : str
        Folder written by the analysis run (``valuecase report`` passes it). Empty: compute
        in this process from ``params``.
    **params
        The notebook's parameters (see :data:`valuecase.analysis.parameters.REPORT_FIELDS`).
    """
    if results_dir:
        return Results.read(results_dir, name)
    from valuecase.analysis.run import Analysis, build_results

    if name not in REPORT_FIELDS:
        raise ParametersError(f"unknown report {name!r}; choose from {', '.join(REPORT_FIELDS)}")
    return build_results(Analysis(parameters_from_notebook(name, params)), name)


def results_for(name: str, namespace: dict[str, Any], *,
                unavailable_ok: bool = False) -> Results:
    """:func:`report_results` with ``results_dir`` and the parameters of report ``name`` taken
    from a notebook's namespace (pass ``globals()``); other names are ignored.

    Raises
    ------
    ReportUnavailable
        When the results say the data cannot support the report (no claims accepted, no
        program data) and ``unavailable_ok`` is False: a notebook opened by hand then shows
        the message and stops, instead of failing on a missing table further down.
    """
    wanted = SuiteParameters().for_report(name)  # the report's own names, with defaults
    values = {k: namespace[k] for k in wanted if k in namespace}
    res = report_results(name, str(namespace.get("results_dir", "") or ""), **values)
    if "unavailable" in res.values and not unavailable_ok:
        from valuecase.present.display import show_markdown

        show_markdown(res["unavailable"])
        raise ReportUnavailable(f"{name}: {res['unavailable_short']} (the message above says "
                                "why; the other reports still run)")
    return res

