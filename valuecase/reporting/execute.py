"""Execute a parameterized notebook with papermill: parameters checked first, the kernel on
this interpreter, and a failure named by notebook and cell.

The flow of a report is :func:`execute_notebook` (jupytext source -> executed ``.ipynb``), then
:func:`valuecase.reporting.html.render_html` (-> one self-contained HTML file).

Examples
--------
>>> from valuecase.reporting.suite import NOTEBOOK_DIR
>>> notebook_parameters(NOTEBOOK_DIR / "population.py")["persistence_top"]["value_type"]
'float'
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from jupyter_client import AsyncKernelManager
from traitlets import default

__all__ = ["NotebookExecutionError", "ParameterError", "check_parameters", "execute_notebook",
           "notebook_parameters", "read_notebook"]

REMOVED_CELL_TAGS = frozenset({"remove_cell", "parameters", "injected-parameters"})
_PAPERMILL_MARKER_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})
_KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


class ParameterError(ValueError):
    """A parameter passed to a notebook is unknown or has the wrong type."""


class NotebookExecutionError(RuntimeError):
    """A notebook cell raised while the notebook was executed.

    Attributes
    ----------
    notebook : pathlib.Path
        The source notebook.
    cell : int
        1-based number of the failing cell in the source notebook.
    first_line : str
        First non-blank source line of the failing cell.
    summary : str
        One-line ``ExceptionName: message`` summary.
    output_ipynb : pathlib.Path
        The partially executed notebook, kept for debugging.
    """

    def __init__(
        self, notebook: Path, cell: int, first_line: str, summary: str, output_ipynb: Path
    ) -> None:
        self.notebook = notebook
        self.cell = cell
        self.first_line = first_line
        self.summary = summary
        self.output_ipynb = output_ipynb
        super().__init__(
            f"notebook {notebook.name} failed in cell {cell} ({first_line!r}): {summary}. "
            f"Partially executed notebook kept at {output_ipynb}"
        )


class _CurrentPythonKernelManager(AsyncKernelManager):
    """Kernel manager that starts ipykernel with this process's interpreter.

    jupyter_client already swaps a bare ``python`` in a kernelspec's argv for
    ``sys.executable``, but a user-level ``python3`` kernelspec with an absolute path
    to another interpreter would silently run the notebook without valuecase (or with
    another version of it). This pins the interpreter.
    """

    @default("transport")
    def _transport_default(self) -> str:
        # IPC sockets: parallel kernels cannot collide on TCP ports.
        return "ipc"

    @default("ip")
    def _ip_default(self) -> str:
        # jupyter_client names IPC sockets relative to the working directory (papermill's
        # cwd, the notebooks folder); two kernels starting there at once (--jobs workers, or
        # two report runs) would bind the same files. A unique path in the runtime dir avoids it.
        if self.transport != "ipc":
            return super()._ip_default()
        from jupyter_core.paths import jupyter_runtime_dir

        runtime = Path(jupyter_runtime_dir())
        runtime.mkdir(parents=True, exist_ok=True)
        return str(runtime / f"valuecase-{uuid.uuid4().hex[:12]}-ipc")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        # the kernel process's own stderr is not the report's: cell errors arrive through the
        # messaging protocol, and ipykernel's shutdown chatter ("[IPKernelApp] ERROR |
        # KeyboardInterrupt caught in kernel" when a worker stops it) must not reach the
        # terminal of a successful run
        kw.setdefault("stderr", subprocess.DEVNULL)
        await super()._async_launch_kernel(kernel_cmd, **kw)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if len(cmd) >= 3 and cmd[1] == "-m" and cmd[2].startswith("ipykernel"):
            cmd[0] = sys.executable
        return cmd




def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a jupytext source (``.py`` percent) or ``.ipynb`` notebook with a kernelspec."""
    nb = jupytext.read(path)
    if not nb.metadata.get("kernelspec", {}).get("name"):
        nb.metadata["kernelspec"] = dict(_KERNELSPEC)
    return nb


def _parse_literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _UNKNOWN


