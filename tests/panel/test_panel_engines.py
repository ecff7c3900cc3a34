"""The member-month panel is one Ibis expression: on Apache Spark it equals the DuckDB panel
exactly (issue 10). The contract tables come from today's loader, handed to both engines as
Parquet with money as exact DECIMAL(18, 2), the type the engine-neutral loader will write."""

from __future__ import annotations

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from valuecase.data import load
from valuecase.panel.member_panel import panel_expr

pytestmark = pytest.mark.slow


def _contract_parquet(data_dir, folder):
    data = load(data_dir)
    files = {}
    for name in ("eligibility", "medical_claim", "pharmacy_claim"):
        if name not in data.tables:
            continue
        table = data.con.execute(f'SELECT * FROM "{name}"').fetch_arrow_table()
        if "paid_amount" in table.column_names:
            exact = pc.cast(pc.round(table["paid_amount"], 2), pa.decimal128(18, 2))
            table = table.set_column(table.column_names.index("paid_amount"), "paid_amount",
                                     exact)
        files[name] = folder / f"{name}.parquet"
        pq.write_table(table, files[name])
    return files


def _panels(files, spark):
    duck = ibis.duckdb.connect()
    for name, path in files.items():
        duck.read_parquet(path, table_name=name)
        spark.read.parquet(str(path)).createOrReplaceTempView(name)
    a, b = (panel_expr(backend).to_pandas().sort_values(["person_id", "month"])
            .reset_index(drop=True) for backend in (duck, ibis.pyspark.connect(spark)))
    return a, b


@pytest.mark.parametrize("which", ["seed10", "sample_dir"])
def test_the_panel_on_spark_equals_the_duckdb_panel_exactly(which, request, spark,
                                                            tmp_path):
    files = _contract_parquet(request.getfixturevalue(which), tmp_path)
    duck, sp = _panels(files, spark)
    assert len(duck) > 300
    pd.testing.assert_frame_equal(duck, sp, check_exact=True)
    assert duck["paid_total"].sum() > 0 and duck["inpatient_stays"].sum() > 0
