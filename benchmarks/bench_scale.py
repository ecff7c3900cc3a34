"""Scale: wall time and peak memory of synth, summarize, load + panel and report at 1M-100M
claim lines, on DuckDB and Spark, beside hand-written DuckDB SQL doing the same core work.

Every step runs as its own process; peak RSS is the largest sum over that process and its
descendants (Spark's JVM, notebook kernels), sampled every 0.2 s. "Claim lines" are medical plus pharmacy lines. The hand-written SQL reads the
same Parquet files and computes what an analyst would write by hand for the panel's core: member
months (a month with any enrolled day), paid per person-month (medical in enrolled months,
pharmacy), ED visits (one per person-day) and acute inpatient stays merged across claims
(gaps-and-islands per person and facility, voided stays dropped), written to Parquet. It does no
typing, no rejects, no reconciliation, no readmissions and no service categories: the ratio is
what all of that costs on top.

Usage::

    .venv/bin/python benchmarks/bench_scale.py --root /work/scale-data --sizes 1M,5M \
        --steps synth,handsql,load_panel,summarize --engines duckdb,spark --spark-sizes 1M,5M

Data folders are ``ROOT/<size>`` (``--members`` per size below; ``synth`` writes them when
missing). Prints a markdown table; never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
MEMBERS = {"1M": 31_000, "5M": 155_000, "20M": 620_000, "100M": 3_100_000}
"""Members giving about that many claim lines with the default 36 months (~32 lines each)."""

LOAD_PANEL = """
import sys
from valuecase.data import load
from valuecase.panel.member_panel import panel_expr
data = load(sys.argv[1], engine=sys.argv[2])
out = panel_expr(data.ibis())
out.to_parquet(sys.argv[3])
"""

HAND_SQL = """
CREATE TEMP TABLE mm AS
SELECT DISTINCT person_id,
       CAST(unnest(generate_series(date_trunc('month', enrollment_start_date),
                                   enrollment_end_date, INTERVAL 1 MONTH)) AS DATE) AS month
FROM read_parquet({elig});
CREATE TEMP VIEW med AS
SELECT *, coalesce(claim_start_date, claim_end_date) AS service_date FROM read_parquet({med});
CREATE TEMP TABLE paid AS
SELECT person_id, CAST(date_trunc('month', service_date) AS DATE) AS month,
       sum(paid_amount) AS paid_medical
FROM med GROUP BY ALL;
CREATE TEMP TABLE rx AS
SELECT person_id, CAST(date_trunc('month', coalesce(dispensing_date, paid_date)) AS DATE) AS month,
       sum(paid_amount) AS paid_pharmacy
FROM read_parquet({rx}) GROUP BY ALL;
CREATE TEMP TABLE ed AS
SELECT person_id, CAST(date_trunc('month', service_date) AS DATE) AS month,
       count(*) AS ed_visits
FROM (SELECT DISTINCT person_id, service_date FROM med
      WHERE (claim_type = 'institutional'
             AND revenue_center_code IN ('0450', '0451', '0452', '0459', '0981'))
         OR (claim_type = 'professional' AND place_of_service_code = '23')
         OR hcpcs_code IN ('99281', '99282', '99283', '99284', '99285',
                           'G0380', 'G0381', 'G0382', 'G0383', 'G0384'))
GROUP BY ALL;
CREATE TEMP TABLE stays AS
WITH acute AS (
  SELECT DISTINCT person_id, claim_id FROM med
  WHERE claim_type = 'institutional' AND (bill_type_code LIKE '11%' OR drg_code IS NOT NULL)),
claims AS (
  SELECT m.person_id, m.claim_id,
         coalesce(min(admission_date), min(service_date)) AS adm,
         coalesce(max(discharge_date), max(claim_end_date), max(service_date)) AS dis,
         coalesce(max(facility_npi), '') AS fac, coalesce(sum(paid_amount), 0) AS paid,
         count(*) FILTER (WHERE paid_amount < 0) AS reversed
  FROM med m SEMI JOIN acute a ON m.person_id = a.person_id AND m.claim_id = a.claim_id
  GROUP BY ALL),
flagged AS (
  SELECT *, CASE WHEN max(dis) OVER (PARTITION BY person_id, fac ORDER BY adm, dis, claim_id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) >= adm - 1
            THEN 0 ELSE 1 END AS new_stay
  FROM claims),