_UNKNOWN = object()
_LITERAL_TYPES = {
    bool: "bool",
    int: "int",
    float: "float",
    str: "str",
    list: "list",
    tuple: "tuple",
    dict: "dict",
    set: "set",
    type(None): "NoneType",
}


def _value_type(param: Mapping[str, Any]) -> str | None:
    """Expected type name of a parameter: its annotation, else its default's literal type."""
    annotation = param.get("inferred_type_name") or "None"
    if annotation != "None":
        return annotation.replace(" ", "")
    default = _parse_literal(str(param.get("default", "")))
    if default is _UNKNOWN:
        return None
    return _LITERAL_TYPES.get(type(default))


def notebook_parameters(path: Path | str) -> dict[str, dict[str, Any]]:
    """Parameters declared in a notebook's cell tagged ``parameters``.

    Parameters
    ----------
    path : path-like
        A jupytext ``py:percent`` source or an ``.ipynb`` notebook.

    Returns
    -------
    dict
        ``{name: {"name", "inferred_type_name", "default", "help", "value_type"}}``. The
        first four come from ``papermill.inspect_notebook`` (``default`` is source text;
        ``inferred_type_name`` is only set from an annotation). ``value_type`` is the
        annotation or, failing that, the type of the literal default (``"int"``,
        ``"NoneType"``...) or None when the default is not a literal.

    Examples
    --------
    >>> from valuecase.reporting.suite import NOTEBOOK_DIR
    >>> notebook_parameters(NOTEBOOK_DIR / "population.py")["persistence_top"]["value_type"]
    'float'
    """
    import papermill

    path = Path(path)
    nb = read_notebook(path)
    with tempfile.TemporaryDirectory(prefix="valuecase-") as tmp:
        tmp_nb = Path(tmp) / f"{path.stem}.ipynb"
        nbformat.write(nb, tmp_nb)
        params = papermill.inspect_notebook(tmp_nb)
    return {name: {**p, "value_type": _value_type(p)} for name, p in params.items()}


def _matches(value: Any, type_name: str | None) -> bool:
    """Whether ``value`` is acceptable for a parameter whose expected type is ``type_name``."""
    if type_name is None or type_name in {"NoneType", "Any", "object"}:
        return True
    optional = False
    if type_name.startswith("Optional[") and type_name.endswith("]"):
        type_name, optional = type_name[len("Optional[") : -1], True
    if "|" in type_name or type_name.startswith("Union["):
        members = type_name.removeprefix("Union[").removesuffix("]").replace(",", "|").split("|")
        return any(_matches(value, m) for m in members)
    if value is None:
        return optional or type_name in {"None", "NoneType"}
    checks = {
        "bool": lambda v: isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "str": lambda v: isinstance(v, str | os.PathLike),
        "list": lambda v: isinstance(v, list | tuple),
        "tuple": lambda v: isinstance(v, list | tuple),
        "dict": lambda v: isinstance(v, Mapping),
        "set": lambda v: isinstance(v, list | tuple | set | frozenset),
    }
    base = type_name.split("[", 1)[0].lower()
    check = checks.get(base)
    return True if check is None else check(value)


def check_parameters(path: Path | str, params: Mapping[str, Any]) -> None:
    """Fail early when parameters do not fit a notebook's ``parameters`` cell.

    papermill only warns about an unknown name, and the notebook then runs with the
    default: a silent wrong report. Types are checked against the annotation or the
    literal default: bool and int are distinct, an int is accepted for a float, and a
    ``None`` (or non-literal) default accepts anything.

    Parameters
    ----------
    path : path-like
        The notebook (jupytext source or ``.ipynb``).
    params : mapping
        Parameter values that will be injected.

    Raises
    ------
    ParameterError
        Naming the notebook, the offending parameter and the accepted names or type.

    Examples
    --------
    >>> from valuecase.reporting.suite import NOTEBOOK_DIR
    >>> check_parameters(NOTEBOOK_DIR / "population.py", {"perod": "year"})
    Traceback (most recent call last):
    ...
    valuecase.reporting.execute.ParameterError: notebook population.py has no parameter 'perod'...
    """
    path = Path(path)
    declared = notebook_parameters(path)
    for name, value in params.items():
        if name not in declared:
            accepted = ", ".join(sorted(declared)) or "(none: no cell tagged 'parameters')"
            raise ParameterError(
                f"notebook {path.name} has no parameter {name!r}; accepted: {accepted}"
            )
        expected = declared[name]["value_type"]
        if not _matches(value, expected):
            raise ParameterError(
                f"notebook {path.name}: parameter {name!r} expects {expected} "
                f"(default {declared[name]['default']}), got {type(value).__name__} {value!r}"
            )


