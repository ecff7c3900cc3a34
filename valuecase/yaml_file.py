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

Aliases that would expand to more than :data:`MAX_EXPANDED_NODES` values (a "billion laughs"
file) are refused before any value is built:

>>> lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
>>> lines += [f"a{i}: &a{i} [{', '.join([f'*a{i-1}'] * 10)}]" for i in range(1, 9)]
>>> _ = f.write_text("\\n".join(lines) + "\\n")
>>> read_yaml_mapping(f)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
valuecase.errors.ParametersError: ...p.yml: YAML aliases expand to more than 100,000 values...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from valuecase.errors import ParametersError

MAX_EXPANDED_NODES = 100_000
"""Most values a YAML file may expand to once its aliases are followed (a parameters file has
a few hundred; an alias bomb has billions)."""


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
        text = path.read_text()
        _check_expansion(text, path)
        raw = yaml.safe_load(text)
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


def _check_expansion(text: str, path: Path) -> None:
    """Refuse a document whose aliases expand beyond :data:`MAX_EXPANDED_NODES` values.

    The node graph is composed (aliases are shared references, no values are built) and the
    expanded size of each node counted once, so the check is linear in the file's size.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return  # safe_load reports it with its line
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        stack: list[tuple[yaml.Node, bool]] = [(node, False)]
        while stack:  # children before parents, without recursion (deep nesting is legal)
            n, children_done = stack.pop()
            if children_done:
                total = 1 + sum(max(sizes[id(c)], 1) for c in _children(n))
                sizes[id(n)] = min(total, MAX_EXPANDED_NODES + 1)
            elif id(n) not in sizes:
                sizes[id(n)] = 0  # being counted: a recursive alias counts once
                stack.append((n, True))
                stack.extend((c, False) for c in _children(n) if id(c) not in sizes)
        return sizes[id(node)]

    if root is not None and size(root) > MAX_EXPANDED_NODES:
        raise ParametersError(
            f"{path}: YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values (an "
            "alias bomb?); write the values out instead of repeating aliases")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []
