"""Orchestrate generation: chunk by chunk, members -> events -> program -> claims -> files.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from valuecase.synth import SynthConfig, generate
>>> res = generate(SynthConfig(members=200, months=24, seed=1), Path(tempfile.mkdtemp()))
>>> sorted(res.files)  # doctest: +NORMALIZE_WHITESPACE
['eligibility', 'experience_survey', 'medical_claim', 'pharmacy_claim', 'program_costs',
 'program_enrollment', 'program_services', 'social_needs']
>>> res.rows["eligibility"] >= 200
True
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from . import claims as cl
from . import expected as ex
from .config import TABLE_NAMES, SynthConfig, SynthResult
from .diagnoses import diagnosis_columns, draw_race
from .events import simulate_events
from .partners import partner_tables, partner_truth
from .population import (
    CONDITIONS,
    FACILITY_SITE,
    PLANS,
    SITES,
    Calendar,
    enrollment_spans,
    make_population,
)
from .program import (
    TRIGGER_TEXT,
    apply_effect,
    assign_program,
    estimand_counts,
    program_costs,
)
from .writer import TableWriter

PAYER = "medicaid"
DATA_SOURCE = "valuecase synthetic"


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` + zero-padded numbers, e.g. ``P0000012``."""
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width)).astype(object)


def write_identifiers(folder: Path, people: dict[str, list[np.ndarray]],
                      program: np.ndarray, seed: int) -> None:
    """The payer's identifier file (every member, with the eligibility's birth date and sex),
    the partner's (the program arm written with a partner's errors, plus one non-member client
    for every three) and the linkage truth, as CSV in ``folder`` (for ``valuecase link``)."""
    from valuecase.partners.identifiers import linkage_for

    ids = np.concatenate(people["id"])
    births = (np.concatenate(people["birth"]).astype("datetime64[D]")).astype(str)
    sexes = np.where(np.concatenate(people["female"]), "F", "M")
    s = linkage_for(ids, program, outsiders=len(program) // 3, seed=seed,
                    birth_dates=list(births), sexes=list(sexes))
    folder.mkdir(parents=True, exist_ok=True)
    s.payer.to_csv(folder / "payer.csv", index=False)
    s.partner.to_csv(folder / "partner.csv", index=False)
    s.truth.to_csv(folder / "truth.csv", index=False)


def _eligibility(pop, cal, pid, mid, race: np.ndarray) -> dict[str, np.ndarray]:
    p, start, end = enrollment_spans(pop, cal)
    k = len(p)
    return {
        "person_id": pid[p], "member_id": mid[p], "payer": np.full(k, PAYER),
        "plan": PLANS[pop.plan[p]], "birth_date": pop.birth_day[p],
        "gender": np.where(pop.female[p], "female", "male"), "race": race[p],
        "death_date": pop.death_day[p],
        "enrollment_start_date": start, "enrollment_end_date": end,
        "data_source": np.full(k, DATA_SOURCE),
    }


