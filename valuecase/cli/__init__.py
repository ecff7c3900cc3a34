"""Command-line interface: a thin layer over the same functions the notebooks call.

``valuecase synth``      generate the synthetic sample (ground truth for tests, bundled demo)
``valuecase validate``   load a data folder, print reconciliation and rejects
``valuecase summarize``  headline numbers of a data folder (``--json`` for machines)
``valuecase report``     run the notebook suite and write self-contained HTML reports
``valuecase convert``    turn a DE-SynPUF or Synthea folder into contract tables (Parquet)
``valuecase simulate``   rerun the simulation study: does the pipeline recover a known effect?
``valuecase link``       keyed tokens of identifiers; token files of two partners to a crosswalk

User errors (bad files, bad parameters) print one ``error:`` line and exit with code 2, and so
does a file that cannot be written (a full disk, no permission); an internal error prints one
line too (exit 1; ``VALUECASE_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from valuecase.cli.common import PlainFlags, PlainFlagsGroup, output_file, user_errors
from valuecase.cli.link import link_app
from valuecase.reporting.catalog import report_names

app = typer.Typer(cls=PlainFlagsGroup, add_completion=False, no_args_is_help=True,
                  help="valuecase: claims to a defensible value case for complex-care programs.")

MappingOpt = Annotated[Path | None, typer.Option(
    "--mapping", help="YAML column mapping (old: new names) applied before validation.")]


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


@app.command(cls=PlainFlags)
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


@app.command(cls=PlainFlags)
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
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the reconciliation as one JSON object (money as exact text).")
    ] = False,
) -> None:
    """Load and validate a data folder; print the reconciliation and rejects by reason."""
    import pandas as pd

    from valuecase.panel.zero_yields import rule_evidence, zero_yield_notes
    from valuecase.privacy import safe_csv

    output_file(rejects_out, "--rejects-out", data_dir, mapping)
    data = _load(data_dir, mapping, engine, decimal, layout)
    evidence = rule_evidence(data)
    yields = zero_yield_notes(data, evidence)
    if as_json:
        typer.echo(json.dumps({**_reconciliation_json(data),
                               "rule_yields": {"counts": evidence, "notes": yields}},
                              default=_exact_money))
        if rejects_out:
            safe_csv(data.rejects, rejects_out)
        if strict and len(data.rejects):
            raise typer.Exit(code=1)
        return
    typer.echo("Files read (the parts of a table folder in natural order: part2 before "
               "part10)")
    for table, paths in data.sources.items():
        names = ", ".join(_shown_path(p, data_dir) for p in paths)
        typer.echo(f"  {table:<20} {names}")
    typer.echo("")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        typer.echo("Reconciliation (rows and paid: in = accepted + rejected; for "
                   "program_services the paid columns are its cost)")
        rec = pd.DataFrame([{k: v for k, v in r.items()
                             if k not in ("source", "files", "rejected_by_reason",
                                          "values_rounded")}
                            for r in data.exact_reconciliation]).astype(object)
        if not data.paid_amounts_known:  # placeholder 0s are not money
            rec = rec.drop(columns=[c for c in rec.columns if c.startswith("paid_")])
        for col in [c for c in rec.columns if c.startswith("paid_")]:  # exact, to the cent
            rec[col] = [f"{v:,.2f}" if isinstance(v, Decimal) else "" for v in rec[col]]
        for col in [c for c in rec.columns if c.startswith("rows_")]:
            rec[col] = [f"{int(v):,}" if pd.notna(v) else "" for v in rec[col]]
        typer.echo(rec.to_string(index=False))
        if not data.paid_amounts_known:
            from valuecase.data.layouts.base import NO_COST_DATA
            typer.echo(NO_COST_DATA)
        for r in data.exact_reconciliation:
            if r.get("rows_amount_unread"):
                typer.echo(f"{r['table']}: {r['rows_amount_unread']:,} rejected row(s) "
                           f"({r['rows_amount_unread'] / r['rows_in']:.1%} of rows) have an "
                           "amount with no reading as a number: counted in rows, not in paid")
        if len(data.rejects):
            typer.echo("\nRejected rows by reason")
            typer.echo(data.rejects.groupby(["table", "reason"]).size()
                       .rename("rows").reset_index().to_string(index=False))
        else:
            typer.echo("\nNo rejected rows.")
        for note in data.notes:
            typer.echo(f"note: {note}")
        for line in yields:  # already "warning: ..." or "note: ..."
            typer.echo(line)
    if rejects_out:
        safe_csv(data.rejects, rejects_out)
        typer.echo(f"rejects written to {rejects_out}")
    if strict and len(data.rejects):
        raise typer.Exit(code=1)


def _exact_money(value: Any) -> str:
    """JSON for a Decimal: its exact text (a JSON number would be read back as a float)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _reconciliation_json(data: Any) -> dict[str, Any]:
    """``validate --json``: per table its files, rows and paid in, accepted, rejected (by
    reason), outside enrollment, values rounded from a float's residue; and the notes."""
    tables = {}
    for rec in data.exact_reconciliation:
        out = {k: v for k, v in rec.items() if k not in ("table", "source")}
        if "rows_amount_unread" in out:
            out["share_amount_unread"] = (round(out["rows_amount_unread"] / out["rows_in"], 4)
                                          if out["rows_in"] else 0.0)
        tables[rec["table"]] = out
    return {"tables": tables, "rows_rejected": int(len(data.rejects)),
            "notes": list(data.notes)}


