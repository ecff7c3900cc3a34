"""Count how often each pipeline stage runs (the "compute once" promise, made testable).

Every stage function (loading, the panel, the study, the evaluation, the value case...) is
decorated with :func:`stage`. Each call adds one to :data:`COUNTS` in this process and, when
the environment variable ``VALUECASE_STAGE_LOG`` names a file, appends one line
``<stage>\\t<pid>\\t<seconds>`` to it, so calls in notebook kernels and worker processes are
counted too. A report run should show each stage exactly once.

Examples
--------
>>> @stage("example")
... def double(x):
...     return 2 * x
>>> before = COUNTS["example"]
>>> double(2), COUNTS["example"] - before
(4, 1)
"""

from __future__ import annotations

import functools
import os
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["COUNTS", "LOG_ENV", "read_stage_log", "stage"]

LOG_ENV = "VALUECASE_STAGE_LOG"
COUNTS: Counter[str] = Counter()
"""Stage name -> calls in this process."""

F = TypeVar("F", bound=Callable[..., Any])


def stage(name: str) -> Callable[[F], F]:
    """Decorator: count (and, with ``VALUECASE_STAGE_LOG`` set, log) every call as ``name``."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                COUNTS[name] += 1
                log = os.environ.get(LOG_ENV)
                if log:
                    with open(log, "a", encoding="utf-8") as fh:
                        fh.write(f"{name}\t{os.getpid()}\t{time.perf_counter() - start:.3f}\n")

        return run  # type: ignore[return-value]

    return wrap


def read_stage_log(path: str | os.PathLike[str]) -> Counter[str]:
    """Stage name -> calls recorded in a ``VALUECASE_STAGE_LOG`` file."""
    with open(path, encoding="utf-8") as fh:
        return Counter(line.split("\t", 1)[0] for line in fh if line.strip())
