"""The partner ledger: who pays, who saves; it balances under every payment model."""

from __future__ import annotations

import numpy as np
import pytest

from valuecase import value as roi
from valuecase.datasets import example_params

MODELS = ("fee_for_service", "case_rate", "capitation_pmpm", "shared_savings")


def _random_params(rng: np.random.Generator, only: str | None = None) -> dict:
    """Random but valid assumptions; ``only`` restricts payment models to one kind."""
    h = int(rng.integers(1, 6))
    partners = [f"partner {i} <&>" for i in range(int(rng.integers(2, 6)))]
    lines = {}
    for j in range(int(rng.integers(1, 4))):
        lines[f"line{j}"] = {"baseline_rate": float(rng.uniform(0, 4)),
                             "reduction": float(rng.uniform(-0.2, 0.6)),
                             "unit_cost": float(rng.lognormal(7, 1.5)),
                             "paid_by": str(rng.choice(partners))}
    costs = {}
    for k in range(int(rng.integers(1, 4))):
        kind = rng.integers(3)
        spec = ({"annual": float(rng.uniform(0, 2e6))} if kind == 0 else
                {"annual": [float(x) for x in rng.uniform(0, 2e6, h)]} if kind == 1 else
                {"per_member_year": float(rng.uniform(0, 3000))})
        costs[f"cat{k}"] = {"partner": str(rng.choice(partners)), **spec}
    keys = list(lines)
    rng.shuffle(keys)
    cut = int(rng.integers(1, len(keys) + 1))  # fee for service on keys[:cut], capitation after
    models = []
    kinds = [only] * int(rng.integers(1, 3)) if only else list(
        rng.choice(MODELS, size=int(rng.integers(0, 5))))
    used: set[str] = set()
    for kind in kinds:
        a, b = (str(x) for x in rng.choice(partners, 2, replace=False))
        if kind == "fee_for_service" and kind not in used:
            used.add(kind)
            models.append({"model": kind, "payer": a, "provider": b,
                           "service_lines": keys[:cut],
                           "hospital_variable_cost_share": float(rng.uniform(0, 1))})
        elif kind == "capitation_pmpm" and kind not in used:
            used.add(kind)
            lines_cap = keys[cut:] if only is None else keys
            if lines_cap:
                models.append({"model": kind, "payer": a, "provider": b,
                               "pmpm": float(rng.uniform(0, 500)), "service_lines": lines_cap})
        elif kind == "case_rate":
            models.append({"model": kind, "from": a, "to": b,
                           "fee_per_enrollee_year": float(rng.uniform(0, 5000))})
        elif kind == "shared_savings":
            models.append({"model": kind, "from": a, "to": b, "share": float(rng.uniform(0, 1)),
                           "minimum_savings_rate": float(rng.choice([0, rng.uniform(0, 0.1)])),
                           "first_dollar": bool(rng.integers(2)),
                           "net_of_costs": bool(rng.integers(2))})
    return {"mode": "calculator", "horizon_years": h, "partners": partners,
            "discount_rate": float(rng.uniform(0, 0.1)), "cost_trend": float(rng.uniform(-0.05, 0.1)),
            "savings_lag_months": int(rng.integers(0, 13)),
            "enrollment": {"members": [float(x) for x in rng.integers(0, 5000, h)],
                           "ramp": [float(x) for x in rng.uniform(0, 1, h)]},
            "service_lines": lines, "program_costs": costs, "payment_models": models}


def _check_balances(params: dict) -> roi.Ledger:
    proj = roi.project(roi.build_model(roi.RoiParams.model_validate(params)))
    led = roi.partner_ledger(proj)
    t = led.table
    scale = 1.0 + float(np.abs(proj.savings_by_line.to_numpy()).sum()
                        + proj.costs_by_category.to_numpy().sum() + t["transfers_in"].sum())
    # transfers net to zero
    assert t["transfers_in"].sum() == pytest.approx(t["transfers_out"].sum(), abs=1e-9 * scale)
    # costs borne add up to program cost
    assert t["costs_borne"].sum() == pytest.approx(proj.annual["program_cost"].sum(),
                                                   abs=1e-9 * scale)
    # all-partner net savings from the projection, computed here independently of the ledger
    lost = sum((1 - m["hospital_variable_cost_share"]) * proj.savings_by_line[ln].sum()
               for m in params["payment_models"] if m["model"] == "fee_for_service"
               for ln in m["service_lines"])
    expected = proj.annual["gross_savings"].sum() - proj.annual["program_cost"].sum() - lost
    assert t["net_position"].sum() == pytest.approx(expected, abs=1e-9 * scale)
    assert led.total_net_savings == pytest.approx(expected, abs=1e-9 * scale)
    assert abs(led.imbalance) <= 1e-9 * scale
    # the hospital's lost revenue is exactly the payer's saved spending on those lines
    for m in params["payment_models"]:
        if m["model"] == "fee_for_service":
            ffs = proj.savings_by_line[m["service_lines"]].to_numpy().sum()
            assert t.loc[m["provider"], "revenue_lost"] == pytest.approx(ffs, abs=1e-9 * scale)
    # ROI is None exactly where a partner bears no cost
    for _name, r in t.iterrows():
        assert (r["roi"] is None) == (r["costs_borne"] == 0)
        if r["roi"] is not None:
            assert r["roi"] == pytest.approx(r["net_position"] / r["costs_borne"])
    return led


