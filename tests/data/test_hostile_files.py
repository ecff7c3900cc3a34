"""Hostile files written from the public Tuva seed (issue 27): part files named part1, part2,
part3, part10 are read in natural order, gzip CSV is read like plain CSV, and columns that
collide stop the run naming both — the same on DuckDB and on Apache Spark, exactly."""

from __future__ import annotations

import csv
import gzip
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from valuecase.data import load
from valuecase.data.engines import DuckDBEngine, SparkEngine
from valuecase.data.mapping import ColumnMapping
from valuecase.errors import ContractError
from valuecase.population.summary import summarize

MED = "medical_claim_seed.csv"
ELIG = "eligibility_seed.csv"
RX = "pharmacy_claim_seed.csv"


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def versions_of_one_claim(seed10: Path) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """The seed's claim lines, and three versions of one new claim line: the original
    (100.00), its reversal (-100.00) and the replacement (130.00), dated like the seed's first
    line (so inside its person's enrollment)."""
    header, rows = _rows(seed10 / MED)
    first = rows[0]
    versions = []
    for paid in ("100.00", "-100.00", "130.00"):
        row = list(first)
        row[header.index("claim_id")] = "HOSTILE-1"
        row[header.index("claim_line_number")] = "1"
        row[header.index("paid_amount")] = paid
        versions.append(row)
    return header, rows, versions


def write_parts(seed10: Path, folder: Path) -> Path:
    """The seed with its claims in a folder of part files part1, part2, part3, part10: the
    original in part1, the reversal in part2, the replacement in part10 (name order would read
    part10 before part2)."""
    header, rows, (original, reversal, replacement) = versions_of_one_claim(seed10)
    for name in (ELIG, RX):  # every table, so no view of an earlier load is read
        shutil.copy(seed10 / name, folder / name)
    third = len(rows) // 3
    parts = {"part1.csv": rows[:third] + [original], "part2.csv": rows[third:2 * third] + [reversal],
             "part3.csv": rows[2 * third:], "part10.csv": [replacement]}
    for name, part in parts.items():
        _write(folder / "medical_claim" / name, header, part)
    return folder


def write_gzip(seed10: Path, folder: Path) -> Path:
    """The seed with every CSV file gzip-compressed (``.csv.gz``)."""
    for name in (ELIG, MED, RX):
        with gzip.open(folder / f"{name}.gz", "wb") as out:
            out.write((seed10 / name).read_bytes())
    return folder


def write_colliding(seed10: Path, folder: Path, kind: str) -> Path:
    """The seed with two columns that end up with one name: ``paid_amount`` twice, a
    trimmed and case-folded copy (`` Paid_Amount``) or ``person_id`` beside ``patient_id``
    under a mapping that renames ``patient_id`` to ``person_id``."""
    header, rows = _rows(seed10 / MED)
    shutil.copy(seed10 / ELIG, folder / ELIG)
    paid = header.index("paid_amount")
    if kind == "mapping":
        header = [*header, "patient_id"]
        rows = [[*r, "X" + r[header.index("person_id")]] for r in rows]
    else:
        header = [*header, "paid_amount" if kind == "twice" else " Paid_Amount"]
        rows = [[*r, "12.00" if i == 0 else r[paid]] for i, r in enumerate(rows)]
    _write(folder / MED, header, rows)
    return folder


def raw_paid(paths) -> Decimal:
    """Paid in, summed with csv + Decimal (independent of the loader)."""
    total = Decimal(0)
    for path in paths:
        header, rows = _rows(path)
        total += sum((Decimal(r[header.index("paid_amount")] or 0) for r in rows), Decimal(0))
    return total


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, seed10) -> dict[str, Path]:
    made = {}
    for name, write in (("parts", write_parts), ("gzip", write_gzip)):
        made[name] = write(seed10, tmp_path_factory.mktemp(name))
    for kind in ("twice", "case", "mapping"):
        made[kind] = write_colliding(seed10, tmp_path_factory.mktemp(kind), kind)
    return made


def _outcome(folder: Path, engine, mapping: ColumnMapping | None = None) -> dict:
    data = load(folder, engine=engine, mapping=mapping)
    rec = data.reconciliation.drop(columns="source").sort_values("table").reset_index(drop=True)
    rec = rec.astype(object).where(rec.notna(), None)  # NaN is never equal to itself
    rejects = data.rejects.assign(file=data.rejects.file.str.removesuffix(".gz"))
    return {"reconciliation": rec.to_dict("records"),
            "rejects": rejects.sort_values(["table", "file", "row_number"])
            .reset_index(drop=True).to_dict("records"),
            "summary": summarize(data), "sources": {t: [p.name for p in ps]
                                                     for t, ps in data.sources.items()}}


def _error(folder: Path, engine, mapping: ColumnMapping | None = None) -> str:
    with pytest.raises(ContractError) as err:
        load(folder, engine=engine, mapping=mapping)
    return str(err.value)


@pytest.mark.slow
def test_hostile_files_on_duckdb_and_spark(hostile, seed10, spark):
    plain = _outcome(seed10, DuckDBEngine())
    results = {}
    for name, engine in (("duckdb", DuckDBEngine()), ("spark", SparkEngine(spark))):
        parts = _outcome(hostile["parts"], engine)
        gz = _outcome(hostile["gzip"], engine)
        errors = [_error(hostile["twice"], engine), _error(hostile["case"], engine),
                  _error(hostile["mapping"], engine,
                         ColumnMapping.from_dict({"patient_id": "person_id"}))]
        results[name] = (parts, gz, errors)

        # part files in natural order: original, reversal, replacement -> the claim nets 130
        assert parts["sources"]["medical_claim"] == ["part1.csv", "part2.csv", "part3.csv",
                                                     "part10.csv"]
        med = {r["table"]: r for r in parts["reconciliation"]}["medical_claim"]
        base = {r["table"]: r for r in plain["reconciliation"]}["medical_claim"]
        paths = sorted((hostile["parts"] / "medical_claim").iterdir())
        assert Decimal(str(med["paid_in"])) == raw_paid(paths) == (
            raw_paid([seed10 / MED]) + Decimal("130.00"))
        assert Decimal(str(med["paid_accepted"])) - Decimal(str(base["paid_accepted"])) == (
            Decimal("130.00"))
        assert med["rows_rejected"] == base["rows_rejected"]  # no version is a duplicate

        # gzip CSV: every number as from the plain files
        assert gz["reconciliation"] == plain["reconciliation"]
        assert gz["rejects"] == plain["rejects"] and gz["summary"] == plain["summary"]
        assert gz["sources"]["medical_claim"] == [MED + ".gz"]

        # colliding columns: exit before anything is read, naming both
        assert errors[0].endswith("columns 35 'paid_amount' and 149 'paid_amount' have the "
                                  "same name (ignoring case and spaces); rename or drop one")
        assert "columns 35 'paid_amount' and 149 'Paid_Amount' have the same name" in errors[1]
        assert errors[2].endswith(
            "the column mapping renames 'patient_id' to 'person_id', which the file already "
            "has (column 4 'person_id'); drop the rename or one of the columns")
    assert results["duckdb"] == results["spark"]
