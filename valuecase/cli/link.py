"""``valuecase link``: keyed composite tokens of identifiers, token files matched by a party
without the secret, and each side's links resolved to its own people.

Examples
--------
>>> sorted(c.name for c in link_app.registered_commands)
['match', 'resolve', 'synth', 'tokenize']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from valuecase.cli.common import PlainFlags, PlainFlagsGroup, output_file, user_errors

__all__ = ["link_app"]

link_app = typer.Typer(cls=PlainFlagsGroup, no_args_is_help=True, help=(
    "Link a partner's records to the payer's without exchanging identities: tokenize, match "
    "(a matcher without the secret), resolve (each side its own ids and link ids)."))


@link_app.command("synth", cls=PlainFlags)
@user_errors
def link_synth(
    out: Annotated[Path, typer.Argument(help="Folder for payer.csv, partner.csv, truth.csv.")],
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Write synthetic payer and partner identifier files with a known truth (for trials)."""
    from valuecase.partners.identifiers import write_synthetic_linkage

    for name, path in write_synthetic_linkage(out, seed=seed).items():
        typer.echo(f"{name:<8} {path}")


@link_app.command("tokenize", cls=PlainFlags)
@user_errors
def link_tokenize(
    identifiers: Annotated[Path, typer.Argument(help=(
        "CSV: person_id, first_name, last_name, birth_date[, zip, medicaid_id, address]."))],
    out: Annotated[Path, typer.Option("--out", help="Token file to send (.parquet or .csv).")],
    secret_file: Annotated[Path | None, typer.Option("--secret-file", help=(
        "The partners' shared secret (default: $VALUECASE_LINK_SECRET)."))] = None,
    private_out: Annotated[Path | None, typer.Option("--private-out", help=(
        "record_id -> person_id, kept by you (default: OUT + .private.csv)."))] = None,
    date_format: Annotated[str | None, typer.Option("--date-format", help=(
        "e.g. %d/%m/%Y (default: the day/month order is detected, or refused)."))] = None,
    seed: Annotated[int | None, typer.Option(
        help="Seed of the random record ids (reproducible tests only).")] = None,
) -> None:
    """Turn identifiers into keyed composite tokens; prints per field the values used and
    dropped (and why)."""
    from valuecase.partners.tokens import read_secret, tokenize_file

    private = private_out or out.with_name(out.stem + ".private.csv")
    if len({out.resolve(), private.resolve(), identifiers.resolve()}) < 3:
        raise ValueError("IDENTIFIERS, --out and --private-out must be three different files")
    output_file(out, "--out", None, identifiers, secret_file)
    output_file(private, "--private-out", None, identifiers, secret_file)
    result = tokenize_file(identifiers, read_secret(secret_file), out, private, seed=seed,
                           date_format=date_format)
    for line in result["fields"]:  # type: ignore[attr-defined]
        typer.echo(line)
    typer.echo(f"send: {out}  ({result['records']:,} records: record_id and token columns)")
    typer.echo(f"keep: {private}  (record_id -> person_id: never send this file)")


@link_app.command("match", cls=PlainFlags)
@user_errors
def link_match(
    a_tokens: Annotated[Path, typer.Argument(help="Token file of partner A (e.g. the payer).")],
    b_tokens: Annotated[Path, typer.Argument(help="Token file of partner B.")],
    out: Annotated[Path | None, typer.Option("--out", help="Two-party crosswalk CSV.")] = None,
    out_a: Annotated[Path | None, typer.Option("--out-a", help="A's link file.")] = None,
    out_b: Annotated[Path | None, typer.Option("--out-b", help="B's link file.")] = None,
    threshold: Annotated[float, typer.Option(
        help="Least match probability of a link (probabilistic mode).")] = 0.9,
    mode: Annotated[str, typer.Option(help="probabilistic (splink) or deterministic.")] = (
        "probabilistic"),
    rule: Annotated[str, typer.Option(
        help="Deterministic mode: comma-separated tokens that must all be equal.")] = (
        "t_name_dob"),
    seed: Annotated[int, typer.Option(help="Seed of the u-probability sample.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Link two token files: a crosswalk (--out) or one link file per party (--out-a/-b)."""
    from valuecase.partners.linkage import link_files
    from valuecase.partners.three_party import match_three_party

    for target, flag in ((out, "--out"), (out_a, "--out-a"), (out_b, "--out-b")):
        output_file(target, flag, None, a_tokens, b_tokens)
    options = {"mode": mode, "threshold": threshold, "seed": seed, "rule": rule.split(",")}
    if (out is None) == (out_a is None and out_b is None) or (out_a is None) != (out_b is None):
        raise ValueError("give --out (two-party) or both --out-a and --out-b (three-party)")
    result = (link_files(a_tokens, b_tokens, out, **options) if out is not None
              else match_three_party(a_tokens, b_tokens, out_a, out_b, **options))
    written = ({"out": str(out)} if out is not None
               else {"out_a": str(out_a), "out_b": str(out_b)})
    if as_json:
        typer.echo(json.dumps({**result.summary, **written}))
        return
    for key, value in result.summary.items():
        typer.echo(f"{key:<16} {value}")
    typer.echo(f"crosswalk: {out}" if out is not None else
               f"send to A: {out_a}, to B: {out_b}  (each its own record ids and link ids)")


@link_app.command("resolve", cls=PlainFlags)
@user_errors
def link_resolve(
    links: Annotated[Path, typer.Argument(help="Your link file from the matcher.")],
    private: Annotated[Path, typer.Option("--private", help="Your private file.")],
    out: Annotated[Path, typer.Option("--out", help="CSV: person_id, link_id, probability.")],
) -> None:
    """Your link file with your own person ids (three-party mode), kept by you (mode 0600)."""
    from valuecase.partners.three_party import resolve_links

    resolved = resolve_links(links, private, out)
    typer.echo(f"keep: {out}  ({len(resolved):,} of your people linked, by link_id)")
