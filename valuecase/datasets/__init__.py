"""Data that ships with valuecase: the bundled synthetic sample and example parameter files.

Like CausalPy's ``load_data``, these work from any folder once valuecase is installed.

- :func:`sample_dir`: the folder of the bundled synthetic sample (contract tables as Parquet,
  ``truth.json`` with the program's true effects), made by ``valuecase synth`` with the
  default seed.
- :func:`load_sample`: the sample loaded and validated (:func:`valuecase.data.load`).
- :func:`example_params`: an example parameters file (``sample.yml`` for reports,
  ``roi-sample.yml``, ``roi-evidence.yml``, ``roi-calculator.yml`` for ROI assumptions,
  ``tuva-demo-mapping.yml`` for a column mapping).

Examples
--------
>>> sorted(p.name for p in sample_dir().glob("*.parquet"))[:3]
['eligibility.parquet', 'experience_survey.parquet', 'medical_claim.parquet']
>>> example_params("roi-calculator.yml").name
'roi-calculator.yml'
>>> load_sample().tables[:1]
('eligibility',)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from valuecase.data.load import LoadedData

_HERE = Path(__file__).resolve().parent

__all__ = ["example_params", "list_example_params", "load_sample", "sample_dir"]


def sample_dir() -> Path:
    """Folder of the bundled synthetic sample."""
    return _HERE / "sample"


def load_sample() -> LoadedData:
    """The bundled sample, loaded and validated."""
    from valuecase.data.load import load

    return load(sample_dir())


def list_example_params() -> list[str]:
    """Names of the example parameter files that ship with valuecase."""
    return sorted(p.name for p in (_HERE / "params").glob("*.yml"))


def example_params(name: str) -> Path:
    """Path of an example parameters file (see :func:`list_example_params`).

    Raises
    ------
    FileNotFoundError
        ``name`` is not one of the example files (the message lists them).
    """
    path = _HERE / "params" / name
    if not path.is_file():
        raise FileNotFoundError(f"no example parameters file {name!r}; choose from "
                                f"{', '.join(list_example_params())}")
    return path