@pytest.mark.parametrize("model", MODELS)
def test_ledger_balances_under_each_payment_model(model):
    rng = np.random.default_rng(MODELS.index(model))
    seen = 0
    for _ in range(40):
        params = _random_params(rng, only=model)
        led = _check_balances(params)
        seen += model in set(led.flows["model"]) or model == "fee_for_service"
    assert seen > 20  # the model was really exercised


def test_ledger_balances_over_random_parameters():
    for seed in range(120):
        _check_balances(_random_params(np.random.default_rng(seed)))


def _base(**over) -> dict:
    p = {"mode": "calculator", "horizon_years": 1, "partners": ["payer", "hospital", "cbo"],
         "enrollment": {"members": 100},
         "service_lines": {"ip": {"baseline_rate": 1, "reduction": 0.1, "unit_cost": 10_000}},
         "program_costs": {"staff": {"partner": "cbo", "annual": 50_000}}}
    p.update(over)
    return p


def test_fee_for_service_hand_numbers():
    led = _check_balances(_base(payment_models=[
        {"model": "fee_for_service", "payer": "payer", "provider": "hospital",
         "service_lines": ["ip"], "hospital_variable_cost_share": 0.3}]))
    t = led.table
    # 100 members x 1 stay x 10% x $10,000 = $100,000 of stays avoided
    assert t.loc["payer", "savings_received"] == pytest.approx(100_000)
    assert t.loc["hospital", "revenue_lost"] == pytest.approx(100_000)
    assert t.loc["hospital", "savings_received"] == pytest.approx(30_000)
    assert t.loc["hospital", "net_position"] == pytest.approx(-70_000)
    assert t.loc["cbo", "net_position"] == pytest.approx(-50_000)
    assert led.payer_view_net_savings == pytest.approx(50_000)
    assert led.hospital_lost_margin == pytest.approx(70_000)
    assert led.total_net_savings == pytest.approx(-20_000)
    assert t.loc["payer", "roi"] is None and t.loc["cbo", "roi"] == pytest.approx(-1.0)


def test_capitation_moves_savings_to_the_provider():
    led = _check_balances(_base(payment_models=[
        {"model": "capitation_pmpm", "payer": "payer", "provider": "hospital", "pmpm": 10,
         "service_lines": ["ip"]}]))
    t = led.table
    assert t.loc["hospital", "savings_received"] == pytest.approx(100_000)
    assert t.loc["payer", "savings_received"] == 0
    assert t.loc["hospital", "transfers_in"] == pytest.approx(10 * 12 * 100)
    assert led.total_net_savings == pytest.approx(led.payer_view_net_savings)


def test_case_rate_and_shared_savings_with_msr():
    # payer saves 100,000 on baseline spending of 1,000,000: a 10% savings rate
    models = [{"model": "case_rate", "from": "payer", "to": "cbo", "fee_per_enrollee_year": 100},
              {"model": "shared_savings", "from": "payer", "to": "cbo", "share": 0.5,
               "minimum_savings_rate": 0.05, "first_dollar": False}]
    t = _check_balances(_base(payment_models=models)).table
    # case rate 100 x 100 = 10,000; shared 50% of (100,000 - 5% x 1,000,000) = 25,000
    assert t.loc["cbo", "transfers_in"] == pytest.approx(10_000 + 25_000)
    models[1]["first_dollar"] = True
    t = _check_balances(_base(payment_models=models)).table
    assert t.loc["cbo", "transfers_in"] == pytest.approx(10_000 + 50_000)
    models[1]["minimum_savings_rate"] = 0.2  # 10% savings rate misses a 20% MSR
    t = _check_balances(_base(payment_models=models)).table
    assert t.loc["cbo", "transfers_in"] == pytest.approx(10_000)


def test_shared_savings_net_of_costs():
    p = _base(program_costs={"staff": {"partner": "payer", "annual": 40_000}},
              payment_models=[{"model": "shared_savings", "from": "payer", "to": "cbo",
                               "share": 0.5}])
    t = _check_balances(p).table
    assert t.loc["cbo", "transfers_in"] == pytest.approx(0.5 * (100_000 - 40_000))
    p["payment_models"][0]["net_of_costs"] = False
    assert _check_balances(p).table.loc["cbo", "transfers_in"] == pytest.approx(50_000)


def test_example_file_ledger_and_flows():
    p = roi.load_roi_params(example_params("roi-calculator.yml"))
    led = roi.partner_ledger(roi.project(roi.build_model(p)))
    assert list(led.table.index) == p.partners
    assert set(led.flows["model"]) == {"case_rate", "shared_savings"}
    assert len(led.summary().splitlines()) == len(p.partners)
    assert abs(led.imbalance) < 1e-6
