"""Contract test over every figure builder: a Figure out, empty input handled, deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from valuecase import population
from valuecase.population import cohorts, concentration
from valuecase.present import figures
from valuecase.present.currency import use_currency


@pytest.fixture(scope="module")
def panel(seed10_panel):
    return seed10_panel.assign(age_band=population.age_band(seed10_panel["age"]))


def cases(panel):
    costs = np.random.default_rng(0).lognormal(0, 1.4, 2000)
    ids = [f"P{i:03d}" for i in range(200)]
    two_years = pd.DataFrame({"person_id": ids * 2, "year": [1] * 200 + [2] * 200,
                              "paid_total": np.random.default_rng(1).gamma(1, 100, 400)})
    funnel = cohorts.segment_funnel(pd.DataFrame({"person_id": ids}),
                                    pd.DataFrame({"person_id": ids[:50]}))
    return {
        "lorenz": (figures.lorenz_figure, concentration.lorenz(costs)),
        "top_share": (figures.top_share_figure, concentration.top_share(costs)),
        "pmpm": (figures.pmpm_figure, population.pmpm_by_category(panel)),
        "rate": (lambda d: figures.rate_figure(d, "ed_visits", "ED visits"),
                 population.utilization_summary(panel)),
        "line": (lambda d: figures.line_figure(d, "period", "member_months"),
                 population.utilization_summary(panel)),
        "group_rate": (lambda d: figures.group_rate_figure(d, "gender", "ed_visits", "ED"),
                       population.utilization_summary(panel, by="all", group="gender")),
        "transition": (figures.transition_heatmap,
                       population.decile_transition(two_years, 1, 2)),
        "funnel": (figures.funnel_figure, cohorts.funnel_for_funders(funnel)),
    }


NAMES = ["lorenz", "top_share", "pmpm", "rate", "line", "group_rate", "transition", "funnel"]


@pytest.mark.parametrize("name", NAMES)
def test_builder_contract(panel, name):
    build, data = cases(panel)[name]
    fig = build(data)
    assert isinstance(fig, go.Figure)
    assert len(fig.data) >= 1
    assert fig.layout.title.text  # every chart says what it shows
    assert fig.to_json() == build(data).to_json()  # deterministic
    empty = data.iloc[0:0]
    e = build(empty)
    assert isinstance(e, go.Figure) and len(e.data) == 0
    assert "No " in e.layout.annotations[0].text


def test_rate_charts_leave_partial_periods_out_and_say_so():
    s = population.mark_partial_periods(pd.DataFrame({
        "period": ["2012", "2013", "2014", "2025"], "member_months": [1, 130, 132, 6],
        "ed_visits_per_1000": [0.0, 141.0, 92.0, 0.0],
        "ed_visits_per_1000_ci_low": [0.0, 4.0, 2.0, 0.0],
        "ed_visits_per_1000_ci_high": [44_267.0, 787.0, 514.0, 7_378.0]}))
    fig = figures.rate_figure(s, "ed_visits", "ED visits")
    assert list(fig.data[0].x) == ["2013", "2014"]
    assert max(fig.data[0].y + fig.data[0].error_y.array) < 1000  # the axis fits real points
    note = fig.layout.annotations[0].text
    assert note.startswith("Left out (partial period") and note.endswith("2012, 2025")
    # without partial periods nothing is left out and there is no note
    full = figures.rate_figure(s[~s["partial"]].drop(columns="partial"), "ed_visits", "ED")
    assert len(full.data[0].x) == 2 and not full.layout.annotations


def test_count_and_rate_axes_start_at_zero(panel):
    """A bar or a rate read from an axis starting at 450 exaggerates every difference."""
    by_gender = population.utilization_summary(panel, by="all", group="gender")
    summary = population.utilization_summary(panel)
    built = [figures.group_rate_figure(by_gender, "gender", "ed_visits", "ED"),
             figures.rate_figure(summary, "ed_visits", "ED"),
             figures.pmpm_figure(population.pmpm_by_category(panel)),
             figures.line_figure(summary, "period", "member_months")]
    for fig in built:
        assert fig.layout.yaxis.rangemode == "tozero", fig.layout.title.text


def test_pmpm_axis_names_the_currency(panel):
    previous = use_currency("AUD")
    try:
        fig = figures.pmpm_figure(population.pmpm_by_category(panel))
    finally:
        use_currency(previous)
    assert fig.layout.yaxis.title.text == "Paid per member per month (A$)"
