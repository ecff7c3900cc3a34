"""Plain-language sentences generated from the numbers, so report text can never go stale.

Every function takes computed results (an :class:`~valuecase.impact.Effect`, a table) and returns
a sentence; none contains a hand-written claim about direction or significance.

Examples
--------
>>> from valuecase.impact import Effect
>>> e = Effect(estimate=-0.2, se=0.08, ci_low=-0.36, ci_high=-0.04, p_value=0.012, n=400,
...            method="DiD")
>>> describe_effect(e, "acute stays per member-year")
'Compared with the comparison group, the program changed acute stays per member-year by -0.20 (95% CI -0.36 to -0.04): a decrease that is statistically distinguishable from no effect (p = 0.012).'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from valuecase.impact.effect import is_significant
from valuecase.present import formatting


def _fmt(x: float | None, digits: int = 2) -> str:
    """A number in a sentence (see :func:`valuecase.present.formatting.number`)."""
    if formatting.is_missing(x):
        return "n/a"
    return formatting.number(x, None if abs(x) >= 1000 else digits)


def _p_text(p: float | None) -> str:
    return "p < 0.001" if p is None or p < 0.001 else f"p = {formatting.p_value(p)}"


def describe_effect(effect: Any, outcome_label: str,
                    comparison: str = "the comparison group",
                    money_per: str | None = None) -> str:
    """One sentence: the estimate, its 95% CI, direction and whether the CI excludes no effect.

    ``money_per`` (e.g. ``"member-month"``) says the outcome is an amount of money per that
    period: a difference is then written in money with its period.

    Examples
    --------
    >>> from valuecase.impact import Effect
    >>> e = Effect(estimate=28.27, se=396.0, ci_low=-749.61, ci_high=806.16, p_value=0.94,
    ...            n=337, method="DiD")
    >>> describe_effect(e, "total paid", money_per="member-month").split(":")[0]
    'Compared with the comparison group, the program changed total paid per member-month by +$28.27 (95% CI -$749.61 to $806.16)'
    """
    ratio = getattr(effect, "scale", "difference") == "ratio"
    if ratio:
        pct = (effect.estimate - 1) * 100
        lo, hi = (effect.ci_low - 1) * 100, (effect.ci_high - 1) * 100
        size = (f"{'lower' if pct < 0 else 'higher'} by {abs(pct):.0f}% "
                f"(rate ratio {formatting.ratio(effect.estimate)}; "
                f"{formatting.ci(effect.ci_low, effect.ci_high, formatting.ratio)}, "
                f"i.e. {lo:+.0f}% to {hi:+.0f}%)")
        head = f"Compared with {comparison}, program members' rate of {outcome_label} was {size}"
        direction = "a decrease" if effect.estimate < 1 else "an increase"
    elif money_per:
        def amount(x: float, signed: bool = False) -> str:
            return formatting.money(x, cents=True, signed_=signed)
        head = (f"Compared with {comparison}, the program changed {outcome_label} per "
                f"{money_per} by {amount(effect.estimate, signed=True)} "
                f"({formatting.ci(effect.ci_low, effect.ci_high, amount)})")
        direction = "a decrease" if effect.estimate < 0 else "an increase"
    else:
        head = (f"Compared with {comparison}, the program changed {outcome_label} by "
                f"{_fmt(effect.estimate)} (95% CI {_fmt(effect.ci_low)} to "
                f"{_fmt(effect.ci_high)})")
        direction = "a decrease" if effect.estimate < 0 else "an increase"
    ptext = _p_text(effect.p_value)
    if is_significant(effect):
        verdict = f"{direction} that is statistically distinguishable from no effect ({ptext})"
    else:
        verdict = ("not statistically distinguishable from no effect "
                   f"({ptext}; the interval includes {'1' if ratio else '0'})")
    return f"{head}: {verdict}."


SCALE_LABELS = {"ratio": "rate ratio", "log_ratio": "log rate ratio",
                "difference": "difference"}
"""How each effect scale is named in tables."""


def effects_table(effects: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The impact table of every estimate, each number written for its scale and outcome.

    Rate ratios as ratios, differences in counts per member-year with their sign, differences
    in paid amounts in money per member-month; the 95% CI as one cell; ``primary`` as yes/no.

    Examples
    --------
    >>> e = pd.DataFrame({"outcome": ["paid_total", "ed_visits"], "estimator": ["DiD", "Poisson"],
    ...                   "primary": [True, True], "estimate": [28.2734, 0.8349],
    ...                   "se": [396.1, 0.07], "ci_low": [-749.61, 0.73], "ci_high": [806.16, 0.96],
    ...                   "p_value": [0.94, 0.01], "n": [337, 337],
    ...                   "scale": ["difference", "ratio"], "method": ["m", "m"]})
    >>> t = effects_table(e, {"paid_total": "total paid", "ed_visits": "ED visits"})
    >>> t.iloc[0, 3:7].tolist()
    ['+$28.27', '$396.10', '-$749.61 – $806.16', '0.940']
    >>> t.iloc[1, 3:7].tolist()
    ['0.83', '0.070', '0.73 – 0.96', '0.010']
    """
    def cell(x: float, outcome: str, scale: str, signed: bool) -> str:
        if scale == "ratio":
            return formatting.ratio(x)
        if outcome.startswith("paid"):
            return formatting.money(x, cents=True, signed_=signed)
        return formatting.signed(x, 3) if signed else formatting.number(x, 3)

    rows = []
    for r in effects.itertuples(index=False):
        o, sc = str(r.outcome), str(r.scale)
        rows.append({
            "outcome": sentence_case(labels.get(o, o)), "estimator": r.estimator,
            "primary": bool(r.primary), "estimate": cell(r.estimate, o, sc, True),
            "se": (formatting.number(r.se, 3) if sc == "ratio" else cell(r.se, o, sc, False)),
            "95% CI": f"{cell(r.ci_low, o, sc, False)} – {cell(r.ci_high, o, sc, False)}",
            "p_value": formatting.p_value(r.p_value), "n": int(r.n),
            "scale": SCALE_LABELS.get(sc, sc), "method": r.method})
    return pd.DataFrame(rows)