def _medical(lines, pop, pid, mid, claim_offset: int, width: int,
             paid_date: np.ndarray, dx: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    p = lines["person"]
    return {
        "claim_id": _ids("MC", lines["claim"] + claim_offset, width),
        "claim_line_number": lines["line"], "person_id": pid[p], "member_id": mid[p],
        "payer": np.full(len(p), PAYER), "plan": PLANS[pop.plan[p]],
        "claim_type": lines["claim_type"], "claim_start_date": lines["start"],
        "claim_end_date": lines["end"], "admission_date": lines["adm"],
        "discharge_date": lines["dis"], "bill_type_code": lines["bill_type"],
        "revenue_center_code": lines["rev"], "place_of_service_code": lines["pos"],
        "hcpcs_code": lines["hcpcs"], "drg_code": lines["drg"],
        "discharge_disposition_code": lines["disp"], "facility_npi": lines["npi"],
        "paid_date": paid_date, "paid_amount": lines["paid"], "allowed_amount": lines["allowed"],
        "diagnosis_code_1": dx["dx1"], "diagnosis_code_2": dx["dx2"],
        "diagnosis_code_3": dx["dx3"], "diagnosis_code_4": dx["dx4"],
    }


def _pharmacy(rx, pop, pid, mid, claim_offset: int, width: int,
              paid_date: np.ndarray) -> dict[str, np.ndarray]:
    p = rx["person"]
    k = len(p)
    return {
        "claim_id": _ids("RX", np.arange(k) + claim_offset, width),
        "claim_line_number": np.ones(k, dtype=np.int64), "person_id": pid[p],
        "member_id": mid[p], "payer": np.full(k, PAYER), "plan": PLANS[pop.plan[p]],
        "dispensing_date": rx["day"], "ndc_code": rx["ndc"], "days_supply": rx["days_supply"],
        "paid_date": paid_date, "paid_amount": rx["paid"], "allowed_amount": rx["allowed"],
    }


def generate(cfg: SynthConfig, out_dir: Path | str) -> SynthResult:
    """Generate a synthetic claims data set and write it to ``out_dir``.

    Parameters
    ----------
    cfg : SynthConfig
        What to generate; the same config always gives the same tables.
    out_dir : Path or str
        Folder to write ``eligibility``, ``medical_claim``, ``pharmacy_claim``,
        ``program_enrollment`` and ``program_costs`` (``.parquet`` or ``.csv``) plus
        ``truth.json`` (config, true effects, trigger, counts, and per calendar year the
        model-``expected`` and ``generated`` event counts; see :mod:`valuecase.synth.expected`). Created if missing; existing files of the same names are overwritten.

    Returns
    -------
    SynthResult
        Paths and row counts of what was written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from valuecase.synth import SynthConfig, generate
    >>> res = generate(SynthConfig(members=200, months=24, fmt="csv"), tempfile.mkdtemp())
    >>> pd.read_csv(res.files["eligibility"])["person_id"].str.startswith("P").all()
    np.True_
    """
    if not isinstance(cfg, SynthConfig):
        raise TypeError(f"cfg must be a SynthConfig, got {type(cfg).__name__}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cal = Calendar.from_config(cfg)
    width = max(7, len(str(cfg.members)))
    # spawned children 0 and 1 are as they were before the partner stream (2) was added
    chunk_root, cost_seed, partner_seed, id_seed = np.random.SeedSequence(cfg.seed).spawn(4)
    n_chunks = -(-cfg.members // cfg.chunk_members)
    seeds = chunk_root.spawn(n_chunks)
    writers = {name: TableWriter(out, name, cfg.fmt) for name in TABLE_NAMES}
    med_offset = rx_offset = 0
    counts = {"trigger_meeters": 0, "eligible_trigger_meeters": 0, "program": 0, "control": 0,
              "comparison_pool": 0, "deaths": 0}
    window = {"stays": 0, "stays_via_ed": 0, "ed_visits": 0}
    estimand: dict[str, int] = {}
    enroll_all, end_all, pid_all = [], [], []
    people: dict[str, list[np.ndarray]] = {"id": [], "birth": [], "female": []}
    n_years = len(np.unique(ex.years_of(cal)))
    expected = {k: np.zeros(n_years) for k in ex.COUNTS}
    generated: dict[str, np.ndarray] = {}
    try:
        for c in range(n_chunks):
            rng = np.random.default_rng(seeds[c])
            # Payment lags, then diagnoses consistent with the conditions, then race draw from
            # children spawned after everything else, so each left every other column as it was
            # before it existed (the first child is the one paid dates always had).
            paid_seed, dx_seed, race_seed = seeds[c].spawn(3)
            paid_rng = np.random.default_rng(paid_seed)
            index = np.arange(c * cfg.chunk_members, min((c + 1) * cfg.chunk_members, cfg.members))
            pop = make_population(rng, index, cal)
            pid, mid = _ids("P", index + 1, width), _ids("M", index + 1, width)
            events = simulate_events(rng, pop, cal)
            prog = assign_program(rng, pop, cal, events["stays"], cfg.randomized,
                                  cfg.enroll_share, cfg.selection)
            untreated = events
            events, in_window = apply_effect(rng, events, pop.n, prog, cfg.effect_inpatient,
                                             cfg.effect_ed)
            for k, v in estimand_counts(untreated, events, pop.n, prog, cal).items():
                estimand[k] = estimand.get(k, 0) + v
            lines = cl.medical_lines(rng, events, pop, cal)
            rx = cl.pharmacy_lines(rng, events["rx"])
            med_paid = cl.medical_paid_dates(paid_rng, lines)
            rx_paid = cl.pharmacy_paid_dates(paid_rng, rx)
            dx = diagnosis_columns(np.random.default_rng(dx_seed), lines, pop.conditions)
            race = draw_race(np.random.default_rng(race_seed), pop.n)
            for k, v in ex.expected_counts(pop, cal, prog, cfg.effect_inpatient,
                                           cfg.effect_ed).items():
                expected[k] += v
            for k, v in ex.generated_counts(events, pop, cal).items():
                generated[k] = generated.get(k, 0) + v

            writers["eligibility"].write(_eligibility(pop, cal, pid, mid, race))
            people["id"].append(pid)
            people["birth"].append(pop.birth_day)
            people["female"].append(pop.female)
            writers["medical_claim"].write(_medical(lines, pop, pid, mid, med_offset + 1, 9,
                                                    med_paid, dx))
            writers["pharmacy_claim"].write(_pharmacy(rx, pop, pid, mid, rx_offset + 1, 9,
                                                            rx_paid))
            med_offset += int(lines["claim"].max()) + 1 if len(lines["claim"]) else 0
            rx_offset += len(rx["person"])
            p = prog["person"]
            writers["program_enrollment"].write({
                "person_id": pid[p], "enrollment_date": prog["enroll"],
                "disenrollment_date": prog["disenroll"],
                "arm": np.where(prog["arm"] == 1, "program", "control"),
                "randomized": np.full(len(p), int(cfg.randomized)),
                "trigger_date": prog["trigger"],
                "site": SITES[FACILITY_SITE[pop.facility[p]]],
            })
            treated = prog["arm"] == 1
            enroll_all.append(prog["enroll"][treated])
            end_all.append(prog["end"][treated])
            pid_all.append(pid[p][treated])
            counts["trigger_meeters"] += len(prog["meeters"])
            counts["eligible_trigger_meeters"] += len(prog["eligible"])
            counts["program"] += int(treated.sum())
            counts["control"] += int((~treated).sum()) if cfg.randomized else 0
            counts["comparison_pool"] += 0 if cfg.randomized else len(prog["meeters"]) - int(
                treated.sum())
            counts["deaths"] += int((pop.death_day >= 0).sum())
            for k in window:
                window[k] += in_window[k]
        costs = program_costs(np.random.default_rng(cost_seed), cal,
                              np.concatenate(enroll_all), np.concatenate(end_all))
        writers["program_costs"].write(costs)
        partners = partner_tables(np.random.default_rng(partner_seed), np.concatenate(pid_all),
                                  np.concatenate(enroll_all), np.concatenate(end_all),
                                  cal.last_day)
        for name, columns in partners.items():
            writers[name].write(columns)
        write_identifiers(out / "identifiers", people, np.concatenate(pid_all),
                          int(np.random.default_rng(id_seed).integers(2**31)))
    finally:
        rows = {name: w.close() for name, w in writers.items()}

    truth_path = out / "truth.json"
    truth = _truth(cfg, counts, window)
    truth["estimands"] = estimand_truth(estimand)
    years = [str(y) for y in np.unique(ex.years_of(cal))]
    truth["expected"] = _by_year(expected, years, decimals=1)
    truth["expected"]["notes"] = EXPECTED_NOTES
    truth["generated"] = _by_year(generated, years, decimals=None)
    truth["generated"]["notes"] = GENERATED_NOTES
    truth["partners"] = partner_truth(rows)
    truth_path.write_text(json.dumps(truth, indent=2) + "\n")
    return SynthResult(out_dir=out, files={n: w.path for n, w in writers.items()}, rows=rows,
                       truth_path=truth_path)


def true_conditions(cfg: SynthConfig) -> dict[str, np.ndarray]:
    """Each member's chronic conditions as the generator drew them (``person_id`` and one
    boolean array per name of :data:`~valuecase.synth.population.CONDITIONS`): the truth the
    condition flags of :mod:`valuecase.panel.conditions` are checked against.

    Examples
    --------
    >>> t = true_conditions(SynthConfig(members=200, months=24, seed=1))
    >>> len(t["person_id"]), sorted(t)[:2]
    (200, ['copd', 'diabetes'])
    """
    cal = Calendar.from_config(cfg)
    width = max(7, len(str(cfg.members)))
    chunk_root = np.random.SeedSequence(cfg.seed).spawn(4)[0]
    n_chunks = -(-cfg.members // cfg.chunk_members)
    ids, flags = [], []
    for c, seed in enumerate(chunk_root.spawn(n_chunks)):
        index = np.arange(c * cfg.chunk_members, min((c + 1) * cfg.chunk_members, cfg.members))
        # the population is the first draw of the chunk's stream, as in generate
        pop = make_population(np.random.default_rng(seed), index, cal)
        ids.append(_ids("P", index + 1, width))
        flags.append(pop.conditions)
    has = np.concatenate(flags)
    return {"person_id": np.concatenate(ids),
            **{name: has[:, i] for i, name in enumerate(CONDITIONS)}}


EXPECTED_NOTES = [
    "Model-expected counts given each person's latent monthly risk, enrollment, death day and "
    "program window (the generator's mean function, no draws), by calendar year of the visit or "
    "admission; counted as valuecase.panel.encounters counts them (ED visit = distinct person-day).",
    "Exact: primary admissions, terminal stays, readmission chains before the overlap filter, "
    "enrollment and death filters, program thinning (effects <= 0) and treat-and-release ED "
    "visits.",
    "Approximate: stays dropped for starting during another stay (exp(-expected coverage)); "
    "same-day ED de-duplication (Poisson); 30-day readmissions treat the stay's own readmission "
    "and the person's other stays as independent, and count the own readmission in both; index "
    "stays assume data end = last day of the window; stays the claims logic merges (adjacent, "
    "same hospital) are counted separately; positive effects (event copies shifted up to 14 "
    "days) are treated as exact rate multipliers.",
    "Trigger selection: program windows start after two stays, and the readmissions of those "
    "stays can fall in the window; the expectation treats the window's events as unselected.",
    "ed_visit_events = ED visits before same-day de-duplication; ed_visits_admitted = stays "
    "admitted through the ED.",
]
GENERATED_NOTES = [
    "Realized counts from the generator's own event tables (before claims logic), by calendar "
    "year of the visit or admission.",
    "acute_stays = one per 111 claim; the claims logic merges adjacent_same_facility of them "
    "into the previous stay (same person and hospital, admitted the day after discharge).",
    "ed_visits = distinct person-days with a treat-and-release ED visit or an admission through "
    "the ED (what valuecase.panel.encounters counts); ed_visit_events counts them before "
    "de-duplication.",
    "readmission_stays = stays made by the generator's readmission process (not the crude "
    "30-day rule); terminal_stays = in-hospital deaths.",
]


def _by_year(counts: dict[str, np.ndarray], years: list[str], decimals: int | None) -> dict:
    """``{"total": {...}, "by_year": {year: {...}}}`` with rounded floats or integers."""
    def fmt(x: float) -> float | int:
        return round(float(x), decimals) if decimals is not None else int(round(float(x)))

    return {
        "total": {k: fmt(v.sum()) for k, v in counts.items()},
        "by_year": {y: {k: fmt(v[i]) for k, v in counts.items()} for i, y in enumerate(years)},
    }


def estimand_truth(counts: dict[str, int]) -> dict:
    """The true value of each reported rate-ratio estimand over all program-arm enrollees:
    events with the effect / the same people's events without it (the generator thins, so
    both are known), for the primary 12-month follow-up window, while enrolled, and in the
    follow-up months after leaving (where the synthetic program does nothing).

    Examples
    --------
    >>> c = {f"{w}_{o}_{k}": v for w in ("followup", "enrolled") for o in ("stays", "ed_visits")
    ...      for k, v in (("untreated", 100), ("treated", 90))}
    >>> estimand_truth(c)["followup_rate_ratio"]["inpatient_stays"]
    0.9
    """
    def ratio(window: str, outcome: str) -> float | None:
        untreated = counts.get(f"{window}_{outcome}_untreated", 0)
        treated = counts.get(f"{window}_{outcome}_treated", 0)
        return round(treated / untreated, 4) if untreated else None

    return {
        "followup_rate_ratio": {"inpatient_stays": ratio("followup", "stays"),
                                "ed_visits": ratio("followup", "ed_visits")},
        "while_enrolled_rate_ratio": {"inpatient_stays": ratio("enrolled", "stays"),
                                      "ed_visits": ratio("enrolled", "ed_visits")},
        "not_enrolled_rate_ratio": {"inpatient_stays": 1.0, "ed_visits": 1.0},
        "counts": counts,
        "definition": (
            "Rate ratios of program-arm enrollees (randomized: the program arm, intention to "
            "treat): events with the program / the same people's events without it. "
            "followup = the 12 calendar months after each enrollment month (the impact "
            "study's primary window; the study keeps only persons it can analyse and stops "
            "at plan disenrollment or death, so its own truth differs a little: "
            "`valuecase simulate` computes that one exactly from the untreated twin); "
            "while_enrolled = enrollment to disenrollment; after leaving the program has no "
            "effect. ED visits include those admitted through the ED."),
    }


def _truth(cfg: SynthConfig, counts: dict[str, int], window: dict[str, int]) -> dict:
    """The facts an evaluation should recover."""
    ed_all = window["ed_visits"] + window["stays_via_ed"]
    implied = (
        (window["ed_visits"] * (1 + cfg.effect_ed)
         + window["stays_via_ed"] * (1 + cfg.effect_inpatient)) / ed_all - 1
        if ed_all else cfg.effect_ed
    )
    return {
        "generator": "valuecase.synth",
        "config": dataclasses.asdict(cfg),
        "true_effects": {
            "inpatient": cfg.effect_inpatient,
            "ed": cfg.effect_ed,
            "ed_all_visits_implied": round(implied, 4),
            "applies": "to program-arm enrollees from enrollment_date to disenrollment_date "
                       "(or end of data): acute inpatient admission rate x (1 + inpatient); "
                       "rate of ED visits not leading to admission x (1 + ed); ED visits that "
                       "lead to an admission follow the inpatient effect.",
            "untreated_events_in_treated_windows": window,
        },
        "trigger": {
            "definition": TRIGGER_TEXT,
            "window_days": 182,
            "evaluated_after_month": 12,
            "enrollment_lag_days": [7, 34],
        },
        "counts": counts,
        "notes": [
            "Output depends on every config field, including chunk_members (one seed per chunk).",
            "Reversals (negative paid_amount, own claim_id) are never made for 111 claims.",
            "paid_date: full run-out, so paid dates can fall after the window. Medical lag from "
            "claim_end_date is lognormal (median 16 days professional, 24 hospital outpatient/ED, "
            "34 inpatient) plus pended claims (6/9/12%) waiting 30 + Exp(45) days more; a "
            "reversal is paid 10 + Exp(50) days after the claim it reverses; pharmacy is paid "
            "0-3 days after dispensing (88%), rarely up to 60.",
        ],
    }