def _failing_cell(output_ipynb: Path) -> tuple[int, str, str] | None:
    """(1-based source cell number, first line, summary) of the first failing cell."""
    try:
        nb = nbformat.read(output_ipynb, as_version=4)
    except (OSError, ValueError):
        return None
    number = 0
    for cell in nb.cells:
        if _PAPERMILL_MARKER_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        number += 1
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and not (
                output.get("ename") == "SystemExit" and output.get("evalue") in {"", "0"}
            ):
                return number, _first_line(cell.source), f"{output.ename}: {output.evalue}"
        if cell.get("metadata", {}).get("papermill", {}).get("exception") is True:
            return number, _first_line(cell.source), "CellExecutionError"
    return None


def _first_line(source: str) -> str:
    return next((line.strip() for line in source.splitlines() if line.strip()), "")


def execute_notebook(
    source: Path,
    output_ipynb: Path,
    parameters: Mapping[str, Any],
    cwd: Path | None = None,
    kernel_name: str | None = None,
    progress: bool = True,
) -> Path:
    """Execute a notebook with papermill after checking its parameters.

    Parameters
    ----------
    source : pathlib.Path
        A jupytext ``py:percent`` source or an ``.ipynb`` notebook.
    output_ipynb : pathlib.Path
        Where the executed notebook is written (also on failure, for debugging).
    parameters : mapping
        Values injected after the cell tagged ``parameters``; see :func:`check_parameters`.
    cwd : pathlib.Path, optional
        Working directory of the kernel. Defaults to the folder of ``source`` so relative
        paths in a notebook mean the same under papermill as in JupyterLab.
    kernel_name : str, optional
        A kernelspec name. By default ipykernel runs on this process's interpreter
        (``sys.executable``), whatever ``python3`` kernelspecs are installed.
    progress : bool, default True
        Show papermill's per-cell progress bar.

    Returns
    -------
    pathlib.Path
        ``output_ipynb``.

    Raises
    ------
    ParameterError
        Unknown parameter name or wrong type.
    NotebookExecutionError
        A cell raised; names the notebook, cell number, first source line and error.

    Examples
    --------
    A notebook run (this is what ``tests/reporting/test_render.py`` does)::

        execute_notebook(NOTEBOOK_DIR / "population.py", Path("build/population.ipynb"),
                         {"period": "quarter"}, progress=False)
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source, output_ipynb = Path(source), Path(output_ipynb)
    check_parameters(source, parameters)
    nb = read_notebook(source)
    engine_kwargs: dict[str, Any] = {}
    if kernel_name is None:
        kernel_name = _KERNELSPEC["name"]
        engine_kwargs["kernel_manager_class"] = _CurrentPythonKernelManager
    output_ipynb.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="valuecase-") as tmp:
        input_ipynb = Path(tmp) / f"{source.stem}.ipynb"
        nbformat.write(nb, input_ipynb)
        try:
            papermill.execute_notebook(
                input_ipynb,
                output_ipynb,
                parameters=dict(parameters),
                cwd=Path(cwd) if cwd is not None else source.resolve().parent,
                kernel_name=kernel_name,
                language="python",
                progress_bar=progress,
                **engine_kwargs,
            )
        except PapermillExecutionError as err:
            found = _failing_cell(output_ipynb)
            if found is None:  # pragma: no cover - papermill always writes the output
                found = (err.cell_index + 1, _first_line(err.source), f"{err.ename}: {err.evalue}")
            cell, first_line, summary = found
            raise NotebookExecutionError(source, cell, first_line, summary, output_ipynb) from err
    return output_ipynb
