"""Chunked table writers: Parquet (zstd, one row group per chunk) or CSV (appended batches).

Columns arrive as numpy arrays: dates as day numbers (-1 = null), strings with ``""`` = null.

Examples
--------
>>> import tempfile, numpy as np, pandas as pd
>>> from pathlib import Path
>>> from valuecase.synth.writer import TableWriter
>>> out = Path(tempfile.mkdtemp())
>>> w = TableWriter(out, "program_costs", "csv")
>>> w.write({"period": np.array([19000]), "amount": np.array([1.5]),
...          "category": np.array(["staff"]), "partner": np.array(["cbo"])})
>>> w.close()
1
>>> print(open(out / "program_costs.csv").read().strip())
"period","amount","category","partner"
2022-01-08,1.5,"staff","cbo"
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

S, D, F, INT = pa.string(), pa.date32(), pa.float64(), pa.int64()

SCHEMAS: dict[str, pa.Schema] = {
    "eligibility": pa.schema([
        ("person_id", S), ("member_id", S), ("payer", S), ("plan", S), ("birth_date", D),
        ("gender", S), ("race", S), ("death_date", D), ("enrollment_start_date", D),
        ("enrollment_end_date", D), ("data_source", S),
    ]),
    "medical_claim": pa.schema([
        ("claim_id", S), ("claim_line_number", INT), ("person_id", S), ("member_id", S),
        ("payer", S), ("plan", S), ("claim_type", S), ("claim_start_date", D),
        ("claim_end_date", D), ("admission_date", D), ("discharge_date", D),
        ("bill_type_code", S), ("revenue_center_code", S), ("place_of_service_code", S),
        ("hcpcs_code", S), ("drg_code", S), ("discharge_disposition_code", S),
        ("facility_npi", S), ("paid_date", D), ("paid_amount", F), ("allowed_amount", F),
        ("diagnosis_code_1", S), ("diagnosis_code_2", S), ("diagnosis_code_3", S),
        ("diagnosis_code_4", S),
    ]),
    "pharmacy_claim": pa.schema([
        ("claim_id", S), ("claim_line_number", INT), ("person_id", S), ("member_id", S),
        ("payer", S), ("plan", S), ("dispensing_date", D), ("ndc_code", S), ("days_supply", INT),
        ("paid_date", D), ("paid_amount", F), ("allowed_amount", F),
    ]),
    "program_enrollment": pa.schema([
        ("person_id", S), ("enrollment_date", D), ("disenrollment_date", D), ("arm", S),
        ("randomized", INT), ("trigger_date", D), ("site", S),
    ]),
    "program_costs": pa.schema([
        ("period", D), ("amount", F), ("category", S), ("partner", S),
    ]),
    "program_services": pa.schema([
        ("person_id", S), ("service_date", D), ("partner", S), ("service_type", S),
        ("units", INT), ("cost", F),
    ]),
    "social_needs": pa.schema([
        ("person_id", S), ("domain", S), ("identified_date", D), ("resolved_date", D),
        ("status", S),
    ]),
    "experience_survey": pa.schema([
        ("person_id", S), ("item_id", S), ("response", INT), ("survey_date", D),
        ("scale_min", INT), ("scale_max", INT),
    ]),
}
"""Column order and Arrow types of every output table."""


def to_arrow(name: str, columns: dict[str, np.ndarray]) -> pa.Table:
    """Build an Arrow table of ``name`` from numpy columns (day numbers, ``""`` as null)."""
    schema = SCHEMAS[name]
    arrays = []
    for f in schema:
        values = np.asarray(columns[f.name])
        if f.type == D:
            days = values.astype(np.int64)
            arr = pa.array(days.astype(np.int32), type=pa.int32(), mask=days < 0).cast(D)
        elif f.type == S:
            values = values.astype(str)
            arr = pa.array(values, type=S, mask=values == "")
        else:
            arr = pa.array(values, type=f.type)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)


class TableWriter:
    """Append chunks of one table to ``out_dir / f"{name}.{fmt}"``.

    Parameters
    ----------
    out_dir : Path
        Destination folder (must exist).
    name : str
        Table name, a key of :data:`SCHEMAS`.
    fmt : str
        ``"parquet"`` or ``"csv"``.
    """

    def __init__(self, out_dir: Path, name: str, fmt: str) -> None:
        self.name, self.fmt = name, fmt
        self.path = Path(out_dir) / f"{name}.{fmt}"
        self.schema = SCHEMAS[name]
        self.rows = 0
        if fmt == "parquet":
            self._writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        else:
            options = pacsv.WriteOptions(quoting_style="needed")
            self._writer = pacsv.CSVWriter(self.path, self.schema, write_options=options)

    def write(self, columns: dict[str, np.ndarray]) -> None:
        """Write one chunk (skipped when empty)."""
        table = to_arrow(self.name, columns)
        if table.num_rows:
            self._writer.write_table(table)
            self.rows += table.num_rows

    def close(self) -> int:
        """Finish the file and return the number of rows written."""
        self._writer.close()
        return self.rows
