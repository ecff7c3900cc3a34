"""Engines: the thin, engine-specific part of the pipeline (issue 10, in progress).

Everything row-level is meant to be written once as Ibis expressions; an engine adapter only
does what Ibis cannot say the same way everywhere:

- :meth:`read_raw` - files as a table: CSV columns as text, Parquet columns as stored, plus
  ``_file`` (the file's name) and ``_row`` (1-based row within that file). ``(_file, _row)``
  identifies a row the same way on every engine and for any number of input files, so a
  rejected row is named identically by DuckDB and by Spark.
- :meth:`materialize` - compute an expression once and keep it as a table.

Two adapters: :class:`DuckDBEngine` (embedded, the default) and :class:`SparkEngine` (Apache
Spark through PySpark, local mode or a cluster; pass an existing ``SparkSession``).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "eligibility.csv").write_text("person_id,plan\\nP1,0042\\nP2,\\n")
>>> t = DuckDBEngine().read_raw("eligibility", [folder / "eligibility.csv"])
>>> rows = t.order_by("_row").select("_file", "_row", "person_id", "plan").to_pyarrow()
>>> [tuple(r.values()) for r in rows.to_pylist()]
[('eligibility.csv', 1, 'P1', '0042'), ('eligibility.csv', 2, 'P2', None)]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

__all__ = ["ENGINES", "DuckDBEngine", "SparkEngine", "get_engine"]

_names = (f"_vc_{i}" for i in itertools.count())


def _is_parquet(paths: Sequence[Path]) -> bool:
    return Path(paths[0]).name.endswith(".parquet")


class DuckDBEngine:
    """DuckDB, embedded: files are read lazily and larger-than-memory work spills to disk.

    Parameters
    ----------
    memory_limit : str, optional
        DuckDB's ``memory_limit`` (e.g. ``"6GB"``).
    temp_directory : path, optional
        Where DuckDB spills (keep it outside the repository).
    """

    name = "duckdb"

    def __init__(self, memory_limit: str | None = None,
                 temp_directory: str | Path | None = None) -> None:
        import duckdb

        self.con = duckdb.connect()
        for key, value in (("memory_limit", memory_limit), ("temp_directory", temp_directory)):
            if value is not None:
                self.con.execute(f"SET {key} = '{value!s}'")
        self.backend = ibis.duckdb.from_connection(self.con)

    def read_raw(self, table: str, paths: Sequence[Path]) -> ir.Table:
        """The files of ``table`` with ``_file`` and ``_row`` (see the module docstring)."""
        name = f"raw_{table}_{next(_names)}"
        if _is_parquet(paths):
            files = ", ".join(_sql_str(str(p)) for p in paths)
            sql = (f"SELECT * EXCLUDE (filename, file_row_number), "
                   "regexp_extract(filename, '[^/\\\\]+$') AS _file, "
                   "file_row_number + 1 AS _row "
                   f"FROM read_parquet([{files}], filename=true, file_row_number=true, "
                   "union_by_name=true)")
        else:
            # one scan per file keeps the file's own order: row_number() numbers its lines
            sql = " UNION ALL BY NAME ".join(
                f"SELECT *, {_sql_str(Path(p).name)} AS _file, "
                "row_number() OVER () AS _row FROM read_csv("
                f"{_sql_str(str(p))}, all_varchar=true, header=true, strict_mode=false)"
                for p in paths)
        self.con.execute(f'CREATE VIEW "{name}" AS {sql}')
        return self.backend.table(name)

    def materialize(self, expr: ir.Table, name: str) -> ir.Table:
        """Compute ``expr`` once into table ``name``."""
        return self.backend.create_table(name, expr, overwrite=True)


class SparkEngine:
    """Apache Spark through PySpark (local mode or a cluster).

    Parameters
    ----------
    session : pyspark.sql.SparkSession, optional
        An existing session; by default a local one is created (all cores, UTC).
    """

    name = "spark"

    def __init__(self, session: Any | None = None) -> None:
        if session is None:
            from pyspark.sql import SparkSession

            session = (SparkSession.builder.appName("valuecase")
                       .config("spark.sql.session.timeZone", "UTC")
                       .config("spark.ui.showConsoleProgress", "false")
                       .getOrCreate())
        self.session = session
        self.backend = ibis.pyspark.connect(session)

    def read_raw(self, table: str, paths: Sequence[Path]) -> ir.Table:
        """The files of ``table`` with ``_file`` and ``_row`` (see the module docstring)."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import LongType, StructType

        spark = self.session
        if _is_parquet(paths):
            df = (spark.read.option("mergeSchema", "true").parquet(*map(str, paths))
                  .select("*", F.col("_metadata.file_name").alias("_file"),
                          (F.col("_metadata.row_index") + 1).alias("_row")))
        else:
            frames = []
            for p in paths:
                # Spark's CSV reader knows no line numbers: number the rows of each file in
                # its own order (zipWithIndex follows the file's splits, first to last)
                raw = spark.read.csv(str(p), header=True, inferSchema=False)
                schema = StructType([*raw.schema.fields]).add("_row", LongType(), False)
                numbered = raw.rdd.zipWithIndex().map(lambda r: (*r[0], r[1] + 1))
                frames.append(spark.createDataFrame(numbered, schema)
                              .withColumn("_file", F.lit(Path(p).name)))
            df = frames[0]
            for other in frames[1:]:
                df = df.unionByName(other, allowMissingColumns=True)
        name = f"raw_{table}_{next(_names)}"
        df.createOrReplaceTempView(name)
        return self.backend.table(name)

    def materialize(self, expr: ir.Table, name: str) -> ir.Table:
        """Compute ``expr`` once (cached) into table ``name``."""
        df = self.backend._session.sql(ibis.to_sql(expr, dialect="pyspark"))
        df.cache().createOrReplaceTempView(name)
        return self.backend.table(name)


ENGINES = {"duckdb": DuckDBEngine, "spark": SparkEngine}
"""Engine name -> adapter class; a third engine is one more adapter here."""


def get_engine(name: str = "duckdb", **settings: Any) -> DuckDBEngine | SparkEngine:
    """An engine adapter by name (``duckdb`` or ``spark``)."""
    try:
        return ENGINES[name](**settings)
    except KeyError:
        raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}") from None


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
