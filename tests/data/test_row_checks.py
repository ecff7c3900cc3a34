"""Row checks: claim lines read in place give what the typed copy gives; enrolled ranges hold
exactly the member months."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from valuecase.data.engines import DuckDBEngine
from valuecase.data.enrollment import enrolled_ranges, member_months
from valuecase.data.load import load
from valuecase.panel.member_panel import panel_expr


class _CopyingDuckDB(DuckDBEngine):
    """DuckDB keeping a typed copy of every table (the path Spark and CSV files take)."""

    def reads_lazily(self, paths):
        return False


def _pharmacy_folder(folder, sample_dir):
    """The bundled sample with a pharmacy file holding every kind of row problem."""
    for f in sample_dir.glob("*.parquet"):
        if f.name != "pharmacy_claim.parquet":
            (folder / f.name).write_bytes(f.read_bytes())
    rx = pq.read_table(sample_dir / "pharmacy_claim.parquet").to_pandas()
    extra = rx.iloc[[0, 0, 0, 1, 2, 3]].copy()
    paid = float(rx.iloc[0]["paid_amount"])
    # a reversal of line 0, its replacement and a true duplicate of it; a true duplicate of
    # line 1; a line in the future; a line without a person
    extra["paid_amount"] = [-paid, paid + 1.0, 5.0, rx.iloc[1]["paid_amount"], 7.0, 8.0]
    extra.iloc[3, extra.columns.get_loc("claim_id")] = rx.iloc[1]["claim_id"]
    extra.iloc[3, extra.columns.get_loc("claim_line_number")] = rx.iloc[1]["claim_line_number"]
    extra.iloc[4, extra.columns.get_loc("dispensing_date")] = dt.date(2091, 1, 1)
    extra.iloc[5, extra.columns.get_loc("person_id")] = "  "
    out = pd.concat([rx, extra], ignore_index=True)
    table = pa.Table.from_pandas(out, preserve_index=False)
    # money that is not money: NaN and infinity as real doubles (not nulls)
    values = out["paid_amount"].to_numpy(dtype="float64").copy()
    values[[7, 8, 9]] = [np.nan, np.inf, -np.inf]
    table = table.set_column(table.column_names.index("paid_amount"), "paid_amount",
                             pa.array(values, from_pandas=False))
    pq.write_table(table, folder / "pharmacy_claim.parquet")
    return folder


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory, sample_dir):
    folder = _pharmacy_folder(tmp_path_factory.mktemp("rx"), sample_dir)
    return load(folder), load(folder, engine=_CopyingDuckDB())


def test_pharmacy_lines_are_read_in_place(both_ways):
    in_place, copied = both_ways
    tables = set(in_place.engine.backend.list_tables())
    assert "checked_pharmacy_claim" not in tables and "rejected_pharmacy_claim" in tables
    assert "checked_medical_claim" in tables  # read four times by the panel: copied
    assert "checked_pharmacy_claim" in set(copied.engine.backend.list_tables())


def test_repeats_and_rejects_are_kept_only_when_there_are_some(both_ways, sample_dir):
    """Repeated keys are counted with the statistics: the search for repeats runs, and its
    table exists, only for a table whose keys repeat; rejected pharmacy lines are kept only
    when there are any."""
    messy = set(both_ways[0].engine.backend.list_tables())
    assert {t for t in messy if t.startswith(("duplicates_", "rejected_"))} == {
        "duplicates_pharmacy_claim", "rejected_pharmacy_claim"}
    clean = load(sample_dir)
    assert clean.rejects.empty
    assert not [t for t in clean.engine.backend.list_tables()
                if t.startswith(("duplicates_", "rejected_"))]


def test_in_place_rejects_and_reconciliation_equal_the_copy(both_ways):
    in_place, copied = both_ways
    reasons = in_place.rejects.query("table == 'pharmacy_claim'").reason.tolist()
    assert sorted(reasons) == sorted(["duplicate_key", "duplicate_key", "future_date",
                                      "missing:person_id",
                                      "unparseable:paid_amount", "unparseable:paid_amount",
                                      "unparseable:paid_amount"])
    pd.testing.assert_frame_equal(in_place.rejects, copied.rejects, check_exact=True)
    pd.testing.assert_frame_equal(in_place.reconciliation, copied.reconciliation,
                                  check_exact=True)
    assert in_place.notes == copied.notes


def test_in_place_accepted_lines_and_panel_equal_the_copy(both_ways):
    in_place, copied = both_ways
    a, b = (d.table("pharmacy_claim").to_pyarrow().to_pandas() for d in both_ways)
    assert list(a.columns) == list(b.columns)
    assert {"service_date", "month"} <= set(a.columns) and len(a) == len(b) > 0
    flags = [d.with_enrollment("pharmacy_claim").in_enrollment.sum().to_pyarrow().as_py()
             for d in both_ways]
    assert flags[0] == flags[1] > 0
    key = ["claim_id", "claim_line_number", "paid_amount"]
    pd.testing.assert_frame_equal(a.sort_values(key).reset_index(drop=True),
                                  b.sort_values(key).reset_index(drop=True), check_exact=True)
    p, q = (panel_expr(d.ibis()).to_pyarrow().to_pandas().sort_values(["person_id", "month"])
            .reset_index(drop=True) for d in both_ways)
    pd.testing.assert_frame_equal(p, q, check_exact=True)


def _months(ranges: pd.DataFrame) -> set[tuple[str, dt.date]]:
    out = set()
    for person, first, last in ranges.itertuples(index=False):
        for month in pd.date_range(first, last, freq="MS"):
            out.add((person, month.date()))
    return out


def test_enrolled_ranges_hold_exactly_the_member_months():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(300):  # overlapping, nested, adjacent and same-month spans
        for _ in range(rng.integers(1, 5)):
            start = dt.date(2020, 1, 1) + dt.timedelta(days=int(rng.integers(0, 900)))
            rows.append((f"P{i}", start, start + dt.timedelta(days=int(rng.integers(0, 200)))))
    elig = ibis.memtable(pd.DataFrame(rows, columns=["person_id", "enrollment_start_date",
                                                     "enrollment_end_date"]))
    ranges = enrolled_ranges(elig).to_pandas()
    months = member_months(elig).to_pandas()
    # Tuva's rule, by hand: every month with an enrolled day, once per person
    expected = {(p, m.date()) for p, start, end in rows
                for m in pd.date_range(start.replace(day=1), end, freq="MS")}
    assert len(months) == len(expected)  # laid out from the ranges: no month twice
    assert {(p, pd.Timestamp(m).date()) for p, m in months.itertuples(index=False)} == expected
    assert _months(ranges) == expected
    # never two ranges of a person on one month: a claim month matches at most one range
    assert sum(len(pd.date_range(f, la, freq="MS")) for _, f, la in
               ranges.itertuples(index=False)) == len(expected)
