"""Engagement with partners: reach within 30/90 days, contacts per member-month, dose groups;
and the shared Wilson interval and suppression of valuecase.partners.cells."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from valuecase.partners.cells import suppress_counts, wilson_interval
from valuecase.partners.engagement import (
    DESCRIPTIVE,
    contact_rates,
    dose_groups,
    enrolled_spans,
    reach,
)

AS_OF = pd.Timestamp("2024-12-31")
MONTH = 365.25 / 12


def _enrollment(rows):
    return pd.DataFrame(rows, columns=["person_id", "enrollment_date", "disenrollment_date"]) \
        .astype({"enrollment_date": "datetime64[ns]", "disenrollment_date": "datetime64[ns]"})


def _services(rows):
    return pd.DataFrame(rows, columns=["person_id", "service_date", "partner", "service_type"]) \
        .astype({"service_date": "datetime64[ns]"})


def _wilson_by_hand(k, n, z=1.959963984540054):
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


@pytest.fixture
def reach_case():
    """20 persons enrolled on 1 January (12 reached on day 5, 2 more on day 45), one enrolled
    60 days before as_of (reached on day 1), three 16 days before (one reached)."""
    enr = [(f"p{i:02d}", "2024-01-01", None) for i in range(20)]
    enr += [("m1", "2024-11-01", None)] + [(f"r{i}", "2024-12-15", None) for i in range(3)]
    svc = [(f"p{i:02d}", "2024-01-06", "CBO", "outreach") for i in range(12)]
    svc += [(f"p{i:02d}", "2024-02-15", "Clinic", "home_visit") for i in (12, 13)]
    svc += [("m1", "2024-11-02", "CBO", "outreach"), ("r0", "2024-12-16", "CBO", "outreach")]
    svc += [("p19", "2023-12-20", "CBO", "outreach")]  # before enrollment: not a reach
    return _enrollment(enr), _services(svc)


def test_wilson_matches_newcombe_and_the_formula():
    # Newcombe (1998), Table I, method 3 (score interval)
    low, high = wilson_interval([81, 15, 0, 1], [263, 148, 20, 29])
    np.testing.assert_allclose(low, [0.2553, 0.0624, 0.0, 0.0061], atol=1e-4)
    np.testing.assert_allclose(high, [0.3662, 0.1605, 0.1611, 0.1718], atol=1e-4)
    assert (low[0], high[0]) == pytest.approx(_wilson_by_hand(81, 263))
    assert np.isnan(wilson_interval([0], [0])).all()


def test_reach_counts_only_persons_enrolled_long_enough(reach_case):
    enr, svc = reach_case
    t = reach(enr, svc, AS_OF, min_count=1).set_index("window_days")
    # 30 days: 20 + m1 eligible (the r's enrolled 16 days ago are not), 12 + m1 reached
    assert t.loc[30, ["eligible", "reached"]].tolist() == [21, 13]
    # 90 days: m1 (60 days) is out; 12 + the two reached on day 45
    assert t.loc[90, ["eligible", "reached"]].tolist() == [20, 14]
    assert t.loc[30, "share"] == pytest.approx(13 / 21)
    assert (t.loc[30, "ci_low"], t.loc[30, "ci_high"]) == pytest.approx(_wilson_by_hand(13, 21))
    assert (t.loc[90, "ci_low"], t.loc[90, "ci_high"]) == pytest.approx(_wilson_by_hand(14, 20))
    assert "at least 30 days before 2024-12-31" in t.loc[30, "denominator"]
    assert "at least 90 days before" in t.loc[90, "denominator"]
    assert not t["suppressed"].any()


def test_reach_suppresses_small_counts_and_their_complements():
    enr = _enrollment([(f"p{i:02d}", "2024-01-01", None) for i in range(30)])
    few = reach(enr, _services([(f"p{i:02d}", "2024-01-02", "CBO", "outreach")
                                for i in range(5)]), AS_OF, windows=(30,))
    assert few.loc[0, "eligible"] == 30 and np.isnan(few.loc[0, "reached"])
    assert few.loc[0, ["share", "ci_low", "ci_high"]].isna().all() and few.loc[0, "suppressed"]
    # 25 of 30 reached: the 5 not reached follow by subtraction
    most = reach(enr, _services([(f"p{i:02d}", "2024-01-02", "CBO", "outreach")
                                 for i in range(25)]), AS_OF, windows=(30,))
    assert np.isnan(most.loc[0, "reached"]) and most.loc[0, "suppressed"]
    half = reach(enr, _services([(f"p{i:02d}", "2024-01-02", "CBO", "outreach")
                                 for i in range(15)]), AS_OF, windows=(30,))
    assert half.loc[0, "reached"] == 15 and not half.loc[0, "suppressed"]
    small = reach(enr.iloc[:6], _services([]), AS_OF, windows=(30,))
    assert small.loc[0, ["eligible", "reached", "share"]].isna().all()


def test_contacts_per_member_month_by_partner_and_type():
    enr = _enrollment([("a", "2024-01-01", "2024-01-31"), ("b", "2024-06-01", None)])
    svc = _services([("a", "2024-01-05", "CBO", "outreach"),
                     ("a", "2024-01-20", "Clinic", "care_coordination"),
                     ("a", "2024-02-10", "CBO", "outreach"),        # after disenrollment
                     ("b", "2024-05-30", "CBO", "outreach"),        # before enrollment
                     ("b", "2024-06-10", "CBO", "home_visit"),
                     ("b", "2024-07-05", "CBO", "home_visit")])     # after as_of
    as_of = "2024-07-01"
    spans = enrolled_spans(enr, as_of)
    assert spans["member_months"].tolist() == pytest.approx([30 / MONTH, 30 / MONTH])
    t = contact_rates(enr, svc, as_of, min_count=1).set_index(["by", "group"])
    months = 60 / MONTH
    assert t.loc[("overall", "all"), "contacts"] == 3
    assert t.loc[("overall", "all"), "contacts_per_member_month"] == pytest.approx(3 / months)
    assert t.loc[("partner", "CBO"), "contacts"] == 2
    assert t.loc[("partner", "Clinic"), "contacts_per_member_month"] == pytest.approx(1 / months)
    assert t.loc[("service_type", "home_visit"), "persons"] == 1
    assert t.loc["service_type", "contacts"].sum() == 3
    assert t["member_months"].tolist() == pytest.approx([months] * len(t))
    assert (t["enrolled"] == 2).all()


def test_contact_rates_hide_a_small_partner_and_its_complement():
    enr = _enrollment([(f"p{i:02d}", "2024-01-01", None) for i in range(40)])
    svc = _services([(f"p{i:02d}", "2024-03-01", "CBO", "outreach") for i in range(30)]
                    + [(f"p{i:02d}", "2024-03-02", "Clinic", "outreach") for i in range(3)])
    t = contact_rates(enr, svc, AS_OF).set_index(["by", "group"])
    assert t.loc[("partner", "Clinic"), ["contacts", "persons",
                                         "contacts_per_member_month"]].isna().all()
    # CBO = all - Clinic: hidden as well; the overall row stays
    assert np.isnan(t.loc[("partner", "CBO"), "contacts"])
    assert t.loc[("overall", "all"), "contacts"] == 33
    assert t.loc[("service_type", "outreach"), "contacts"] == 33
    assert t.loc[("partner", "Clinic"), "suppressed"]


def test_dose_groups_are_descriptive_tertiles():
    enr = _enrollment([(f"p{i}", "2024-01-01", None) for i in range(8)]
                      + [("late", "2024-12-20", None)])
    svc = _services([(f"p{i}", f"2024-0{j + 1}-15", "CBO", "outreach")
                     for i in range(2, 8) for j in range(i - 1)]
                    + [("late", "2024-12-21", "CBO", "outreach")])
    t = dose_groups(enr, svc, AS_OF, min_count=1).set_index("group")
    # p0, p1 none; rates 1..6 contacts / 365 days: cut points at 2.67 and 4.33 contacts
    assert t["persons"].tolist() == [2, 2, 2, 2, 8]
    assert t["contacts"].tolist() == [0, 3, 7, 11, 21]
    months = 365 / MONTH
    assert t.loc["high", "member_months"] == pytest.approx(2 * months)
    assert t.loc["middle", "contacts_per_member_month"] == pytest.approx(7 / (2 * months))
    assert (t.loc["low", "rate_min"], t.loc["low", "rate_max"]) == pytest.approx(
        (1 / months, 2 / months))
    assert (t["interpretation"] == DESCRIPTIVE).all() and DESCRIPTIVE == "descriptive, not causal"
    assert t.attrs["interpretation"] == DESCRIPTIVE
    assert t.attrs["excluded_short_enrollment"] == 1  # enrolled 11 days: left out


def test_dose_groups_suppress_small_groups():
    enr = _enrollment([(f"p{i:02d}", "2024-01-01", None) for i in range(60)])
    svc = _services([(f"p{i:02d}", "2024-02-01", "CBO", "outreach") for i in range(55)])
    t = dose_groups(enr, svc, AS_OF).set_index("group")
    assert np.isnan(t.loc["none", "persons"]) and t.loc["none", "suppressed"]  # 5 persons
    assert t.loc["all", "persons"] == 60
    assert t[["persons"]].isna().sum().iloc[0] >= 2  # complementary: not only the small one


def test_suppress_counts_keeps_zero_and_cascades_to_the_total_row():
    t = pd.DataFrame({"n": [0, 30, 30]}, index=["a", "b", "all"])
    assert suppress_counts(t, ["n"], total_row="all")["n"].tolist() == [0, 30, 30]
    t = pd.DataFrame({"n": [5, 30, 40, 75]}, index=["a", "b", "c", "all"])
    s = suppress_counts(t, ["n"], total_row="all")
    assert s["n"].isna().tolist() == [True, True, False, False]
    assert s["suppressed"].tolist() == [True, True, False, False]


def test_outcomes_by_dose_are_rates_per_member_year_with_exact_poisson_intervals():
    from scipy.stats import chi2

    from valuecase.partners.engagement import outcomes_by_dose

    people = [f"p{i}" for i in range(30)]
    assignment = pd.DataFrame({"group": ["low"] * 15 + ["high"] * 15},
                              index=pd.Index(people, name="person_id"))
    outcomes = pd.DataFrame({"person_id": people, "followup_member_months": [12] * 30,
                             "followup_inpatient_stays": [1] * 15 + [0] * 14 + [3],
                             "followup_ed_visits": 2})
    t = outcomes_by_dose(assignment, outcomes).set_index("group")
    assert t.loc["low", "inpatient_stays_per_member_year"] == 1.0
    assert t.loc["high", "inpatient_stays_per_member_year"] == pytest.approx(3 / 15)
    assert t.loc["high", "inpatient_stays_ci_low"] == pytest.approx(chi2.ppf(0.025, 6) / 2 / 15)
    assert t.loc["high", "inpatient_stays_ci_high"] == pytest.approx(chi2.ppf(0.975, 8) / 2 / 15)
    assert t.loc["all", "persons"] == 30 and t.loc["all", "member_years"] == 30
    assert t.loc["none", "persons"] == 0  # an empty group is shown as 0
    assert (t["interpretation"] == "descriptive, not causal").all()
    # a group under 11 persons is blank, with its rates
    few = assignment.copy()
    few.iloc[:5, 0] = "middle"
    t = outcomes_by_dose(few, outcomes).set_index("group")
    assert t.loc["middle"][["persons", "inpatient_stays_per_member_year"]].isna().all()
    assert t.loc["middle", "suppressed"]
