"""Row rules beyond parsing: allowed values, date order and ranges (the partner tables).

Each rule is a condition and the reject reason it gives; :func:`valuecase.data.load.load`
adds them to the claims' own rules, so a partner table's rows are rejected, counted and
reconciled like any other.

* a column with a list of allowed values (:attr:`~valuecase.data.contract.TableSpec.values`,
  e.g. ``social_needs.domain``): any other non-blank value -> ``unknown:<column>``;
* ``service_date``, ``identified_date``, ``survey_date`` after today -> ``future_date``;
  ``resolved_date`` before ``identified_date`` -> ``end_before_start``;
* ``experience_survey.response`` outside ``[scale_min, scale_max]`` (when given) ->
  ``out_of_range:response``.

Examples
--------
>>> import datetime as dt, ibis
>>> from valuecase.data.contract import TABLES
>>> t = ibis.memtable({"domain": ["housing_instability", "housing"],
...                    "identified_date": [dt.date(2024, 1, 2)] * 2,
...                    "resolved_date": [dt.date(2024, 3, 1), dt.date(2023, 1, 1)]})
>>> names = {c: c for c in t.columns}
>>> [reason for _, reason in value_rules(t, TABLES["social_needs"], names, dt.date(2025, 1, 1))]
['unknown:domain', 'end_before_start', 'future_date']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import ibis.expr.types as ir

from valuecase.data.contract import TableSpec

__all__ = ["DATE_ORDER", "value_rules"]

DATE_ORDER = {"program_services": (("service_date", ""),),
              "social_needs": (("identified_date", "resolved_date"),),
              "experience_survey": (("survey_date", ""),)}
"""Table -> (date, end date or "") pairs: a date after today, or an end before its date, is
rejected."""


def value_rules(t: ir.Table, spec: TableSpec, names: Mapping[str, str],
                today: dt.date) -> list[tuple[ir.BooleanValue, str]]:
    """The (condition, reason) pairs of table ``spec`` for typed table ``t`` (``names``: the
    contract columns present)."""
    cases: list[tuple[ir.BooleanValue, str]] = []
    for col, allowed in spec.values.items():
        if col in names:
            cases.append((t[col].notnull() & ~t[col].isin(list(allowed)), f"unknown:{col}"))
    for start, end in DATE_ORDER.get(spec.name, ()):
        if end in names:
            cases.append((t[end] < t[start], "end_before_start"))
        cases.append((t[start] > today, "future_date"))
    if spec.name == "experience_survey":
        if "scale_min" in names:
            cases.append((t.response < t.scale_min, "out_of_range:response"))
        if "scale_max" in names:
            cases.append((t.response > t.scale_max, "out_of_range:response"))
    return cases
