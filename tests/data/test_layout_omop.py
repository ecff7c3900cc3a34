"""The OMOP CDM layout on two third-party CDM folders: Eunomia Synthea27Nj (v5.4, no cost rows)
and the OHDSI ETL-CMS hand conversion (v5.0 per-domain cost tables).

Expected values are derived here from the raw CSV files with Python's csv module and exact
decimals, never with valuecase code.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from valuecase.data.load import load
from valuecase.population.summary import MONEY_KEYS, NOT_IN_FEED, summarize

VALUECASE = [sys.executable, "-m", "valuecase.cli"]


def rows(folder: Path, table: str) -> list[dict[str, str]]:
    """A CDM table's rows (file name in any case), column names lower-case and stripped."""
    path = next(p for p in folder.glob("*.csv") if p.stem.lower() == table)
    with path.open(newline="") as fh:
        return [{k.strip().lower(): v for k, v in r.items()} for r in csv.DictReader(fh)]


def money(text: str | None) -> Decimal:
    return Decimal(text) if text and text.strip() else Decimal(0)


def paid(r: dict[str, str]) -> Decimal:
    """The layout's documented rule: paid_by_payer, else total_paid."""
    return money(r["paid_by_payer"] if r["paid_by_payer"].strip() else r["total_paid"])


def months(start: str, end: str) -> set[tuple[int, int]]:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return {(y, m) for y in range(a.year, b.year + 1) for m in range(1, 13)
            if (a.year, a.month) <= (y, m) <= (b.year, b.month)}


def member_months(spans: list[tuple[str, str, str]]) -> dict[str, set]:
    out: dict[str, set] = defaultdict(set)
    for person, start, end in spans:
        out[person] |= months(start, end)
    return out


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*VALUECASE, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "160"})


@pytest.fixture(scope="module")
def etl(omop_etlcms):
    return load(omop_etlcms, layout="omop")


@pytest.fixture(scope="module")
def eunomia(omop_eunomia):
    return load(omop_eunomia, layout="omop")


def test_payer_plan_periods_are_the_spans_and_months_count_once(etl, omop_etlcms):
    ppp = rows(omop_etlcms, "payer_plan_period")
    elig = etl.frame("eligibility")
    assert len(elig) == len(ppp) == 7
    assert sorted(elig.plan) == sorted(r["plan_source_value"] for r in ppp)
    expected = member_months([(r["person_id"], r["payer_plan_period_start_date"],
                               r["payer_plan_period_end_date"]) for r in ppp])
    s = summarize(etl)
    assert s["member_months"] == sum(len(m) for m in expected.values()) == 66
    person = {r["person_id"]: r for r in rows(omop_etlcms, "person")}
    for _, r in elig.iterrows():
        p = person[r.person_id]
        assert r.gender == {"8507": "male", "8532": "female"}[p["gender_concept_id"]]
        assert r.birth_date == dt.date(int(p["year_of_birth"]), int(p["month_of_birth"]),
                                       int(p["day_of_birth"]))


def test_observation_periods_are_the_spans_without_payer_plan_periods(eunomia, omop_eunomia):
    assert rows(omop_eunomia, "payer_plan_period") == []
    op = rows(omop_eunomia, "observation_period")
    expected = member_months([(r["person_id"], r["observation_period_start_date"],
                               r["observation_period_end_date"]) for r in op])
    s = summarize(eunomia)
    assert s["persons"] == len(expected) == 28
    assert s["member_months"] == sum(len(m) for m in expected.values())
    deaths = {r["person_id"]: r["death_date"] for r in rows(omop_eunomia, "death")}
    elig = eunomia.frame("eligibility").set_index("person_id")
    for person, date in deaths.items():
        assert str(elig.at[person, "death_date"]) == date
    assert any("observation_period" in n and "not coverage" in n for n in eunomia.notes)


def _raw_etl(folder: Path) -> dict[str, Decimal]:
    visits = {r["visit_occurrence_id"] for r in rows(folder, "visit_occurrence")}
    procs = {r["procedure_occurrence_id"]: r["visit_occurrence_id"]
             for r in rows(folder, "procedure_occurrence")}
    visit_paid = sum(paid(r) for r in rows(folder, "visit_cost")
                     if r["visit_occurrence_id"] in visits)
    proc_costs = [r for r in rows(folder, "procedure_cost")
                  if procs.get(r["procedure_occurrence_id"]) in visits]
    drugs = {r["drug_exposure_id"] for r in rows(folder, "drug_exposure")}
    rx = [r for r in rows(folder, "drug_cost") if r["drug_exposure_id"] in drugs]
    return {"medical_rows": len(visits) + len({r["procedure_occurrence_id"] for r in proc_costs}),
            "medical_paid": visit_paid + sum(paid(r) for r in proc_costs),
            "pharmacy_rows": len({r["drug_exposure_id"] for r in rx}),
            "pharmacy_paid": sum(paid(r) for r in rx)}