def describe_rtm(naive: pd.DataFrame, did_effect: Any, outcome_label: str,
                 comparison: str = "people who met the same trigger but did not enroll") -> str:
    """The regression-to-the-mean lesson in numbers: program change vs comparison change vs DiD.

    ``naive`` is :func:`valuecase.impact.study.naive_pre_post` output; ``comparison`` describes how the
    comparison group was chosen (:data:`valuecase.impact.study.COMPARISON_TEXT`).
    """
    prog = naive.set_index("group").loc["program"]
    comp = naive.set_index("group").loc["comparison"]
    text = (f"From baseline to follow-up, program members' {outcome_label} changed by "
            f"{_fmt(prog['change'])} ({prog['relative_change']:+.0%}). The comparison group "
            f"({comparison}) changed by {_fmt(comp['change'])} "
            f"({comp['relative_change']:+.0%}) without the program. ")
    if prog["change"] < 0 and comp["change"] < 0:
        text += ("Much of the program group's drop would have happened anyway (regression to "
                 "the mean); the before/after change alone is not an effect. ")
    text += (f"The difference-in-differences estimate is {_fmt(did_effect.estimate)} "
             f"(95% CI {_fmt(did_effect.ci_low)} to {_fmt(did_effect.ci_high)}).")
    return text


def covariate_label(name: str) -> str:
    """A covariate's plain name: ``baseline_ed_visits_per_member_year`` -> ``baseline ED visits
    per member-year``, ``cond_copd`` -> ``chronic condition: COPD``.

    Examples
    --------
    >>> covariate_label("cond_serious_mental_illness"), covariate_label("age")
    ('chronic condition: serious mental illness', 'age')
    >>> covariate_label("baseline_readmissions_30d_per_member_year")
    'baseline 30-day readmissions per member-year'
    >>> covariate_label("baseline_paid_total_pmpm")
    'baseline paid per member-month'
    """
    from valuecase.impact.characteristics import condition_labels

    labels = condition_labels()
    if name in labels:
        return f"chronic condition: {labels[name]}"
    words = name.replace("baseline_", "baseline ").replace("_", " ")
    for raw, plain in _COVARIATE_WORDS:
        words = words.replace(raw, plain)
    return words


_COVARIATE_WORDS = (("readmissions 30d", "30-day readmissions"), ("paid total pmpm",
                    "paid per member-month"), ("per member year", "per member-year"),
                    (" ed ", " ED "))
"""Code words of covariate names and how a reader says them."""