@app.command(cls=PlainFlags)
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
    from valuecase.analysis.parameters import check_period
    from valuecase.population.summary import summarize as summarize_data
    from valuecase.population.summary import summary_lines

    check_period(start, end)
    s = summarize_data(_load(data_dir, mapping, engine, decimal, layout), start=start, end=end,
                       exact=not as_json)  # printed totals from decimals, never floats
    if as_json:
        typer.echo(json.dumps(s))
        return
    for line in summary_lines(s):
        typer.echo(line)


@app.command(cls=PlainFlags)
@user_errors
def report(
    data: Annotated[Path | None, typer.Option(
        "--data", help="Data folder (default: the bundled synthetic sample).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("reports"),
    params: Annotated[Path | None, typer.Option(
        "--params", help="YAML parameters file (column mapping, notebook parameters).")] = None,
    only: Annotated[list[str] | None, typer.Option(
        "--only", metavar="REPORT",
        help=f"Run only this report (repeatable): {', '.join(report_names())}.")] = None,
    jobs: Annotated[int, typer.Option(
        "--jobs", min=1, help="Notebooks run at the same time, each in its own process.")] = 1,
    engine: Annotated[str | None, typer.Option(
        "--engine", help="duckdb or spark (default: engine: in --params, else duckdb).")] = None,
    layout: Annotated[str | None, typer.Option(
        "--layout", help="tuva, desynpuf, synthea or omop (default: layout: in --params, else "
                         "tuva).")] = None,
    pdf: Annotated[bool, typer.Option(
        "--pdf", help="Also write <report>.pdf beside each HTML report, printed offline by "
                      "headless Chromium (set VALUECASE_CHROMIUM to choose one).")] = False,
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
                           layout=layout, pdf=pdf)
    except IdentifierLeakError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    rows = []
    for entry in result.entries:
        size = entry.html_path.stat().st_size / 1e6
        summary = entry.summary if len(entry.summary) <= 70 else entry.summary[:69] + "…"
        rows.append((entry.name, str(entry.html_path), f"{size:.1f} MB", summary))
        if pdf and entry.name in result.metadata["pdf_seconds"]:
            pdf_file = entry.html_path.with_suffix(".pdf")
            rows.append(("", str(pdf_file), f"{pdf_file.stat().st_size / 1e6:.1f} MB", ""))
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


@app.command(cls=PlainFlags)
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
    inside = source.resolve() in (out.resolve(), *out.resolve().parents)
    if source.is_dir() and inside:
        raise ValueError(f"OUT {out}: is in the source folder (its files are the input); "
                         "write it elsewhere")
    from valuecase.data.convert import convert_folder

    result = convert_folder(source, out, layout=layout, engine=engine)
    for table, rows in result.rows.items():
        typer.echo(f"{table:<20} {rows:>12,} rows  {result.files[table]}")
    for note in result.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"next: valuecase validate {out}")


@app.command(cls=PlainFlags)
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
    output_file(replicates_csv, "--replicates-csv")
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


app.add_typer(link_app, name="link")


def _shown_path(path: Path, data_dir: Path) -> str:
    """A file read, relative to the data folder when it is inside it (zip members are not)."""
    try:
        return str(Path(path).relative_to(data_dir))
    except ValueError:
        return Path(path).name


def main() -> None:  # pragma: no cover - console entry point
    app()


