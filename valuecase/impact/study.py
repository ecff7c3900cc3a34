"""The evaluation study: program and comparison cohorts, index dates, baseline and follow-up windows,
and the outcome tables the impact estimators read.

Design (README, "Impact evaluation": the regression-to-the-mean guard):

- **Program group**: persons in ``program_enrollment`` (arm ``program``) who met the trigger;
  index date = enrollment date.
- **Comparison group**, one of two designs:

  * ``randomized``: persons in ``program_enrollment`` with arm ``control``; index date = their
    recorded (would-be) enrollment date.
  * ``eligible_not_enrolled``: persons who met the **same trigger** (same rule, same look-back)
    but never enrolled. Their index date is their trigger date shifted by the program group's
    median trigger-to-enrollment lag, so both groups' windows sit at the same distance from the
    trigger (otherwise the trigger stays would land in one group's baseline and not the
    other's, and the difference would masquerade as impact).
  * ``all_non_enrolled``: every member who never enrolled, with index dates drawn (seeded) from
    the program's. This is the *wrong* design, kept to show the regression-to-the-mean trap: the
    study carries :data:`RTM_WARNING`.

- **Windows** in whole months relative to the index month: baseline = months -B..-1,
  follow-up = +1..+F; the index month itself is a wash-out month in neither window. Exposure is
  the member months inside each window (people can leave the plan).

Examples
--------
>>> import pandas as pd
>>> panel = pd.DataFrame({"person_id": ["A"] * 5 + ["B"] * 5,
...     "month": list(pd.date_range("2023-01-01", periods=5, freq="MS")) * 2,
...     "inpatient_stays": [1, 1, 0, 0, 0, 1, 1, 0, 1, 0], "ed_visits": [0] * 10,
...     "paid_total": [100.0] * 10, "bed_days": [0] * 10, "readmissions_30d": [0] * 10,
...     "age": [50] * 10, "gender": ["female"] * 10})
>>> triggers = pd.DataFrame({"person_id": ["A", "B"],
...                          "trigger_date": pd.to_datetime(["2023-02-20", "2023-02-20"])})
>>> enrollment = pd.DataFrame({"person_id": ["A"], "enrollment_date": ["2023-03-05"],
...                            "arm": ["program"]})
>>> s = build_study(panel, triggers, enrollment, StudyDesign(baseline_months=2, followup_months=2))
>>> s.persons[["person_id", "treated", "baseline_inpatient_stays", "followup_inpatient_stays"]
...           ].values.tolist()
[['A', 1, 2, 0], ['B', 0, 2, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from valuecase.population.aggregate import as_table, persons_in
from valuecase.trace import stage

from .characteristics import add_conditions, with_attributes

OUTCOMES = ("inpatient_stays", "ed_visits", "bed_days", "readmissions_30d", "paid_total")
"""Outcomes carried into the study tables (panel columns)."""
DESIGNS = ("eligible_not_enrolled", "randomized", "all_non_enrolled")
COMPARISON_TEXT = {
    "eligible_not_enrolled": "people who met the same trigger but did not enroll",
    "randomized": "people randomized to usual care",
    "all_non_enrolled": ("all members who never enrolled (NOT selected by the same trigger: "
                         "expect regression to the mean to flatter the program)"),
}
"""How each design's comparison group is described in report text."""
RTM_WARNING = ("the comparison group was not selected by the same trigger and look-back window "
               "as the program group: regression to the mean will make the program look "
               "better than it is")


