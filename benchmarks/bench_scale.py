"""Scale: wall time and peak memory of synth, summarize, load + panel and report at 1M-100M
claim lines, on DuckDB and Spark, beside hand-written DuckDB SQL doing the same work.

Every step runs as its own process; peak RSS is the largest sum over that process and its
descendants (Spark's JVM, notebook kernels), sampled every 0.2 s. "Claim lines" are medical
plus pharmacy lines. Two hand-written baselines read the same Parquet files, with no typing, no
rejects and no reconciliation:

- ``handsql`` (**core SQL**): the panel's core as an analyst would write it - member months (a
  month with any enrolled day), paid per person-month (medical in enrolled months, pharmacy),
  ED visits (one per person-day) and acute inpatient stays merged across claims
  (gaps-and-islands per person and facility, voided stays dropped), written to Parquet.
- ``handsql_panel`` (**same-panel SQL**): valuecase's whole member-month panel, column for
  column (paid by service category, readmissions, ED visits that led to an admission, age),
  with the code lists of :mod:`valuecase.panel.encounters`. The run checks that it equals
  valuecase's panel row for row (``EXCEPT ALL`` both ways).

The ratios are what typing, rejects, reconciliation and the copy of the checked lines cost on
top (and, against the core SQL, the panel's extra columns too).

Usage::

    .venv/bin/python benchmarks/bench_scale.py --root /work/scale-data --sizes 1M,5M \
        --steps synth,handsql,handsql_panel,load_panel,summarize --engines duckdb,spark \
        --spark-sizes 1M,5M

Data folders are ``ROOT/<size>`` (``--members`` per size below; ``synth`` writes them when
missing). ``--repeat N`` runs the steps in N rounds (each step once per round, in the order
given) and reports median seconds, the largest peak RSS, and the median of each round's ratio
to the hand SQL of the same round. Prints a markdown table; never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from valuecase.panel.member_panel import PANEL_COLUMNS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
HAND_STEPS = ("handsql", "handsql_panel")
"""The hand-written DuckDB SQL the other steps are measured against."""
MEMBERS = {"1M": 31_000, "5M": 155_000, "20M": 620_000, "100M": 3_100_000}
"""Members giving about that many claim lines with the default 36 months (~32 lines each)."""

MEMBER_MONTHS_SQL = """CREATE TEMP TABLE mm AS
SELECT DISTINCT person_id,
       CAST(unnest(generate_series(date_trunc('month', enrollment_start_date),
                                   enrollment_end_date, INTERVAL 1 MONTH)) AS DATE) AS month
FROM read_parquet({elig});
"""
"""Member months in both hand-written baselines: a month with any enrolled day."""

STAY_ISLANDS = """flagged AS (
  SELECT *, CASE WHEN max(dis) OVER (PARTITION BY person_id, fac ORDER BY adm, dis, claim_id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) >= adm - 1
            THEN 0 ELSE 1 END AS new_stay
  FROM claims),
