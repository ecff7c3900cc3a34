"""Activity-based program costs: the partners' service contacts priced (``program_services``).

:func:`activity_costs` sums ``program_services.cost`` over the 12 months ending at a given month
(the "last 12 months" of the ROI evidence, :func:`valuecase.value.case.measure_evidence`), by
service type and partner, and returns them in the shape of the ROI assumptions'
``program_costs`` — ``{name: {"partner": p, "annual": amount}}`` — with a source per entry
(keys ``program_costs.<name>``, as ``Evidence.sources``). A service type paid by one partner
is named by its service type; one paid by several gets an entry per partner,
``"<service type> (<partner>)"``.

Examples
--------
>>> import pandas as pd
>>> svc = pd.DataFrame({"person_id": ["a", "b"], "partner": ["CBO", "CBO"],
...                     "service_date": pd.to_datetime(["2024-03-05", "2024-11-20"]),
...                     "service_type": ["home_visit"] * 2, "cost": [100.0, 50.0]})
>>> activity_costs(svc, "2024-12", min_count=1).program_costs
{'home_visit': {'partner': 'CBO', 'annual': 150.0}}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from valuecase.partners.cells import MIN_CELL_SIZE, suppress_counts

__all__ = ["ActivityCosts", "activity_costs"]


@dataclass(frozen=True)
class ActivityCosts:
    """Program costs measured from the service contacts over one 12-month window.

    Attributes
    ----------
    program_costs : dict
        ``{name: {"partner": p, "annual": amount}}``, the ROI assumptions' ``program_costs``.
    sources : dict
        ``{"program_costs.<name>": text}``, where each amount comes from.
    table : pandas.DataFrame
        ``name, service_type, partner, contacts, contacts_without_cost, persons, annual,
        suppressed`` (counts under ``min_count`` NaN).
    window_start, window_end : pandas.Timestamp
        First and last day of the window.
    """

    program_costs: dict[str, dict[str, Any]]
    sources: dict[str, str]
    table: pd.DataFrame
    window_start: pd.Timestamp
    window_end: pd.Timestamp


def activity_costs(program_services: pd.DataFrame,
                   end_month: str | pd.Timestamp | None = None,
                   default_partner: str | None = None,
                   min_count: int = MIN_CELL_SIZE) -> ActivityCosts:
    """Annual program cost by service type and partner from the contacts' costs.

    Parameters
    ----------
    program_services : pandas.DataFrame
        ``person_id, service_date, partner, service_type, cost`` (a contact without a cost
        adds nothing and is counted apart).
    end_month : str or pandas.Timestamp, optional
        Last month of the 12-month window (any day in it); default the month of the last
        ``service_date``.
    default_partner : str, optional
        Partner of contacts without one; without it such contacts raise ``ValueError``
        (every ROI cost needs the partner paying it).
    min_count : int, default 11
        Smallest count of contacts or persons shown in ``table`` and in the sources; the
        amounts are not counts and are always given.

    Returns
    -------
    ActivityCosts
        The ROI entries, their sources and the table behind them.

    Examples
    --------
    Only the 12 months to December 2024 count (the January 2024 contact is out):

    >>> svc = pd.DataFrame({"person_id": ["a", "a", "b"], "partner": ["CBO", "Clinic", "CBO"],
    ...     "service_date": pd.to_datetime(["2023-12-31", "2024-01-01", "2024-12-31"]),
    ...     "service_type": ["transportation"] * 3, "cost": [40.0, 25.0, 30.0]})
    >>> c = activity_costs(svc, "2024-12", min_count=1)
    >>> c.program_costs["transportation (Clinic)"], c.window_start.date()
    ({'partner': 'Clinic', 'annual': 25.0}, datetime.date(2024, 1, 1))
    >>> c.sources["program_costs.transportation (CBO)"]
    'program_services table, activity-based, last 12 months (1 contacts)'
    """
    s = program_services
    if end_month is None:
        if s["service_date"].notna().sum() == 0:
            raise ValueError("no service dates: give end_month")
        end_month = s["service_date"].max()
    last = pd.Timestamp(end_month).to_period("M")
    start = (last - 11).to_timestamp()
    end = last.to_timestamp(how="end").normalize()
    w = s[(s["service_date"] >= start) & (s["service_date"] <= end)].copy()
    if "partner" not in w:
        w["partner"] = None
    missing = w["partner"].isna()
    if missing.any():
        if default_partner is None:
            raise ValueError(f"{int(missing.sum())} contacts in the window have no partner: "
                             "give default_partner")
        w.loc[missing, "partner"] = default_partner
    w["service_type"] = w["service_type"].fillna("(not recorded)")
    w["_has_cost"] = w["cost"].notna()
    g = w.groupby(["service_type", "partner"]).agg(
        contacts=("_has_cost", "sum"), contacts_without_cost=("_has_cost", lambda x: (~x).sum()),
        persons=("person_id", "nunique"), annual=("cost", "sum")).reset_index()
    g = g[g["contacts"] > 0]
    per_type = g.groupby("service_type")["partner"].transform("size")
    g.insert(0, "name", [t if n == 1 else f"{t} ({p})" for t, p, n in
                         zip(g["service_type"], g["partner"], per_type, strict=True)])
    g["annual"] = g["annual"].round(2)
    table = suppress_counts(g.set_index("name"), ["contacts", "contacts_without_cost",
                                                  "persons"], min_count=min_count)
    costs: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    for name, row in table.iterrows():
        costs[str(name)] = {"partner": str(row["partner"]), "annual": float(row["annual"])}
        n = f"{int(row['contacts']):,}" if pd.notna(row["contacts"]) else f"fewer than {min_count}"
        unpriced = row["contacts_without_cost"]
        note = (f"; {int(unpriced):,} without a cost" if pd.notna(unpriced) and unpriced > 0
                else "; some without a cost" if pd.isna(unpriced) else "")
        sources[f"program_costs.{name}"] = (
            f"program_services table, activity-based, last 12 months ({n} contacts{note})")
    return ActivityCosts(costs, sources, table.reset_index(), pd.Timestamp(start),
                         pd.Timestamp(end))