def test_v50_cost_tables_reconcile_to_the_cent(etl, omop_etlcms):
    raw = _raw_etl(omop_etlcms)
    rec = etl.reconciliation.set_index("table")
    assert rec.at["medical_claim", "rows_in"] == raw["medical_rows"] == 10
    assert Decimal(str(rec.at["medical_claim", "paid_in"])) == raw["medical_paid"] == 16290
    assert rec.at["pharmacy_claim", "rows_in"] == raw["pharmacy_rows"] == 2
    assert Decimal(str(rec.at["pharmacy_claim", "paid_in"])) == raw["pharmacy_paid"] == 280
    assert etl.paid_amounts_known
    assert len(etl.rejects) == 0


def test_visit_concepts_decide_stays_and_ed_visits(eunomia, omop_eunomia):
    visits = rows(omop_eunomia, "visit_occurrence")
    ed_days = {(v["person_id"], v["visit_start_date"]) for v in visits
               if v["visit_concept_id"] == "9203"}
    stays: dict[str, list[list[dt.date]]] = defaultdict(list)  # merged when adjacent
    for v in sorted((v for v in visits if v["visit_concept_id"] == "9201"),
                    key=lambda v: (v["person_id"], v["visit_start_date"])):
        a, b = (dt.date.fromisoformat(v[k]) for k in ("visit_start_date", "visit_end_date"))
        own = stays[v["person_id"]]
        if own and a <= own[-1][1] + dt.timedelta(days=1):
            own[-1][1] = max(own[-1][1], b)
        else:
            own.append([a, b])
    s = summarize(eunomia)
    assert s["ed_visits"] == len(ed_days) == 56
    assert s["inpatient_stays"] == sum(len(x) for x in stays.values())
    assert s["bed_days"] == sum(max((b - a).days, 1) for x in stays.values() for a, b in x)


def test_icd_source_values_are_the_diagnoses_in_order(etl, omop_etlcms):
    conds = [r for r in rows(omop_etlcms, "condition_occurrence") if r["visit_occurrence_id"] == "5"]
    med = etl.frame("medical_claim")
    line = med[(med.claim_id == "5") & (med.claim_line_number == 1)].iloc[0]
    assert [line[f"diagnosis_code_{i}"] for i in range(1, len(conds) + 1)] == [
        r["condition_source_value"] for r in sorted(conds, key=lambda r: int(
            r["condition_occurrence_id"]))]


def test_snomed_conditions_give_no_diagnosis_and_are_counted(eunomia, omop_eunomia):
    conds = rows(omop_eunomia, "condition_occurrence")
    vocab = {r["concept_id"]: r["vocabulary_id"] for r in rows(omop_eunomia, "concept")}
    snomed = sum(1 for r in conds if r["visit_occurrence_id"].strip()
                 and vocab.get(r["condition_source_concept_id"]) == "SNOMED")
    no_visit = sum(1 for r in conds if not r["visit_occurrence_id"].strip())
    assert f"{snomed:,} conditions whose source concept is not ICD10CM/ICD9CM" in " ".join(
        eunomia.notes)
    assert f"{no_visit:,} conditions are on no visit" in " ".join(eunomia.notes)
    med = eunomia.frame("medical_claim")
    assert med.diagnosis_code_1.isna().all()


def test_no_cost_rows_means_no_money_figure_anywhere(eunomia):
    assert not eunomia.paid_amounts_known
    s = summarize(eunomia)
    assert s["paid_amounts"] == NOT_IN_FEED
    assert all(s[k] is None for k in MONEY_KEYS)


def test_summarize_and_validate_cli_say_not_in_this_feed(omop_eunomia):
    r = run("summarize", "--layout", "omop", str(omop_eunomia))
    assert r.returncode == 0, r.stderr
    money_lines = [ln for ln in r.stdout.splitlines() if ln.split()[0] in MONEY_KEYS]
    assert len(money_lines) == len(MONEY_KEYS)
    assert all(ln.endswith(NOT_IN_FEED) for ln in money_lines)
    assert "0.00" not in r.stdout
    j = run("summarize", "--layout", "omop", str(omop_eunomia), "--json")
    s = json.loads(j.stdout)
    assert s["medical_paid"] is None and s["paid_amounts"] == NOT_IN_FEED
    v = run("validate", "--layout", "omop", str(omop_eunomia))
    assert v.returncode == 0, v.stderr
    assert "paid amounts: not in this feed (utilization only)" in v.stdout
    assert "paid_in" not in v.stdout and "0.00" not in v.stdout


