"""Behaviour of the synthetic claims generator (valuecase.synth)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from valuecase.datasets import sample_dir
from valuecase.synth import SynthConfig, SynthResult, generate
from valuecase.synth.writer import SCHEMAS

SAMPLE = sample_dir()
TABLES = tuple(SCHEMAS)
SMALL = SynthConfig(members=3000, months=24, seed=11, chunk_members=1000)


def read(result: SynthResult, name: str) -> pd.DataFrame:
    """Read a table back with normalized dtypes (dates as datetime64, codes as strings)."""
    path = result.files[name]
    schema = SCHEMAS[name]
    if path.suffix == ".csv":
        strings = {f.name: str for f in schema if str(f.type) == "string"}
        df = pd.read_csv(path, dtype=strings, keep_default_na=False, na_values=[""])
    else:
        df = pd.read_parquet(path)
    out = {}
    for f in schema:
        col = df[f.name]
        kind = str(f.type)
        if kind.startswith("date"):
            out[f.name] = pd.to_datetime(col).astype("datetime64[ns]")
        elif kind == "string":
            out[f.name] = col.astype(object).where(col.notna(), None)
        elif kind == "int64":
            out[f.name] = col.astype("int64")
        else:
            out[f.name] = col.astype("float64")
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> SynthResult:
    return generate(SMALL, tmp_path_factory.mktemp("small"))


def _stays(med: pd.DataFrame) -> pd.DataFrame:
    ip = med.loc[(med["bill_type_code"] == "111") & (med["claim_line_number"] == 1)]
    return ip[["person_id", "admission_date", "discharge_date"]].sort_values(
        ["person_id", "admission_date"])


# --- API and configuration -------------------------------------------------------------------

@pytest.mark.parametrize("field, value", [
    ("members", 0), ("months", 12), ("fmt", "xlsx"), ("effect_inpatient", -1.0),
    ("effect_ed", 1.5), ("enroll_share", 0.0), ("chunk_members", 0), ("start", "2022-01-15"),
    ("start", "not a date"), ("seed", -1), ("randomized", "yes"),
])
def test_bad_config_raises_naming_field(field, value):
    with pytest.raises(ValueError, match=field):
        SynthConfig(**{field: value})


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SynthConfig().members = 5  # type: ignore[misc]


def test_result_lists_every_table(small):
    assert set(small.files) == set(TABLES)
    for name, path in small.files.items():
        assert path.exists()
        assert small.rows[name] == len(read(small, name))
    truth = json.loads(small.truth_path.read_text())
    assert truth["config"] == dataclasses.asdict(SMALL)
    assert truth["true_effects"]["inpatient"] == SMALL.effect_inpatient


def test_deterministic(small, tmp_path):
    again = generate(SMALL, tmp_path)
    for name in TABLES:
        pd.testing.assert_frame_equal(read(small, name), read(again, name))
    assert json.loads(small.truth_path.read_text()) == json.loads(again.truth_path.read_text())


def test_seed_changes_output(small, tmp_path):
    other = generate(dataclasses.replace(SMALL, seed=12), tmp_path)
    assert not read(small, "medical_claim").equals(read(other, "medical_claim"))


def test_csv_and_parquet_give_same_data(small, tmp_path):
    as_csv = generate(dataclasses.replace(SMALL, fmt="csv"), tmp_path)
    for name in TABLES:
        assert as_csv.files[name].suffix == ".csv"
        pd.testing.assert_frame_equal(read(small, name), read(as_csv, name))


def test_parquet_written_in_chunks(small):
    assert pq.ParquetFile(small.files["medical_claim"]).metadata.num_row_groups == 3
    assert pq.ParquetFile(small.files["eligibility"]).metadata.num_row_groups == 3
    assert pq.read_schema(small.files["medical_claim"]).field("claim_start_date").type == "date32"


def test_default_sample_regenerates(tmp_path):
    if not (SAMPLE / "eligibility.parquet").exists():
        pytest.skip("default sample not generated")
    fresh = generate(SynthConfig(), tmp_path)
    committed = SynthResult(SAMPLE, {n: SAMPLE / f"{n}.parquet" for n in TABLES}, {},
                            SAMPLE / "truth.json")
    for name in TABLES:
        pd.testing.assert_frame_equal(read(fresh, name), read(committed, name))
    assert json.loads(fresh.truth_path.read_text()) == json.loads(
        (SAMPLE / "truth.json").read_text())


# --- shape of the tables ---------------------------------------------------------------------

def test_ids_are_non_numeric_strings(small):
    for name in ("eligibility", "medical_claim", "pharmacy_claim", "program_enrollment"):
        ids = read(small, name)["person_id"]
        assert ids.str.fullmatch(r"P\d{7}").all()
        assert not ids.str.isdigit().any()
    med = read(small, "medical_claim")
    assert not med["claim_id"].str.isdigit().any()
    assert not med.duplicated(["claim_id", "claim_line_number"]).any()


def test_codes_keep_leading_zeros(small):
    med = read(small, "medical_claim")
    rev = med["revenue_center_code"].dropna()
    assert rev.str.fullmatch(r"0\d{3}").all() and "0450" in set(rev)
    assert med["place_of_service_code"].dropna().isin(["11", "21", "23"]).all()
    assert med["facility_npi"].dropna().str.fullmatch(r"\d{10}").all()
    assert read(small, "pharmacy_claim")["ndc_code"].str.fullmatch(r"\d{11}").all()
    assert med["discharge_disposition_code"].dropna().isin(["01", "02", "06", "07", "20"]).all()


def test_eligibility_has_churn_and_adults(small):
    elig = read(small, "eligibility")
    start = pd.Timestamp(SMALL.start)
    end = start + pd.DateOffset(months=SMALL.months) - pd.Timedelta(days=1)
    first = elig.groupby("person_id")["enrollment_start_date"].min()
    last = elig.groupby("person_id")["enrollment_end_date"].max()
    assert 0.15 < (first > start).mean() < 0.6
    assert 0.15 < (last < end).mean() < 0.7
    assert 0.05 < (elig.groupby("person_id").size() == 2).mean() < 0.3
    age_start = (start - elig["birth_date"]).dt.days / 365.25
    age_end = (end - elig["birth_date"]).dt.days / 365.25
    assert age_start.min() >= 19 and age_end.max() < 65
    assert elig["person_id"].nunique() == SMALL.members


def test_inpatient_claims_are_header_paid(small):
    med = read(small, "medical_claim")
    ip = med.loc[med["bill_type_code"] == "111"]
    assert (ip.loc[ip["claim_line_number"] > 1, "paid_amount"] == 0).all()
    assert (ip.loc[ip["claim_line_number"] == 1, "paid_amount"] > 0).all()
    assert ip["drg_code"].str.fullmatch(r"\d{3}").all()
    via_ed = ip.loc[ip["revenue_center_code"] == "0450"]
    assert len(via_ed) > 0
    assert (via_ed["claim_start_date"] == via_ed["admission_date"]).all()


def test_reversals_and_out_of_span_lines(small):
    med = read(small, "medical_claim")
    share = (med["paid_amount"] < 0).mean()
    assert 0.002 < share < 0.01
    elig = read(small, "eligibility")
    m = med[["person_id", "claim_start_date"]].reset_index().merge(elig, on="person_id")
    inside = (m["claim_start_date"] >= m["enrollment_start_date"]) & (
        m["claim_start_date"] <= m["enrollment_end_date"])
    outside = 1 - inside.groupby(m["index"]).any().mean()
    assert 0.001 < outside < 0.02


def test_paid_dates_lag_service(small):
    med = read(small, "medical_claim")
    claims = med.groupby("claim_id").agg(
        end=("claim_end_date", "max"), paid=("paid_date", "max"), paid_min=("paid_date", "min"),
        bill=("bill_type_code", "first"), kind=("claim_type", "first"),
        amount=("paid_amount", "sum"))
    assert med["paid_date"].notna().all()
    assert (claims["paid"] == claims["paid_min"]).all()  # one paid date per claim
    lag = (claims["paid"] - claims["end"]).dt.days
    assert (lag >= 1).all()
    original = claims["amount"] >= 0
    prof = lag[original & (claims["kind"] == "professional")]
    inpatient = lag[original & (claims["bill"] == "111")]
    assert 10 <= prof.median() < inpatient.median() <= 50
    assert (lag[original] <= 60).mean() > 0.85 and lag[original].quantile(0.99) > 100
    # A reversal is paid after the line it reverses.
    rev = med.loc[med["paid_amount"] < 0]
    keys = ["person_id", "claim_start_date", "revenue_center_code", "hcpcs_code"]
    pos = med.loc[med["paid_amount"] > 0].assign(paid_amount=lambda d: -d["paid_amount"])
    pairs = rev.merge(pos, on=[*keys, "paid_amount"], suffixes=("", "_orig"))
    assert len(pairs.drop_duplicates("claim_id")) > 0.9 * len(rev)
    first = pairs.groupby("claim_id").apply(
        lambda g: (g["paid_date"].iloc[0] > g["paid_date_orig"]).any(), include_groups=False)
    assert first.all()
    rx = read(small, "pharmacy_claim")
    rx_lag = (rx["paid_date"] - rx["dispensing_date"]).dt.days
    assert rx_lag.min() >= 0 and (rx_lag <= 3).mean() > 0.85


def test_truth_has_expected_and_generated_counts(small):
    truth = json.loads(small.truth_path.read_text())
    exp, gen = truth["expected"], truth["generated"]
    assert list(exp["by_year"]) == ["2022", "2023"] == list(gen["by_year"])
    for part in (exp, gen):
        for key, total in part["total"].items():
            assert sum(y[key] for y in part["by_year"].values()) == pytest.approx(total, abs=0.2)
    people = read(small, "eligibility")["person_id"].nunique()
    assert exp["total"]["member_months"] == gen["total"]["member_months"] > 12 * people
    for key in ("ed_visits", "acute_stays"):
        assert abs(gen["total"][key] - exp["total"][key]) <= 3 * np.sqrt(exp["total"][key])
    assert 0 < exp["total"]["readmissions_30d"] < exp["total"]["index_stays"]


def test_deaths_are_consistent(small):
    elig = read(small, "eligibility").drop_duplicates("person_id")
    dead = elig.dropna(subset=["death_date"]).set_index("person_id")["death_date"]
    assert len(dead) > 0
    med = read(small, "medical_claim")
    died = med.loc[med["discharge_disposition_code"] == "20"].drop_duplicates("claim_id")
    assert (died["discharge_date"].to_numpy() == dead.loc[died["person_id"]].to_numpy()).all()
    after = med["claim_start_date"] > med["person_id"].map(dead)
    assert not after.any()


# --- the program -----------------------------------------------------------------------------

def test_enrollees_met_the_trigger_in_claims(small):
    pe = read(small, "program_enrollment")
    stays = _stays(read(small, "medical_claim"))
    month13 = pd.Timestamp(SMALL.start) + pd.DateOffset(months=12)
    assert len(pe) > 10
    for row in pe.itertuples():
        s = stays.loc[stays["person_id"] == row.person_id]
        gap = s["admission_date"].diff().dt.days
        qualifying = s.loc[(gap <= 182) & (s["discharge_date"] >= month13), "discharge_date"]
        assert len(qualifying) > 0 and qualifying.min() == row.trigger_date, row.person_id
        assert 7 <= (row.enrollment_date - row.trigger_date).days <= 34
    assert (pe["arm"] == "program").all() and (pe["randomized"] == 0).all()


def test_comparison_pool_is_unlisted(small):
    truth = json.loads(small.truth_path.read_text())["counts"]
    pe = read(small, "program_enrollment")
    assert truth["program"] == len(pe)
    assert truth["comparison_pool"] == truth["trigger_meeters"] - len(pe) > 0


def _post_rates(results: list[SynthResult], months: int, start: str) -> dict[str, list[float]]:
    """Stays and person-days after enrollment_date (to disenrollment or end), by arm."""
    end = pd.Timestamp(start) + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    out = {"program": [0.0, 0.0], "control": [0.0, 0.0]}
    for res in results:
        pe = read(res, "program_enrollment")
        pe["stop"] = pe["disenrollment_date"].fillna(end)
        stays = _stays(read(res, "medical_claim")).merge(pe, on="person_id")
        inside = (stays["admission_date"] >= stays["enrollment_date"]) & (
            stays["admission_date"] <= stays["stop"])
        for arm in out:
            out[arm][0] += (inside & (stays["arm"] == arm)).sum()
            sel = pe["arm"] == arm
            out[arm][1] += ((pe.loc[sel, "stop"] - pe.loc[sel, "enrollment_date"]).dt.days + 1).sum()
    return out


@pytest.fixture(scope="module")
def randomized_runs(tmp_path_factory):
    cache: dict[float, list[SynthResult]] = {}

    def run(effect: float) -> list[SynthResult]:
        if effect not in cache:
            cache[effect] = [
                generate(SynthConfig(members=15_000, months=36, seed=s, randomized=True,
                                     effect_inpatient=effect), tmp_path_factory.mktemp(f"r{s}"))
                for s in (101, 102, 103)
            ]
        return cache[effect]
    return run


def test_randomized_arms_are_balanced(randomized_runs):
    for res in randomized_runs(-0.15):
        pe = read(res, "program_enrollment")
        n_prog, n_ctrl = (pe["arm"] == "program").sum(), (pe["arm"] == "control").sum()
        assert abs(n_prog - n_ctrl) <= 3  # at most one per chunk
        assert (pe["randomized"] == 1).all()


def test_randomized_effect_shows_and_null_effect_does_not(randomized_runs):
    for effect in (0.0, -0.15):
        rates = _post_rates(randomized_runs(effect), 36, SynthConfig().start)
        (a, ta), (b, tb) = rates["program"], rates["control"]
        ratio = (a / ta) / (b / tb)
        se = np.sqrt(1 / a + 1 / b)
        print(f"effect {effect}: program {a:.0f} stays / {ta:.0f} days, control {b:.0f} / {tb:.0f}, "
              f"ratio {ratio:.3f} (se of log {se:.3f})")
        if effect == 0:
            assert abs(np.log(ratio)) < 2.5 * se
        else:
            assert ratio < 1


def test_effect_thins_program_arm_only(randomized_runs):
    """Same seeds with and without the effect: identical control arms, program stays x 0.85."""
    null = _post_rates(randomized_runs(0.0), 36, SynthConfig().start)
    treated = _post_rates(randomized_runs(-0.15), 36, SynthConfig().start)
    assert null["control"] == treated["control"]
    assert treated["program"][1] == null["program"][1]
    assert treated["program"][0] / null["program"][0] == pytest.approx(0.85, abs=0.06)


def test_truth_records_each_reported_estimand(tmp_path):
    # the sample's truth.json: the realized ratios over all program enrollees, by window
    est = json.loads((SAMPLE / "truth.json").read_text())["estimands"]
    c = est["counts"]
    for o, key in (("inpatient_stays", "stays"), ("ed_visits", "ed_visits")):
        follow, during = est["followup_rate_ratio"][o], est["while_enrolled_rate_ratio"][o]
        assert follow == round(c[f"followup_{key}_treated"] / c[f"followup_{key}_untreated"], 4)
        # thinning by the effect while enrolled (-15% stays, about -11% all ED visits) is
        # binomial: the realized ratio lies within 3 SE of it; the 12-month window dilutes it
        effect = 0.85 if o == "inpatient_stays" else 0.888
        n = c[f"enrolled_{key}_untreated"]
        assert abs(during - effect) <= 3 * np.sqrt(effect * (1 - effect) / n)
        assert during < follow < 1.0
        assert est["not_enrolled_rate_ratio"][o] == 1.0
    # no effect: every ratio is exactly 1
    cfg = dataclasses.replace(SMALL, months=36, effect_inpatient=0.0, effect_ed=0.0)
    generate(cfg, tmp_path)
    none = json.loads((tmp_path / "truth.json").read_text())["estimands"]
    assert none["counts"]["followup_stays_untreated"] > 0
    assert set(none["followup_rate_ratio"].values()) == {1.0}
    assert set(none["while_enrolled_rate_ratio"].values()) == {1.0}
