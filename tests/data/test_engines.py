"""Engine adapters read the same files into the same rows, named the same way: ``(_file, _row)``
with ``_row`` the 1-based line of the file, on DuckDB and on Apache Spark."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from valuecase.data.engines import DuckDBEngine, SparkEngine, get_engine
from valuecase.data.spill_folders import PREFIX, owner_pid, spill_folder


@pytest.fixture(scope="module")
def files(tmp_path_factory, seed10):
    """A large CSV whose column ``n`` is its own line number, split over two files; a Parquet
    table in two parts; and a real Tuva seed file."""
    folder = tmp_path_factory.mktemp("engines")
    n = 60_000
    frame = pd.DataFrame({"n": np.arange(1, n + 1).astype(str),
                          "code": [f"{i % 1000:04d}" for i in range(n)],
                          "paid": [f"{(i * 37) % 10_000 / 100:.2f}" for i in range(n)]})
    frame.iloc[:40_000].to_csv(folder / "medical_claim_a.csv", index=False)
    second = frame.iloc[40_000:].copy()
    second["n"] = np.arange(1, len(second) + 1).astype(str)
    second["extra"] = "x"
    second.to_csv(folder / "medical_claim_b.csv", index=False)
    parts = folder / "eligibility"
    parts.mkdir()
    elig = pd.DataFrame({"n": np.arange(1, 2_001), "person_id": [f"P{i:05d}" for i in range(2_000)],
                         "start": pd.date_range("2020-01-01", periods=2_000).date})
    elig.iloc[:1_200].to_parquet(parts / "part-0.parquet", row_group_size=300)
    elig.iloc[1_200:].assign(n=np.arange(1, 801)).to_parquet(parts / "part-1.parquet")
    return {"csv": [folder / "medical_claim_a.csv", folder / "medical_claim_b.csv"],
            "parquet": sorted(parts.glob("*.parquet")),
            "tuva": [seed10 / "medical_claim_seed.csv"]}


def _read(engine, paths) -> pd.DataFrame:
    t = engine.read_raw("medical_claim", paths)
    df = t.to_pandas().sort_values(["_file", "_row"]).reset_index(drop=True)
    df["_row"] = df["_row"].astype("int64")
    return df[sorted(df.columns)]


@pytest.fixture(scope="module")
def engines(spark):
    return {"duckdb": DuckDBEngine(), "spark": SparkEngine(spark)}


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_row_identity_is_the_line_of_the_file_on_both_engines(engines, files, kind):
    for name, engine in engines.items():
        df = _read(engine, files[kind])
        assert (df["_row"].astype(str) == df["n"].astype(str)).all(), name
        assert df["_file"].nunique() == 2 and not df["_file"].str.contains("/").any(), name


@pytest.mark.parametrize("kind", ["csv", "parquet", "tuva"])
def test_both_engines_read_identical_rows(engines, files, kind):
    a, b = (_read(engines[n], files[kind]) for n in ("duckdb", "spark"))
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a.astype(str), b.astype(str))


def test_csv_columns_stay_text_with_leading_zeros(engines, files):
    for engine in engines.values():
        df = _read(engine, files["csv"])
        assert df["code"].iloc[0] == "0000" and df["code"].iloc[7] == "0007"
        assert df["extra"].isna().sum() == 40_000  # a column only the second file has


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown engine 'oracle'; choose from duckdb, spark"):
        get_engine("oracle")


def test_an_unordered_copy_keeps_every_row_and_leaves_order_kept_after():
    eng = DuckDBEngine()
    raw = eng.read_frame("t", pd.DataFrame({"x": np.arange(300_000)}))
    copy = eng.materialize(raw, "unordered", ordered=False)
    assert copy.count().to_pyarrow().as_py() == 300_000
    assert copy.x.sum().to_pyarrow().as_py() == int(np.arange(300_000).sum())
    # the setting is DuckDB's default again for what follows
    setting = eng.con.sql("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    assert setting is True
    kept = eng.materialize(raw, "ordered").select("x").to_pyarrow().column("x").to_pylist()
    assert kept == list(range(300_000))


def _engine_in_a_process(tmp_path, exit_call: str) -> str:
    """Start DuckDB in a new process whose temporary folder is ``tmp_path``, spill a file, end
    the process with ``exit_call``; return its spill folder."""
    code = ("import os, sys, pathlib\n"
            "from valuecase.data.engines import DuckDBEngine\n"
            "e = DuckDBEngine()\n"
            "(pathlib.Path(e.temp_directory) / 'spilled.tmp').write_bytes(b'x' * 1000)\n"
            "print(e.temp_directory, flush=True)\n"
            f"{exit_call}\n")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_a_new_engine_removes_the_spill_folders_of_ended_processes(tmp_path):
    # a process that ends without its exit handlers (a stopped kernel) leaves its folder
    leaked = Path(_engine_in_a_process(tmp_path, "os._exit(0)"))
    assert leaked.parent == tmp_path and (leaked / "spilled.tmp").exists()
    assert owner_pid(leaked) is not None
    running = Path(spill_folder(tmp_path))  # this test's own process: still running
    other_host = tmp_path / f"{PREFIX}elsewhere-1-abcd1234"  # another machine's
    other_name = tmp_path / f"{PREFIX}x1y2z3w4"  # no machine or process in the name
    for folder in (other_host, other_name):
        folder.mkdir()
    # the next engine removes the leaked folder; its own goes when it exits normally
    _engine_in_a_process(tmp_path, "sys.exit(0)")
    assert sorted(tmp_path.iterdir()) == sorted([running, other_host, other_name])
