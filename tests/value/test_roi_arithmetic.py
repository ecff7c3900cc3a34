"""ROI arithmetic reproduces hand-checkable numbers; the projection follows the stated timing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from valuecase import value as roi


def test_ahrq_worked_example():
    # 100,000 people x 0.25 ED visits = 25,000 visits; 50% fewer = 12,500; x $300
    assert roi.service_line_savings(100_000, 0.25, 0.50, 300) == pytest.approx(3_750_000)


def test_roi_and_benefit_cost_ratio_are_labelled_apart():
    s = roi.summarize(3.87, 1.0)
    assert s.roi == pytest.approx(2.87)
    assert s.benefit_cost_ratio == pytest.approx(3.87)
    assert s.net_savings == pytest.approx(2.87)
    text = s.labelled()
    assert "ROI 287%" in text and "benefit-cost ratio 3.87" in text
    assert "net savings / cost" in text and "savings / cost" in text
    assert "ROI 287%" in s.summary()


@pytest.mark.parametrize("cost", [0, -1.0])
def test_summarize_refuses_nonpositive_cost(cost):
    with pytest.raises(ValueError, match="program_cost"):
        roi.summarize(10.0, cost)


def test_summary_is_frozen():
    s = roi.summarize(2.0, 1.0)
    with pytest.raises(AttributeError):
        s.roi = 5.0  # type: ignore[misc]


def test_npv_hand_computed_stream():
    # year 1: -100, year 2: 60, year 3: 80 at 5%, end-of-year discounting
    expected = -100 / 1.05 + 60 / 1.05**2 + 80 / 1.05**3
    assert roi.npv([-100, 60, 80], 0.05) == pytest.approx(expected)
    assert roi.npv([-100, 60, 80], 0.05) == pytest.approx(28.2907, abs=1e-4)
    assert roi.npv([], 0.03) == 0.0
    assert roi.npv([100.0], 0.0) == 100.0


def test_breakeven_reduction_makes_net_savings_zero():
    r = roi.breakeven_reduction(2_000, 1.5, 12_000, 900_000)
    assert r == pytest.approx(900_000 / (2_000 * 1.5 * 12_000))
    net = roi.service_line_savings(2_000, 1.5, r, 12_000) - 900_000
    assert net == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError):
        roi.breakeven_reduction(0, 1.5, 12_000, 900_000)


def test_payback_month_on_a_hand_made_stream():
    stream = [-500, -100, 150, 150, 150, 150, 150]
    # cumulative: -500, -600, -450, -300, -150, 0, 150 -> month 6 (>= 0 counts)
    assert roi.payback_month(stream) == 6
    assert roi.payback_month([10, -5]) == 1
    assert roi.payback_month([-1, -1, 1]) is None
    assert roi.payback_month([]) is None
    # round-off does not delay payback: 0.1 x 3 - 0.3 is -5.5e-17
    assert roi.payback_month([-0.3, 0.1, 0.1, 0.1]) == 4


def _params(**over):
    base = {"mode": "calculator", "partners": ["payer"], "horizon_years": 3,
            "discount_rate": 0.03, "cost_trend": 0.10, "savings_lag_months": 6,
            "enrollment": {"members": 1000, "ramp": [0.5, 1, 1]},
            "service_lines": {"ed": {"baseline_rate": 2.0, "reduction": 0.1,
                                     "unit_cost": 1000}},
            "program_costs": {"staff": {"partner": "payer", "annual": [150_000, 100_000, 100_000]},
                              "flex": {"partner": "payer", "per_member_year": 20}}}
    base.update(over)
    return roi.RoiParams.model_validate(base)


def test_projection_matches_hand_arithmetic():
    proj = roi.project(roi.build_model(_params()))
    members = np.array([500.0, 1000.0, 1000.0])
    full = members * 2.0 * 0.1 * 1000 * 1.10 ** np.arange(3)  # trend on unit costs
    gross = full * np.array([0.5, 1.0, 1.0])  # 6-month lag: half of year 1
    cost = np.array([150_000, 100_000, 100_000]) + 20 * members
    np.testing.assert_allclose(proj.annual["gross_savings"], gross)
    np.testing.assert_allclose(proj.annual["program_cost"], cost)
    np.testing.assert_allclose(proj.annual["net_savings"], gross - cost)
    assert proj.npv == pytest.approx(roi.npv(gross - cost, 0.03))
    assert proj.summary.gross_savings == pytest.approx(gross.sum())
    assert proj.summary.roi == pytest.approx((gross.sum() - cost.sum()) / cost.sum())
    # monthly: costs from month 1, savings from month 7; cumulative by hand
    monthly = np.concatenate([np.where(np.arange(12) >= 6, full[0], 0.0) / 12 - cost[0] / 12,
                              np.full(12, (full[1] - cost[1]) / 12),
                              np.full(12, (full[2] - cost[2]) / 12)])
    np.testing.assert_allclose(proj.monthly["net_savings"], monthly)
    assert proj.payback_month == roi.payback_month(monthly)
    cum = np.cumsum(monthly)
    assert cum[proj.payback_month - 1] >= 0 > cum[proj.payback_month - 2]


def test_projection_without_payback():
    p = _params(program_costs={"staff": {"partner": "payer", "annual": 10_000_000}})
    proj = roi.project(roi.build_model(p))
    assert proj.payback_month is None
    assert proj.summary.roi < 0


def test_members_one_per_year_and_single_ramp():
    p = _params(enrollment={"members": [100, 200, 400], "ramp": [0.5]})
    assert p.members_by_year() == [50.0, 100.0, 200.0]


def test_import_path():
    from valuecase import value as r

    assert math.isclose(r.service_line_savings(1, 1, 1, 1), 1.0)
    assert callable(r.npv) and callable(r.summarize) and callable(r.breakeven_reduction)
