"""Command-line interface: a thin layer over the same functions the notebooks call.

``valuecase synth``      generate the synthetic sample (ground truth for tests, bundled demo)
``valuecase validate``   load a data folder, print reconciliation and rejects
``valuecase summarize``  headline numbers of a data folder (``--json`` for machines)
``valuecase report``     run the notebook suite and write self-contained HTML reports
``valuecase convert``    turn a DE-SynPUF or Synthea folder into contract tables (Parquet)
``valuecase simulate``   rerun the simulation study: does the pipeline recover a known effect?
``valuecase link``       keyed tokens of identifiers; token files of two partners to a crosswalk

User errors (bad files, bad parameters) print one ``error:`` line and exit with code 2; an
internal error prints one line too (exit 1; ``VALUECASE_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer

from valuecase.errors import ValuecaseError
from valuecase.reporting.execute import NotebookExecutionError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="valuecase: claims to a defensible value case for complex-care programs.")

MappingOpt = Annotated[Path | None, typer.Option(
    "--mapping", help="YAML column mapping (old: new names) applied before validation.")]


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
            from valuecase.data.files import engine_message

            typer.echo(f"error: internal error ({type(exc).__name__}: {engine_message(exc)}); "
                       "please report it, with VALUECASE_DEBUG=1 set for the traceback",
                       err=True)
            raise typer.Exit(code=1) from None

    return wrapper


EngineOpt = Annotated[str, typer.Option(
    "--engine", help="duckdb (embedded, default) or spark (a new PySpark session: local "
                     "mode unless your spark-defaults.conf names a master).")]


LayoutOpt = Annotated[str, typer.Option(
    "--layout", help="Format of the data folder: tuva (contract tables, default), desynpuf "
                     "(CMS DE-SynPUF files), synthea (a Synthea CSV export) or omop (an OMOP CDM "
                     "v5.x export).")]


DecimalOpt = Annotated[str, typer.Option(
    "--decimal-separator", help="Decimal separator of amounts in CSV files: auto (detected "
                                "per file), '.' or ','.")]


def _load(data_dir: Path, mapping: Path | None, engine: str = "duckdb",
          decimal: str = "auto", layout: str = "tuva"):
    from valuecase.data.layouts import get_layout
    from valuecase.data.load import load
    from valuecase.data.mapping import ColumnMapping

    if decimal not in ("auto", ".", ","):
        raise ValueError(f"--decimal-separator must be auto, '.' or ',', got {decimal!r}")
    get_layout(layout)  # an unknown layout stops before anything is read
    cmap = ColumnMapping.from_file(mapping) if mapping else None
    return load(data_dir, mapping=cmap, engine=engine,
                decimal_separator=None if decimal == "auto" else decimal, layout=layout)


@app.command()
@user_errors
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the tables into.")],
    members: Annotated[int | None, typer.Option(help="Number of persons.")] = None,
    months: Annotated[int | None, typer.Option(help="Months of data (>= 24).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
    start: Annotated[str | None, typer.Option(help="First month, YYYY-MM-DD.")] = None,
    randomized: Annotated[bool | None, typer.Option(
        "--randomized/--observational",
        help="Randomize trigger-meeters 1:1 (default: observational enrollment).")] = None,
    effect_inpatient: Annotated[float | None, typer.Option(
        help="True relative change in the inpatient admission rate while enrolled.")] = None,
    effect_ed: Annotated[float | None, typer.Option(
        help="True relative change in the ED visit rate while enrolled.")] = None,
    selection: Annotated[float | None, typer.Option(
        help="Selection into enrollment (observational): 0 random, 1 calibrated (default), "
             "2 twice as strong on the log-odds scale.")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="parquet or csv.")] = None,
) -> None:
    """Generate calibrated synthetic claims with a complex-care program of known effect."""
    from dataclasses import fields

    from valuecase.synth import SynthConfig, generate

    given = dict(members=members, months=months, seed=seed, start=start, randomized=randomized,
                 effect_inpatient=effect_inpatient, effect_ed=effect_ed, selection=selection,
                 fmt=fmt)
    names = {f.name for f in fields(SynthConfig)}
    cfg = SynthConfig(**{k: v for k, v in given.items() if v is not None and k in names})
    result = generate(cfg, out)
    for table, rows in result.rows.items():
        typer.echo(f"{table:<20} {rows:>12,} rows  {result.files[table]}")


@app.command()
@user_errors
def validate(
    data_dir: Annotated[Path, typer.Argument(help="Folder with eligibility, medical_claim, ...")],
    mapping: MappingOpt = None,
    rejects_out: Annotated[Path | None, typer.Option(
        "--rejects-out", help="Write the rejects table to this CSV file.")] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when any row is rejected.")] = False,
    engine: EngineOpt = "duckdb",
    decimal: DecimalOpt = "auto",
    layout: LayoutOpt = "tuva",
) -> None:
    """Load and validate a data folder; print the reconciliation and rejects by reason."""
    import pandas as pd

    from valuecase.privacy import safe_csv

    data = _load(data_dir, mapping, engine, decimal, layout)
    typer.echo("Files read")
    for table, paths in data.sources.items():
        names = ", ".join(_shown_path(p, data_dir) for p in paths)
        typer.echo(f"  {table:<20} {names}")
    typer.echo("")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        typer.echo("Reconciliation (rows and paid: in = accepted + rejected; for "
                   "program_services the paid columns are its cost)")
        rec = data.reconciliation.drop(columns="source").astype(object)
        if not data.paid_amounts_known:  # placeholder 0s are not money
            rec = rec.drop(columns=[c for c in rec.columns if c.startswith("paid_")])
        for col in [c for c in rec.columns if c.startswith("paid_")]:  # money to the cent
            rec[col] = [f"{v:,.2f}" if pd.notna(v) else "" for v in rec[col]]
        for col in [c for c in rec.columns if c.startswith("rows_")]:
            rec[col] = [f"{int(v):,}" if pd.notna(v) else "" for v in rec[col]]
        typer.echo(rec.to_string(index=False))
        if not data.paid_amounts_known:
            from valuecase.data.layouts.base import NO_COST_DATA
            typer.echo(NO_COST_DATA)
        if len(data.rejects):
            typer.echo("\nRejected rows by reason")
            typer.echo(data.rejects.groupby(["table", "reason"]).size()
                       .rename("rows").reset_index().to_string(index=False))
        else:
            typer.echo("\nNo rejected rows.")
        for note in data.notes:
            typer.echo(f"note: {note}")
    if rejects_out:
        safe_csv(data.rejects, rejects_out)
        typer.echo(f"rejects written to {rejects_out}")
    if strict and len(data.rejects):
        raise typer.Exit(code=1)


@app.command()
@user_errors
def summarize(
    data_dir: Annotated[Path, typer.Argument(help="Folder with eligibility, medical_claim, ...")],
    mapping: MappingOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    start: Annotated[str | None, typer.Option(
        help="First month to count (YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(
        help="Last month to count (YYYY means its December).")] = None,
    engine: EngineOpt = "duckdb",
    decimal: DecimalOpt = "auto",
    layout: LayoutOpt = "tuva",
) -> None:
    """Headline numbers: persons, member months, paid, PMPM, ED visits, stays, readmissions."""
    from valuecase.population.summary import summarize as summarize_data
    from valuecase.population.summary import summary_lines

    s = summarize_data(_load(data_dir, mapping, engine, decimal, layout), start=start, end=end)
    if as_json:
        typer.echo(json.dumps(s))
        return
    for line in summary_lines(s):
        typer.echo(line)


@app.command()
@user_errors
def report(
    data: Annotated[Path | None, typer.Option(
        "--data", help="Data folder (default: the bundled synthetic sample).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("reports"),
    params: Annotated[Path | None, typer.Option(
        "--params", help="YAML parameters file (column mapping, notebook parameters).")] = None,
    only: Annotated[list[str] | None, typer.Option(
        "--only", help="Run only this notebook (repeatable).")] = None,
    jobs: Annotated[int, typer.Option(
        "--jobs", min=1, help="Notebooks run at the same time, each in its own process.")] = 1,
    engine: Annotated[str | None, typer.Option(
        "--engine", help="duckdb or spark (default: engine: in --params, else duckdb).")] = None,
    layout: Annotated[str | None, typer.Option(
        "--layout", help="tuva, desynpuf, synthea or omop (default: layout: in --params, else "
                         "tuva).")] = None,
) -> None:
    """Run the notebook suite on a data folder and write HTML reports plus index.html.

    Parameters of every notebook are checked before anything runs. Reports are built in a
    staging folder and published only when every notebook succeeded and no funder-facing
    report contains a person identifier; otherwise the last good reports stay and the command
    exits non-zero with notebook and cell named.
    """
    from valuecase.privacy import IdentifierLeakError
    from valuecase.reporting.suite import run_suite

    def log(line: str) -> None:
        typer.echo(line, err=True)

    try:
        result = run_suite(data_dir=data, out_dir=out, params_file=params, only=only,
                           jobs=jobs, progress=jobs == 1, log=log, engine=engine,
                           layout=layout)
    except IdentifierLeakError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    rows = []
    for entry in result.entries:
        size = entry.html_path.stat().st_size / 1e6
        summary = entry.summary if len(entry.summary) <= 70 else entry.summary[:69] + "…"
        rows.append((entry.name, str(entry.html_path), f"{size:.1f} MB", summary))
    widths = [max(len(r[i]) for r in [("report", "file", "size", "")] + rows) for i in range(3)]
    typer.echo("")
    typer.echo(f"{'report':<{widths[0]}}  {'file':<{widths[1]}}  {'size':>{widths[2]}}  summary")
    for name, file, size, summary in rows:
        typer.echo(f"{name:<{widths[0]}}  {file:<{widths[1]}}  {size:>{widths[2]}}  {summary}")
    guard = result.metadata["guard_seconds"]
    if guard:
        typer.echo(f"privacy guard: {', '.join(guard)} scanned for "
                   f"{result.metadata['identifiers_checked']:,} person identifiers, none found "
                   f"({sum(guard.values()):.2f} s)")
    typer.echo(f"index: {result.index_path}  ({result.metadata['wall_seconds']:.1f} s)")


@app.command()
@user_errors
def convert(
    source: Annotated[Path, typer.Argument(help="Folder of source files in --layout's format.")],
    out: Annotated[Path, typer.Argument(help="New (or empty) folder for the contract tables.")],
    layout: Annotated[str, typer.Option(
        "--layout", help="Format of SOURCE: desynpuf, synthea or omop (tuva is already the "
                         "contract).")],
    engine: EngineOpt = "duckdb",
) -> None:
    """Write SOURCE's contract tables as Parquet in OUT, so a large conversion is done once.

    Every row and column is kept as text, with ``source_file`` and ``source_row`` naming the
    line it came from; reading OUT (``valuecase validate OUT``) validates, rejects and
    reconciles it like any input, and the conversion's notes travel in ``OUT/conversion.json``.
    """
    from valuecase.data.convert import convert_folder

    result = convert_folder(source, out, layout=layout, engine=engine)
    for table, rows in result.rows.items():
        typer.echo(f"{table:<20} {rows:>12,} rows  {result.files[table]}")
    for note in result.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"next: valuecase validate {out}")


@app.command()
@user_errors
def simulate(
    scenario: Annotated[list[str] | None, typer.Option(
        "--scenario", help="rct or observational (repeatable; default both).")] = None,
    effect_inpatient: Annotated[float, typer.Option(
        help="True relative change in acute admissions while enrolled, in (-1, 0].")] = -0.15,
    effect_ed: Annotated[float, typer.Option(
        help="True relative change in ED visits (not admitted) while enrolled, in (-1, 0].")
    ] = -0.10,
    selection: Annotated[float, typer.Option(
        help="Selection into enrollment (observational): 0 random, 1 calibrated, 2 stronger.")
    ] = 1.0,
    members: Annotated[int, typer.Option(help="Members per synthetic data set.")] = 15_000,
    replicates: Annotated[int, typer.Option(help="Replicates per scenario (>= 2).")] = 30,
    seed: Annotated[int, typer.Option(help="Root seed of every replicate.")] = 2024,
    jobs: Annotated[int, typer.Option(min=1, help="Replicates run at the same time.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    replicates_csv: Annotated[Path | None, typer.Option(
        "--replicates-csv", help="Also write every replicate's estimates and truths here.")
    ] = None,
) -> None:
    """Generate data with a known effect (and its untreated twin) many times, run the whole
    pipeline on each, and report per scenario and estimator: truth, mean estimate, bias, SE
    ratio (mean reported SE / empirical SE), 95% CI coverage and rejection rate."""
    from valuecase.analysis.simulation import SCENARIOS, simulation_study, validation_table

    chosen = tuple(scenario or SCENARIOS)
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown:
        raise ValueError(f"--scenario {unknown[0]!r}: choose from {', '.join(SCENARIOS)}")
    if replicates_csv is not None and replicates_csv.is_dir():
        raise ValueError(f"--replicates-csv {replicates_csv}: is a folder")
    study = simulation_study(chosen, replicates=replicates, members=members,
                             effect_inpatient=effect_inpatient, effect_ed=effect_ed,
                             selection=selection, seed=seed, jobs=jobs,
                             progress=lambda line: typer.echo(line, err=True))
    if replicates_csv is not None:
        study.replicates.to_csv(replicates_csv, index=False)
    if as_json:
        rows = study.summary.replace({float("nan"): None}).to_dict(orient="records")
        checks = study.checks.to_dict(orient="records")
        typer.echo(json.dumps({"settings": study.settings, "results": rows, "checks": checks}))
        return
    typer.echo(validation_table(study.summary))
    typer.echo("")
    typer.echo(study.checks.to_string(index=False))


link_app = typer.Typer(no_args_is_help=True, help=(
    "Link a partner's records to the payer's without exchanging identities: each side turns "
    "identifiers into keyed tokens (tokenize), the token files are linked (match)."))
app.add_typer(link_app, name="link")


@link_app.command("synth")
@user_errors
def link_synth(
    out: Annotated[Path, typer.Argument(help="Folder for payer.csv, partner.csv, truth.csv.")],
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Write synthetic payer and partner identifier files with a known truth (for trials)."""
    from valuecase.partners.identifiers import write_synthetic_linkage

    for name, path in write_synthetic_linkage(out, seed=seed).items():
        typer.echo(f"{name:<8} {path}")


