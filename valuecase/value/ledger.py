"""Partner ledger: who pays, who saves, and the money that flows between partners.

Costs and savings land in different pockets (Medicaid plan, hospital, CBO, housing authority ...).
For each partner the ledger reports, over the horizon (undiscounted):

- ``costs_borne``: program costs the partner pays;
- ``savings_received``: spending or cost it avoids (the claims it no longer pays; under fee for
  service the hospital's avoided *variable* cost; under capitation the provider's avoided cost);
- ``revenue_lost``: fee-for-service revenue the provider no longer earns for avoided events;
- ``transfers_in`` / ``transfers_out``: case rates, capitation PMPMs, shared savings;
- ``net_position`` = savings_received - revenue_lost - costs_borne + transfers_in - transfers_out;
- ``roi`` = net_position / costs_borne (``None`` when the partner bears no cost).

Accounting identity (tested): transfers net to zero, and the hospital's lost revenue is exactly the
payer's saved spending, so the sum of net positions is the **all-partner net savings**
``S - C - sum over fee-for-service lines of (1 - hospital_variable_cost_share) x S_line``: the
hospital's fixed costs are not avoided when a stay is, so that part of the payer's saving is
only moved from hospital to payer. With no fee-for-service line (or a variable cost share of 1)
it equals the headline net savings ``S - C``.

Examples
--------
>>> from valuecase.value.assumptions import load_roi_params
>>> from valuecase.value.projection import build_model, project
>>> from valuecase.datasets import example_params
>>> led = partner_ledger(project(build_model(load_roi_params(example_params("roi-calculator.yml")))))
>>> abs(led.imbalance) < 1e-6
True
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecase.errors import ParametersError
from valuecase.value.assumptions import CapitationPmpm, CaseRate, FeeForService, SharedSavings
from valuecase.value.projection import Projection

__all__ = ["LEDGER_COLUMNS", "Ledger", "partner_ledger"]

LEDGER_COLUMNS = ["costs_borne", "savings_received", "revenue_lost", "transfers_in",
                  "transfers_out", "net_position", "roi"]


@dataclass(frozen=True)
class Ledger:
    """Per-partner positions and the flows between partners.

    Attributes
    ----------
    table : DataFrame
        Index ``partner``; columns :data:`LEDGER_COLUMNS` (``roi`` is ``None`` without cost).
    by_year : DataFrame
        Same columns (no roi) with a (``year``, ``partner``) index.
    flows : DataFrame
        One row per transfer and year: ``year, model, from_partner, to_partner, amount``.
    total_net_savings : float
        All-partner net savings, computed from the projection (not from the rows of ``table``).
    payer_view_net_savings : float
        ``S - C`` with savings priced at what the payer pays (the headline figure).
    hospital_lost_margin : float
        ``sum (1 - variable share) x S`` over fee-for-service lines: the difference of the two.
    """

    table: pd.DataFrame
    by_year: pd.DataFrame
    flows: pd.DataFrame
    total_net_savings: float
    payer_view_net_savings: float
    hospital_lost_margin: float

    @property
    def imbalance(self) -> float:
        """Sum of net positions minus all-partner net savings (0 up to float round-off)."""
        return float(self.table["net_position"].sum() - self.total_net_savings)

    def summary(self) -> str:
        """Plain-words lines, one per partner.

        Examples
        --------
        >>> from valuecase.value.assumptions import load_roi_params
        >>> from valuecase.value.projection import build_model, project
        >>> from valuecase.datasets import example_params
        >>> p = load_roi_params(example_params("roi-calculator.yml"))
        >>> print(partner_ledger(project(build_model(p))).summary().splitlines()[1])
        Hospital: pays 0 in program costs, saves 1,450,382, loses 3,625,956 revenue, receives 0, transfers 0; net -2,175,574 (no program cost)
        """
        out = []
        for name, r in self.table.iterrows():
            roi = "no program cost" if r["roi"] is None else f"ROI {r['roi']:.0%}"
            out.append(f"{name}: pays {r['costs_borne']:,.0f} in program costs, saves "
                       f"{r['savings_received']:,.0f}, loses {r['revenue_lost']:,.0f} revenue, "
                       f"receives {r['transfers_in']:,.0f}, transfers {r['transfers_out']:,.0f};"
                       f" net {r['net_position']:,.0f} ({roi})")
        return "\n".join(out)


def partner_ledger(projection: Projection) -> Ledger:
    """Share a projection's savings, costs and payments among the partners.

    Parameters
    ----------
    projection : Projection
        From :func:`valuecase.value.projection.project` (base case).

    Returns
    -------
    Ledger

    Raises
    ------
    ParametersError
        When a shared-savings minimum savings rate needs a baseline rate that is missing.

    Examples
    --------
    >>> from valuecase.value.assumptions import RoiParams
    >>> from valuecase.value.projection import build_model, project
    >>> p = RoiParams.model_validate({"mode": "calculator", "horizon_years": 1,
    ...     "partners": ["payer", "hospital"], "enrollment": {"members": 100},
    ...     "service_lines": {"ip": {"baseline_rate": 1, "reduction": 0.1, "unit_cost": 10000}},
    ...     "program_costs": {"staff": {"partner": "payer", "annual": 50000}},
    ...     "payment_models": [{"model": "fee_for_service", "payer": "payer",
    ...         "provider": "hospital", "service_lines": ["ip"],
    ...         "hospital_variable_cost_share": 0.4}]})
    >>> led = partner_ledger(project(build_model(p)))
    >>> led.table["net_position"].tolist(), led.total_net_savings
    ([50000.0, -60000.0], -10000.0)
    """
    model = projection.model
    p = model.params
    years = list(projection.annual.index)
    savings = projection.savings_by_line
    spend = projection.baseline_spend_by_line
    costs = projection.costs_by_category
    members = projection.annual["members"]

    ffs = {ln: pm for pm in p.payment_models if isinstance(pm, FeeForService)
           for ln in pm.service_lines}
    cap = {ln: pm for pm in p.payment_models if isinstance(pm, CapitationPmpm)
           for ln in pm.service_lines}
    saver = {}  # who receives (pays less for) each line's avoided events
    for line in model.lines:
        saver[line.key] = (ffs[line.key].payer if line.key in ffs else
                           cap[line.key].provider if line.key in cap else line.paid_by)

    rows: list[dict] = []
    flows: list[dict] = []
    for y in years:
        acc: dict[str, dict[str, float]] = {n: defaultdict(float) for n in p.partners}
        for line in model.lines:
            s = float(savings.at[y, line.key])
            acc[saver[line.key]]["savings_received"] += s
            if line.key in ffs:
                pm = ffs[line.key]
                acc[pm.provider]["savings_received"] += pm.hospital_variable_cost_share * s
                acc[pm.provider]["revenue_lost"] += s
        for cat, c in p.program_costs.items():
            acc[c.partner]["costs_borne"] += float(costs.at[y, cat])

        def transfer(kind: str, src: str, dst: str, amount: float, _y: int = y,
                     _acc: dict = acc) -> None:
            _acc[src]["transfers_out"] += amount
            _acc[dst]["transfers_in"] += amount
            flows.append({"year": _y, "model": kind, "from_partner": src, "to_partner": dst,
                          "amount": amount})

        for pm in p.payment_models:
            if isinstance(pm, CaseRate):
                transfer(pm.model, pm.from_, pm.to, pm.fee_per_enrollee_year * members[y])
            elif isinstance(pm, CapitationPmpm):
                transfer(pm.model, pm.payer, pm.provider, pm.pmpm * 12 * members[y])
        for pm in p.payment_models:  # after the other transfers: shared savings settle last
            if isinstance(pm, SharedSavings):
                transfer(pm.model, pm.from_, pm.to, _shared(pm, y, saver, savings, spend, acc))
        for name in p.partners:
            a = acc[name]
            rows.append({"year": y, "partner": name,
                         **{k: float(a[k]) for k in LEDGER_COLUMNS[:5]}})

    by_year = pd.DataFrame(rows).set_index(["year", "partner"])
    by_year["net_position"] = (by_year["savings_received"] - by_year["revenue_lost"]
                               - by_year["costs_borne"] + by_year["transfers_in"]
                               - by_year["transfers_out"])
    table = by_year.groupby(level="partner", sort=False).sum()
    table["roi"] = pd.Series([r.net_position / r.costs_borne if r.costs_borne > 0 else None
                              for r in table.itertuples()], index=table.index, dtype=object)
    lost_margin = float(sum((1 - pm.hospital_variable_cost_share) * savings[ln].sum()
                            for ln, pm in ffs.items()))
    payer_view = float(projection.annual["gross_savings"].sum()
                       - projection.annual["program_cost"].sum())
    flows_df = pd.DataFrame(flows, columns=["year", "model", "from_partner", "to_partner",
                                            "amount"])
    return Ledger(table=table, by_year=by_year, flows=flows_df,
                  total_net_savings=payer_view - lost_margin, payer_view_net_savings=payer_view,
                  hospital_lost_margin=lost_margin)


def _shared(pm: SharedSavings, year: int, saver: dict[str, str], savings: pd.DataFrame,
            spend: pd.DataFrame, acc: dict[str, dict[str, float]]) -> float:
    lines = pm.service_lines or [k for k, who in saver.items() if who == pm.from_]
    if not lines:
        return 0.0
    gross = float(sum(savings.at[year, ln] for ln in lines if saver[ln] == pm.from_))
    base = gross - (acc[pm.from_]["costs_borne"] if pm.net_of_costs else 0.0)
    threshold = 0.0
    if pm.minimum_savings_rate > 0:
        baseline = np.array([spend.at[year, ln] for ln in lines], dtype=float)
        if np.isnan(baseline).any():
            raise ParametersError(
                "payment_models: shared_savings with a minimum_savings_rate needs baseline_rate "
                "on every service line it covers")
        threshold = pm.minimum_savings_rate * float(baseline.sum())
    if base <= 0 or base < threshold:
        return 0.0
    return pm.share * (base if pm.first_dollar else base - threshold)
