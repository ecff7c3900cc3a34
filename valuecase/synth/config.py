"""Configuration and result types of the synthetic claims generator.

Examples
--------
>>> from valuecase.synth.config import SynthConfig
>>> SynthConfig(members=200, months=24).months
24
>>> SynthConfig(members=0)
Traceback (most recent call last):
...
ValueError: members must be >= 1, got 0
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("parquet", "csv")
TABLE_NAMES = (
    "eligibility", "medical_claim", "pharmacy_claim", "program_enrollment", "program_costs",
    "program_services", "social_needs", "experience_survey",
)


@dataclass(frozen=True)
class SynthConfig:
    """Settings of one synthetic data set; the same config always gives the same data.

    Parameters
    ----------
    members : int
        Number of distinct people (health-plan members).
    months : int
        Length of the data window in calendar months (at least 24: the program trigger is only
        evaluated after month 12 and needs follow-up).
    seed : int
        Root seed; every random draw derives from ``numpy.random.SeedSequence(seed)``.
    start : str
        First day of the data window, ISO date that is the first day of a month.
    randomized : bool
        ``False``: a share ``enroll_share`` of trigger-meeters enrol, with selection on
        observables, the rest are an unlisted comparison pool. ``True``: trigger-meeters are
        randomized 1:1 into ``program`` and ``control`` arms, both listed in program_enrollment.
    effect_inpatient, effect_ed : float
        True relative effects while enrolled in the program: the acute inpatient admission rate
        is multiplied by ``1 + effect_inpatient`` and the rate of ED visits that do not lead to an
        admission by ``1 + effect_ed``. Must lie in (-1, 1).
    enroll_share : float
        Non-randomized mode: share of eligible trigger-meeters who enrol (ignored when
        ``randomized``).
    selection : float
        Non-randomized mode: strength of selection into enrollment. The odds of enrolling are
        ``exp(selection * (-0.4 * (age - 40) / 10 + site term - 0.15 * chronic conditions))``
        (rescaled to ``enroll_share`` on average): 0 enrols eligible trigger-meeters at random,
        1 (default) is the calibrated selection on age, site and conditions, 2 doubles it on
        the log-odds scale. Conditions drive utilization, so stronger selection means more
        confounding for estimators that see conditions only through past utilization.
    fmt : str
        ``"parquet"`` (zstd, date32 dates) or ``"csv"``.
    chunk_members : int
        Members generated and written per chunk. Each chunk draws from its own spawned seed, so
        output depends on ``chunk_members`` too (same config -> same output).

    Examples
    --------
    >>> cfg = SynthConfig(members=200, months=24, seed=7)
    >>> cfg.start_date.isoformat()
    '2022-01-01'
    >>> SynthConfig(fmt="xlsx")
    Traceback (most recent call last):
    ...
    ValueError: fmt must be one of ('parquet', 'csv'), got 'xlsx'
    """

    members: int = 15_000
    months: int = 36
    seed: int = 20240101
    start: str = "2022-01-01"
    randomized: bool = False
    effect_inpatient: float = -0.15
    effect_ed: float = -0.10
    enroll_share: float = 0.5
    selection: float = 1.0
    fmt: str = "parquet"
    chunk_members: int = 5_000

    def __post_init__(self) -> None:
        def _int(name: str, low: int) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer, got {value!r}")
            if value < low:
                raise ValueError(f"{name} must be >= {low}, got {value}")

        _int("members", 1)
        _int("months", 24)
        _int("chunk_members", 1)
        _int("seed", 0)
        if self.months > 240:
            raise ValueError(f"months must be <= 240, got {self.months}")
        try:
            start = dt.date.fromisoformat(str(self.start))
        except ValueError:
            raise ValueError(f"start must be an ISO date like '2022-01-01', got {self.start!r}") from None
        if start.day != 1:
            raise ValueError(f"start must be the first day of a month, got {self.start!r}")
        if not isinstance(self.randomized, bool):
            raise ValueError(f"randomized must be True or False, got {self.randomized!r}")
        for name in ("effect_inpatient", "effect_ed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1 < value < 1:
                raise ValueError(f"{name} must be a number in (-1, 1), got {value!r}")
        share = self.enroll_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
            raise ValueError(f"enroll_share must be a number in (0, 1], got {share!r}")
        sel = self.selection
        if isinstance(sel, bool) or not isinstance(sel, (int, float)) or not 0 <= sel <= 5:
            raise ValueError(f"selection must be a number in [0, 5], got {sel!r}")
        if self.fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {FORMATS}, got {self.fmt!r}")

    @property
    def start_date(self) -> dt.date:
        """First day of the data window."""
        return dt.date.fromisoformat(self.start)


@dataclass(frozen=True)
class SynthResult:
    """What :func:`valuecase.synth.generate` wrote.

    Parameters
    ----------
    out_dir : Path
        Folder holding the tables.
    files : dict
        Table name -> file path.
    rows : dict
        Table name -> number of rows written.
    truth_path : Path
        Path of ``truth.json`` (config, true effects, trigger definition, counts).
    """

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    truth_path: Path = Path("truth.json")