def describe_subgroups(table: pd.DataFrame, outcome: str, outcome_label: str) -> str:
    """One sentence on whether ``outcome``'s effect differs across subgroups (the equity row).

    ``table`` is :func:`valuecase.impact.subgroups.subgroup_effects` output; the verdict rests
    on each dimension's interaction test, never on one subgroup's p-value.

    Examples
    --------
    >>> t = pd.DataFrame({"subgroup_dimension": ["gender", "gender"], "outcome": "ed_visits",
    ...                   "subgroup": ["female", "male"], "p_interaction": 0.41,
    ...                   "suppressed": False})
    >>> describe_subgroups(t, "ed_visits", "ED visits")
    'By sex, the effect on ED visits did not differ detectably (interaction test p = 0.410).'
    """
    from valuecase.impact.subgroups import DIMENSION_LABELS as names

    rows = table[table["outcome"] == outcome]
    parts = []
    for dim, g in rows.groupby("subgroup_dimension", sort=False):
        p = g["p_interaction"].iloc[0]
        if p is None or pd.isna(p):
            continue
        ptext = _p_text(p)
        verdict = "differed" if p < 0.05 else "did not differ detectably"
        parts.append(f"by {names.get(str(dim), str(dim))}, the effect on {outcome_label} "
                     f"{verdict} (interaction test {ptext})")
    if not parts:
        return (f"The effect on {outcome_label} could not be compared across subgroups (too "
                "few people in each).")
    return sentence_case("; ".join(parts)) + "."


def describe_mde(mde_ratio: float, observed_ratio: float | None = None) -> str:
    """What the study could detect: the minimum detectable rate ratio, against the estimate."""
    text = (f"With this many people, the study has 80% power to detect a rate ratio of "
            f"{mde_ratio:.2f} or lower (a {1 - mde_ratio:.0%} reduction) at the 5% level.")
    if observed_ratio is not None:
        if observed_ratio > mde_ratio:
            text += (f" The estimated ratio ({observed_ratio:.2f}) is a smaller change than "
                     "that, so a real effect of this size could easily be missed: absence of "
                     "evidence is not evidence of absence.")
        else:
            text += f" The estimated ratio ({observed_ratio:.2f}) is beyond that threshold."
    return text


def money(x: float, period: str | None = None) -> str:
    """Money with the sign before the symbol: ``-$1,234`` (not ``$-1,234``); delegates to
    :func:`valuecase.present.formatting.money`.

    Examples
    --------
    >>> money(-2642836.4), money(95572)
    ('-$2,642,836', '$95,572')
    """
    return formatting.money(x, period)


def count_text(n: int, threshold: int = 11) -> str:
    """A count for funder-facing text: ``"<11"`` for 1-10 (CMS cell-size rule), else ``"1,234"``
    (:func:`valuecase.present.formatting.count`).

    Examples
    --------
    >>> count_text(7), count_text(0), count_text(1234)
    ('<11', '0', '1,234')
    """
    return formatting.count(n, threshold)


def ratio_text(roi: float | None, benefit_cost_ratio: float | None) -> str:
    """``ROI 50% (benefit–cost ratio 1.50)``, or why they are not defined (no program cost).

    Examples
    --------
    >>> ratio_text(0.5, 1.5), ratio_text(None, None)
    ('ROI 50.0% (benefit–cost ratio 1.50)', 'ROI not defined (the program cost is zero)')
    """
    if roi is None or benefit_cost_ratio is None or roi != roi:
        return "ROI not defined (the program cost is zero)"
    return (f"ROI {formatting.percent(roi)} "
            f"(benefit–cost ratio {formatting.ratio(benefit_cost_ratio)})")


