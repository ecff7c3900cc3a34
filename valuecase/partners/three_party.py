"""Three-party linkage: a matcher that never holds the secret links the two token files and
gives each party only its own record ids with the link ids.

In the two-party mode the party that matches (say the payer) holds the secret and receives
the other side's token file, so it can test guesses against the other side's people. Here
the payer and the partner tokenize under their shared secret and send their token files to a
matcher who does not know it; the matcher links them and writes one file per party:
``record_id, link_id, match_probability``. ``link_id`` is random (16 hex digits, never derived
from a token or a record id) and common to the two records of a link, so each party learns
which of its own records were linked, and the two parties can exchange data keyed by
``link_id`` (e.g. the partner's services) without either seeing the other's tokens or ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from valuecase.errors import ValuecaseError
from valuecase.partners.linkage import LinkResult, link, read_tokens
from valuecase.partners.tokens import write_table


def split_crosswalk(crosswalk: pd.DataFrame,
                    seed: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The crosswalk as two files: party A's ``record_id, link_id, match_probability`` and
    party B's, linked by random link ids (``seed`` for reproducible tests only), each sorted
    by ``link_id`` (so the rows of one do not line up with the other's record order).

    Examples
    --------
    >>> cw = pd.DataFrame({"record_id_a": ["a1", "a2"], "record_id_b": ["b7", "b3"],
    ...                    "match_probability": [0.99, 0.95]})
    >>> for_a, for_b = split_crosswalk(cw, seed=0)
    >>> list(for_a.columns), list(for_b.columns)
    (['record_id', 'link_id', 'match_probability'], ['record_id', 'link_id', 'match_probability'])
    >>> joined = for_a.merge(for_b, on="link_id", suffixes=("_a", "_b"))
    >>> sorted(zip(joined["record_id_a"], joined["record_id_b"]))
    [('a1', 'b7'), ('a2', 'b3')]
    """
    rng = np.random.default_rng(seed)
    link_ids: set[str] = set()
    while len(link_ids) < len(crosswalk):
        draws = rng.integers(0, 2**63, size=len(crosswalk) - len(link_ids))
        link_ids.update(f"{int(d):016x}" for d in draws)
    ids = rng.permutation(sorted(link_ids))
    sides = []
    for side in ("a", "b"):
        frame = pd.DataFrame({"record_id": crosswalk[f"record_id_{side}"].to_numpy(),
                              "link_id": ids,
                              "match_probability": crosswalk["match_probability"].to_numpy()})
        sides.append(frame.sort_values("link_id").reset_index(drop=True))
    return sides[0], sides[1]


def match_three_party(a_tokens: str | Path, b_tokens: str | Path, out_a: str | Path,
                      out_b: str | Path, link_seed: int | None = None,
                      **options: object) -> LinkResult:
    """Link two token files (no secret needed) and write each party's link file: ``out_a``
    for A's record ids, ``out_b`` for B's; ``options`` go to
    :func:`valuecase.partners.linkage.link`. The full crosswalk is not written."""
    if Path(out_a).resolve() == Path(out_b).resolve():
        raise ValuecaseError("--out-a and --out-b must be two different files")
    result = link(read_tokens(a_tokens), read_tokens(b_tokens), **options)  # type: ignore[arg-type]
    for_a, for_b = split_crosswalk(result.crosswalk, seed=link_seed)
    write_table(for_a, out_a)
    write_table(for_b, out_b)
    return result


def resolve_links(links: str | Path, private: str | Path,
                  out: str | Path | None = None) -> pd.DataFrame:
    """A party's link file joined with its private ``record_id -> person_id`` file:
    ``person_id, link_id, match_probability``; written to ``out`` (mode 0600) when given.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = pd.DataFrame({"record_id": ["r1"], "link_id": ["l9"],
    ...                       "match_probability": [0.97]}).to_csv(f"{d}/links.csv", index=False)
    ...     _ = pd.DataFrame({"record_id": ["r1", "r2"],
    ...                       "person_id": ["M1", "M2"]}).to_csv(f"{d}/p.csv", index=False)
    ...     resolve_links(f"{d}/links.csv", f"{d}/p.csv").values.tolist()
    [['M1', 'l9', 0.97]]
    """
    frames = []
    for path in (Path(links), Path(private)):
        if not path.is_file():
            raise ValuecaseError(f"file not found: {path}")
        frames.append(pd.read_parquet(path) if path.suffix.lower() == ".parquet"
                      else pd.read_csv(path, dtype={"record_id": str, "person_id": str,
                                                    "link_id": str}))
    links_frame, private_frame = frames
    if not {"record_id", "link_id"} <= set(links_frame.columns):
        raise ValuecaseError(f"{Path(links).name}: not a link file (record_id, link_id)")
    if not {"record_id", "person_id"} <= set(private_frame.columns):
        raise ValuecaseError(f"{Path(private).name}: not a private file (record_id, person_id)")
    joined = links_frame.merge(private_frame, on="record_id", how="left")
    if joined["person_id"].isna().any():
        raise ValuecaseError(f"{Path(links).name}: record ids not in {Path(private).name}; "
                             "is it the private file of the same tokenize run?")
    resolved = joined[["person_id", "link_id", "match_probability"]]
    if out is not None:
        write_table(resolved, out, private=True)
    return resolved
