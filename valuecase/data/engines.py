"""Engines: the thin, engine-specific part of the pipeline.

Everything row-level is meant to be written once as Ibis expressions; an engine adapter only
does what Ibis cannot say the same way everywhere:

- :meth:`read_raw` - files as a table: CSV columns as text, Parquet columns as stored, plus
  ``_file`` (the file's name) and ``_row`` (1-based row within that file). ``(_file, _row)``
  identifies a row the same way on every engine and for any number of input files, so a
  rejected row is named identically by DuckDB and by Spark.
- :meth:`read_frame` - a pandas DataFrame as such a table (``_file`` is the table name).
- :meth:`materialize` - compute an expression once and keep it as a table (``ordered=False``:
  its rows may be kept in any order).
- :meth:`create_view` - name an expression so later stages find it by name.
- :meth:`reads_lazily` - may a table of these files be read again at each use (typed anew
  by each query) instead of copied once?
- :meth:`spill` - compute a large intermediate result once and keep it out of memory
  (DuckDB: a Parquet file in its private spill folder; Spark: its cache, memory and disk).

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
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import sqlglot as sg
import sqlglot.expressions as sge

from valuecase.data.files import is_parquet_path
from valuecase.data.spill_folders import spill_folder

__all__ = ["ENGINES", "DuckDBEngine", "Engine", "SparkEngine", "default_memory_limit",
           "get_engine"]

_names = (f"_vc_{i}" for i in itertools.count())


class DuckDBEngine:
    """DuckDB, embedded: files are read lazily and larger-than-memory work spills to disk.

    Parameters
    ----------
    memory_limit : str, optional
        DuckDB's ``memory_limit`` (e.g. ``"6GB"``); default :func:`default_memory_limit`.
        Work beyond it (tables, joins, sorts) spills to ``temp_directory``.
    temp_directory : path, optional
        Where DuckDB spills; default a fresh folder in the system's temporary folder, removed
        when the process ends (or by the next engine, when the process ended without
        removing it: :mod:`valuecase.data.spill_folders`).
    threads : int, optional
        DuckDB's ``threads`` (default: all cores).
    """

    name = "duckdb"

    def __init__(self, memory_limit: str | None = None,
                 temp_directory: str | Path | None = None, threads: int | None = None) -> None:
        import duckdb

        self.con = duckdb.connect()
        if memory_limit is None:
            memory_limit = default_memory_limit()
        if temp_directory is None:  # spill outside the working folder, removed at exit
            temp_directory = spill_folder()
        self.temp_directory = str(temp_directory)
        self._spill_dir: Path | None = None
        try:
            self.con.execute("SET enable_progress_bar = false")  # no bars mid-report
        except duckdb.Error:  # inside Jupyter without ipywidgets DuckDB refuses the change
            pass
        for key, value in (("memory_limit", memory_limit), ("temp_directory", temp_directory),
                           ("threads", threads)):
            if value is not None:
                self.con.execute(f"SET {key} = '{value!s}'")
        self.backend = ibis.duckdb.from_connection(self.con)

    def read_raw(self, table: str, paths: Sequence[Path],
                 delimiters: Sequence[str] | None = None) -> ir.Table:
        """The files of ``table`` with ``_file`` and ``_row`` (see the module docstring);
        ``delimiters``: each CSV file's (default: comma)."""
        name = f"raw_{table}_{next(_names)}"
        delims = list(delimiters or [","] * len(paths))
        if is_parquet_path(paths[0]):
            # one scan per file with its name as a constant: free, where taking the name
            # from each row's path cost a third of the typing time
            sql = " UNION ALL BY NAME ".join(
                f"SELECT * EXCLUDE (file_row_number), {_sql_str(Path(p).name)} AS _file, "
                "file_row_number + 1 AS _row FROM read_parquet("
                f"{_sql_str(str(p))}, file_row_number=true)" for p in paths)
        else:
            # one scan per file keeps the file's own order: row_number() numbers its lines
            sql = " UNION ALL BY NAME ".join(
                f"SELECT *, {_sql_str(Path(p).name)} AS _file, "
                "row_number() OVER () AS _row FROM read_csv("
                f"{_sql_str(str(p))}, all_varchar=true, header=true, strict_mode=false, "
                f"delim={_sql_str(d)}, quote='\"', escape='\"')"
                for p, d in zip(paths, delims, strict=True))
        self.con.execute(f'CREATE VIEW "{name}" AS {sql}')
        return self.backend.table(name)

    def reads_lazily(self, paths: Sequence[Path]) -> bool:
        """Can a table of these files be read again at each use instead of copied once?
        Parquet files can: columnar and typed, DuckDB reads only the columns a query needs."""
        return bool(paths) and all(is_parquet_path(p) for p in paths)

    def read_frame(self, table: str, frame: pd.DataFrame) -> ir.Table:
        """``frame`` with ``_file`` (= ``table``) and ``_row`` (1-based position)."""
        name = f"raw_{table}_{next(_names)}"
        self.con.register(f"{name}_df", _numbered(table, frame))
        self.con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM "{name}_df"')
        return self.backend.table(name)

    def materialize(self, expr: ir.Table, name: str, ordered: bool = True) -> ir.Table:
        """Compute ``expr`` once into table ``name``; ``ordered=False``: its rows need not
        keep their order (DuckDB then writes them in parallel without restoring it: a third
        less time for a copy of millions of claim lines)."""
        if not ordered:
            self.con.execute("SET preserve_insertion_order = false")
        try:
            return self._created_table(expr, name)
        finally:
            if not ordered:
                self.con.execute("RESET preserve_insertion_order")

    def _created_table(self, expr: ir.Table, name: str) -> ir.Table:
        # What Ibis's create_table does, in two statements instead of five: the table declared
        # with the schema Ibis gives the expression, then filled. Ibis also writes into a new
        # name, drops the old table, renames, and asks DuckDB the schema back (DESCRIBE):
        # 0.07 s over the eleven tables of a load of 1M claim lines (~5% of it). Expressions
        # holding in-memory tables, which Ibis registers first, take Ibis's way.
        if expr.op().find(ops.InMemoryTable):
            return self.backend.create_table(name, expr, overwrite=True)
        schema = expr.schema()
        table = sg.table(name, quoted=True)
        create = sge.Create(kind="TABLE", replace=True, this=sge.Schema(
            this=table, expressions=schema.to_sqlglot_column_defs("duckdb")))
        columns = ", ".join(sg.to_identifier(c, quoted=True).sql("duckdb") for c in schema)
        self.con.execute(create.sql("duckdb"))
        self.con.execute(f"INSERT INTO {table.sql('duckdb')} ({columns}) "
                         f"{self.backend.compile(expr)}")
        return ops.DatabaseTable(name, schema=schema, source=self.backend).to_expr()

    def create_view(self, expr: ir.Table, name: str) -> ir.Table:
        """Name ``expr`` (computed again by each query that reads it)."""
        return self.backend.create_view(name, expr, overwrite=True)

    def spill(self, expr: ir.Table, name: str) -> ir.Table:
        """Compute ``expr`` once into a Parquet file in the spill folder and read it from
        there as table ``name`` (a large intermediate result, e.g. the whole panel, stays on
        disk instead of in memory)."""
        if self._spill_dir is None:
            self._spill_dir = Path(spill_folder(self.temp_directory))
        path = self._spill_dir / f"{name}.parquet"
        self.backend.to_parquet(expr, path)
        self.con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM '
                         f"read_parquet({_sql_str(str(path))})")
        return self.backend.table(name)

    def write_parquet(self, expr: ir.Table, path: Path) -> Path:
        """Write ``expr`` as one Parquet file ``path.parquet``; return the file."""
        target = Path(f"{path}.parquet")
        self.backend.to_parquet(expr, target)
        return target