def describe_value(summary: Any, prob_positive: float, interval: tuple[float, float],
                   horizon_years: int, varied: str = "the estimated effects",
                   all_partner_net: float | None = None) -> str:
    """The value case in words: perspective, net savings, ROI and benefit-cost ratio, uncertainty.

    ``summary`` compares the payer's avoided claims payments (gross savings) with the total
    program cost, the convention of the ROI calculators; ``all_partner_net`` (the partner
    ledger's total, after the hospital's lost margin) is reported beside it when given.
    ``varied`` names the inputs the simulation varies.
    """
    if prob_positive >= 0.6:
        verdict = "more likely than not to save more than it costs"
    elif prob_positive <= 0.4:
        verdict = "more likely than not to cost more than it saves"
    else:
        verdict = "about as likely to lose money as to save it"
    if summary.roi is None:
        ratios = ("; ROI and benefit–cost ratio are not defined because the program cost is "
                  "zero (both divide by it). ")
    else:
        ratios = (f", an ROI of {formatting.percent(summary.roi)} (net savings divided by "
                  "cost) and a "
                  f"benefit–cost ratio of {formatting.ratio(summary.benefit_cost_ratio)} "
                  "(savings divided "
                  "by cost). ")
    text = (f"Over {horizon_years} years the base case projects avoided claims payments (gross "
            f"savings) of {money(summary.gross_savings)} against total program costs of "
            f"{money(summary.program_cost)}: net savings of {money(summary.net_savings)}"
            + ratios)
    if all_partner_net is not None:
        text += (f"Counting every partner — the hospital loses the revenue of avoided stays "
                 f"and keeps only its variable cost — the net result is "
                 f"{money(all_partner_net)}. ")
    text += (f"Allowing for uncertainty in {varied}, net savings fall between "
             f"{money(interval[0])} and {money(interval[1])} in 90% of simulations, and the "
             f"program is {verdict} (probability of a positive return "
             f"{formatting.percent(prob_positive)}).")
    return text


def _as_ratio(value: float, kind: str) -> float:
    """A break-even or interval value of an effect on its scale, as a rate ratio."""
    if kind == "log_ratio":
        return float(np.exp(value))
    if kind == "reduction":
        return 1.0 - value
    return float(value)


