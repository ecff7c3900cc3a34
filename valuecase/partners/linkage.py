"""Two token files to a crosswalk of partner-local record ids, with match probabilities.

``probabilistic`` (default): splink's Fellegi-Sunter model on DuckDB. Each comparison asks
which composite tokens (:data:`valuecase.partners.tokens.COMPOSITES`) two records share, from
the strongest agreement down (:data:`COMPARISONS`): names and birth date all equal, else with
names or day and month swapped, else with one name misspelt, else with one name different;
names and birth year; names and postcode; address; id. Candidate pairs share at least one
composite token (:data:`BLOCKING`). The u probabilities come from a seeded random sample of
pairs and the m probabilities from expectation maximisation on the data (two sessions:
pairs blocked on names and postcode, then on names and birth date), so no labels are needed
and the same inputs and seed give the same crosswalk. Each record is then kept in its best
pair only (one-to-one, highest probability first).

``deterministic``: pairs equal on every token of one rule (default names and birth date),
probability 1.
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
DEFAULT_RULE: tuple[str, ...] = ("t_name_dob",)
"""Tokens a deterministic pair must share (first name, last name and birth date)."""

def _equal(*columns: str) -> str:
    """SQL: the two records share at least one of these tokens."""
    return "(" + " OR ".join(f'"{c}_l" = "{c}_r"' for c in columns) + ")"


def _missing(column: str) -> str:
    """SQL: a side lacks this token."""
    return f'("{column}_l" IS NULL OR "{column}_r" IS NULL)'


COMPARISONS: dict[str, tuple[tuple[str, str], ...]] = {
    "names_and_birth_date": (
        ("all equal", _equal("t_name_dob")),
        ("names or day and month swapped", _equal("t_names_dob_unordered")),
        ("a name misspelt",
         _equal("t_phonetic_dob", "t_initial_last_dob", "t_first_lastcode_dob")),
        ("one name different", _equal("t_last_dob", "t_first_dob")),
        ("names and birth year equal", _equal("t_name_year")),
        ("names and postcode equal, a birth date missing",
         f'{_equal("t_name_postcode")} AND {_missing("t_name_year")}'),
    ),
    "place": (
        ("address and last name", _equal("t_last_address")),
        ("address and birth date", _equal("t_address_dob")),
        ("postcode and last name", _equal("t_last_postcode")),
        ("postcode and birth date", _equal("t_dob_postcode")),
    ),
    "id": (("equal", _equal("t_id_year", "t_id_initial")),),
}
"""splink comparisons: each a list of levels (name, SQL condition on the pair's composite
tokens), from the strongest agreement down; a pair in none of them is in the else level, a
pair where one side has none of the comparison's tokens in the null level."""

TOKENS_OF: dict[str, tuple[str, ...]] = {
    "names_and_birth_date": ("t_name_dob", "t_names_dob_unordered", "t_phonetic_dob",
                             "t_initial_last_dob", "t_first_lastcode_dob", "t_last_dob",
                             "t_first_dob", "t_name_year", "t_name_postcode"),
    "place": ("t_last_address", "t_address_dob", "t_last_postcode", "t_dob_postcode"),
    "id": ("t_id_year", "t_id_initial"),
}
"""The tokens each comparison reads (its null level: a side has none of them)."""

EM_SESSIONS: tuple[tuple[str, ...], ...] = (
    ("t_last_postcode", "t_last_address", "t_dob_postcode", "t_id_year"),
    ("t_first_dob", "t_name_dob"),
)
"""Expectation-maximisation sessions, each on the pairs sharing one token (the first of
the alternatives that any pair shares): last name and postcode trains the
names-and-birth-date comparison (birth dates may differ there), first name and birth date
trains the place and id comparisons (last names may differ there)."""

PRIOR_M: dict[str, tuple[float, ...]] = {
    "names_and_birth_date": (0.7, 0.03, 0.1, 0.08, 0.02, 0.02, 0.05),
    "place": (0.5, 0.1, 0.2, 0.1, 0.1),
    "id": (0.9, 0.1),
}
"""m probabilities of the levels (in order, the else level last) where no training session
reached a level, e.g. when a partner sends names and birth dates only."""

M_FLOOR = 0.05
"""Least m probability of a level: EM on composite tokens can drive the chance that a true
match disagrees to near zero, which would make one disagreement veto every other agreement."""

ELSE_M_FLOOR = 0.3
"""Least m probability of a comparison's else level (no composite of it agrees), chosen by
measurement: EM puts it near zero, so two errors in one comparison's fields (swapped names
and a typo; a typo in the postcode and the address) vetoed a pair. FEBRL1 recall without an
id went 0.766 -> 0.846 -> 0.920 at floors 0.05, 0.15, 0.3, precision 1.000 throughout; the
synthetic files' 0.978 -> 0.982."""

MAX_U_PAIRS = 2e6
"""Pairs sampled within each file to estimate the u probabilities."""

BLOCKING: tuple[str, ...] = tuple(c for c in TOKEN_COLUMNS
                                  if c not in ("t_name_year", "t_last_postcode",
                                               "t_dob_postcode"))
"""Candidate pairs share at least one of these tokens."""

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
    >>> a = check_tokens(pd.DataFrame({"record_id": ["a1", "a2"], "t_name_dob": [t, None]}))
    >>> b = check_tokens(pd.DataFrame({"record_id": ["b1"], "t_name_dob": [t]}))
    >>> deterministic_pairs(a, b, rule=["t_name_dob"]).values.tolist()
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


