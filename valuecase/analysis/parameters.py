"""One parameters model for the whole report suite, checked for type **and meaning** up front.

Every parameter has exactly one default, here. A parameters file (``valuecase report
--params FILE``) holds the shared keys at the top level and a ``notebooks:`` section per report;
:func:`check_parameters` validates all of it — names, types, allowed values, positive windows,
the ROI file (readable and valid), the data folder (readable) and the output folder (creatable) —
and reports **every** problem at once before any work starts. The notebooks' ``parameters``
cells are checked against :data:`REPORT_FIELDS` and these defaults by a test
(``tests/analysis/test_parameters.py``), never kept in step by hand.

Examples
--------
>>> p = SuiteParameters()
>>> p.design, p.baseline_months, p.seed
('eligible_not_enrolled', 12, 2024)
>>> p.notebooks.population.period
'year'
>>> try:
...     SuiteParameters.model_validate({"design": "randomised", "baseline_months": 0})
... except Exception as exc:
...     print(format_problems(exc, "p.yml")[0])
p.yml: design: must be one of 'eligible_not_enrolled', 'randomized', 'all_non_enrolled' (got 'randomised')
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from valuecase.analysis.output_paths import check_output_file, within
from valuecase.errors import ParametersError
from valuecase.yaml_file import read_yaml_mapping

__all__ = ["REPORT_FIELDS", "SuiteParameters", "check_output_file", "check_parameters",
           "check_period", "format_problems", "read_parameters"]

Period = Literal["year", "quarter", "month", "all"]


class _Section(BaseModel):
    # strict: YAML's `yes` is a bool, not the number 1; "12" is text, not 12
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DataQualitySection(_Section):
    """``notebooks.data_quality``: nothing to set (the report covers every table)."""


class PopulationSection(_Section):
    """``notebooks.population``."""

    period: Period = Field("year", description="rows of the population tables")
    persistence_top: float = Field(0.05, gt=0, lt=1,
                                   description="top group followed from one year to the next")
    bootstrap_draws: int = Field(500, ge=50, le=100_000,
                                 description="bootstrap draws for concentration CIs")


class UtilizationSection(_Section):
    """``notebooks.utilization``."""

    period: Period = Field("quarter", description="rows of the trend tables")


class ImpactSection(_Section):
    """``notebooks.impact``."""

    placebo_split: int = Field(-6, le=-1, description="placebo index, months before the index")
    event_window: int = Field(9, ge=1, le=60, description="months shown in the event study")


class RoiSection(_Section):
    """``notebooks.roi``: nothing to set (assumptions live in ``roi_params_file``)."""


class PartnersSection(_Section):
    """``notebooks.partners``."""

    horizon_days: int = Field(90, ge=1, le=3650,
                              description="days after identification for needs resolved")


class FunderSummarySection(_Section):
    """``notebooks.funder_summary``: nothing to set."""


class NotebookSections(_Section):
    """The ``notebooks:`` section: one mapping per report."""

    data_quality: DataQualitySection = DataQualitySection()
    population: PopulationSection = PopulationSection()
    utilization: UtilizationSection = UtilizationSection()
    impact: ImpactSection = ImpactSection()
    roi: RoiSection = RoiSection()
    partners: PartnersSection = PartnersSection()
    funder_summary: FunderSummarySection = FunderSummarySection()


class SuiteParameters(BaseModel):
    """Every parameter of a report run, with its one default.

    ``data_dir`` and ``mapping_file`` are not written in a parameters file: they come from
    ``--data`` and from the file's own ``column_mapping`` section.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    data_dir: str = Field("", description="data folder; empty = the bundled sample")
    mapping_file: str = Field("", description="YAML file with a column_mapping section")
    column_mapping: dict[str, Any] | None = Field(None, description="renames of your columns")
    roi_params_file: str = Field("", description="ROI assumptions; empty = roi-sample.yml")
    layout: Literal["tuva", "desynpuf", "synthea", "omop"] = Field(
        "tuva", description="format of the data folder: tuva (contract tables), desynpuf "
                            "(CMS DE-SynPUF files), synthea (a Synthea CSV export) or omop "
                            "(an OMOP CDM v5.x export)")
    engine: Literal["duckdb", "spark"] = Field(
        "duckdb", description="where the data is processed: duckdb (embedded) or spark")
    engine_settings: dict[str, Any] = Field(
        {}, description="duckdb: memory_limit, threads, temp_directory; "
                        "spark: master, config (a mapping of Spark settings)")
    decimal_separator: Literal["auto", ".", ","] = Field(
        "auto", description="decimal separator of amounts in CSV files; auto = per file")
    date_sentinels: list[str] = Field(
        ["9999-12-31", "2099-12-31", "1900-01-01"],
        description="placeholder dates read as blank (an open enrollment end)")
    design: Literal["eligible_not_enrolled", "randomized", "all_non_enrolled"] = Field(
        "eligible_not_enrolled", description="how the comparison group is chosen")
    baseline_months: int = Field(12, ge=1, le=60, description="months before the index")
    followup_months: int = Field(12, ge=1, le=60, description="months after the index")
    trigger_min_stays: int = Field(2, ge=1, le=20, description="acute stays that trigger")
    trigger_window_days: int = Field(182, ge=1, le=3660, description="days they fall within")
    trigger_after_months: int = Field(12, ge=0, le=240,
                                      description="trigger dates counted after these months")
    seed: int = Field(2024, ge=0, description="every random draw: bootstraps, Monte Carlo")
    currency: str = Field(
        "USD", description="ISO 4217 code of the data's amounts (USD, AUD, EUR, GBP...): the "
                           "symbol money is shown with; US benchmarks (MEPS) only for USD")
    notebooks: NotebookSections = NotebookSections()

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        from babel.numbers import list_currencies

        if value not in list_currencies():
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. USD, AUD, EUR, "
                             "GBP)")
        return value

    @field_validator("date_sentinels")
    @classmethod
    def _iso_dates(cls, value: list[str]) -> list[str]:
        for day in value:
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                raise ValueError(f"{day!r} is not a date (use YYYY-MM-DD)") from None
        return value

    def resolved_data_dir(self) -> Path:
        """The data folder (the bundled sample when ``data_dir`` is empty)."""
        from valuecase.datasets import sample_dir

        return Path(self.data_dir) if self.data_dir else sample_dir()

    def resolved_roi_file(self) -> Path:
        """The ROI assumptions file (the bundled ``roi-sample.yml`` when empty)."""
        from valuecase.datasets import example_params

        return Path(self.roi_params_file) if self.roi_params_file else \
            example_params("roi-sample.yml")

    def for_report(self, name: str) -> dict[str, Any]:
        """The flat parameters a report's notebook declares (see :data:`REPORT_FIELDS`)."""
        values = {k: getattr(self, k) for k in REPORT_FIELDS.get(name, ())}
        section = getattr(self.notebooks, name, None)
        if section is not None:
            values.update(section.model_dump())
        return values