@link_app.command("tokenize")
@user_errors
def link_tokenize(
    identifiers: Annotated[Path, typer.Argument(help=(
        "CSV: person_id, first_name, last_name, birth_date[, sex, zip, medicaid_id]."))],
    out: Annotated[Path, typer.Option("--out", help="Token file to send (.parquet or .csv).")],
    secret_file: Annotated[Path | None, typer.Option(
        "--secret-file", help="File holding the secret shared by the partners (>= 16 bytes; "
                              "default: the VALUECASE_LINK_SECRET environment variable).")] = None,
    private_out: Annotated[Path | None, typer.Option(
        "--private-out", help="Private crosswalk record_id -> person_id, kept by you "
                              "(default: OUT's name + .private.csv).")] = None,
    seed: Annotated[int | None, typer.Option(
        help="Seed of the random record ids (reproducible tests only).")] = None,
) -> None:
    """Turn identifiers into keyed tokens; no name, date or id leaves in the token file."""
    from valuecase.partners.tokens import read_secret, tokenize_file

    private = private_out or out.with_name(out.stem + ".private.csv")
    if len({out.resolve(), private.resolve(), identifiers.resolve()}) < 3:
        raise ValueError("IDENTIFIERS, --out and --private-out must be three different files")
    result = tokenize_file(identifiers, read_secret(secret_file), out, private, seed=seed)
    typer.echo(f"send: {out}  ({result['records']:,} records: record_id and token columns)")
    typer.echo(f"keep: {private}  (record_id -> person_id: never send this file)")


