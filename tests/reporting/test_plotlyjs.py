"""The vendored plotly.js bundle: small, the right version, and able to draw every chart.

Reports inline ``valuecase/reporting/assets/plotly-basic-*.min.js`` instead of the full
plotly.js; these tests tie the bundle to the installed plotly.py, tie
:data:`BUNDLE_TRACE_TYPES` to what the bundle registers, and check that every figure builder
uses only those trace types and draws in headless Chromium.
"""

from __future__ import annotations

import hashlib
import html
import inspect
import re
from importlib import resources

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.offline
import pytest

from valuecase.impact import Effect
from valuecase.population import cohorts, concentration, rates
from valuecase.present import figures, impact_figures, roi_figures, theme
from valuecase.present.display import figure_bundle, show
from valuecase.reporting.plotlyjs import (
    BUNDLE_FILE,
    BUNDLE_TRACE_TYPES,
    bundle_js,
    check_trace_types,
    trace_types,
)

from browser import open_report

ASSETS = resources.files("valuecase.reporting") / "assets"
REGISTERED = re.compile(r'moduleType:"trace",name:"(\w+)"')
JS_BUDGET = 1_250_000
"""Bytes of the inlined library; reports must stay <= 1.5 MB with their data."""


def _version(js: str) -> str:
    match = re.search(r"plotly\.js .*?v(\d+\.\d+\.\d+)", js[:300])
    assert match, js[:300]
    return match.group(1)


def test_bundle_is_small_plotly_of_the_installed_version():
    js = bundle_js()
    assert len(js.encode("utf-8")) <= JS_BUDGET
    assert js.lstrip().startswith("/**") and "plotly.js (basic - minified)" in js[:200]
    assert "window.Plotly = Plotly" in js
    full_version = _version(plotly.offline.get_plotlyjs())
    assert _version(js) == full_version  # same plotly.js as plotly.py's own figures expect
    assert full_version in BUNDLE_FILE
    assert "</script" not in js.lower()  # safe to inline in a <script> element
    assert bundle_js() is js  # cached


