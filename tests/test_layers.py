"""The package tree shows the flow: stage packages import only from earlier stages (or the
shared base modules), and no module imports another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import valuecase

ROOT = Path(valuecase.__file__).parent
LAYERS = {
    "errors": 0, "trace": 0, "yaml_file": 0, "privacy": 0, "concentration": 3,
    "data": 1, "datasets": 1, "synth": 1, "partners": 1,
    "panel": 2,
    "population": 3,
    "impact": 4,
    "value": 5,
    "present": 6,
    "analysis": 7,
    "reporting": 8,
    "cli": 9,
}
"""Stage order: data -> panel -> population -> impact -> value -> present -> analysis ->
reporting -> cli; base modules at 0."""


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "reporting" and "notebooks" in rel.parts:
            continue  # notebooks present results: checked by their own tests
        if rel.name == "__init__.py" and len(rel.parts) == 1:
            continue
        yield path, rel


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def test_every_module_belongs_to_a_known_stage():
    top = {rel.parts[0].removesuffix(".py") for _, rel in _modules()}
    assert top <= set(LAYERS), top - set(LAYERS)


def test_no_stage_imports_a_later_stage():
    problems = []
    for path, rel in _modules():
        own = rel.parts[0].removesuffix(".py")
        for module, _ in _imports(ast.parse(path.read_text())):
            parts = module.split(".")
            if parts[0] != "valuecase" or len(parts) < 2:
                continue
            other = parts[1]
            if other == own:
                continue
            if LAYERS.get(other, 99) > LAYERS[own]:
                problems.append(f"{rel} ({own}) imports {module}")
    assert problems == []


def test_no_module_imports_private_names_of_another():
    problems = []
    for path, rel in _modules():
        for module, names in _imports(ast.parse(path.read_text())):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if module.startswith("valuecase") and private:
                problems.append(f"{rel} imports {private} from {module}")
    assert problems == []


def test_modules_stay_readable():
    long = [f"{rel}: {n} lines" for path, rel in _modules()
            if (n := len(path.read_text().splitlines())) > 460]
    assert long == []