@dataclass(frozen=True)
class StudyDesign:
    """Parameters of the evaluation design."""

    design: str = "eligible_not_enrolled"
    baseline_months: int = 12
    followup_months: int = 12
    min_followup_months: int = 1
    outcomes: tuple[str, ...] = OUTCOMES
    seed: int = 0

    def __post_init__(self) -> None:
        if self.design not in DESIGNS:
            raise ValueError(f"design must be one of {', '.join(DESIGNS)}, got {self.design!r}")
        for name in ("baseline_months", "followup_months", "min_followup_months"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")


@dataclass(frozen=True)
class Study:
    """Cohorts and outcome tables of one evaluation.

    Attributes
    ----------
    persons : pandas.DataFrame
        One row per person: ``person_id, treated, index_date, index_month, trigger_date``,
        ``age, gender`` at the index month (a missing age is set to the cohort median and
        flagged in ``age_missing``; a missing gender is ``unknown``), ``baseline_member_months, followup_member_months`` and for each outcome
        ``baseline_<o>``, ``followup_<o>``, ``baseline_<o>_rate``, ``followup_<o>_rate`` (per
        member-year; paid per member-month for ``paid_total``). With condition counts given,
        ``cond_<name>`` (0/1) for each of :data:`valuecase.panel.conditions.CONDITIONS` flagged
        over the baseline window (CCW's rule), ``n_conditions`` and ``condition_segment``
        (:data:`valuecase.impact.characteristics.SEGMENTS`); with person attributes given (e.g. ``race``), those columns
        (missing values ``unknown``).
    periods : pandas.DataFrame
        Two rows per person (``post`` 0/1) with ``member_months``, counts and rates: the DiD table.
    event_time : pandas.DataFrame
        One row per person-month in the windows: ``event_time`` (months from index), outcomes.
    funnel : pandas.DataFrame
        How many persons each step kept or dropped, with the reason.
    design : StudyDesign
    lag_days : float
        Median trigger-to-enrollment lag of the program group (used to place comparison index
        dates in the eligible-not-enrolled design).
    warnings : tuple of str
    followup_loss : pandas.DataFrame
        Per group (``program``, ``comparison``): persons enrolled at the index month with a
        baseline month, how many had no follow-up month (``lost``), the share, and Fisher's
        exact test of equal loss (``p_value``, same on both rows). In the randomized design
        this is the check that keeping only persons with follow-up did not break the
        randomization: a person without any follow-up month has no exposure, so the rate
        comparison (intention to treat over observed member months) assumes loss unrelated to
        the outcome; a difference by arm is warned about.
    """

    persons: pd.DataFrame
    periods: pd.DataFrame
    event_time: pd.DataFrame
    funnel: pd.DataFrame
    design: StudyDesign
    lag_days: float
    warnings: tuple[str, ...] = field(default_factory=tuple)
    followup_loss: pd.DataFrame = field(default_factory=pd.DataFrame)


def rate_column(outcome: str) -> tuple[str, float]:
    """Name suffix and scale of an outcome's rate (per member-year, or PMPM for paid)."""
    return ("pmpm", 1.0) if outcome.startswith("paid") else ("per_member_year", 12.0)


@stage("study")
def build_study(panel: pd.DataFrame | ir.Table, triggers: pd.DataFrame,
                enrollment: pd.DataFrame | None,
                design: StudyDesign = StudyDesign(),
                conditions: pd.DataFrame | ir.Table | None = None,
                attributes: pd.DataFrame | ir.Table | None = None) -> Study:
    """Build the program and comparison cohorts and their outcome tables.

    Parameters
    ----------
    panel : pandas.DataFrame or ibis.Table
        Member-month panel (:func:`valuecase.panel.member_panel.build_panel`, or the panel on
        an engine: then only the cohort's window months are collected).
    triggers : pandas.DataFrame
        ``person_id, trigger_date`` from :func:`valuecase.population.cohorts.trigger_dates`.
    enrollment : pandas.DataFrame
        The ``program_enrollment`` table (``person_id, enrollment_date`` and, for randomized
        designs, ``arm``).
    design : StudyDesign
    conditions : pandas.DataFrame or ibis.Table, optional
        Claims with a qualifying code per person, month and condition
        (:func:`valuecase.panel.conditions.condition_months`); each person is flagged over
        their own baseline window (only the cohort's rows are collected). None (data without
        diagnosis codes): no condition columns.
    attributes : pandas.DataFrame or ibis.Table, optional
        ``person_id`` and more person-level columns to carry (one row per person, e.g.
        ``race`` from eligibility); only the cohort's rows are collected.

    Returns
    -------
    Study
    """
    if enrollment is None or len(enrollment) == 0:
        raise ValueError("no program_enrollment table: the impact study needs the program's "
                         "enrollment dates")
    # the program's own record of a trigger date is not used: both groups are dated by the rule
    enr = enrollment.drop(columns=["trigger_date"], errors="ignore").copy()
    enr["enrollment_date"] = pd.to_datetime(enr["enrollment_date"])
    if "arm" not in enr:
        enr["arm"] = "program"
    enr["arm"] = enr["arm"].fillna("program")
    enr = enr.sort_values("enrollment_date").drop_duplicates("person_id")
    trig = triggers[["person_id", "trigger_date"]].copy()
    trig["trigger_date"] = pd.to_datetime(trig["trigger_date"])
    steps: list[tuple[str, int, str]] = []
    warnings: list[str] = []

    program = enr[enr["arm"] == "program"].merge(trig, on="person_id", how="left")
    steps.append(("program enrollees", len(program), ""))
    if design.design != "randomized":
        # the comparison group is selected by the trigger, so must the program group be, and
        # the trigger must come before enrollment (a later one is not what selected them)
        no_trigger = program["trigger_date"].isna()
        steps.append(("program: dropped, trigger not found in claims", int(no_trigger.sum()),
                      "the comparison group is selected by the trigger, so must the program be"))
        late = ~no_trigger & (program["trigger_date"] > program["enrollment_date"])
        steps.append(("program: dropped, trigger after enrollment", int(late.sum()),
                      "the trigger must precede enrollment"))
        program = program[~no_trigger & ~late]
    # randomized: both arms are kept whole (dropping on a post-randomization criterion in one
    # arm only would break the randomization)
    lags = (program["enrollment_date"] - program["trigger_date"]).dt.days.dropna()
    lag_days = float(np.median(lags)) if len(lags) else 0.0
    program = program.assign(treated=1, index_date=program["enrollment_date"])

    if design.design == "randomized":
        comp = enr[enr["arm"] == "control"].merge(trig, on="person_id", how="left")
        if comp.empty:
            raise ValueError("design 'randomized' needs program_enrollment rows with arm = "
                             "'control'")
        steps.append(("randomized controls", len(comp), ""))
        comp = comp.assign(treated=0, index_date=comp["enrollment_date"])
    elif design.design == "all_non_enrolled":
        warnings.append(RTM_WARNING)
        # every member is in this comparison pool: the whole population is collected
        pool = sorted(persons_in(panel) - set(enr["person_id"]))
        rng = np.random.default_rng(design.seed)
        dates = program["index_date"].to_numpy()
        comp = pd.DataFrame({"person_id": pool})
        comp = comp.merge(trig, on="person_id", how="left")
        steps.append(("never enrolled (not selected by the trigger)", len(comp), RTM_WARNING))
        comp = comp.assign(treated=0, index_date=pd.to_datetime(
            rng.choice(dates, size=len(comp)) if len(dates) else pd.NaT))
    else:
        if (enr["arm"] == "control").any():
            warnings.append("program_enrollment has randomized controls; the "
                            "'randomized' design uses them and is stronger evidence")
        comp = trig[~trig["person_id"].isin(enr["person_id"])].copy()
        steps.append(("met trigger, never enrolled (comparison pool)", len(comp), ""))
        comp = comp.assign(treated=0,
                           index_date=comp["trigger_date"] + pd.to_timedelta(lag_days, "D"))

    cohort = pd.concat([program[["person_id", "treated", "index_date", "trigger_date"]],
                        comp[["person_id", "treated", "index_date", "trigger_date"]]],
                       ignore_index=True)
    cohort = cohort[cohort["person_id"].isin(persons_in(panel, set(cohort["person_id"])))]
    cohort["index_month"] = cohort["index_date"].dt.to_period("M").dt.to_timestamp()

    p = _window_months(panel, cohort, design)
    at_index = p[p["event_time"] == 0][["person_id", "age", "gender"]]
    windows = p[p["event_time"] != 0].assign(post=lambda d: (d["event_time"] > 0).astype(int))

    agg = windows.groupby(["person_id", "post"])[list(design.outcomes)].sum()
    agg["member_months"] = windows.groupby(["person_id", "post"]).size()
    wide = agg.unstack("post", fill_value=0)
    wide.columns = [f"{'followup' if post else 'baseline'}_{name}" for name, post in wide.columns]
    for prefix in ("baseline", "followup"):
        for c in [*design.outcomes, "member_months"]:
            if f"{prefix}_{c}" not in wide:
                wide[f"{prefix}_{c}"] = 0
    persons = cohort.merge(at_index, on="person_id", how="left").merge(
        wide.reset_index(), on="person_id", how="left")
    for c in wide.columns:
        persons[c] = persons[c].fillna(0)

    not_enrolled_at_index = ~persons["person_id"].isin(at_index["person_id"])
    steps.append(("dropped: not enrolled in the index month", int(not_enrolled_at_index.sum()),
                  "no member month at index"))
    persons = persons[~not_enrolled_at_index]
    loss = followup_loss(persons)
    if design.design == "randomized" and loss["p_value"].iloc[0] < 0.05:
        shares = dict(zip(loss["group"], loss["share_lost"], strict=True))
        warnings.append(
            f"follow-up loss differs by arm (program {shares['program']:.0%}, control "
            f"{shares['comparison']:.0%}; Fisher p = {loss['p_value'].iloc[0]:.3f}): the "
            "comparison of observed rates may no longer be a randomized one")
    short = persons["followup_member_months"] < design.min_followup_months
    steps.append(("dropped: follow-up shorter than minimum", int(short.sum()),
                  f"< {design.min_followup_months} member months after index"))
    no_base = persons["baseline_member_months"] < 1
    steps.append(("dropped: no baseline member month", int((~short & no_base).sum()),
                  "no enrolled month before index"))
    persons = persons[~short & ~no_base].copy()
    # covariates for adjustment: a missing age is set to the cohort median and flagged
    persons["age_missing"] = persons["age"].isna().astype(int)
    median_age = persons["age"].median()
    persons["age"] = persons["age"].fillna(0.0 if pd.isna(median_age) else median_age)
    persons["gender"] = persons["gender"].fillna("unknown")
    for prefix in ("baseline", "followup"):
        mm = persons[f"{prefix}_member_months"]
        for o in design.outcomes:
            suffix, scale = rate_column(o)
            persons[f"{prefix}_{o}_{suffix}"] = persons[f"{prefix}_{o}"] / mm * scale
    if conditions is not None:
        persons = add_conditions(persons, conditions, design.baseline_months)
    if attributes is not None:
        persons = with_attributes(persons, attributes)
    persons = persons.sort_values(["treated", "person_id"], ascending=[False, True])
    persons = persons.reset_index(drop=True)
    for t, label in ((1, "analysed: program"), (0, "analysed: comparison")):
        steps.append((label, int((persons["treated"] == t).sum()), ""))

    keep = set(persons["person_id"])
    windows = windows[windows["person_id"].isin(keep)]
    periods = _periods(persons, design)
    event_time = windows.merge(persons[["person_id", "treated"]], on="person_id")
    funnel = pd.DataFrame(steps, columns=["step", "persons", "note"])
    for t in (0, 1):
        if (persons["treated"] == t).sum() == 0:
            warnings.append(f"no {'program' if t else 'comparison'} person left to analyse")
    return Study(persons, periods, event_time.reset_index(drop=True), funnel, design, lag_days,
                 tuple(warnings), loss)


def followup_loss(persons: pd.DataFrame) -> pd.DataFrame:
    """Persons with and without a follow-up month, by group, with Fisher's exact test.

    Examples
    --------
    >>> df = pd.DataFrame({"treated": [1] * 10 + [0] * 10, "baseline_member_months": 12,
    ...                    "followup_member_months": [0] * 5 + [6] * 5 + [0] + [6] * 9})
    >>> loss = followup_loss(df)
    >>> loss[["group", "persons", "lost"]].values.tolist()
    [['program', 10, 5], ['comparison', 10, 1]]
    >>> round(float(loss["p_value"].iloc[0]), 3)
    0.141
    """
    from scipy import stats

    base = persons[persons["baseline_member_months"] >= 1]
    rows = []
    for t, label in ((1, "program"), (0, "comparison")):
        g = base[base["treated"] == t]
        lost = int((g["followup_member_months"] < 1).sum())
        rows.append({"group": label, "persons": len(g), "lost": lost,
                     "share_lost": lost / len(g) if len(g) else np.nan})
    table = [[r["lost"], r["persons"] - r["lost"]] for r in rows]
    p_value = float(stats.fisher_exact(table).pvalue) if all(r["persons"] for r in rows) else 1.0
    return pd.DataFrame(rows).assign(p_value=p_value)


def _window_months(panel: pd.DataFrame | ir.Table, cohort: pd.DataFrame,
                   design: StudyDesign) -> pd.DataFrame:
    """The cohort's person-months inside the windows, with ``event_time`` (months from index).

    Joined and filtered on the engine: only the cohort's windows reach pandas, never the
    population's panel.
    """
    t = as_table(panel)
    t = t.select("person_id", "month", "age", "gender", *design.outcomes)
    c = ibis.memtable(cohort[["person_id", "index_month"]].astype({"person_id": object}))
    j = t.join(c, "person_id")
    rel = ((j.month.year() - j.index_month.year()) * 12
           + (j.month.month() - j.index_month.month()))
    j = j.mutate(event_time=rel.cast("int64"))
    j = j.filter((j.event_time >= -design.baseline_months)
                 & (j.event_time <= design.followup_months))
    p = j.to_pyarrow().to_pandas()
    for c_ in ("month", "index_month"):
        p[c_] = pd.to_datetime(p[c_]).astype("datetime64[ns]")
    cols = ["person_id", "month", "age", "gender", *design.outcomes, "index_month",
            "event_time"]
    return p[cols].sort_values(["person_id", "month"], kind="stable").reset_index(drop=True)


def _periods(persons: pd.DataFrame, design: StudyDesign) -> pd.DataFrame:
    rows = []
    for post, prefix in ((0, "baseline"), (1, "followup")):
        d = persons[["person_id", "treated", "age", "age_missing", "gender"]].copy()
        d["post"] = post
        d["member_months"] = persons[f"{prefix}_member_months"].to_numpy()
        for o in design.outcomes:
            suffix, _ = rate_column(o)
            d[o] = persons[f"{prefix}_{o}"].to_numpy()
            d[f"{o}_{suffix}"] = persons[f"{prefix}_{o}_{suffix}"].to_numpy()
        rows.append(d)
    return pd.concat(rows, ignore_index=True)


def naive_pre_post(study: Study, outcome: str) -> pd.DataFrame:
    """Pooled baseline and follow-up rate by group (events / member months of the group), and
    each group's change: the program change minus the comparison change is the
    exposure-weighted DiD, the primary DiD.

    The program group's change alone is **not** an effect (regression to the mean): this table
    always shows the comparison group's change beside it.
    """
    _, scale = rate_column(outcome)
    rows = []
    for t, label in ((1, "program"), (0, "comparison")):
        g = study.persons[study.persons["treated"] == t]
        rates = {}
        for period in ("baseline", "followup"):
            months = g[f"{period}_member_months"].sum()
            rates[period] = g[f"{period}_{outcome}"].sum() / months * scale if months else np.nan
        base, follow = rates["baseline"], rates["followup"]
        rows.append({"group": label, "persons": len(g), "baseline": base, "followup": follow,
                     "change": follow - base,
                     "relative_change": (follow - base) / base if base else np.nan})
    return pd.DataFrame(rows)


def placebo_periods(study: Study, split: int = -6) -> pd.DataFrame:
    """A placebo DiD table inside the baseline window.

    Months ``-B..split-1`` become the placebo "pre" period and ``split..-1`` the placebo "post"
    period (both before anyone enrolled). A DiD on this table should find no effect; a clear
    non-zero estimate means the groups were already diverging (selection, not impact).
    """
    b = study.design.baseline_months
    if not -b < split < 0:
        raise ValueError(f"split must lie inside the baseline window (-{b} < split < 0)")
    base = study.event_time[study.event_time["event_time"] < 0]
    base = base.assign(post=(base["event_time"] >= split).astype(int))
    outcomes = list(study.design.outcomes)
    agg = base.groupby(["person_id", "treated", "post"])[outcomes].sum()
    agg["member_months"] = base.groupby(["person_id", "treated", "post"]).size()
    agg = agg.reset_index()
    for o in outcomes:
        suffix, scale = rate_column(o)
        agg[f"{o}_{suffix}"] = agg[o] / agg["member_months"] * scale
    both = agg.groupby("person_id")["post"].transform("nunique") == 2
    return agg[both].reset_index(drop=True)


def event_time_rates(study: Study, outcome: str) -> pd.DataFrame:
    """Rate of ``outcome`` by group and month relative to the index date (raw trends).

    Returns
    -------
    pandas.DataFrame
        ``group, event_time, member_months, events, rate`` (per member-year, or PMPM for paid).
    """
    suffix, scale = rate_column(outcome)
    et = study.event_time
    g = et.groupby(["treated", "event_time"]).agg(member_months=("person_id", "size"),
                                                   events=(outcome, "sum")).reset_index()
    g["rate"] = g["events"] / g["member_months"] * scale
    g["group"] = np.where(g["treated"] == 1, "program", "comparison")
    return g[["group", "event_time", "member_months", "events", "rate"]]
