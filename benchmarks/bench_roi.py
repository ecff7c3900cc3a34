"""Benchmark: ROI Monte Carlo, valuecase's vectorized draws vs one scenario at a time.

The obvious alternative — what a spreadsheet data table does — evaluates one scenario per
draw. Here that is ``monte_carlo(model, draws=1, seed=i)`` in a Python loop (1,000 scenarios,
time scaled to 10,000). Both sample the same input distributions, so P(net savings > 0) must
agree within Monte Carlo error (checked). The table prints time ratios, not absolute seconds
(machines are shared); the design goal is 10,000 draws in under 2 s.

Usage::

    .venv/bin/python benchmarks/bench_roi.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from valuecase.datasets import example_params
from valuecase.value.assumptions import load_roi_params
from valuecase.value.projection import build_model
from valuecase.value.uncertainty import monte_carlo

DRAWS = 10_000
LOOP_DRAWS = 1_000


def main() -> None:
    model = build_model(load_roi_params(example_params("roi-calculator.yml")))
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        mc = monte_carlo(model, draws=DRAWS, seed=1)
        times.append(time.perf_counter() - t0)
    t_vec = statistics.median(times)
    t0 = time.perf_counter()
    loop = np.array([monte_carlo(model, draws=1, seed=i).net_savings[0]
                     for i in range(LOOP_DRAWS)])
    t_loop = (time.perf_counter() - t0) * DRAWS / LOOP_DRAWS
    p_vec, p_loop = mc.prob_positive(), float(np.mean(loop > 0))
    se = np.sqrt(p_vec * (1 - p_vec) / LOOP_DRAWS)
    assert abs(p_vec - p_loop) < 4 * se, "the two approaches disagree"
    print(f"{DRAWS:,} draws, roi-calculator.yml\n")
    print(f"{'approach':<44}{'time ratio':>12}")
    print(f"{'valuecase monte_carlo (vectorized)':<44}{1.0:>12.2f}")
    print(f"{'one scenario per draw (loop, scaled)':<44}{t_loop / t_vec:>12.1f}")
    print(f"\nP(net > 0): vectorized {p_vec:.3f}, loop {p_loop:.3f} (agree within MC error)")
    print(f"10,000 draws under the 2 s goal: {'yes' if t_vec < 2 else 'NO'}")


if __name__ == "__main__":
    main()
