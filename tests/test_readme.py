"""The README's Python examples run as written (docs that match the code)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(index, monkeypatch):
    monkeypatch.chdir(README.parent)
    exec(compile(BLOCKS[index], f"README.md block {index + 1}", "exec"), {})


def test_your_data_example_numbers_are_what_summarize_prints(monkeypatch):
    """The numbers the README shows under 'Your data' are the command's real output."""
    import json
    import shlex

    from typer.testing import CliRunner

    from valuecase.cli import app

    monkeypatch.chdir(README.parent)
    shown_output = r"\n# (\{[^\n]*\n(?:#  [^\n]*\n)*)"
    examples = re.findall(r"\.venv/bin/valuecase (summarize [^\n]*--json)" + shown_output,
                          README.read_text())
    assert examples, "no summarize example with its output in the README"
    for command, shown in examples:
        pairs = dict(re.findall(r'"(\w+)": ([0-9.]+)', shown.replace("\n#", "")))
        assert pairs, shown
        result = CliRunner().invoke(app, shlex.split(command))
        assert result.exit_code == 0, result.output
        actual = json.loads(result.stdout)
        for key, value in pairs.items():
            assert actual[key] == json.loads(value), (command, key)