def _settings(labels: Sequence[str] = tuple(COMPARISONS)) -> SettingsCreator:
    """splink settings: agreement of composite tokens (the comparisons ``labels``),
    blocking rules for prediction."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def none_on_a_side(columns: Sequence[str]) -> str:
        return " OR ".join("(" + " AND ".join(f'"{c}_{side}" IS NULL' for c in columns) + ")"
                           for side in ("l", "r"))

    def comparison(label: str, levels: Sequence[tuple[str, str]]) -> object:
        """Levels in order (the first that holds counts); null when a side has none."""
        return cl.CustomComparison(
            output_column_name=label,
            comparison_levels=[
                cll.CustomLevel(none_on_a_side(TOKENS_OF[label])).configure(
                    is_null_level=True),
                *(cll.CustomLevel(sql, label_for_charts=name) for name, sql in levels),
                cll.ElseLevel(),
            ],
        )

    comparisons = [comparison(label, COMPARISONS[label]) for label in labels]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on(c) for c in BLOCKING],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _comparisons_with_data(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """The comparisons whose tokens both files have (one that a file never fills, e.g. the
    id when a partner collects none, would only ever be null)."""
    labels = [label for label, columns in TOKENS_OF.items()
              if a[list(columns)].notna().any().any() and b[list(columns)].notna().any().any()]
    if "names_and_birth_date" not in labels:
        raise ValuecaseError("the token files share no names-and-birth-date token: nothing "
                             "to link on (were both tokenized from names and birth dates?)")
    return labels


def _model_with_u_within_files(db_api: object, a: pd.DataFrame, b: pd.DataFrame,
                               seed: int) -> dict:
    """The settings with u probabilities estimated from pairs of records **within** each
    file (two different people of one file, so never a match), averaged by pairs.

    Random pairs across the two files hold the true matches too; for a composite token a
    true match shares, the chance that two different people share it is smaller than the
    share of true matches among all pairs, so a u estimated across the files would be
    mostly matches and would drown the evidence. A level never seen within the files gets
    half a pair's worth of probability.
    """
    from splink import Linker

    labels = _comparisons_with_data(a, b)
    totals: dict[tuple[int, int], float] = {}
    weight = 0.0
    for name, frame in (("a", a), ("b", b)):
        n_pairs = len(frame) * (len(frame) - 1) / 2
        if n_pairs < 1:
            continue
        settings = _settings(labels)
        settings.link_type = "dedupe_only"
        linker = Linker(db_api.register(frame, dataset_display_name=f"{name}_within"),
                        settings, log_level=None)
        linker.training.estimate_u_using_random_sampling(max_pairs=MAX_U_PAIRS, seed=seed)
        model = linker.misc.save_model_to_json()
        for i, comparison in enumerate(model["comparisons"]):
            for j, lvl in enumerate(comparison["comparison_levels"]):
                if lvl.get("is_null_level"):
                    continue
                u = lvl.get("u_probability") or 0.0
                totals[i, j] = totals.get((i, j), 0.0) + (
                    max(u, 0.5 / n_pairs) * n_pairs)
        weight += n_pairs
    model = Linker(db_api.register(a.iloc[:0], dataset_display_name="empty"),
                   _settings(labels), log_level=None).misc.save_model_to_json()
    for (i, j), total in totals.items():
        model["comparisons"][i]["comparison_levels"][j]["u_probability"] = total / weight
    return model


def _floored(model: dict) -> dict:
    """The model with every m probability at least :data:`M_FLOOR`; a level no training
    session reached gets its :data:`PRIOR_M`."""
    for comparison in model["comparisons"]:
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        prior = PRIOR_M[comparison["output_column_name"]]
        for lvl, m in zip(levels, prior, strict=True):
            lvl["m_probability"] = max(lvl.get("m_probability") or m, M_FLOOR)
        levels[-1]["m_probability"] = max(levels[-1]["m_probability"], ELSE_M_FLOOR)
    return model


def probabilistic_pairs(a: pd.DataFrame, b: pd.DataFrame, seed: int = 0,
                        threads: int = 1) -> tuple[pd.DataFrame, int]:
    """Every candidate pair scored by splink (``record_id_a``, ``record_id_b``,
    ``match_probability``) and the number of candidate pairs.

    ``threads`` DuckDB threads; one (the default) makes the sums of the EM iterations, and so
    the probabilities, identical from run to run.
    """
    from splink import DuckDBAPI, Linker, block_on
    from splink.internals.exceptions import SplinkException  # no public import path

    con = duckdb.connect(":memory:", config={"threads": threads})
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)  # progress chatter; results are summarized
    try:
        db_api = DuckDBAPI(connection=con)
        model = _model_with_u_within_files(db_api, a, b, seed)
        frames = [db_api.register(df, dataset_display_name=name)
                  for name, df in (("a", a), ("b", b))]
        linker = Linker(frames, model, log_level=None)
        training = linker.training
        training.estimate_probability_two_random_records_match(
            [block_on(*DEFAULT_RULE)], recall=0.8)
        trained = {c["output_column_name"] for c in model["comparisons"]}
        for alternatives in EM_SESSIONS:
            for rule in alternatives:  # the first rule that gives pairs
                if not trained - {k for k, cols in TOKENS_OF.items() if rule in cols}:
                    break  # every comparison is fixed in this session: nothing to train
                try:
                    training.estimate_parameters_using_expectation_maximisation(
                        block_on(rule))
                    break
                except SplinkException:  # no pair shares it, or nothing left to train
                    continue
        model = _floored(linker.misc.save_model_to_json())
        linker = Linker(frames, model, log_level=None)
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
    >>> a = check_tokens(pd.DataFrame({"record_id": ["a1"], "t_name_dob": [t("1")]}))
    >>> b = check_tokens(pd.DataFrame({"record_id": ["b1", "b2"],
    ...                                "t_name_dob": [t("1"), t("4")]}))
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
