"""What every command shares: one ``error:`` line instead of a traceback, and output paths
checked before anything runs.

Examples
--------
>>> output_file(None, "--out")  # no file asked for: nothing to check
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from valuecase.errors import ValuecaseError, storage_problem
from valuecase.reporting.execute import NotebookExecutionError

__all__ = ["PlainFlags", "PlainFlagsGroup", "output_file", "user_errors"]


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """One ``error:`` line on stderr instead of a traceback.

    Bad input or parameters (:class:`ValuecaseError`, ``ValueError``) exit with code 2; a
    notebook that fails while running exits with code 1 (the message names notebook and cell).
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ValuecaseError, ValueError) as exc:
            for line in str(exc).splitlines() or [""]:
                typer.echo(f"error: {line}", err=True)
            raise typer.Exit(code=2) from None
        except NotebookExecutionError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=1) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("VALUECASE_DEBUG"):
                raise
            problem = storage_problem(exc)
            if problem:
                typer.echo(f"error: {problem}", err=True)
                raise typer.Exit(code=2) from None
            from valuecase.data.files import engine_message

            typer.echo(f"error: internal error ({type(exc).__name__}: {engine_message(exc)}); "
                       "please report it, with VALUECASE_DEBUG=1 set for the traceback",
                       err=True)
            raise typer.Exit(code=1) from None

    return wrapper


def output_file(path: Path | None, option: str, data_dir: Path | None = None,
                 *inputs: Path | None) -> None:
    """Stop before anything runs when ``path`` cannot or must not be written."""
    from valuecase.analysis.parameters import check_output_file

    problems = check_output_file(path, option, data_dir, inputs) if path else []
    if problems:
        raise ValueError(problems[0])


class PlainFlags(TyperCommand):
    """A command whose on/off flags show no value type in ``--help`` (typer prints ``<bool>``
    after ``--pdf`` and ``--help``, as if they took a value)."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class PlainFlagsGroup(TyperGroup):
    """A command group whose ``--help`` flag shows no value type either."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params