def _mid_sentence(label: str) -> str:
    """A label inside a sentence: ``Acute inpatient stays`` -> ``acute inpatient stays``;
    an acronym stays (``ED visits``)."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def describe_breakeven(breakeven: Any, kind: str, label: str) -> str:
    """The break-even effect of one service line in words, as a percent reduction.

    ``breakeven`` is :func:`valuecase.value.uncertainty.breakeven_effect` output; ``kind`` is
    the line's effect scale (``reduction``, ``ratio``, ``log_ratio`` or ``difference``) and
    ``label`` its plain name ("ED visits"). When breaking even would take more than removing
    every event (a negative rate ratio), the sentence says exactly that.

    Examples
    --------
    >>> from types import SimpleNamespace as B
    >>> b = B(value=-0.08607, low=0.7344, high=1.179, interval="95% CI", position="below")
    >>> print(describe_breakeven(b, "ratio", "ED visits"))
    ED visits: even avoiding every ED visit would not cover the program's cost (breaking even would take a 109% cut, more than all of them; the 95% CI runs from an 18% rise to a 27% cut).
    >>> b = B(value=0.4, low=0.3, high=0.7, interval="assumed range", position="inside")
    >>> print(describe_breakeven(b, "reduction", "ED visits"))
    ED visits: breaking even takes a 40% cut in ED visits, inside the assumed range (a 30% cut to a 70% cut): the assumptions allow that the program loses money, and that it saves.
    """
    value, lo, hi = breakeven.value, breakeven.low, breakeven.high
    if formatting.is_missing(value):
        return (f"{label}: net savings do not depend on this effect (unit cost or members are "
                "zero), so there is no break-even effect.")
    ends = sorted((lo, hi))
    rise = False
    if kind == "difference":  # events per member-month; negative = fewer
        def change(x: float) -> str:
            per_year = -12.0 * x
            return (f"{formatting.number(abs(per_year), 2)} "
                    f"{'fewer' if per_year >= 0 else 'more'} {_mid_sentence(label)} per "
                    "member-year")
        needed = change(value)
        where = f"the {breakeven.interval} ({change(hi)} to {change(lo)})"  # fewest first
        impossible = False
    else:
        def change(x: float) -> str:
            cut = (1.0 - _as_ratio(x, kind)) * 100
            pct = f"{abs(cut):.0f}" if abs(cut) >= 1 or cut == 0 else f"{abs(cut):.1f}"
            article = "an" if pct.startswith("8") or pct in ("11", "18") else "a"
            return f"{article} {pct}% {'cut' if cut >= 0 else 'rise'}"
        ends = sorted((lo, hi), key=lambda x: 1.0 - _as_ratio(x, kind))  # smaller cut first
        rise = _as_ratio(value, kind) > 1  # the other lines pay for the program
        needed = f"{change(value)} in {_mid_sentence(label)}"
        where = f"the {breakeven.interval} ({change(ends[0])} to {change(ends[1])})"
        impossible = _as_ratio(value, kind) < 0
    if impossible:
        one = _mid_sentence(label[:-1] if label.endswith("s") else label)
        return (f"{label}: even avoiding every {one} would not cover the program's cost "
                f"(breaking even would take {change(value)}, more than all of them; "
                f"the {breakeven.interval} runs from {change(ends[0])} to {change(ends[1])}).")
    if rise:  # the other service lines cover the cost even if this one rises
        head = (f"{label}: the program breaks even as long as {_mid_sentence(label)} rise by "
                f"no more than {change(value).split(' ', 1)[1].removesuffix(' rise')}")
    else:
        head = f"{label}: breaking even takes {needed}"
    if breakeven.position == "inside":
        who = ("the evidence cannot rule out" if breakeven.interval == "95% CI"
               else "the assumptions allow")
        return f"{head}, inside {where}: {who} that the program loses money, and that it saves."
    saves_more_below = kind == "reduction"  # a larger reduction saves more; a larger ratio less
    if (breakeven.position == "below") == saves_more_below:
        where_text = (f"; every value in {where} does better" if rise
                      else f", less than anywhere in {where}")
        return f"{head}{where_text}: even the least favourable end covers the program's cost."
    where_text = (f"; every value in {where} does worse" if rise
                  else f", more than anywhere in {where}")
    return (f"{head}{where_text}: even the most favourable end does not cover the program's "
            "cost.")


def describe_monte_carlo(mc: Any) -> str:
    """The Monte Carlo in four lines, amounts in money (``mc`` is a
    :class:`valuecase.value.uncertainty.MonteCarloResult`).

    Examples
    --------
    >>> from valuecase.value.assumptions import load_roi_params
    >>> from valuecase.value.projection import build_model
    >>> from valuecase.value.uncertainty import monte_carlo
    >>> from valuecase.datasets import example_params
    >>> m = build_model(load_roi_params(example_params("roi-calculator.yml")))
    >>> print(describe_monte_carlo(monte_carlo(m, draws=1000, seed=3)).splitlines()[1][:19])
    Net savings: median
    """
    lo, mid, hi = np.nanpercentile(mc.net_savings, [5, 50, 95])
    paid = float(np.mean(~np.isnan(mc.payback_month)))
    target = ("" if mc.roi_target == 0 else
              f"; probability of an ROI above {formatting.percent(mc.roi_target)}: "
              f"{formatting.percent(mc.prob_roi_above())}")
    return (f"Monte Carlo, {mc.draws:,} draws (seed {mc.seed}).\n"
            f"Net savings: median {money(mid)} (90% interval {money(lo)} to {money(hi)}).\n"
            "Probability of positive net savings (ROI above 0%): "
            f"{formatting.percent(mc.prob_positive())}{target}.\n"
            f"Pays back within the horizon in {formatting.percent(paid)} of draws.")


def describe_estimand(design: str, followup_months: int) -> str:
    """The primary effect's estimand in one paragraph (impact, ROI and funder reports).

    Examples
    --------
    >>> describe_estimand("randomized", 12).split(":")[0]
    '**What the primary effect measures** (the estimand)'
    """
    who = ("every person randomized to the program, against every person randomized to "
           "control (intention to treat)" if design == "randomized" else
           "program members (from their enrollment date), against the comparison group "
           "(the effect on those who enrolled)")
    return ("**What the primary effect measures** (the estimand): the rate ratio of events per "
            f"member-month over the {followup_months} months after each person's index date, "
            f"for {who}. It counts every month of that window, including months after a person "
            "left the program, so it is smaller than the effect while enrolled. The value case "
            "prices it on the same exposure: follow-up member-years of program starts.")


def sentence_case(text: str) -> str:
    """Upper-case the first letter only (``"ED visits"`` stays ``"ED visits"``)."""
    return text[:1].upper() + text[1:]


DESIGN_CAVEATS = {
    "eligible_not_enrolled": "The comparison group met the same hospital-use criteria but did "
                             "not enroll; people who enroll may differ in ways the data cannot "
                             "see. A randomized design would be stronger.",
    "randomized": "Program and comparison members were assigned at random.",
    "all_non_enrolled": "The comparison group was NOT selected by the same criteria: the "
                        "estimates are biased by regression to the mean.",
}
"""The funder summary's first caveat, by study design."""
