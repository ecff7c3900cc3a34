"""Typing rules give the same, explicitly decided answer on DuckDB and on Apache Spark."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis
import pandas as pd
import pytest

from valuecase.data.text_rules import parse_amount, parse_code, parse_date, parse_integer

D = dt.date
CASES = [
    # text, date, integer, amount
    ("2020-01-31", D(2020, 1, 31), None, None),
    ("20200131", D(2020, 1, 31), 20200131, Decimal("20200131.00")),
    ("01/31/2020", D(2020, 1, 31), None, None),
    ("1/5/2020", D(2020, 1, 5), None, None),
    ("2020", None, 2020, Decimal("2020.00")),  # Spark's own cast would say 2020-01-01
    ("2020-02-30", None, None, None),
    ("2020-13-01", None, None, None),
    ("1.7", None, None, Decimal("1.70")),  # DuckDB's own cast would round it to 2
    ("1e3", None, None, None),  # both engines would read 1000
    ("NaN", None, None, None),
    ("inf", None, None, None),
    ("-Infinity", None, None, None),
    ("  12 ", None, 12, Decimal("12.00")),
    ("\t7\n", None, 7, Decimal("7.00")),
    ("\f8\r", None, 8, Decimal("8.00")),
    (" 6", None, 6, Decimal("6.00")),  # only the first character is white space
    ("6\t", None, 6, Decimal("6.00")),  # only the last one
    ("!6", None, None, None),  # "!" is the first character that is no edge
    ("\x0b9", None, None, None),  # a vertical tab is not white space here
    ("9\u0600 ", None, None, None),  # DuckDB reverses "\u0600 " as one grapheme
    ("é ", None, None, None),
    ("+5", None, 5, Decimal("5.00")),
    ("-0.01", None, None, Decimal("-0.01")),
    ("$1,234.50", None, None, Decimal("1234.50")),
    ("-$12", None, None, Decimal("-12.00")),
    ("1,23", None, None, None),  # not a thousands group: ambiguous, so refused
    ("10.5000", None, None, Decimal("10.50")),
    ("10.505", None, None, None),  # fractions of a cent are not money
    ("1018.0999999999999", None, None, Decimal("1018.10")),  # a float's residue: the cent
    ("0.30000000000000004", None, None, Decimal("0.30")),
    ("-5.0999999", None, None, Decimal("-5.10")),
    ("99999.9999999", None, None, Decimal("100000.00")),
    ("10.5000001", None, None, Decimal("10.50")),
    ("10.500001", None, None, None),  # 1e-6 from the cent: not a residue
    ("1.500", None, None, None),  # thousands, or a decimal with three places: never a decimal
    ("12.000", None, None, None),
    ("2.000.000", None, None, None),
    ("1,500", None, None, Decimal("1500.00")),
    ("1,234.500", None, None, Decimal("1234.50")),
    (".5", None, None, None),
    ("12345678901234567", None, 12345678901234567, None),  # beyond DECIMAL(18, 2)
    ("1234567890123456789", None, None, None),  # beyond 18 digits
    ("", None, None, None),
    ("   ", None, None, None),
    (None, None, None, None),
]


def _typed(con) -> pd.DataFrame:
    t = con.table("cases")
    # collected as text, so no engine's conversion to pandas (Spark's goes through float for
    # nullable integers) can blur what the rule produced
    out = t.select("i", d=parse_date(t.s).cast("string"), n=parse_integer(t.s).cast("string"),
                   m=parse_amount(t.s).cast("string"), code=parse_code(t.s, 4)
                   ).order_by("i").to_pandas()
    def column(values, convert):
        return pd.Series([None if v is None or pd.isna(v) else convert(v) for v in values],
                         dtype=object)

    return pd.DataFrame({
        "i": out["i"].astype(int).to_numpy(),
        "d": column(out["d"], dt.date.fromisoformat),
        "n": column(out["n"], int),
        "m": column(out["m"], Decimal),
        "code": column(out["code"], str),
    })


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.DataFrame({"i": range(len(CASES)), "s": [c[0] for c in CASES]})


@pytest.fixture(scope="module")
def duckdb_result(frame):
    con = ibis.duckdb.connect()
    con.create_table("cases", frame)
    return _typed(con)


@pytest.fixture(scope="module")
def spark_result(frame, spark):
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    schema = StructType([StructField("i", LongType()), StructField("s", StringType())])
    spark.createDataFrame(frame.astype(object).where(frame.notna(), None).values.tolist(),
                          schema).createOrReplaceTempView("cases")
    return _typed(ibis.pyspark.connect(spark))


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_every_accepted_format_is_decided_explicitly(engine, request):
    got = request.getfixturevalue(f"{engine}_result")
    for i, (text, date, integer, amount) in enumerate(CASES):
        row = got.iloc[i]
        assert row["d"] == date, (engine, text, row["d"])
        assert row["n"] == integer, (engine, text, row["n"])
        assert row["m"] == amount, (engine, text, row["m"])


def test_the_two_engines_agree_exactly(duckdb_result, spark_result):
    pd.testing.assert_frame_equal(duckdb_result, spark_result)


def test_codes_keep_leading_zeros_and_pad_numbers(duckdb_result):
    codes = dict(zip([c[0] for c in CASES], duckdb_result["code"], strict=True))
    assert codes["  12 "] == "0012" and codes["2020"] == "2020" and codes["+5"] == "+5"
    assert codes[""] is None and codes["20200131"] == "20200131"
    assert codes["9\u0600 "] == "9\u0600" and codes["é "] == "é" and codes["\f8\r"] == "0008"
    assert codes["\x0b9"] == "\x0b9"
