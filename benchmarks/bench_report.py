"""Benchmark: a whole report run vs the analysis pipeline it wraps, in the same run.

Measures, on the same data and parameters:

- **pipeline**: every stage once and every report's results written
  (:func:`valuecase.analysis.run.run_analysis`), in a fresh process;
- **kernel start-up**: papermill executing a one-cell notebook (the fixed cost each report pays
  to start a Jupyter kernel);
- **report --jobs 1 / --jobs 2**: ``valuecase report`` end to end (check, analysis, six
  notebooks, rendering, guard, publish);
- optionally **before**: the same ``valuecase report`` of an older commit (``--before REV``,
  checked out into a temporary git worktree and run with ``PYTHONPATH`` pointing at it).

It prints wall seconds, ratios to the pipeline and the target ratio of the issue
(report <= 2 x pipeline + kernel start-ups) and peak RSS of each process tree. It asserts nothing
about time (the machines are shared and noisy).

Usage::

    .venv/bin/python benchmarks/bench_report.py                       # the bundled sample
    .venv/bin/python benchmarks/bench_report.py --before df26d98      # beside an older commit
    .venv/bin/python benchmarks/bench_report.py --data DIR --params FILE
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

PIPELINE = """
import sys, time
from valuecase.analysis.parameters import check_parameters
from valuecase.analysis.run import run_analysis
from valuecase.analysis.sections import BUILDERS
params = check_parameters(sys.argv[2] or None, sys.argv[1] or None)
run_analysis(params, list(BUILDERS), sys.argv[3])
"""

KERNEL = """
import sys, nbformat, papermill
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbformat.write(nb, sys.argv[1])
papermill.execute_notebook(sys.argv[1], sys.argv[1], progress_bar=False, kernel_name="python3")
"""


# A fresh process runs the command and reports the peak RSS of its largest descendant, so each
# step's memory is its own (RUSAGE_CHILDREN of this process would accumulate across steps).
_MEASURE = """
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(r.stderr[-2000:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(r.returncode)
"""


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
        ) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB, the largest process of the command's tree)."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], env=env, cwd=cwd,
                       capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return seconds, int(r.stdout.strip().splitlines()[-1]) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="", help="data folder (default: the bundled sample)")
    ap.add_argument("--params", default="", help="parameters file")
    ap.add_argument("--before", default="", help="also time this git revision's report")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each step (median shown)")
    args = ap.parse_args()
    python = sys.executable
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    report_args = (["--data", args.data] if args.data else []) + (
        ["--params", args.params] if args.params else [])
    steps: dict[str, list[tuple[float, float]]] = {}
    for i in range(args.repeat):
        steps.setdefault("pipeline (every stage once, all results)", []).append(run(
            [python, "-c", PIPELINE, args.data, args.params, str(work / f"results{i}")]))
        steps.setdefault("kernel start-up (one-cell notebook)", []).append(run(
            [python, "-c", KERNEL, str(work / f"k{i}.ipynb")]))
        for jobs in (1, 2):
            steps.setdefault(f"valuecase report --jobs {jobs}", []).append(run(
                [str(BIN / "valuecase"), "report", "--out", str(work / f"r{jobs}-{i}"),
                 "--jobs", str(jobs), *report_args], cwd=work))
    if args.before:
        tree = work / "before"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree),
                        args.before], check=True, capture_output=True)
        try:
            env = {**os.environ, "PYTHONPATH": str(tree)}
            data = args.data or str(tree / "data" / "sample")
            old_params = (["--params", args.params] if args.params else
                          ["--params", str(tree / "params" / "sample.yml")])
            for jobs in (1, 2):
                steps[f"before ({args.before}) report --jobs {jobs}"] = [run(
                    [python, "-m", "valuecase.cli", "report", "--data", data, "--out",
                     str(work / f"before{jobs}"), "--jobs", str(jobs), *old_params],
                    env=env, cwd=tree) for _ in range(args.repeat)]
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                            str(tree)], capture_output=True)
    median = {k: sorted(v)[len(v) // 2] for k, v in steps.items()}
    pipeline = median["pipeline (every stage once, all results)"][0]
    kernel = median["kernel start-up (one-cell notebook)"][0]
    print(f"{'step':<44} {'seconds':>8} {'x pipeline':>11} {'peak RSS GiB':>13}")
    for name, (sec, rss) in median.items():
        print(f"{name:<44} {sec:>8.1f} {sec / pipeline:>11.2f} {rss:>13.2f}")
    budget = 2 * pipeline + 6 * kernel
    print(f"\ntarget: report <= 2 x pipeline + 6 kernel start-ups = {budget:.1f} s "
          f"(--jobs 1 took {median['valuecase report --jobs 1'][0]:.1f} s)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
