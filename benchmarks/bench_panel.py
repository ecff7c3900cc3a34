"""Benchmark: the member-month panel, valuecase (Ibis on DuckDB) vs hand-written DuckDB SQL vs pandas.

All three compute the same core table on the same files, in the same run: member months (Tuva's
any-day rule) with medical and pharmacy paid per person-month. valuecase's full panel (which also
derives ED visits, merged inpatient stays, readmissions and service categories) is timed too.
Results are printed as ratios to the hand-written DuckDB SQL, since the machines are shared and
absolute seconds are noise. It asserts nothing about time; it does check the three agree.

Usage::

    .venv/bin/python benchmarks/bench_panel.py                 # on the bundled sample
    .venv/bin/python benchmarks/bench_panel.py --members 100000 # on a larger synthetic set
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from valuecase.data.load import find_table_files, load
from valuecase.datasets import sample_dir
from valuecase.panel.member_panel import build_panel, member_months


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def duckdb_sql(files: dict[str, tuple[Path, ...]]) -> pd.DataFrame:
    def src(table: str) -> str:
        return f"read_parquet({[str(p) for p in files[table]]})"

    return duckdb.sql(f"""
        WITH mm AS (
          SELECT DISTINCT person_id, CAST(unnest(generate_series(
            date_trunc('month', enrollment_start_date), enrollment_end_date,
            INTERVAL 1 MONTH)) AS DATE) AS month
          FROM {src('eligibility')}),
        med AS (SELECT person_id, CAST(date_trunc('month', claim_start_date) AS DATE) AS month,
                       sum(paid_amount) AS paid_medical
                FROM {src('medical_claim')} GROUP BY ALL),
        rx AS (SELECT person_id, CAST(date_trunc('month', dispensing_date) AS DATE) AS month,
                      sum(paid_amount) AS paid_pharmacy
               FROM {src('pharmacy_claim')} GROUP BY ALL)
        SELECT mm.person_id, mm.month, coalesce(paid_medical, 0) AS paid_medical,
               coalesce(paid_pharmacy, 0) AS paid_pharmacy
        FROM mm LEFT JOIN med USING (person_id, month) LEFT JOIN rx USING (person_id, month)
        ORDER BY 1, 2""").df()


def plain_pandas(files: dict[str, tuple[Path, ...]]) -> pd.DataFrame:
    elig = pd.concat(pd.read_parquet(p, columns=["person_id", "enrollment_start_date",
                                                 "enrollment_end_date"])
                     for p in files["eligibility"])
    start = pd.to_datetime(elig["enrollment_start_date"])
    end = pd.to_datetime(elig["enrollment_end_date"])
    m0 = (start.dt.year * 12 + start.dt.month - 1).to_numpy()
    n = (end.dt.year * 12 + end.dt.month - 1).to_numpy() - m0 + 1
    first = np.repeat(m0, n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    idx = first + offset
    mm = pd.DataFrame({"person_id": np.repeat(elig["person_id"].to_numpy(), n),
                       "month": pd.to_datetime({"year": idx // 12, "month": idx % 12 + 1,
                                                "day": 1})})
    mm = mm.drop_duplicates()

    def monthly(table: str, date_col: str, name: str) -> pd.DataFrame:
        df = pd.concat(pd.read_parquet(p, columns=["person_id", date_col, "paid_amount"])
                       for p in files[table])
        df["month"] = pd.to_datetime(df[date_col]).dt.to_period("M").dt.to_timestamp()
        return df.groupby(["person_id", "month"], as_index=False)["paid_amount"].sum().rename(
            columns={"paid_amount": name})

    out = mm.merge(monthly("medical_claim", "claim_start_date", "paid_medical"),
                   on=["person_id", "month"], how="left")
    out = out.merge(monthly("pharmacy_claim", "dispensing_date", "paid_pharmacy"),
                    on=["person_id", "month"], how="left")
    return out.fillna({"paid_medical": 0.0, "paid_pharmacy": 0.0}).sort_values(
        ["person_id", "month"]).reset_index(drop=True)


def valuecase_core(data_dir: Path) -> pd.DataFrame:
    data = load(data_dir)
    b = data.ibis()
    mm = member_months(b.table("eligibility"))
    med = b.table("medical_claim").group_by(["person_id", "month"]).aggregate(
        paid_medical=lambda t: t.paid_amount.sum())
    rx = b.table("pharmacy_claim").group_by(["person_id", "month"]).aggregate(
        paid_pharmacy=lambda t: t.paid_amount.sum())
    out = (mm.left_join(med, ["person_id", "month"]).drop("person_id_right", "month_right")
           .left_join(rx, ["person_id", "month"]).drop("person_id_right", "month_right"))
    out = out.mutate(paid_medical=out.paid_medical.fill_null(0.0),
                     paid_pharmacy=out.paid_pharmacy.fill_null(0.0))
    return out.order_by(["person_id", "month"]).to_pandas()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=sample_dir())
    ap.add_argument("--members", type=int, default=0,
                    help="generate a synthetic set of this size instead of using --data")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data_dir = args.data
    if args.members:
        from valuecase.synth import SynthConfig, generate

        data_dir = Path(tempfile.mkdtemp(prefix="valuecase-bench-"))
        generate(SynthConfig(members=args.members), data_dir)
    files = find_table_files(data_dir)
    lines = sum(duckdb.sql(f"SELECT count(*) FROM read_parquet('{p}')").fetchone()[0]
                for p in files["medical_claim"])
    print(f"data: {data_dir}  medical lines: {lines:,}  repeat: {args.repeat} (median)\n")

    t_sql, ref = timed(lambda: duckdb_sql(files), args.repeat)
    t_pd, pdf = timed(lambda: plain_pandas(files), args.repeat)
    t_core, core = timed(lambda: valuecase_core(data_dir), args.repeat)
    t_full, full = timed(lambda: build_panel(load(data_dir)), args.repeat)

    # the three core computations must agree before their times mean anything
    for _name, df in (("pandas", pdf), ("valuecase", core)):
        a = df.assign(month=pd.to_datetime(df["month"])).reset_index(drop=True)
        b = ref.assign(month=pd.to_datetime(ref["month"])).reset_index(drop=True)
        pd.testing.assert_frame_equal(a[b.columns], b, check_dtype=False, atol=0.01)
    assert len(full) == len(ref), "full panel has a different number of member months"

    rows = [("hand-written DuckDB SQL (core)", t_sql),
            ("plain pandas (core)", t_pd),
            ("valuecase load + Ibis (core)", t_core),
            ("valuecase full panel (load + encounters)", t_full)]
    print(f"{'approach':<44}{'ratio to DuckDB SQL':>20}")
    for name, t in rows:
        print(f"{name:<44}{t / t_sql:>20.2f}")
    print(f"\nmember months: {len(ref):,}  (all three agree)")


if __name__ == "__main__":
    main()
