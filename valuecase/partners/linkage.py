"""Two token files to a crosswalk of partner-local record ids, with match probabilities.

``probabilistic`` (default): splink's Fellegi-Sunter model on DuckDB. Each comparison looks
at tokens for exact equality only (the tokens hide everything else): first name (full, then
phonetic), last name (full, then phonetic), birth date (exact, day/month swapped, month and
day, year), sex, ZIP and Medicaid id. Candidate pairs share a birth-date token, a last-name
phonetic token, a Medicaid id or a swapped birth date. The u probabilities come from a seeded
random sample of pairs and the m probabilities from expectation maximisation on the data
(two sessions: pairs blocked on birth date, then on the names), so no labels are needed and
the same inputs and seed give the same crosswalk. Each record is then kept in its best pair
only (one-to-one, highest probability first).

``deterministic``: pairs equal on every token of one rule (default first name, last name,
birth date), probability 1.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from valuecase.errors import ValuecaseError
from valuecase.partners.tokens import TOKEN_COLUMNS

if TYPE_CHECKING:  # splink is imported only when a probabilistic linkage runs
    from splink import SettingsCreator

MODES = ("probabilistic", "deterministic")
DEFAULT_RULE: tuple[str, ...] = ("t_first", "t_last", "t_birth_date")
"""Tokens a deterministic pair must share."""

_HEX64 = r"^[0-9a-f]{64}$"


@dataclass(frozen=True)
class LinkResult:
    """The crosswalk (``record_id_a``, ``record_id_b``, ``match_probability``) and a summary
    (records on each side, candidate pairs, links, match rate of each side)."""

    crosswalk: pd.DataFrame
    summary: dict[str, object] = field(default_factory=dict)


def read_tokens(path: str | Path) -> pd.DataFrame:
    """A token file (Parquet, or CSV for any other suffix), checked: ``record_id`` plus token
    columns only, unique record ids, every token 64 hex digits (so raw identifiers given by
    mistake are refused, never linked)."""
    path = Path(path)
    if not path.is_file():
        raise ValuecaseError(f"token file not found: {path}")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one user error
        raise ValuecaseError(f"{path.name}: not a readable token file "
                             f"({type(exc).__name__})") from None
    return check_tokens(frame, path.name)


def check_tokens(frame: pd.DataFrame, name: str = "tokens") -> pd.DataFrame:
    """``frame`` as a token table (text, missing tokens as ``None``) or a clear error.

    Examples
    --------
    >>> check_tokens(pd.DataFrame({"record_id": ["a"], "first_name": ["Ann"]}))
    Traceback (most recent call last):
    ...
    valuecase.errors.ValuecaseError: tokens: not a token file: unexpected column(s) first_name
    """
    extra = [c for c in frame.columns if c != "record_id" and c not in TOKEN_COLUMNS]
    if "record_id" not in frame.columns or extra:
        what = (f"unexpected column(s) {', '.join(map(str, extra))}" if extra
                else "no record_id column")
        raise ValuecaseError(f"{name}: not a token file: {what}")
    frame = frame.astype(object).where(frame.notna() & (frame.astype(str) != ""), None)
    if frame["record_id"].isna().any() or frame["record_id"].duplicated().any():
        raise ValuecaseError(f"{name}: record_id must be present and unique on every row")
    for col in frame.columns.drop("record_id"):
        values = frame[col].dropna().astype(str)
        if not values.str.match(_HEX64).all():
            raise ValuecaseError(f"{name}: column {col} holds values that are not tokens "
                                 "(64 hex digits); tokenize identifiers first")
    for col in TOKEN_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    frame["record_id"] = frame["record_id"].astype(str)
    return frame[["record_id", *TOKEN_COLUMNS]]


def _one_to_one(pairs: pd.DataFrame) -> pd.DataFrame:
    """Each record in its most probable pair only (greedy; ties broken by record ids)."""
    ordered = pairs.sort_values(["match_probability", "record_id_a", "record_id_b"],
                                ascending=[False, True, True])
    used_a: set[str] = set()
    used_b: set[str] = set()
    keep = []
    for i, a, b in zip(ordered.index, ordered["record_id_a"], ordered["record_id_b"],
                       strict=True):
        if a not in used_a and b not in used_b:
            keep.append(i)
            used_a.add(a)
            used_b.add(b)
    return ordered.loc[keep]


def deterministic_pairs(a: pd.DataFrame, b: pd.DataFrame,
                        rule: Sequence[str] = DEFAULT_RULE) -> pd.DataFrame:
    """Pairs of records equal on every token of ``rule`` (missing tokens never match).

    Examples
    --------
    >>> t = "ab" * 32
    >>> a = check_tokens(pd.DataFrame({"record_id": ["a1", "a2"], "t_last": [t, None]}))
    >>> b = check_tokens(pd.DataFrame({"record_id": ["b1"], "t_last": [t]}))
    >>> deterministic_pairs(a, b, rule=["t_last"]).values.tolist()
    [['a1', 'b1', 1.0]]
    """
    unknown = [c for c in rule if c not in TOKEN_COLUMNS]
    if not rule or unknown:
        raise ValuecaseError(f"a deterministic rule names token columns among "
                             f"{', '.join(TOKEN_COLUMNS)}; got {', '.join(rule) or 'none'}")
    left = a[["record_id", *rule]].dropna()
    right = b[["record_id", *rule]].dropna()
    pairs = left.merge(right, on=list(rule), suffixes=("_a", "_b"))
    pairs = pairs[["record_id_a", "record_id_b"]].assign(match_probability=1.0)
    return pairs.sort_values(["record_id_a", "record_id_b"]).reset_index(drop=True)


def _settings() -> SettingsCreator:
    """splink settings: exact-match comparisons of tokens, blocking rules for prediction."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def either(full: str, phonetic: str, label: str) -> cl.CustomComparison:
        return cl.CustomComparison(
            output_column_name=label,
            comparison_levels=[
                cll.NullLevel(full),  # the phonetic token is missing exactly then too
                cll.ExactMatchLevel(full),
                cll.ExactMatchLevel(phonetic),
                cll.ElseLevel(),
            ],
        )

    birth = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("t_birth_date"),
            cll.ExactMatchLevel("t_birth_date"),
            cll.CustomLevel("t_birth_date_l = t_birth_date_swapped_r OR "
                            "t_birth_date_swapped_l = t_birth_date_r",
                            label_for_charts="day and month swapped"),
            cll.ExactMatchLevel("t_birth_month_day"),
            cll.ExactMatchLevel("t_birth_year"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_id",
        comparisons=[
            either("t_first", "t_first_phonetic", "first_name"),
            either("t_last", "t_last_phonetic", "last_name"),
            birth,
            cl.ExactMatch("t_sex"),
            cl.ExactMatch("t_zip"),
            cl.ExactMatch("t_medicaid_id"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("t_birth_date"),
            block_on("t_last_phonetic"),
            block_on("t_medicaid_id"),
            "l.t_birth_date = r.t_birth_date_swapped",
            "l.t_birth_date_swapped = r.t_birth_date",
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def probabilistic_pairs(a: pd.DataFrame, b: pd.DataFrame, seed: int = 0,
                        threads: int = 1) -> tuple[pd.DataFrame, int]:
    """Every candidate pair scored by splink (``record_id_a``, ``record_id_b``,
    ``match_probability``) and the number of candidate pairs.

    ``threads`` DuckDB threads; one (the default) makes the sums of the EM iterations, and so
    the probabilities, identical from run to run.
    """
    from splink import DuckDBAPI, Linker, block_on

    con = duckdb.connect(":memory:", config={"threads": threads})
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)  # progress chatter; results are summarized
    try:
        db_api = DuckDBAPI(connection=con)
        frames = [db_api.register(df, dataset_display_name=name)
                  for name, df in (("a", a), ("b", b))]
        linker = Linker(frames, _settings(), log_level=None)
        training = linker.training
        training.estimate_probability_two_random_records_match(
            [block_on(*DEFAULT_RULE)], recall=0.8)
        training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
        training.estimate_parameters_using_expectation_maximisation(
            block_on("t_birth_date"))
        training.estimate_parameters_using_expectation_maximisation(
            block_on("t_first_phonetic", "t_last_phonetic"))
        scored = linker.inference.predict().as_pandas_dataframe()
    finally:
        splink_logger.setLevel(level)
        con.close()
    left_is_a = scored["source_dataset_l"] == "a"
    pairs = pd.DataFrame({
        "record_id_a": scored["record_id_l"].where(left_is_a, scored["record_id_r"]),
        "record_id_b": scored["record_id_r"].where(left_is_a, scored["record_id_l"]),
        "match_probability": scored["match_probability"].astype(float).round(6),
    })
    return pairs.astype({"record_id_a": str, "record_id_b": str}), len(scored)


def link(a: pd.DataFrame, b: pd.DataFrame, mode: str = "probabilistic",
         threshold: float = 0.9, seed: int = 0, rule: Sequence[str] = DEFAULT_RULE,
         one_to_one: bool = True) -> LinkResult:
    """Link token tables ``a`` and ``b`` (see :func:`check_tokens`) into a crosswalk.

    Parameters
    ----------
    a, b
        Token tables of two partners (same secret).
    mode
        ``probabilistic`` (splink, EM-trained) or ``deterministic`` (exact ``rule``).
    threshold
        Least match probability of a kept pair (probabilistic mode).
    seed
        Seed of the random pair sample that estimates the u probabilities.
    one_to_one
        Keep each record in its most probable pair only.

    Examples
    --------
    >>> t = lambda c: c * 64
    >>> a = check_tokens(pd.DataFrame({"record_id": ["a1"], "t_first": [t("1")],
    ...                  "t_last": [t("2")], "t_birth_date": [t("3")]}))
    >>> b = check_tokens(pd.DataFrame({"record_id": ["b1", "b2"], "t_first": [t("1"), t("4")],
    ...                  "t_last": [t("2"), t("2")], "t_birth_date": [t("3"), t("3")]}))
    >>> r = link(a, b, mode="deterministic")
    >>> r.crosswalk.values.tolist(), r.summary["match_rate_b"]
    ([['a1', 'b1', 1.0]], 0.5)
    """
    if mode not in MODES:
        raise ValuecaseError(f"--mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not 0 <= threshold <= 1:
        raise ValuecaseError(f"--threshold must be between 0 and 1, got {threshold}")
    a, b = check_tokens(a, "A"), check_tokens(b, "B")
    if a.empty or b.empty:
        raise ValuecaseError("a token file has no records: nothing to link")
    if mode == "deterministic":
        pairs = deterministic_pairs(a, b, rule)
        candidates = len(pairs)
    else:
        pairs, candidates = probabilistic_pairs(a, b, seed=seed)
        pairs = pairs[pairs["match_probability"] >= threshold]
    if one_to_one:
        pairs = _one_to_one(pairs)
    crosswalk = pairs.sort_values(["record_id_a", "record_id_b"]).reset_index(drop=True)
    summary: dict[str, object] = {
        "mode": mode, "records_a": len(a), "records_b": len(b),
        "candidate_pairs": int(candidates), "links": len(crosswalk),
        "match_rate_a": round(crosswalk["record_id_a"].nunique() / len(a), 4),
        "match_rate_b": round(crosswalk["record_id_b"].nunique() / len(b), 4),
    }
    if mode == "probabilistic":
        summary["threshold"] = threshold
    else:
        summary["rule"] = list(rule)
    return LinkResult(crosswalk=crosswalk, summary=summary)


def link_files(a_tokens: str | Path, b_tokens: str | Path, out: str | Path,
               **options: object) -> LinkResult:
    """Link two token files (:func:`read_tokens`) and write the crosswalk CSV to ``out``;
    ``options`` go to :func:`link`."""
    result = link(read_tokens(a_tokens), read_tokens(b_tokens), **options)  # type: ignore[arg-type]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.crosswalk.to_csv(out, index=False, float_format="%.6f")
    return result
