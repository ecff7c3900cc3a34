"""Stable import path of the cost-concentration API (``valuecase.concentration.top_share``...).

The functions live in :mod:`valuecase.population.concentration`; this module keeps the
documented public name working.

Examples
--------
>>> from valuecase.concentration import top_share
>>> round(float(top_share([1, 1, 1, 97], shares=(0.25,)).iloc[0]), 2)
0.97
"""

from valuecase.population.concentration import (
    bootstrap_concentration,
    gini,
    lorenz,
    persistence,
    top_share,
)

__all__ = ["bootstrap_concentration", "gini", "lorenz", "persistence", "top_share"]