@link_app.command("match")
@user_errors
def link_match(
    a_tokens: Annotated[Path, typer.Argument(help="Token file of partner A (e.g. the payer).")],
    b_tokens: Annotated[Path, typer.Argument(help="Token file of partner B.")],
    out: Annotated[Path, typer.Option("--out", help="Crosswalk CSV to write.")],
    threshold: Annotated[float, typer.Option(
        help="Least match probability of a link (probabilistic mode).")] = 0.9,
    mode: Annotated[str, typer.Option(help="probabilistic (splink) or deterministic.")] = (
        "probabilistic"),
    rule: Annotated[str, typer.Option(
        help="Deterministic mode: comma-separated tokens that must all be equal.")] = (
        "t_first,t_last,t_birth_date"),
    seed: Annotated[int, typer.Option(help="Seed of the u-probability sample.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Link two token files into a crosswalk of record ids with match probabilities."""
    from valuecase.partners.linkage import link_files

    result = link_files(a_tokens, b_tokens, out, mode=mode, threshold=threshold, seed=seed,
                        rule=[r.strip() for r in rule.split(",") if r.strip()])
    if as_json:
        typer.echo(json.dumps({**result.summary, "out": str(out)}))
        return
    for key, value in result.summary.items():
        typer.echo(f"{key:<16} {value}")
    typer.echo(f"crosswalk: {out}")


def _shown_path(path: Path, data_dir: Path) -> str:
    """A file read, relative to the data folder when it is inside it (zip members are not)."""
    try:
        return str(Path(path).relative_to(data_dir))
    except ValueError:
        return Path(path).name


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
