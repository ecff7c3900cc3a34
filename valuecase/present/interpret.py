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

import math
from typing import Any

import pandas as pd

from valuecase.impact.effect import is_significant


def _fmt(x: float, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def describe_effect(effect: Any, outcome_label: str,
                    comparison: str = "the comparison group") -> str:
    """One sentence: the estimate, its 95% CI, direction and whether the CI excludes no effect."""
    ratio = getattr(effect, "scale", "difference") == "ratio"
    if ratio:
        pct = (effect.estimate - 1) * 100
        lo, hi = (effect.ci_low - 1) * 100, (effect.ci_high - 1) * 100
        size = (f"{'lower' if pct < 0 else 'higher'} by {abs(pct):.0f}% "
                f"(rate ratio {effect.estimate:.2f}; 95% CI {effect.ci_low:.2f} to "
                f"{effect.ci_high:.2f}, i.e. {lo:+.0f}% to {hi:+.0f}%)")
        head = f"Compared with {comparison}, program members' rate of {outcome_label} was {size}"
        direction = "a decrease" if effect.estimate < 1 else "an increase"
    else:
        head = (f"Compared with {comparison}, the program changed {outcome_label} by "
                f"{_fmt(effect.estimate)} (95% CI {_fmt(effect.ci_low)} to "
                f"{_fmt(effect.ci_high)})")
        direction = "a decrease" if effect.estimate < 0 else "an increase"
    p = effect.p_value
    ptext = f"p = {p:.3f}" if p is not None and p >= 0.001 else "p < 0.001"
    if is_significant(effect):
        verdict = f"{direction} that is statistically distinguishable from no effect ({ptext})"
    else:
        verdict = ("not statistically distinguishable from no effect "
                   f"({ptext}; the interval includes {'1' if ratio else '0'})")
    return f"{head}: {verdict}."


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
    """A covariate's plain name: ``baseline_ed_visits_per_member_year`` -> ``baseline ed visits
    per member year``, ``cond_copd`` -> ``chronic condition: COPD``.

    Examples
    --------
    >>> covariate_label("cond_serious_mental_illness"), covariate_label("age")
    ('chronic condition: serious mental illness', 'age')
    """
    from valuecase.impact.characteristics import condition_labels

    labels = condition_labels()
    if name in labels:
        return f"chronic condition: {labels[name]}"
    return name.replace("baseline_", "baseline ").replace("_", " ")


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
        ptext = f"p = {p:.3f}" if p >= 0.001 else "p < 0.001"
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


def money(x: float) -> str:
    """Dollars with the sign before the symbol: ``-$1,234`` (not ``$-1,234``).

    Examples
    --------
    >>> money(-2642836.4), money(95572)
    ('-$2,642,836', '$95,572')
    """
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def count_text(n: int, threshold: int = 11) -> str:
    """A count for funder-facing text: ``"<11"`` for 1-10 (CMS cell-size rule), else ``"1,234"``.

    Examples
    --------
    >>> count_text(7), count_text(0), count_text(1234)
    ('<11', '0', '1,234')
    """
    n = int(n)
    return f"<{threshold}" if 0 < n < threshold else f"{n:,}"


def ratio_text(roi: float | None, benefit_cost_ratio: float | None, digits: int = 0) -> str:
    """``ROI 50% (benefit–cost ratio 1.50)``, or why they are not defined (no program cost).

    Examples
    --------
    >>> ratio_text(0.5, 1.5), ratio_text(None, None)
    ('ROI 50% (benefit–cost ratio 1.50)', 'ROI not defined (the program cost is $0)')
    """
    if roi is None or benefit_cost_ratio is None or roi != roi:
        return "ROI not defined (the program cost is $0)"
    return f"ROI {roi:.{digits}%} (benefit–cost ratio {benefit_cost_ratio:.2f})"


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
                  "$0 (both divide by it). ")
    else:
        ratios = (f", an ROI of {summary.roi:.0%} (net savings divided by cost) and a "
                  f"benefit–cost ratio of {summary.benefit_cost_ratio:.2f} (savings divided "
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
             f"program is {verdict} (probability of a positive return {prob_positive:.0%}).")
    return text


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
