"""The ROI figure builders: contract (figure, title, deterministic, empty input) and the
annotations they carry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from valuecase import value as roi
from valuecase.datasets import example_params
from valuecase.present import roi_figures


def _figure_inputs():
    model = roi.build_model(roi.load_roi_params(example_params("roi-calculator.yml")))
    proj = roi.project(model)
    return {
        roi_figures.tornado_figure: (roi.tornado(model), roi.tornado(model).iloc[0:0]),
        roi_figures.net_savings_histogram: (roi.monte_carlo(model, 2000, seed=1).net_savings,
                                    np.array([])),
        roi_figures.cumulative_net_figure: (proj.monthly, proj.monthly.iloc[0:0]),
        roi_figures.ledger_figure: (roi.partner_ledger(proj).table,
                            roi.partner_ledger(proj).table.iloc[0:0]),
    }


def test_figure_builders_contract():
    for builder, (data, empty) in _figure_inputs().items():
        fig = builder(data)
        assert isinstance(fig, go.Figure), builder.__name__
        assert len(fig.data) >= 1 and fig.layout.title.text
        assert fig.to_json() == builder(data).to_json()  # deterministic
        e = builder(empty)
        assert isinstance(e, go.Figure) and len(e.data) == 0 and e.layout.title.text


def test_figure_annotations():
    data = _figure_inputs()
    hist = roi_figures.net_savings_histogram(data[roi_figures.net_savings_histogram][0])
    p = float(np.mean(data[roi_figures.net_savings_histogram][0] > 0))
    assert any(f"P(ROI > 0) = {p:.1%}" in a.text for a in hist.layout.annotations)
    monthly = data[roi_figures.cumulative_net_figure][0]
    cum = roi_figures.cumulative_net_figure(monthly)
    month = roi.payback_month(monthly["net_savings"])
    assert cum.data[-1].name == f"Payback (month {month})"
    tor = roi_figures.tornado_figure(data[roi_figures.tornado_figure][0])
    assert tor.data[0].y[-1] == data[roi_figures.tornado_figure][0]["label"].iloc[0]  # biggest on top
    assert isinstance(data[roi_figures.ledger_figure][0], pd.DataFrame)
