"""The one formatting layer (issue 26, part 2): how money, rates, ratios, percentages, counts,
CIs and flags read, the label dictionary, and what ``table_html`` makes of a table."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from valuecase.present import formatting as fmt
from valuecase.present import interpret
from valuecase.present.currency import use_currency
from valuecase.present.display import table_html

SCIENTIFIC = re.compile(r"\d\.?\d*e[+-]?\d+", re.I)


@pytest.mark.parametrize("x", [5.445e5, -2.424e6, 1e-7, 3.2e12, 0.000123, -0.08607, 1e21])
def test_no_format_writes_scientific_notation(x):
    texts = [fmt.number(x), fmt.money(x), fmt.money(x, cents=True), fmt.ratio(x),
             fmt.percent(x), fmt.signed(x), fmt.rate(x), fmt.auto(x), fmt.auto(np.float64(x))]
    assert [t for t in texts if SCIENTIFIC.search(t)] == []


def test_money_puts_the_sign_before_the_currency_and_names_the_period():
    assert fmt.money(-1234.4) == "-$1,234"
    assert fmt.money(1234.5) == "$1,235"  # half up, as money is rounded
    assert fmt.money(Decimal("90450461.245"), cents=True) == "$90,450,461.25"
    assert fmt.money(-0.004, cents=True) == "$0.00"  # no "-$0.00"
    assert fmt.money(28.27, "per member-month", cents=True, signed_=True) == \
        "+$28.27 per member-month"
    assert fmt.money(5, currency="€") == "€5"


def test_the_currency_comes_from_one_setting():
    previous = use_currency("GBP")
    try:
        assert fmt.money(-12) == "-£12"
        assert interpret.money(12) == "£12"  # the sentences delegate to the layer
        assert fmt.column_label("paid_total") == "Paid (£)"  # headers written for dollars
        assert fmt.money(3, currency="$") == "$3"  # an explicit symbol still wins
    finally:
        use_currency(previous)
    assert fmt.money(-12) == "-$12" and fmt.column_label("paid_total") == "Paid ($)"


def test_percent_has_one_rule_for_decimals():
    shares = [0.0242, 0.024, 0.5, 1.0, 0.2171, 0.0009]
    texts = [fmt.percent(s) for s in shares]
    assert texts == ["2.4%", "2.4%", "50.0%", "100.0%", "21.7%", "0.1%"]
    assert {len(t.split(".")[1]) for t in texts} == {2}  # one decimal and the % sign
    assert fmt.percent(0.0001) == "<0.1%" and fmt.percent(0) == "0.0%"


def test_counts_rates_ratios_cis_and_flags():
    assert fmt.count(231387) == "231,387" and fmt.count(7) == fmt.SUPPRESSED == "<11"
    assert fmt.count(float("nan")) == fmt.NOT_SHOWN
    assert fmt.rate(612.94) == "612.9 per 1,000 member-years"
    assert fmt.ratio(0.93041) == "0.93"
    assert fmt.ci(0.7344, 1.179, fmt.ratio) == "95% CI 0.73 to 1.18"
    assert fmt.ci(-749.61, 806.16, lambda v: fmt.money(v, cents=True)) == \
        "95% CI -$749.61 to $806.16"
    assert (fmt.yes_no(np.True_), fmt.yes_no(False)) == ("yes", "no")
    assert fmt.p_value(0.0004) == "<0.001" and fmt.p_value(0.0123) == "0.012"
    assert fmt.percent_change(0.77) == "23% fewer"


def test_roi_inputs_read_as_what_they_are():
    assert fmt.input_value("service_lines.inpatient.unit_cost", 13467.2) == "$13,467"
    assert fmt.input_value("service_lines.ed.reduction", 0.3) == "30.0%"
    assert fmt.input_value("service_lines.ed.effect", 0.7344) == "0.734"
    assert fmt.input_value("enrollment.members", 1200.0) == "1,200"


def test_every_coded_value_and_column_reads_as_words():
    assert fmt.column_label("pv_net_savings") == "Present value of net savings"
    assert fmt.value_label("housing_instability") == "Housing instability"
    assert fmt.value_label("some_new_code") == "Some new code"
    assert fmt.value_label("Partner A") == "Partner A"
    assert all("_" not in label for label in fmt.COLUMN_LABELS.values())
    assert all("_" not in label for label in fmt.VALUE_LABELS.values())


def test_a_column_without_a_label_fails_loudly_in_strict_mode(monkeypatch):
    monkeypatch.setenv(fmt.STRICT_LABELS_ENV, "1")
    with pytest.raises(KeyError, match="brand_new_column"):
        table_html(pd.DataFrame({"brand_new_column": [1]}))
    monkeypatch.delenv(fmt.STRICT_LABELS_ENV)
    assert "<th scope=\"col\">Brand new column</th>" in table_html(
        pd.DataFrame({"brand_new_column": [1]}))


def _cells(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<td( class=\"num\")?>([^<]*)</td>", html)


def test_table_html_shows_human_headers_no_bare_index_and_marks_numbers():
    df = pd.DataFrame({"step": ["program", "comparison"], "persons": ["166", "<11"],
                       "primary": [True, False], "estimate": [544512.7, float("nan")],
                       "smd": [np.float64(-2.424e-6), None]}, index=[7, 8])
    html = table_html(df)
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    assert headers == ["Step", "People", "Primary", "Estimate", "SMD"]  # no "7" / "8" column
    cells = _cells(html)
    assert cells == [("", "program"), (' class="num"', "166"), ("", "yes"),
                     (' class="num"', "544,513"), (' class="num"', "0.000"),
                     ("", "comparison"), (' class="num"', "&lt;11"), ("", "no"),
                     (' class="num"', "—"), (' class="num"', "—")]


def test_a_named_index_becomes_a_labelled_column():
    ledger = pd.DataFrame({"net_position": [1.5, -2.0]},
                          index=pd.Index(["payer", "cbo"], name="partner"))
    html = table_html(ledger, formats={"net_position": fmt.money})
    assert re.findall(r"<th[^>]*>([^<]*)</th>", html) == ["Partner", "Net position"]
    assert '<td class="num">-$2</td>' in html


def test_years_and_percentiles_have_no_thousands_separator():
    html = table_html(pd.DataFrame({"year": [2022, 2023], "percentile": [5.0, 95.0],
                                    "persons": [11874, 11137]}))
    assert [t for _, t in _cells(html)] == ["2022", "5", "11,874", "2023", "95", "11,137"]


def _breakeven(value, low, high, position, interval="95% CI"):
    return SimpleNamespace(value=value, low=low, high=high, position=position,
                           interval=interval)


def test_a_negative_break_even_rate_ratio_says_no_reduction_covers_the_cost():
    text = interpret.describe_breakeven(_breakeven(-0.08607, 0.7344, 1.179, "below"), "ratio",
                                        "ED visits")
    assert "even avoiding every ED visit would not cover the program's cost" in text
    assert "109% cut" in text and "-0.08607" not in text and "0.7344" not in text
    # DE-SynPUF's 230% reduction: a reduction above 100% in calculator mode
    text = interpret.describe_breakeven(_breakeven(2.296, 0.1, 0.3, "above", "assumed range"),
                                        "reduction", "Acute inpatient stays")
    assert "even avoiding every acute inpatient stay would not cover" in text
    assert "230% cut" in text and "2.296" not in text


def test_a_break_even_inside_the_interval_is_a_percent_cut():
    text = interpret.describe_breakeven(_breakeven(0.79, 0.6564, 1.4, "inside"), "ratio",
                                        "Acute inpatient stays")
    assert text.startswith("Acute inpatient stays: breaking even takes a 21% cut in acute "
                           "inpatient stays, inside the 95% CI (a 40% rise to a 34% cut)")
    text = interpret.describe_breakeven(_breakeven(np.log(0.9), np.log(0.5), np.log(0.8),
                                                   "above"), "log_ratio", "ED visits")
    # every ratio in the interval (0.5 to 0.8) cuts more than the 10% breaking even takes
    assert "10% cut" in text and "even the least favourable end covers" in text


def test_effects_table_formats_each_row_for_its_outcome():
    e = pd.DataFrame({"outcome": ["paid_total"], "estimator": ["DiD"], "primary": [True],
                      "estimate": [28.2734], "se": [396.1], "ci_low": [-749.61],
                      "ci_high": [806.16], "p_value": [0.94], "n": [337],
                      "scale": ["difference"], "method": ["m"]})
    html = table_html(interpret.effects_table(e, {"paid_total": "total paid"}))
    texts = [t for _, t in _cells(html)]
    assert texts == ["Total paid", "DiD", "yes", "+$28.27", "$396.10", "-$749.61 – $806.16",
                     "0.940", "337", "difference", "m"]
    sentence = interpret.describe_effect(SimpleNamespace(
        estimate=28.27, se=396.1, ci_low=-749.61, ci_high=806.16, p_value=0.94, n=337,
        scale="difference"), "total paid", money_per="member-month")
    assert "total paid per member-month by +$28.27 (95% CI -$749.61 to $806.16)" in sentence


def test_break_even_when_other_lines_cover_the_cost_or_on_the_difference_scale():
    text = interpret.describe_breakeven(_breakeven(-0.05, 0.002, 0.198, "below", "assumed range"),
                                        "reduction", "ED visits")
    assert text.startswith("ED visits: the program breaks even as long as ED visits rise by "
                           "no more than 5%; every value in the assumed range (a 0.2% cut to "
                           "a 20% cut) does better")
    text = interpret.describe_breakeven(_breakeven(-0.01, -0.05, -0.02, "above"), "difference",
                                        "ED visits")
    assert "breaking even takes 0.12 fewer ED visits per member-year" in text
    assert "covers the program's cost" in text
    text = interpret.describe_breakeven(_breakeven(float("nan"), 0.7, 1.1, "undefined"), "ratio",
                                        "ED visits")
    assert "no break-even effect" in text


def test_an_index_repeating_a_column_is_not_shown_twice():
    df = pd.DataFrame({"partner": ["payer"], "net_position": [1.0]}).set_index(
        "partner", drop=False)
    assert re.findall(r"<th[^>]*>([^<]*)</th>", table_html(df)) == ["Partner", "Net position"]