_TRIGGER = ("trigger_min_stays", "trigger_window_days", "trigger_after_months")
_STUDY = ("design", "baseline_months", "followup_months", *_TRIGGER)
REPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "data_quality": ("data_dir", "mapping_file", "currency"),
    "population": ("data_dir", "mapping_file", *_TRIGGER, "seed", "currency"),
    "utilization": ("data_dir", "mapping_file", *_TRIGGER, "currency"),
    "impact": ("data_dir", "mapping_file", *_STUDY, "seed", "currency"),
    "roi": ("data_dir", "mapping_file", "roi_params_file", *_STUDY, "seed", "currency"),
    "partners": ("data_dir", "mapping_file", "currency"),
    "funder_summary": ("data_dir", "mapping_file", "roi_params_file", *_STUDY, "seed",
                       "currency"),
}
"""Top-level parameters each report uses (its own ``notebooks:`` section comes on top)."""


def _message(err: dict[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        return f"must be one of {expected.replace(' or ', ', ')}"
    if kind == "extra_forbidden":
        return "unknown parameter"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
                "less_than": "<"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"must be {sign} {bound}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind in ("string_type",):
        return "must be text"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "must be a mapping (key: value lines)"
    if kind == "value_error" and "error" in ctx:  # a validator's own sentence
        return str(ctx["error"])
    return str(err.get("msg", kind))


def format_problems(exc: ValidationError, source: str) -> list[str]:
    """One line per problem: ``<source>: <field path>: <what is wrong> (got <value>)``."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = _message(err)
        if err["type"] not in ("extra_forbidden", "missing") and "input" in err:
            value = err["input"]
            if isinstance(value, bool) and err["type"].startswith(("int", "float")):
                msg += " (YAML reads yes/no/on/off as true/false)"
            msg += f" (got {value!r})"
        lines.append(f"{source}: {loc}: {msg}" if loc else f"{source}: {msg}")
    return lines


def read_parameters(params_file: str | Path | None) -> dict[str, Any]:
    """The raw mapping of a parameters file (``{}`` for none); ``*_file`` values made
    relative to the file's folder.

    Raises
    ------
    ParametersError
        The file is missing, a folder, unreadable or not a YAML mapping.
    """
    if params_file is None:
        return {}
    path = Path(params_file)
    if path.is_dir():
        raise ParametersError(f"{path}: is a folder; --params takes a YAML file")
    raw = dict(read_yaml_mapping(path, "parameters file"))
    for key in ("data_dir", "mapping_file"):
        if key in raw:
            raise ParametersError(f"{path}: {key} is not set in a parameters file; use "
                                  + ("--data" if key == "data_dir" else "column_mapping"))
    base = path.resolve().parent
    for key, value in list(raw.items()):
        if key.endswith("_file") and isinstance(value, str) and value:
            raw[key] = str((base / value).resolve())
    if raw.get("column_mapping"):
        raw["mapping_file"] = str(path.resolve())
    return raw


def check_parameters(params_file: str | Path | None = None, data_dir: str | Path | None = None,
                     out_dir: str | Path | None = None,
                     overrides: dict[str, Any] | None = None) -> SuiteParameters:
    """Validate a whole report run before anything runs; raise with every problem at once.

    Parameters
    ----------
    params_file : path, optional
        The YAML parameters file.
    data_dir : path, optional
        ``--data`` (default: the bundled sample).
    out_dir : path, optional
        ``--out``: must be a folder or creatable as one.
    overrides : dict, optional
        Values set in Python (they win over the file).

    Raises
    ------
    ParametersError
        One line per problem (unknown or mistyped parameter, a value outside its allowed
        range or set, unreadable ROI file or invalid ROI assumptions, data folder missing or
        without eligibility, output path that is a file).

    Examples
    --------
    >>> check_parameters(overrides={"seed": 7}).seed
    7
    >>> try:
    ...     check_parameters(overrides={"followup_months": 0, "trigger_min_stays": 0})
    ... except ParametersError as exc:
    ...     print(exc)
    parameters: followup_months: must be >= 1 (got 0)
    parameters: trigger_min_stays: must be >= 1 (got 0)
    """
    source = str(params_file) if params_file is not None else "parameters"
    problems: list[str] = []
    raw: dict[str, Any] = {}
    try:
        raw = read_parameters(params_file)
    except ParametersError as exc:
        problems.append(str(exc))
    raw.update(overrides or {})
    if data_dir is not None:
        raw["data_dir"] = str(data_dir)
    params = SuiteParameters()
    try:
        params = SuiteParameters.model_validate(raw)
    except ValidationError as exc:
        problems.extend(format_problems(exc, source))
    problems.extend(_check_data_dir(params.resolved_data_dir(), params.layout))
    roi_file = raw.get("roi_params_file")
    if isinstance(roi_file, str) and roi_file:
        problems.extend(_check_roi_file(Path(roi_file)))
    elif not roi_file:
        problems.extend(_check_roi_file(params.resolved_roi_file()))
    if out_dir is not None:
        problems.extend(_check_out_dir(Path(out_dir), params.resolved_data_dir()))
    if problems:
        raise ParametersError("\n".join(problems))
    return params


def _check_data_dir(path: Path, layout: str = "tuva") -> list[str]:
    if not path.exists():
        return [f"--data {path}: folder not found"]
    if not path.is_dir():
        return [f"--data {path}: not a folder"]
    if not os.access(path, os.R_OK | os.X_OK):
        return [f"--data {path}: folder not readable"]
    from valuecase.data.layouts import get_layout

    where = f"--data {path}" if layout == "tuva" else f"--data {path} (layout {layout})"
    try:  # the layout's own source files, found without reading them
        get_layout(layout).check_folder(path)
    except Exception as exc:  # noqa: BLE001 - any reason the folder cannot be listed
        return [f"{where}: {exc}"]
    return []


def _check_roi_file(path: Path) -> list[str]:
    from valuecase.value.case import check_roi_file

    try:
        check_roi_file(path)
    except ParametersError as exc:
        return [f"roi_params_file {line}" if not line.startswith(str(path)) else line
                for line in str(exc).splitlines()]
    return []


def _check_out_dir(path: Path, data_dir: Path | None = None) -> list[str]:
    if path.exists() and not path.is_dir():
        return [f"--out {path}: exists and is not a folder"]
    if data_dir is not None and within(path, data_dir):
        return [f"--out {path}: is the data folder or inside it; write reports elsewhere"]
    parent = path
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return [f"--out {path}: {parent} is not a folder"]
    if not os.access(parent, os.W_OK | os.X_OK):
        return [f"--out {path}: cannot create files in {parent}"]
    return []


def check_period(start: str | None, end: str | None) -> None:
    """``--start`` / ``--end`` read as months and in order, before anything is loaded.

    Examples
    --------
    >>> check_period("2023-01", "2024")
    >>> check_period("2024-01", "2023-01")
    Traceback (most recent call last):
    ...
    valuecase.errors.ParametersError: --start 2024-01 is after --end 2023-01: the period is reversed
    """
    from valuecase.panel.member_panel import months_between

    first, last = months_between(start, end)
    if first is not None and last is not None and first > last:
        raise ParametersError(f"--start {start} is after --end {end}: the period is reversed")