class SparkEngine:
    """Apache Spark through PySpark (local mode or a cluster).

    Parameters
    ----------
    session : pyspark.sql.SparkSession, optional
        An existing session (a cluster's, Databricks'); by default one is created.
    master : str, optional
        Where a new session runs (``local[*]`` by default, or a cluster URL).
    config : dict, optional
        Spark settings for a new session; defaults ``spark.sql.shuffle.partitions`` = 4 per
        core (at least 8) and ``spark.driver.memory`` = ``4g``.
    """

    name = "spark"

    def __init__(self, session: Any | None = None, master: str | None = None,
                 config: dict[str, str] | None = None) -> None:
        if session is None:
            from pyspark.sql import SparkSession

            builder = (SparkSession.builder.appName("valuecase")
                       .config("spark.sql.session.timeZone", "UTC")
                       .config("spark.ui.showConsoleProgress", "false"))
            if master:
                builder = builder.master(master)
            # a new session on one machine: a few shuffle partitions per core instead of 200
            # tiny tasks per shuffle, and a bounded driver heap (both overridable in config)
            cores = os.cpu_count() or 2
            defaults = {"spark.sql.shuffle.partitions": str(max(8, 4 * cores)),
                        "spark.driver.memory": "4g"}
            for key, value in {**defaults, **(config or {})}.items():
                builder = builder.config(key, str(value))
            session = builder.getOrCreate()
            session.sparkContext.setLogLevel("ERROR")
        self.session = session
        self.backend = ibis.pyspark.connect(session)

    def read_raw(self, table: str, paths: Sequence[Path],
                 delimiters: Sequence[str] | None = None) -> ir.Table:
        """The files of ``table`` with ``_file`` and ``_row`` (see the module docstring);
        ``delimiters``: each CSV file's (default: comma)."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import LongType, StructType

        spark = self.session
        if is_parquet_path(paths[0]):
            df = (spark.read.option("mergeSchema", "true").parquet(*map(str, paths))
                  .select("*", F.col("_metadata.file_name").alias("_file"),
                          (F.col("_metadata.row_index") + 1).alias("_row")))
        else:
            frames = []
            for p, d in zip(paths, delimiters or [","] * len(paths), strict=True):
                # Spark's CSV reader knows no line numbers: number the rows of each file in
                # its own order (zipWithIndex follows the file's splits, first to last)
                raw = spark.read.csv(str(p), header=True, inferSchema=False, sep=d,
                                     quote='"', escape='"', multiLine=True,
                                     encoding="UTF-8")
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

    def read_frame(self, table: str, frame: pd.DataFrame) -> ir.Table:
        """``frame`` with ``_file`` (= ``table``) and ``_row`` (1-based position)."""
        import pyarrow as pa

        arrow = pa.Table.from_pandas(_numbered(table, frame), preserve_index=False)
        # Spark has no type for a column of nothing but nulls: such a column is text
        arrow = arrow.cast(pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type)
                                      else f for f in arrow.schema]))
        df = self.session.createDataFrame(arrow.to_pandas(), schema=_spark_schema(arrow.schema))
        name = f"raw_{table}_{next(_names)}"
        df.createOrReplaceTempView(name)
        return self.backend.table(name)

    def reads_lazily(self, paths: Sequence[Path]) -> bool:
        """False: Spark keeps the checked copy in its cache (memory and disk) instead."""
        return False

    def _dataframe(self, expr: ir.Table) -> Any:
        return self.session.sql(ibis.to_sql(expr, dialect="pyspark"))

    def materialize(self, expr: ir.Table, name: str, ordered: bool = True) -> ir.Table:
        """Compute ``expr`` once (cached) into table ``name`` (rows in no order: ``ordered``
        is for engines that keep one)."""
        self._dataframe(expr).cache().createOrReplaceTempView(name)
        return self.backend.table(name)

    def create_view(self, expr: ir.Table, name: str) -> ir.Table:
        """Name ``expr`` (computed again by each query that reads it)."""
        self._dataframe(expr).createOrReplaceTempView(name)
        return self.backend.table(name)

    def spill(self, expr: ir.Table, name: str) -> ir.Table:
        """Compute ``expr`` once and keep it as table ``name``: Spark's cache keeps what fits
        in memory and spills the rest to its local disks (``MEMORY_AND_DISK``)."""
        return self.materialize(expr, name)

    def write_parquet(self, expr: ir.Table, path: Path) -> Path:
        """Write ``expr`` as a folder ``path`` of Parquet parts (one table: the loader reads a
        table folder's parts together); return the folder."""
        self._dataframe(expr).write.mode("errorifexists").parquet(str(path))
        for extra in Path(path).iterdir():  # Spark's checksums and success marker
            if not extra.name.endswith(".parquet"):
                extra.unlink()
        return Path(path)


ENGINES = {"duckdb": DuckDBEngine, "spark": SparkEngine}
"""Engine name -> adapter class; a third engine is one more adapter here."""


Engine = DuckDBEngine | SparkEngine


def get_engine(engine: str | Engine | Any = "duckdb", **settings: Any) -> Engine:
    """An engine adapter: by name (``duckdb`` or ``spark``, with its settings), an adapter
    as is, or a ``SparkSession`` wrapped in :class:`SparkEngine`."""
    if isinstance(engine, DuckDBEngine | SparkEngine):
        return engine
    if hasattr(engine, "sparkContext"):  # a live SparkSession
        return SparkEngine(session=engine)
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    if engine == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError:
            raise ValueError("engine 'spark' needs PySpark: pip install 'valuecase[spark]' "
                             "(and Java 17)") from None
    try:
        return ENGINES[engine](**settings)
    except TypeError as exc:
        raise ValueError(f"engine {engine!r}: {exc}") from None


def default_memory_limit() -> str:
    """Half the machine's memory, at most 4 GiB: DuckDB spills beyond it, so a whole state's
    claims run in bounded memory beside the notebooks (set ``memory_limit`` for more)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX
        total = 8 * 2**30
    return f"{max(1, min(4 * 2**30, total // 2) // 2**20)}MB"


def _numbered(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    out["_file"] = table
    out["_row"] = np.arange(1, len(out) + 1, dtype="int64")
    return out


def _spark_schema(schema: Any) -> Any:
    """Spark types for an Arrow schema of pandas-made columns."""
    import pyarrow as pa
    from pyspark.sql import types as T

    def spark_type(t: Any) -> Any:
        if pa.types.is_integer(t):
            return T.LongType()
        if pa.types.is_floating(t):
            return T.DoubleType()
        if pa.types.is_boolean(t):
            return T.BooleanType()
        if pa.types.is_date(t):
            return T.DateType()
        if pa.types.is_timestamp(t):
            return T.TimestampType()
        return T.StringType()

    return T.StructType([T.StructField(f.name, spark_type(f.type), True) for f in schema])


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