numbered AS (
  SELECT *, sum(new_stay) OVER (PARTITION BY person_id, fac ORDER BY adm, dis, claim_id
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS stay
  FROM flagged),
merged AS (
  SELECT person_id, fac, stay, min(adm) AS adm, max(dis) AS dis, sum(paid) AS paid,
         sum(reversed) AS reversed
  FROM numbered GROUP BY ALL)
SELECT person_id, CAST(date_trunc('month', adm) AS DATE) AS month, count(*) AS inpatient_stays,
       sum(greatest(dis - adm, 1)) AS bed_days
FROM merged WHERE NOT (reversed > 0 AND paid <= 0) GROUP BY ALL;
COPY (
  SELECT mm.person_id, mm.month, coalesce(paid_medical, 0) AS paid_medical,
         coalesce(paid_pharmacy, 0) AS paid_pharmacy, coalesce(ed_visits, 0) AS ed_visits,
         coalesce(inpatient_stays, 0) AS inpatient_stays, coalesce(bed_days, 0) AS bed_days
  FROM mm
  LEFT JOIN paid USING (person_id, month) LEFT JOIN rx USING (person_id, month)
  LEFT JOIN ed USING (person_id, month) LEFT JOIN stays USING (person_id, month)
) TO {out} (FORMAT parquet);
"""


def hand_sql(data_dir: Path, out: Path) -> None:
    """Run the hand-written SQL on ``data_dir``'s Parquet files (the ``handsql`` step)."""
    from valuecase.data.engines import DuckDBEngine

    con = DuckDBEngine().con  # the same DuckDB settings valuecase uses

    def files(table: str) -> str:
        parts = sorted(data_dir.glob(f"{table}*.parquet")) or sorted(
            (data_dir / table).glob("*.parquet"))
        return "[" + ", ".join(f"'{p}'" for p in parts) + "]"

    con.execute(HAND_SQL.format(elig=files("eligibility"), med=files("medical_claim"),
                                rx=files("pharmacy_claim"), out=f"'{out}'"))


def claim_lines(data_dir: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows
               for table in ("medical_claim", "pharmacy_claim")
               for p in sorted(data_dir.glob(f"{table}*.parquet")))


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def timed(cmd: list[str], log: Path, timeout: float
          ) -> tuple[float | None, float | None, float | None, str]:
    """Wall seconds, peak RSS (GiB) and CPU seconds of ``cmd``, or None and why it did not
    finish.

    RSS is the sum over the process and all its descendants (Spark's JVM, notebook kernels),
    sampled every 0.2 s with psutil. CPU is user + system time of the process and every
    descendant it waited for: on a shared machine it moves less than wall time.
    """
    import psutil

    cpu0 = _children_cpu()
    start = time.perf_counter()
    peak = 0
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        parent = psutil.Process(proc.pid)
        while proc.poll() is None:
            if time.perf_counter() - start > timeout:
                for child in parent.children(recursive=True):
                    child.kill()
                proc.kill()
                proc.wait()
                return None, peak / 2**30, None, f"stopped after {timeout:.0f} s"
            total = 0
            try:
                for p in (parent, *parent.children(recursive=True)):
                    total += p.memory_info().rss
            except psutil.Error:  # a process ended while sampled
                pass
            peak = max(peak, total)
            time.sleep(0.2)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu0
    if proc.returncode:
        tail = log.read_text().strip().splitlines()[-1:] or ["?"]
        return wall, peak / 2**30, cpu, f"exit {proc.returncode}: {tail[0][:80]}"
    return wall, peak / 2**30, cpu, ""


def step_command(step: str, data_dir: Path, engine: str, work: Path, size: str) -> list[str]:
    py = str(VENV_BIN / "python")
    if step == "synth":
        return [str(VENV_BIN / "valuecase"), "synth", "--out", str(data_dir), "--members",
                str(MEMBERS[size]), "--format", "parquet"]
    if step == "handsql":
        return [py, __file__, "--hand-sql", str(data_dir), str(work / "hand.parquet")]
    if step == "load_panel":
        out = work / f"panel-{engine}.parquet"
        return [py, "-c", LOAD_PANEL, str(data_dir), engine, str(out)]
    if step == "summarize":
        return [str(VENV_BIN / "valuecase"), "summarize", "--engine", engine, str(data_dir),
                "--json"]
    if step == "report":
        return [str(VENV_BIN / "valuecase"), "report", "--data", str(data_dir), "--out",
                str(work / f"reports-{engine}"), "--jobs", "1", "--engine", engine]
    raise ValueError(f"unknown step {step!r}")


def agreement(work: Path) -> str:
    """Do the hand-written SQL and valuecase's panel agree on the shared totals?"""
    import duckdb

    hand, ours = work / "hand.parquet", work / "panel-duckdb.parquet"
    if not (hand.exists() and ours.exists()) or ours.stat().st_size < 100:
        return ""
    q = ("SELECT count(*), sum(ed_visits), sum(inpatient_stays), sum(bed_days), "
         "round(sum({paid}), 2) FROM read_parquet('{f}')")
    a = duckdb.sql(q.format(paid="paid_medical + paid_pharmacy", f=hand)).fetchone()
    b = duckdb.sql(q.format(paid="paid_total", f=ours)).fetchone()
    return ("agree" if a == b else f"differ: hand {a} vs valuecase {b}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "scale-data")
    ap.add_argument("--sizes", default="1M,5M", help=f"comma list of {', '.join(MEMBERS)}")
    ap.add_argument("--steps", default="synth,handsql,load_panel,summarize")
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--spark-sizes", default="1M,5M", help="sizes Spark also runs")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per step")
    ap.add_argument("--hand-sql", nargs=2, type=Path, metavar=("DATA", "OUT"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.hand_sql:
        hand_sql(*args.hand_sql)
        return
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = [s for s in sizes if s not in MEMBERS]
    if unknown:
        sys.exit(f"error: unknown size {unknown[0]}; choose from {', '.join(MEMBERS)}")
    steps = args.steps.split(",")
    rows = []
    for size in sizes:
        data_dir = args.root / size
        work = Path(tempfile.mkdtemp(prefix=f"bench-{size}-"))
        hand_seconds = hand_cpu = None
        for step in steps:
            if step == "synth" and (data_dir / "medical_claim.parquet").exists():
                print(f"[{size}] synth: data present, kept", file=sys.stderr)
                continue
            engines = ["duckdb"] if step in ("synth", "handsql") else [
                e for e in args.engines.split(",")
                if e == "duckdb" or size in args.spark_sizes.split(",")]
            for engine in engines:
                print(f"[{size}] {step} on {engine} ...", file=sys.stderr, flush=True)
                cmd = step_command(step, data_dir, engine, work, size)
                wall, peak, cpu, note = timed(cmd, work / f"{step}-{engine}.log",
                                              args.timeout)
                if step == "handsql" and not note:
                    hand_seconds, hand_cpu = wall, cpu
                print(f"[{size}] {step} on {engine}: {wall and round(wall, 1)} s, "
                      f"{cpu and round(cpu, 1)} CPU s, {peak and round(peak, 2)} GiB {note}",
                      file=sys.stderr, flush=True)
                rows.append((size, step, engine, wall, peak, cpu, note))
        lines = claim_lines(data_dir) if data_dir.exists() else 0
        agree = agreement(work)
        rows = [(*r, lines, hand_seconds, hand_cpu, agree)
                if r[0] == size and len(r) == 7 else r for r in rows]
        shutil.rmtree(work, ignore_errors=True)
    print("| size | claim lines | step | engine | seconds | CPU seconds | peak RSS (GiB) "
          "| × hand SQL | × hand SQL (CPU) | note |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---|")
    for size, step, engine, wall, peak, cpu, note, lines, hand, hcpu, agree in rows:
        ratio = f"{wall / hand:.2f}" if wall and hand and step != "synth" else ""
        cratio = f"{cpu / hcpu:.2f}" if cpu and hcpu and step != "synth" else ""
        if step == "load_panel" and engine == "duckdb" and agree:
            note = (note + "; " if note else "") + f"totals vs hand SQL: {agree}"
        print(f"| {size} | {lines:,} | {step} | {engine} | "
              f"{'' if wall is None else f'{wall:.1f}'} | "
              f"{'' if cpu is None else f'{cpu:.1f}'} | "
              f"{'' if peak is None else f'{peak:.2f}'} | {ratio} | {cratio} | {note} |")
    print(json.dumps({"python": sys.version.split()[0]}), file=sys.stderr)


if __name__ == "__main__":
    main()
