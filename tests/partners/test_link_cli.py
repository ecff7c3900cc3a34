"""``valuecase link`` as a partner meets it: run as a subprocess, files written and read."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from valuecase.partners.normalize import normalize_birth_date
from valuecase.partners.tokens import SECRET_ENV

VALUECASE = [sys.executable, "-m", "valuecase.cli", "link"]


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != SECRET_ENV}
    environment.update(env or {}, COLUMNS="160")
    return subprocess.run([*VALUECASE, *args], capture_output=True, text=True, cwd=cwd,
                          env=environment, timeout=600)


def one_error(r: subprocess.CompletedProcess, pattern: str) -> None:
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert re.search(pattern, lines[0]), lines[0]


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    """synth -> tokenize on each side -> match, as the README shows it."""
    work = tmp_path_factory.mktemp("link")
    (work / "shared.secret").write_text("a secret shared by both partners\n")
    assert run("synth", "demo", "--seed", "0", cwd=work).returncode == 0
    for side in ("payer", "partner"):
        r = run("tokenize", f"demo/{side}.csv", "--secret-file", "shared.secret",
                "--out", f"{side}.tokens.parquet", "--seed", "1", cwd=work)
        assert r.returncode == 0, r.stderr
        assert f"send: {side}.tokens.parquet" in r.stdout and "keep:" in r.stdout
    r = run("match", "payer.tokens.parquet", "partner.tokens.parquet", "--out",
            "crosswalk.csv", "--json", cwd=work)
    assert r.returncode == 0, r.stderr
    return work, json.loads(r.stdout)


def test_match_reports_rates_and_writes_the_crosswalk(linked, true_pairs):
    work, summary = linked
    assert summary["mode"] == "probabilistic" and summary["records_b"] == 600
    cw = pd.read_csv(work / "crosswalk.csv", dtype={"record_id_a": str, "record_id_b": str})
    assert list(cw.columns) == ["record_id_a", "record_id_b", "match_probability"]
    assert summary["links"] == len(cw) and summary["match_rate_b"] == round(len(cw) / 600, 4)
    private_a = pd.read_csv(work / "payer.tokens.private.csv", dtype=str)
    private_b = pd.read_csv(work / "partner.tokens.private.csv", dtype=str)
    truth = pd.read_csv(work / "demo" / "truth.csv", dtype=str)
    found = true_pairs(cw, private_a, private_b)
    expected = set(zip(truth["payer_id"], truth["partner_id"], strict=True))
    assert len(found & expected) / len(found) >= 0.98
    assert len(found & expected) / len(expected) >= 0.95


def test_nothing_sent_holds_an_identifier(linked):
    """Token files and crosswalk: no name, birth date, ZIP, Medicaid or person id.

    What is sent is written in lower-case hex, digits, '.', ',' and newlines only, so no
    identifier with any other character (every name in upper case, every date, every id) can
    be a substring of it; the others (a ZIP, a lower-case name like 'ada') must not be a
    whole field.
    """
    work, _ = linked
    people = pd.concat([pd.read_csv(work / "demo" / f"{s}.csv", dtype=str)
                        for s in ("payer", "partner")])
    values = {v for col in people.columns for v in people[col].dropna()}
    values |= {v.upper() for v in values} | {v.lower() for v in values}
    assert {"02139", "ROBERT", "1980-01-07"} & values  # the scan has something to find
    sent = [pd.read_parquet(work / f"{s}.tokens.parquet").to_csv(index=False)
            for s in ("payer", "partner")] + [(work / "crosswalk.csv").read_text()]
    for text in sent:
        body = text.split("\n", 1)[1]  # below the header
        assert re.fullmatch(r"[0-9a-f.,\n]*", body)
        fields = set(re.split(r"[,\n]", body))
        could_appear = {v for v in values if re.fullmatch(r"[0-9a-f.]+", v)}
        assert could_appear and not could_appear & fields
        assert not [v for v in could_appear if len(v) >= 8 and v in body]


def test_deterministic_mode_and_same_seed_same_crosswalk(linked):
    work, summary = linked
    r = run("match", "payer.tokens.parquet", "partner.tokens.parquet", "--out", "again.csv",
            cwd=work)
    assert r.returncode == 0, r.stderr
    assert "match_rate_b" in r.stdout and "crosswalk: again.csv" in r.stdout
    assert (work / "again.csv").read_bytes() == (work / "crosswalk.csv").read_bytes()
    r = run("match", "payer.tokens.parquet", "partner.tokens.parquet", "--out", "det.csv",
            "--mode", "deterministic", "--json", cwd=work)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["links"] < summary["links"]


def test_secret_from_the_environment_gives_the_same_tokens(linked):
    work, _ = linked
    r = run("tokenize", "demo/partner.csv", "--out", "env.tokens.csv", "--seed", "1",
            cwd=work, env={SECRET_ENV: "a secret shared by both partners"})
    assert r.returncode == 0, r.stderr
    from_env = pd.read_csv(work / "env.tokens.csv", dtype=str, keep_default_na=False)
    from_file = pd.read_parquet(work / "partner.tokens.parquet").fillna("")
    assert from_env.equals(from_file.astype(str))


def test_user_errors_are_one_line_and_exit_2(linked):
    work, _ = linked
    (work / "short.secret").write_text("too short\n")
    one_error(run("tokenize", "demo/payer.csv", "--secret-file", "short.secret", "--out",
                  "x.parquet", cwd=work), "at least 16")
    one_error(run("tokenize", "demo/payer.csv", "--out", "x.parquet", cwd=work),
              "no secret")
    one_error(run("tokenize", "demo/truth.csv", "--secret-file", "shared.secret", "--out",
                  "x.parquet", cwd=work), "missing required column")
    one_error(run("tokenize", "demo/payer.csv", "--secret-file", "shared.secret", "--out",
                  "demo/payer.csv", cwd=work), "different files")
    one_error(run("match", "demo/payer.csv", "partner.tokens.parquet", "--out", "x.csv",
                  cwd=work), "not a token file")
    one_error(run("match", "payer.tokens.parquet", "nothing.parquet", "--out", "x.csv",
                  cwd=work), "not found")
    one_error(run("match", "payer.tokens.parquet", "partner.tokens.parquet", "--out", "x.csv",
                  "--mode", "fuzzy", cwd=work), "--mode")
    # the secret is never taken from the command line
    r = run("tokenize", "demo/payer.csv", "--secret", "a secret shared by both partners",
            "--out", "x.parquet", cwd=work)
    assert r.returncode == 2 and "No such option" in r.stderr


def test_tokenize_prints_what_each_field_gave(linked):
    work, _ = linked
    r = run("tokenize", "demo/partner.csv", "--secret-file", "shared.secret", "--out",
            "counted.parquet", "--seed", "1", cwd=work)
    assert r.returncode == 0, r.stderr
    partner = pd.read_csv(work / "demo" / "partner.csv", dtype=str)
    lines = {line.split()[0]: line for line in r.stdout.splitlines()}
    for column in ("first_name", "last_name", "birth_date", "zip", "medicaid_id"):
        empty = int(partner[column].isna().sum())
        used = len(partner) - empty
        expected = f"used {used:,}  dropped {empty:,}" + (f" (empty {empty:,})" if empty else "")
        assert expected in lines[column], (column, lines[column])
    assert "not used: sex" in r.stdout  # said, not silently ignored


def test_day_month_dates_are_detected_or_refused_never_dropped(linked, true_pairs):
    """A partner writing DD/MM/YYYY: detected from the dates whose day is above 12 (the
    former reader dropped them or misread them silently); a file that cannot say is
    refused until --date-format says."""
    work, _ = linked
    partner = pd.read_csv(work / "demo" / "partner.csv", dtype=str)
    iso = partner["birth_date"].map(normalize_birth_date)
    partner["birth_date"] = [f"{d[8:]}/{d[5:7]}/{d[:4]}" if d else None for d in iso]
    partner.to_csv(work / "partner_dm.csv", index=False)
    r = run("tokenize", "partner_dm.csv", "--secret-file", "shared.secret", "--out",
            "partner_dm.parquet", "--seed", "2", cwd=work)
    assert r.returncode == 0, r.stderr
    empty = int(partner["birth_date"].isna().sum())
    assert f"birth_date    used {len(partner) - empty:,}  dropped {empty:,} (empty" in r.stdout
    r = run("match", "payer.tokens.parquet", "partner_dm.parquet", "--out", "dm.csv", cwd=work)
    assert r.returncode == 0, r.stderr
    cw = pd.read_csv(work / "dm.csv", dtype={"record_id_a": str, "record_id_b": str})
    found = true_pairs(cw, pd.read_csv(work / "payer.tokens.private.csv", dtype=str),
                       pd.read_csv(work / "partner_dm.private.csv", dtype=str))
    truth = pd.read_csv(work / "demo" / "truth.csv", dtype=str)
    expected = set(zip(truth["payer_id"], truth["partner_id"], strict=True))
    assert len(found & expected) / len(expected) >= 0.95
    # only days <= 12: month/day or day/month? refused, then read as told
    small = partner[[d is not None and int(d[:2]) <= 12 for d in partner["birth_date"]]]
    small.to_csv(work / "ambiguous.csv", index=False)
    one_error(run("tokenize", "ambiguous.csv", "--secret-file", "shared.secret", "--out",
                  "amb.parquet", cwd=work), "--date-format")
    r = run("tokenize", "ambiguous.csv", "--secret-file", "shared.secret", "--out",
            "amb.parquet", "--date-format", "%d/%m/%Y", cwd=work)
    assert r.returncode == 0 and "unparseable" not in r.stdout, r.stdout + r.stderr


def test_postcodes_that_lost_leading_zeros_still_match(linked):
    work, _ = linked
    partner = pd.read_csv(work / "demo" / "partner.csv", dtype=str)
    partner["zip"] = partner["zip"].str.lstrip("0")  # 02139 read as a number: 2139
    partner.to_csv(work / "partner_4digit.csv", index=False)
    r = run("tokenize", "partner_4digit.csv", "--secret-file", "shared.secret", "--out",
            "p4.parquet", "--seed", "1", cwd=work)
    assert r.returncode == 0, r.stderr
    empty = int(partner["zip"].isna().sum())
    zip_line = next(ln for ln in r.stdout.splitlines() if ln.startswith("zip "))
    assert f"used {len(partner) - empty:,}  dropped {empty:,}" in zip_line, zip_line
    before = pd.read_parquet(work / "partner.tokens.parquet")
    after = pd.read_parquet(work / "p4.parquet")
    assert after["t_name_postcode"].equals(before["t_name_postcode"])
    assert after["t_name_postcode"].notna().sum() > 500


def test_three_party_mode_each_side_gets_only_its_own_ids(linked, true_pairs):
    """The matcher runs without the secret and writes one file per party; each party
    resolves its own file with its private file; the link ids join the two."""
    work, summary = linked
    r = run("match", "payer.tokens.parquet", "partner.tokens.parquet", "--out-a",
            "for_payer.csv", "--out-b", "for_partner.csv", "--json", cwd=work)
    assert r.returncode == 0, r.stderr  # run() never passes the secret to the matcher
    three = json.loads(r.stdout)
    assert three["links"] == summary["links"] and "out" not in three
    payer_tokens = pd.read_parquet(work / "payer.tokens.parquet")
    partner_tokens = pd.read_parquet(work / "partner.tokens.parquet")
    for_a = pd.read_csv(work / "for_payer.csv", dtype=str)
    for_b = pd.read_csv(work / "for_partner.csv", dtype=str)
    for got, own, other in ((for_a, payer_tokens, partner_tokens),
                            (for_b, partner_tokens, payer_tokens)):
        assert list(got.columns) == ["record_id", "link_id", "match_probability"]
        assert got["record_id"].isin(own["record_id"]).all()
        assert got["link_id"].str.fullmatch("[0-9a-f]{16}").all() and got["link_id"].is_unique
        text = (work / ("for_payer.csv" if got is for_a else "for_partner.csv")).read_text()
        assert not [t for t in other.drop(columns="record_id").stack() if t in text]
    assert set(for_a["link_id"]) == set(for_b["link_id"])
    for side, private in (("payer", "payer.tokens.private.csv"),
                          ("partner", "partner.tokens.private.csv")):
        r = run("resolve", f"for_{side}.csv", "--private", private, "--out",
                f"{side}.links.csv", cwd=work)
        assert r.returncode == 0, r.stderr
        assert stat.S_IMODE((work / f"{side}.links.csv").stat().st_mode) == 0o600
    a = pd.read_csv(work / "payer.links.csv", dtype=str)
    b = pd.read_csv(work / "partner.links.csv", dtype=str)
    joined = a.merge(b, on="link_id", suffixes=("_a", "_b"))
    truth = pd.read_csv(work / "demo" / "truth.csv", dtype=str)
    expected = set(zip(truth["payer_id"], truth["partner_id"], strict=True))
    found = set(zip(joined["person_id_a"], joined["person_id_b"], strict=True))
    assert len(found & expected) / len(found) >= 0.98
    assert len(found & expected) / len(expected) >= 0.95
    # the same links as the two-party crosswalk
    cw = pd.read_csv(work / "crosswalk.csv", dtype={"record_id_a": str, "record_id_b": str})
    assert found == true_pairs(cw, pd.read_csv(work / "payer.tokens.private.csv", dtype=str),
                               pd.read_csv(work / "partner.tokens.private.csv", dtype=str))
    one_error(run("match", "payer.tokens.parquet", "partner.tokens.parquet", "--out-a",
                  "x.csv", cwd=work), "--out-a and --out-b")
    one_error(run("match", "payer.tokens.parquet", "partner.tokens.parquet", cwd=work),
              "--out")
    one_error(run("resolve", "for_payer.csv", "--private", "partner.tokens.private.csv",
                  "--out", "x.csv", cwd=work), "not in partner.tokens.private.csv")