numbered AS (
  SELECT *, sum(new_stay) OVER (PARTITION BY person_id, fac ORDER BY adm, dis, claim_id
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS stay
  FROM flagged),
"""
"""Both hand-written baselines merge a person's acute claims at one facility into stays the
same way (gaps and islands): ``claims`` (adm, dis, per claim) -> ``numbered`` (stay number)."""

LOAD_PANEL = """
import sys
from valuecase.data import load
from valuecase.panel.member_panel import panel_expr
data = load(sys.argv[1], engine=sys.argv[2])
out = panel_expr(data.ibis())
out.to_parquet(sys.argv[3])
"""

HAND_SQL = """
{member_months}CREATE TEMP VIEW med AS
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
{stay_islands}merged AS (
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

# The same panel as valuecase's, column for column (service categories, readmissions, ED visits
# that led to an admission, age): what an analyst would write by hand to get valuecase's
# output from clean Parquet, with the code lists taken from valuecase's own constants. Money is
# summed as DECIMAL(18, 2), as valuecase does, so the two panels can be compared exactly.
HAND_SQL_PANEL = """
{member_months}CREATE TEMP TABLE people AS
SELECT person_id, max(gender) AS gender, min(birth_date) AS birth_date
FROM read_parquet({elig}) GROUP BY ALL;
CREATE TEMP VIEW med AS
SELECT person_id, claim_id, claim_type, bill_type_code, revenue_center_code, drg_code,
       admission_date, discharge_date, claim_end_date, facility_npi,
       discharge_disposition_code, CAST(paid_amount AS DECIMAL(18, 2)) AS paid,
       coalesce(claim_start_date, claim_end_date) AS service_date,
       CAST(date_trunc('month', coalesce(claim_start_date, claim_end_date)) AS DATE) AS month,
       coalesce((claim_type = 'institutional' AND revenue_center_code IN ({ed_rev}))
                OR (claim_type = 'professional' AND place_of_service_code IN ({ed_pos}))
                OR hcpcs_code IN ({ed_hcpcs}), false) AS is_ed
FROM read_parquet({med});
CREATE TEMP TABLE flags AS
SELECT person_id, claim_id,
       bool_or(coalesce(claim_type = 'institutional'
                        AND left(bill_type_code, 2) IN ({ip_bill}), false)) AS bill,
       bool_or(coalesce(claim_type = 'institutional' AND regexp_matches(drg_code, '^[0-9]{{3}}$')
                        AND drg_code <> '000', false)) AS drg,
       bool_or(coalesce(claim_type = 'institutional' AND revenue_center_code IN ({rb}),
                        false)) AS rb,
       bool_or(coalesce(claim_type = 'institutional' AND revenue_center_code IS NOT NULL,
                        false)) AS rev,
       bool_or(is_ed) AS has_ed, max(left(bill_type_code, 2)) AS prefix
FROM med GROUP BY ALL;
CREATE TEMP TABLE claim_class AS
SELECT person_id, claim_id, has_ed, prefix,
       bill AND drg AND (rb OR NOT (SELECT bool_or(rev) FROM flags)) AS acute
FROM flags;
CREATE TEMP TABLE paid AS
SELECT person_id, month,
       sum(paid) FILTER (WHERE cat = 'inpatient') AS paid_inpatient,
       sum(paid) FILTER (WHERE cat = 'outpatient') AS paid_outpatient,
       sum(paid) FILTER (WHERE cat = 'ed') AS paid_ed,
       sum(paid) FILTER (WHERE cat = 'professional') AS paid_professional,
       sum(paid) FILTER (WHERE cat = 'other') AS paid_other
FROM (SELECT m.person_id, m.month, m.paid,
             CASE WHEN claim_type = 'institutional' AND acute THEN 'inpatient'
                  WHEN claim_type = 'institutional' AND has_ed THEN 'ed'
                  WHEN claim_type = 'institutional'
                       AND (prefix IN ('13', '14', '85') OR left(prefix, 1) = '7')
                       THEN 'outpatient'
                  WHEN claim_type = 'institutional' THEN 'other'
                  WHEN claim_type = 'professional' AND is_ed THEN 'ed'
                  WHEN claim_type = 'professional' THEN 'professional'
                  ELSE 'other' END AS cat
      FROM med m LEFT JOIN claim_class c USING (person_id, claim_id))
GROUP BY ALL;
CREATE TEMP TABLE stays AS
WITH claims AS (
  SELECT person_id, claim_id,
         coalesce(min(admission_date), min(service_date)) AS adm,
         coalesce(max(discharge_date), max(claim_end_date), max(service_date)) AS dis,
         max(coalesce(facility_npi, '')) AS fac, max(discharge_disposition_code) AS disp,
         coalesce(sum(paid), 0) AS paid, count(*) FILTER (WHERE paid < 0) AS reversed
  FROM med SEMI JOIN (SELECT person_id, claim_id FROM claim_class WHERE acute) a
       USING (person_id, claim_id)
  GROUP BY ALL),
{stay_islands}merged AS (
  SELECT person_id, fac, stay, min(adm) AS adm, max(dis) AS dis, arg_max(disp, dis) AS disp,
         sum(paid) AS paid, sum(reversed) AS reversed
  FROM numbered GROUP BY ALL),
kept AS (
  SELECT *, greatest(dis - adm, 1) AS bed_days,
         coalesce(disp, '') NOT IN ({excluded})
         AND dis <= (SELECT max(service_date) FROM med) - INTERVAL {window} DAY AS is_index
  FROM merged WHERE NOT (reversed > 0 AND paid <= 0))
SELECT person_id, adm, bed_days, is_index,
       coalesce(lag(is_index) OVER w AND adm - lag(dis) OVER w BETWEEN 1 AND {window},
                false) AS readmission
FROM kept WINDOW w AS (PARTITION BY person_id ORDER BY adm, dis, fac);
CREATE TEMP TABLE stay_months AS
SELECT person_id, CAST(date_trunc('month', adm) AS DATE) AS month, count(*) AS inpatient_stays,
       sum(bed_days) AS bed_days, count(*) FILTER (WHERE is_index) AS index_stays,
       count(*) FILTER (WHERE readmission) AS readmissions_30d
FROM stays GROUP BY ALL;
CREATE TEMP TABLE ed AS
SELECT person_id, CAST(date_trunc('month', service_date) AS DATE) AS month,
       count(*) AS ed_visits,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM stays s WHERE s.person_id = v.person_id
                                      AND s.adm BETWEEN v.service_date
                                                    AND v.service_date + 1)) AS ed_admitted
FROM (SELECT DISTINCT person_id, service_date FROM med WHERE is_ed) v
GROUP BY ALL;
CREATE TEMP TABLE rx AS
SELECT person_id, CAST(date_trunc('month', coalesce(dispensing_date, paid_date)) AS DATE) AS month,
       sum(CAST(paid_amount AS DECIMAL(18, 2))) AS paid_pharmacy
FROM read_parquet({rx}) GROUP BY ALL;
COPY (
  SELECT person_id, month, year(month) AS year, gender,
         year(month) - year(birth_date)
           - CAST(month(birth_date) > month(month)
                  OR (month(birth_date) = month(month) AND day(birth_date) > 1) AS BIGINT)
           AS age,
         CAST(coalesce(paid_inpatient, 0) AS DOUBLE) AS paid_inpatient,
         CAST(coalesce(paid_outpatient, 0) AS DOUBLE) AS paid_outpatient,
         CAST(coalesce(paid_ed, 0) AS DOUBLE) AS paid_ed,
         CAST(coalesce(paid_professional, 0) AS DOUBLE) AS paid_professional,
         CAST(coalesce(paid_pharmacy, 0) AS DOUBLE) AS paid_pharmacy,
         CAST(coalesce(paid_other, 0) AS DOUBLE) AS paid_other,
         CAST(coalesce(paid_inpatient, 0) AS DOUBLE) + CAST(coalesce(paid_outpatient, 0) AS DOUBLE)
           + CAST(coalesce(paid_ed, 0) AS DOUBLE) + CAST(coalesce(paid_professional, 0) AS DOUBLE)
           + CAST(coalesce(paid_pharmacy, 0) AS DOUBLE) + CAST(coalesce(paid_other, 0) AS DOUBLE)
           AS paid_total,
         coalesce(ed_visits, 0) AS ed_visits, coalesce(ed_admitted, 0) AS ed_visits_admitted,
         coalesce(inpatient_stays, 0) AS inpatient_stays, coalesce(bed_days, 0) AS bed_days,
         coalesce(index_stays, 0) AS index_stays, coalesce(readmissions_30d, 0) AS readmissions_30d
  FROM mm LEFT JOIN people USING (person_id) LEFT JOIN paid USING (person_id, month)
  LEFT JOIN rx USING (person_id, month) LEFT JOIN ed USING (person_id, month)
  LEFT JOIN stay_months USING (person_id, month)
) TO {out} (FORMAT parquet);
"""


def hand_sql(data_dir: Path, out: Path, same_panel: bool = False) -> None:
    """Run the hand-written SQL on ``data_dir``'s Parquet files: the ``handsql`` step, or with
    ``same_panel`` the ``handsql_panel`` step (valuecase's whole panel)."""
    from valuecase.data.engines import DuckDBEngine
    from valuecase.panel import encounters as enc

    con = DuckDBEngine().con  # the same DuckDB settings valuecase uses

    def files(table: str) -> str:
        parts = sorted(data_dir.glob(f"{table}*.parquet")) or sorted(
            (data_dir / table).glob("*.parquet"))
        return "[" + ", ".join(f"'{p}'" for p in parts) + "]"

    def codes(values: tuple[str, ...]) -> str:
        return ", ".join(f"'{v}'" for v in values)

    sql = HAND_SQL_PANEL if same_panel else HAND_SQL
    con.execute(sql.format(
        member_months=MEMBER_MONTHS_SQL.format(elig=files("eligibility")),
        elig=files("eligibility"), med=files("medical_claim"), rx=files("pharmacy_claim"),
        out=f"'{out}'", stay_islands=STAY_ISLANDS, ed_rev=codes(enc.ED_REVENUE_CODES), ed_pos=codes(enc.ED_PLACE_OF_SERVICE),
        ed_hcpcs=codes(enc.ED_HCPCS), ip_bill=codes(enc.INPATIENT_BILL_TYPES),
        rb=codes(enc.ROOM_AND_BOARD_BASIC), excluded=codes(enc.INDEX_EXCLUDED_DISPOSITIONS),
        window=enc.READMISSION_WINDOW_DAYS))


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
    if step == "handsql_panel":
        return [py, __file__, "--hand-sql-panel", str(data_dir),
                str(work / "hand-panel.parquet")]
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
    """Do the hand-written SQL and valuecase's panel agree: on the shared totals (core SQL),
    row for row and column for column (same-panel SQL)?"""
    import duckdb

    hand, ours = work / "hand.parquet", work / "panel-duckdb.parquet"
    if not ours.exists() or ours.stat().st_size < 100:
        return ""
    notes = []
    con = duckdb.connect()  # spilling to the run's folder, not to .tmp where it was started
    con.execute(f"SET temp_directory = '{work / 'spill'}'")
    same = work / "hand-panel.parquet"
    if same.exists():
        cols = ", ".join(f"CAST({c} AS BIGINT) AS {c}" if c in ("year", "age") else c
                         for c in PANEL_COLUMNS if c != "ed_visit_paid")  # not in hand SQL
        a, b = (f"SELECT {cols} FROM read_parquet('{f}')" for f in (same, ours))
        differ = sum(con.sql(f"SELECT count(*) FROM ({x} EXCEPT ALL {y})").fetchone()[0]
                     for x, y in ((a, b), (b, a)))
        notes.append("same-panel SQL: identical panel" if not differ
                     else f"same-panel SQL: {differ:,} rows differ")
    if not hand.exists():
        return "; ".join(notes)
    q = ("SELECT count(*), sum(ed_visits), sum(inpatient_stays), sum(bed_days), "
         "round(sum({paid}), 2) FROM read_parquet('{f}')")
    a = con.sql(q.format(paid="paid_medical + paid_pharmacy", f=hand)).fetchone()
    b = con.sql(q.format(paid="paid_total", f=ours)).fetchone()
    notes.insert(0, "core SQL totals agree" if a == b
                 else f"core SQL totals differ: hand {a} vs valuecase {b}")
    return "; ".join(notes)


Run = tuple  # (round, wall, peak, cpu, note) of one step's run


def _ratio(step: str, runs: list[Run], hands: list[Run], i: int) -> str:
    """The median over rounds of ``step``'s wall (``i`` = 1) or CPU (``i`` = 3) seconds
    divided by the hand SQL step's in the same round (paired: both ran close in time, so a
    busier spell of the shared machine weighs on both)."""
    ratios = [r[i] / h[i] for r, h in zip(runs, hands, strict=False)
              if r[i] and h and h[i] and step != "synth"]
    return f"{statistics.median(ratios):.2f}" if ratios else ""


def _median(runs: list[Run], i: int) -> float | None:
    values = [r[i] for r in runs if r[i] is not None]
    return statistics.median(values) if values else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "scale-data")
    ap.add_argument("--sizes", default="1M,5M", help=f"comma list of {', '.join(MEMBERS)}")
    ap.add_argument("--steps", default="synth,handsql,handsql_panel,load_panel,summarize")
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--spark-sizes", default="1M,5M", help="sizes Spark also runs")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of the steps (medians and paired ratios are reported)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per step")
    ap.add_argument("--hand-sql", nargs=2, type=Path, metavar=("DATA", "OUT"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--hand-sql-panel", nargs=2, type=Path, metavar=("DATA", "OUT"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.hand_sql:
        hand_sql(*args.hand_sql)
        return
    if args.hand_sql_panel:
        hand_sql(*args.hand_sql_panel, same_panel=True)
        return
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = [s for s in sizes if s not in MEMBERS]
    if unknown:
        sys.exit(f"error: unknown size {unknown[0]}; choose from {', '.join(MEMBERS)}")
    if args.repeat < 1:
        sys.exit("error: --repeat must be at least 1")
    steps = args.steps.split(",")
    table = []
    for size in sizes:
        data_dir = args.root / size
        work = Path(tempfile.mkdtemp(prefix=f"bench-{size}-"))
        runs: dict[tuple[str, str], list[Run]] = {}
        for rnd in range(args.repeat):  # rounds: each step once per round, in order
            for step in steps:
                if step == "synth" and (data_dir / "medical_claim.parquet").exists():
                    if rnd == 0:
                        print(f"[{size}] synth: data present, kept", file=sys.stderr)
                    continue
                engines = ["duckdb"] if step in ("synth", *HAND_STEPS) else [
                    e for e in args.engines.split(",")
                    if e == "duckdb" or size in args.spark_sizes.split(",")]
                for engine in engines:
                    print(f"[{size}] round {rnd + 1}: {step} on {engine} ...", file=sys.stderr,
                          flush=True)
                    cmd = step_command(step, data_dir, engine, work, size)
                    wall, peak, cpu, note = timed(cmd, work / f"{step}-{engine}.log",
                                                  args.timeout)
                    print(f"[{size}] round {rnd + 1}: {step} on {engine}: "
                          f"{wall and round(wall, 1)} s, {cpu and round(cpu, 1)} CPU s, "
                          f"{peak and round(peak, 2)} GiB {note}", file=sys.stderr, flush=True)
                    # CPU counts the processes the step waited for: Spark's JVM is not one
                    # of them, so Spark's CPU is left blank rather than shown too low
                    runs.setdefault((step, engine), []).append(
                        (rnd, None if note else wall, peak,
                         None if note or engine == "spark" else cpu, note))
        lines = claim_lines(data_dir) if data_dir.exists() else 0
        agree = agreement(work)
        hands = {h: {r[0]: r for r in runs.get((h, "duckdb"), [])} for h in HAND_STEPS}
        for (step, engine), done in runs.items():
            paired = {h: [hands[h].get(r[0]) for r in done] for h in HAND_STEPS}
            note = "; ".join(sorted({r[4] for r in done if r[4]}))
            if step == "load_panel" and engine == "duckdb" and agree:
                note = (note + "; " if note else "") + agree
            peaks = [r[2] for r in done if r[2] is not None]
            table.append((size, lines, step, engine, _median(done, 1), _median(done, 3),
                          max(peaks) if peaks else None,
                          _ratio(step, done, paired["handsql"], 1),
                          _ratio(step, done, paired["handsql_panel"], 1),
                          _ratio(step, done, paired["handsql_panel"], 3), note))
        shutil.rmtree(work, ignore_errors=True)
    print("| size | claim lines | step | engine | seconds | CPU seconds | peak RSS (GiB) "
          "| × core SQL | × same-panel SQL | × same-panel SQL (CPU) | note |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|")
    for size, lines, step, engine, wall, cpu, peak, core, same, same_cpu, note in table:
        print(f"| {size} | {lines:,} | {step} | {engine} | "
              f"{'' if wall is None else f'{wall:.1f}'} | "
              f"{'' if cpu is None else f'{cpu:.1f}'} | "
              f"{'' if peak is None else f'{peak:.2f}'} | {core} | {same} | {same_cpu} | "
              f"{note} |")
    print(json.dumps({"python": sys.version.split()[0], "repeat": args.repeat}),
          file=sys.stderr)


if __name__ == "__main__":
    main()