def test_bundle_ships_with_licence_and_readme_naming_its_checksum():
    assert "MIT License" in (ASSETS / "LICENSE").read_text(encoding="utf-8")
    readme = (ASSETS / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256((ASSETS / BUNDLE_FILE).read_bytes()).hexdigest()
    assert digest in readme
    assert "plotly.js-basic-dist-min" in readme and _version(bundle_js()) in readme


def test_bundle_trace_types_are_what_the_bundle_registers():
    assert set(REGISTERED.findall(bundle_js())) == BUNDLE_TRACE_TYPES
    # the pattern does find trace modules: the full library registers many more
    full = set(REGISTERED.findall(plotly.offline.get_plotlyjs()))
    assert BUNDLE_TRACE_TYPES < full and {"heatmap", "histogram", "funnel"} <= full


def _builder_cases() -> dict[str, go.Figure]:
    rng = np.random.default_rng(0)
    costs = rng.lognormal(0, 1.4, 2000)
    ids = [f"P{i:03d}" for i in range(200)]
    two_years = pd.DataFrame({"person_id": ids * 2, "year": [1] * 200 + [2] * 200,
                              "paid_total": rng.gamma(1, 100, 400)})
    funnel = cohorts.funnel_for_funders(cohorts.segment_funnel(
        pd.DataFrame({"person_id": ids}), pd.DataFrame({"person_id": ids[:50]})))
    periods = ["2022", "2023", "2024"]
    pmpm = pd.DataFrame([(p, c, v) for p in periods
                         for c, v in (("inpatient", 410.0), ("pharmacy", 120.5), ("ed", 35.2))],
                        columns=["period", "category", "pmpm"])
    rate = rng.uniform(300, 500, 3)
    summary = pd.DataFrame({"period": periods, "member_months": [1200, 1180, 1150],
                            "ed_visits_per_1000": rate, "ed_visits_per_1000_ci_low": rate - 40,
                            "ed_visits_per_1000_ci_high": rate + 40})
    by_gender = summary.iloc[:2].assign(period="all", gender=["female", "male"])
    balance = pd.DataFrame({"smd": [0.4, 0.05]}, index=["age", "baseline_ed_visits"])
    treated = pd.Series(rng.integers(0, 2, 500))
    ps = pd.Series(np.clip(rng.beta(2, 5, 500) + 0.2 * treated, 0.01, 0.99))
    trends = pd.DataFrame([(g, k, 0.3 + 0.01 * k + 0.05 * (g == "program"))
                           for g in ("program", "comparison") for k in range(-6, 7)],
                          columns=["group", "event_time", "rate"])
    naive = pd.DataFrame({"group": ["program", "comparison"], "change": [-0.4, -0.25]})
    coefs = pd.DataFrame({"estimate": [0.02, 0.0, -0.1], "ci_low": [-0.1, 0.0, -0.2],
                          "ci_high": [0.14, 0.0, 0.0]},
                         index=pd.Index([-2, -1, 0], name="event_time"))
    effects = pd.DataFrame({"estimator": ["DiD", "IPW DiD"], "estimate": [-0.1, -0.08],
                            "ci_low": [-0.2, -0.19], "ci_high": [0.0, 0.03],
                            "scale": ["difference", "difference"]})
    tornado = pd.DataFrame({"label": ["a", "b"], "low": [0, 1], "high": [1, 2],
                            "at_low": [-5.0, 1.0], "at_high": [5.0, 2.0],
                            "base_value": [1.5, 1.5], "swing": [10.0, 1.0]})
    monthly = pd.DataFrame({"net_savings": [-10.0, 4.0, 8.0]},
                           index=pd.RangeIndex(1, 4, name="month"))
    ledger = pd.DataFrame({"costs_borne": [1.0, 0.0], "savings_received": [3.0, 0.5],
                           "revenue_lost": [0.0, 0.4], "transfers_in": [0.0, 1.0],
                           "transfers_out": [1.0, 0.0], "net_position": [1.0, 1.1]},
                          index=pd.Index(["payer", "hospital"], name="partner"))
    return {
        "lorenz_figure": figures.lorenz_figure(concentration.lorenz(costs)),
        "top_share_figure": figures.top_share_figure(concentration.top_share(costs)),
        "pmpm_figure": figures.pmpm_figure(pmpm),
        "rate_figure": figures.rate_figure(summary, "ed_visits", "ED visits"),
        "line_figure": figures.line_figure(summary, "period", "member_months"),
        "group_rate_figure": figures.group_rate_figure(by_gender, "gender", "ed_visits", "ED"),
        "transition_heatmap": figures.transition_heatmap(
            rates.decile_transition(two_years, 1, 2)),
        "funnel_figure": figures.funnel_figure(funnel),
        "love_plot": impact_figures.love_plot(balance, balance.assign(smd=[0.02, 0.01])),
        "propensity_overlap": impact_figures.propensity_overlap(ps, treated),
        "trends_figure": impact_figures.trends_figure(trends, "ED visits"),
        "naive_vs_did_figure": impact_figures.naive_vs_did_figure(naive, -0.15, "ED visits"),
        "event_study_figure": impact_figures.event_study_figure(coefs, "ED visits"),
        "forest_figure": impact_figures.forest_figure(effects),
        "percent_change_figure": impact_figures.percent_change_figure(
            {"Stays": Effect(0.9, 0.1, 0.7, 1.1, 0.3, 300, "m", scale="ratio")}),
        "tornado_figure": roi_figures.tornado_figure(tornado),
        "net_savings_histogram": roi_figures.net_savings_histogram(
            rng.normal(250_000, 400_000, 10_000)),
        "cumulative_net_figure": roi_figures.cumulative_net_figure(monthly),
        "ledger_figure": roi_figures.ledger_figure(ledger),
        "no_data_figure": theme.no_data_figure("Nothing to show"),
    }


@pytest.fixture(scope="module")
def builder_figures() -> dict[str, go.Figure]:
    return _builder_cases()


def test_every_figure_builder_is_covered(builder_figures):
    builders = {name for module in (figures, impact_figures, roi_figures)
                for name, obj in vars(module).items()
                if inspect.isfunction(obj) and obj.__module__ == module.__name__
                and not name.startswith("_")}
    assert builders <= set(builder_figures), builders - set(builder_figures)


@pytest.mark.parametrize("name", sorted(_builder_cases()))
def test_figure_builders_use_only_bundle_trace_types(builder_figures, name):
    fig = builder_figures[name]
    types = {trace.type for trace in fig.data}
    assert types <= BUNDLE_TRACE_TYPES, (name, types)
    check_trace_types(types)
    rendered = trace_types(figure_bundle(fig, f"fig-{name}")["text/html"])
    assert rendered == types  # what the report asks plotly.js to draw


def test_histograms_embed_bins_not_draws(builder_figures):
    fig = builder_figures["net_savings_histogram"]
    (bars,) = fig.data
    assert bars.type == "bar" and 20 <= len(bars.x) <= 70
    assert sum(bars.y) == pytest.approx(1.0)
    assert len(fig.to_json()) < 20_000  # 10,000 draws would take ~120 kB
    widths = np.diff(bars.customdata, axis=1).ravel()
    assert np.allclose(widths, bars.width)
    assert 0.0 in set(np.ravel(bars.customdata))  # an edge at 0, where the line is drawn
    overlap = builder_figures["propensity_overlap"]
    assert [t.name for t in overlap.data] == ["comparison", "program"]
    assert overlap.layout.barmode == "overlay" and all(t.opacity == 0.6 for t in overlap.data)
    for trace in overlap.data:
        assert len(trace.x) == 20 and sum(trace.y) == pytest.approx(100.0, abs=0.01)


def test_transition_and_funnel_keep_their_content(builder_figures):
    grid = builder_figures["transition_heatmap"].data[0]
    assert len(grid.text) == 100 and grid.marker.colorscale and grid.marker.showscale
    funnel = builder_figures["funnel_figure"].data[0]
    assert list(funnel.y) == ["All members", "Met the high-need trigger"]
    assert list(funnel.text) == ["200 (100%)", "50 (25%)"]


def test_trace_types_reads_newplot_traces_not_the_template():
    fig = theme.themed(go.Figure([go.Bar(y=[1])]), "Title")
    fragment = figure_bundle(fig, "fig-1")["text/html"]
    assert '"type":"scatter"' in fragment.replace(" ", "")  # in the template's trace defaults
    assert trace_types(fragment) == {"bar"}
    page = f"<html><body>{fragment}{figure_bundle(go.Figure(go.Pie(values=[1])), 'f2')['text/html']}"
    assert trace_types(page) == {"bar", "pie"}
    assert trace_types(bundle_js()) == set()
    assert trace_types("<p>no charts</p>") == set()
    assert trace_types('Plotly.newPlot("x", [{"y": [1]}], {})') == {"scatter"}


def test_check_trace_types_names_unsupported_types_and_bundle():
    check_trace_types(set())
    check_trace_types(BUNDLE_TRACE_TYPES)
    with pytest.raises(ValueError, match=r"'heatmap', 'sankey'.*plotly\.js-basic-dist-min"):
        check_trace_types(["scatter", "sankey", "heatmap"])


def test_show_refuses_a_trace_the_bundle_cannot_draw():
    with pytest.raises(ValueError, match="sankey"):
        show(go.Figure(go.Sankey(node=dict(label=["a", "b"]),
                                 link=dict(source=[0], target=[1], value=[1]))))


@pytest.mark.browser
def test_bundle_draws_every_builder_figure_offline(builder_figures, tmp_path):
    fragments = "\n".join(
        f"<h2>{html.escape(name)}</h2>" + figure_bundle(fig, f"fig-{name}")["text/html"]
        for name, fig in builder_figures.items())
    page = tmp_path / "bundle.html"
    page.write_text(f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>bundle</title>'
                    f"<script>{bundle_js()}</script></head><body>{fragments}</body></html>",
                    encoding="utf-8")
    report = open_report(page, screenshot=tmp_path / "bundle.png", timeout_ms=30_000)
    assert report.console_errors == []
    assert report.external_requests == []
    assert report.charts == report.charts_rendered == len(builder_figures)
