"""Read a YAML file of names and values, with one clear line for every way it can be wrong.

Examples
--------
>>> import tempfile, pathlib
>>> f = pathlib.Path(tempfile.mkdtemp()) / "p.yml"
>>> _ = f.write_text("horizon_years: 3\\n")
>>> read_yaml_mapping(f)
{'horizon_years': 3}
>>> _ = f.write_text("a: [1, 2\\n")
>>> read_yaml_mapping(f)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
valuecase.errors.ParametersError: ...p.yml: not valid YAML at line 2 (...)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from valuecase.errors import ParametersError


def read_yaml_mapping(path: str | Path, what: str = "parameters file") -> dict[str, Any]:
    """The top-level mapping of a YAML file (``{}`` for an empty file).

    Raises
    ------
    ParametersError
        ``<path>: <what> not found``, ``<path>: not valid YAML at line N (problem)``, or
        ``<path>: top level must be a mapping of names to values``.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ParametersError(f"{path}: {what} not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ParametersError(f"{path}: not valid YAML{where} "
                              f"({getattr(exc, 'problem', None) or exc.__class__.__name__})"
                              ) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ParametersError(f"{path}: top level must be a mapping of names to values")
    return raw
