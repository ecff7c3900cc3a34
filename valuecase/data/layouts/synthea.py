"""The synthea layout (being written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from valuecase.data.engines import Engine
from valuecase.data.layouts.base import Converted
from valuecase.errors import ContractError

__all__ = ["SyntheaLayout"]


class SyntheaLayout:
    name = "synthea"
    summary = "synthea (not yet available)"

    def convert(self, eng: Engine, data_dir: Path, **_: Any) -> Converted:
        raise ContractError("the synthea layout is not available yet")
