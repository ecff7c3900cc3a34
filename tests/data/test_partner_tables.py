"""The partner tables (issue 14, item 1): typed, rejected with a reason and reconciled like
claims, through the CLI; the synthetic partners (item 4) are consistent with enrollment."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pandas as pd
from partner_files import EXPECTED_REJECTS, SERVICES, write_partner_tables

from valuecase.data import load
from valuecase.data.contract import SOCIAL_NEED_DOMAINS

VALUECASE = [sys.executable, "-m", "valuecase.cli"]


def folder_with_partners(tmp_path):
    (tmp_path / "eligibility.csv").write_text(
        "person_id,enrollment_start_date,enrollment_end_date\nP001,2019-01-01,2020-12-31\n")
    (tmp_path / "medical_claim.csv").write_text(
        "claim_id,claim_line_number,person_id,claim_type,claim_start_date,paid_amount\n"
        "C1,1,P001,professional,2019-03-01,10.00\n")
    return write_partner_tables(tmp_path)


def test_bad_partner_rows_are_rejected_with_their_reason_and_cost_reconciles(tmp_path):
    folder = folder_with_partners(tmp_path)
    r = subprocess.run([*VALUECASE, "summarize", str(folder), "--json"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    partner = {k: v for k, v in s["rejects_by_reason"].items()
               if k.split(":")[0] in ("program_services", "social_needs", "experience_survey")}
    assert partner == EXPECTED_REJECTS
    data = load(folder)
    rec = data.reconciliation.set_index("table")
    for table in ("program_services", "social_needs", "experience_survey"):
        assert rec.loc[table, "rows_in"] == rec.loc[table, "rows_accepted"] + rec.loc[
            table, "rows_rejected"]
    # cost in = accepted + rejected, to the cent, summed independently from the file
    costs = [Decimal(line.split(",")[-1] or "0") for line in SERVICES.splitlines()[1:]]
    assert Decimal(str(rec.loc["program_services", "paid_in"])) == sum(costs)
    accepted = data.frame("program_services")
    assert Decimal(str(rec.loc["program_services", "paid_accepted"])) == Decimal("80.50")
    assert sorted(accepted["service_type"]) == ["care_coordination", "food_delivery", "outreach"]
    r = subprocess.run([*VALUECASE, "validate", str(folder)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert "441.00" in r.stdout and "80.50" in r.stdout and "360.50" in r.stdout


def test_the_sample_partner_tables_load_whole_and_follow_enrollment(sample_dir):
    data = load(sample_dir)
    rec = data.reconciliation.set_index("table")
    for table in ("program_services", "social_needs", "experience_survey"):
        assert rec.loc[table, "rows_in"] == rec.loc[table, "rows_accepted"] > 0, table
    raw = pd.read_parquet(sample_dir / "program_services.parquet")
    cents = sum(Decimal(f"{v:.2f}") for v in raw["cost"])
    assert Decimal(str(rec.loc["program_services", "paid_accepted"])) == cents
    enr = data.frame("program_enrollment")
    enr = enr[enr["arm"] == "program"].set_index("person_id")
    services = data.frame("program_services")
    assert set(services["person_id"]) <= set(enr.index)
    start = pd.to_datetime(enr.loc[services["person_id"], "enrollment_date"]).to_numpy()
    assert (pd.to_datetime(services["service_date"]).to_numpy() >= start).all()
    needs = data.frame("social_needs")
    assert set(needs["domain"]) <= set(SOCIAL_NEED_DOMAINS)
    resolved = needs["status"] == "resolved"
    assert needs.loc[resolved, "resolved_date"].notna().all()
    assert needs.loc[~resolved, "resolved_date"].isna().all()
    survey = data.frame("experience_survey")
    assert survey["response"].between(survey["scale_min"], survey["scale_max"]).all()
    # 8% never reached: most program members have a contact, not all
    reached = services["person_id"].nunique() / len(enr)
    assert 0.8 < reached < 1.0