def test_convert_keeps_the_numbers_and_the_no_cost_flag(omop_eunomia, omop_etlcms, tmp_path):
    for name, folder in (("eunomia", omop_eunomia), ("etl", omop_etlcms)):
        out = tmp_path / name
        c = run("convert", "--layout", "omop", str(folder), str(out))
        assert c.returncode == 0, c.stderr
        direct = json.loads(run("summarize", "--layout", "omop", str(folder), "--json").stdout)
        again = json.loads(run("summarize", str(out), "--json").stdout)
        assert again == direct
    assert again["medical_paid"] == 16290.0 and again["pharmacy_paid"] == 270.0  # one outside
    assert direct["pharmacy_paid_outside_enrollment"] == 10.0  # 2008-04 is before Part D


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _edit(path: Path, column: str, match: dict[str, str], value: str) -> None:
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields, data = reader.fieldnames, list(reader)
    for r in data:
        if all(r[k] == v for k, v in match.items()):
            r[column] = value
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fields)
        w.writeheader()
        w.writerows(data)


def test_er_and_inpatient_visit_is_one_ed_visit_and_one_stay(omop_etlcms, tmp_path):
    folder = _copy(omop_etlcms, tmp_path / "cdm")
    before = summarize(load(folder, layout="omop"))
    _edit(folder / "visit_occurrence.csv", "visit_concept_id", {"visit_occurrence_id": "5"},
          "262")
    after = summarize(load(folder, layout="omop"))
    assert after["inpatient_stays"] == before["inpatient_stays"] == 2
    assert after["ed_visits"] == before["ed_visits"] + 1


def test_an_unreadable_cost_rejects_its_line(omop_etlcms, tmp_path):
    folder = _copy(omop_etlcms, tmp_path / "cdm")
    _edit(folder / "visit_cost.csv", "paid_by_payer", {"visit_occurrence_id": "5"}, "12,000.x")
    data = load(folder, layout="omop")
    bad = data.rejects
    assert bad[["table", "file", "row_number"]].values.tolist() == [
        ["medical_claim", "visit_occurrence.csv", 5]]
    assert bad.reason.iloc[0] == "unparseable:paid_amount"


@pytest.mark.parametrize("remove, message", [
    ("visit_occurrence.csv", "no visit_occurrence.csv file"),
    ("payer_plan_period.csv", None),
])
def test_missing_files_stop_with_one_line(omop_etlcms, tmp_path, remove, message):
    folder = _copy(omop_etlcms, tmp_path / "cdm")
    (folder / remove).unlink()
    if message is None:  # then observation_period gives the spans
        (folder / "observation_period.csv").unlink()
        message = "no observation_period.csv or payer_plan_period.csv file"
    r = run("summarize", "--layout", "omop", str(folder))
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_missing_column_stops_with_one_line(omop_etlcms, tmp_path):
    folder = _copy(omop_etlcms, tmp_path / "cdm")
    path = folder / "visit_occurrence.csv"
    path.write_text(path.read_text().replace("visit_concept_id", "visit_kind", 1))
    r = run("validate", "--layout", "omop", str(folder))
    assert r.returncode == 2
    assert r.stderr.strip() == ("error: visit_occurrence.csv: missing column "
                                "'VISIT_CONCEPT_ID' (1 missing); is this the right --layout?")


@pytest.mark.parametrize("name", ["omop_etlcms", "omop_eunomia"])
def test_spark_gives_the_same_tables_reconciliation_and_summary(request, spark, name):
    folder = request.getfixturevalue(name)
    duck, on_spark = load(folder, layout="omop"), load(folder, engine=spark, layout="omop")
    pd.testing.assert_frame_equal(duck.reconciliation, on_spark.reconciliation, check_exact=True)
    pd.testing.assert_frame_equal(duck.rejects, on_spark.rejects, check_exact=True)
    assert duck.notes == on_spark.notes
    assert summarize(duck) == summarize(on_spark)
    for table in duck.tables:
        a, b = (d.table(table).to_pyarrow().to_pandas() for d in (duck, on_spark))
        key = [c for c in ("person_id", "claim_id", "claim_line_number",
                           "enrollment_start_date", "plan") if c in a.columns]
        a, b = (x.sort_values(key).reset_index(drop=True) for x in (a, b))
        pd.testing.assert_frame_equal(a, b[a.columns], check_dtype=False)


def test_reports_past_data_quality_say_not_in_this_feed_not_no_claims(omop_eunomia, tmp_path):
    from valuecase.analysis.parameters import check_parameters
    from valuecase.analysis.results import Results
    from valuecase.analysis.run import run_analysis
    from valuecase.analysis.sections.unavailable import NO_COST

    params = check_parameters(data_dir=omop_eunomia, overrides={"layout": "omop"})
    reports = ["population", "utilization", "impact", "roi", "funder_summary"]
    run_analysis(params, reports, tmp_path)
    for name in reports:
        r = Results.read(tmp_path, name)
        assert r["unavailable"] == NO_COST, name
        assert "$0" not in r["unavailable"].replace("rather than $0", "")
