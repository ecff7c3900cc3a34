"""Data layouts: source formats the loader reads, each mapped onto the data contract.

``tuva`` (default) reads contract-shaped files; ``desynpuf`` reads CMS DE-SynPUF files;
``synthea`` reads a Synthea CSV export; ``omop`` reads an OHDSI OMOP CDM v5.x export. Each layout is one module with one class that has a
``name``, a one-line ``summary`` and ``convert(eng, data_dir, **options)`` returning
:class:`~valuecase.data.layouts.base.Converted` text tables that the loader validates like any
other input. Adding a layout is one module plus its entry in :data:`LAYOUTS` (ARCHITECTURE.md).

Examples
--------
>>> sorted(LAYOUTS)
['desynpuf', 'omop', 'synthea', 'tuva']
>>> get_layout("tuva").name
'tuva'
"""

from __future__ import annotations

from valuecase.data.layouts.base import Converted, Layout
from valuecase.data.layouts.desynpuf import DesynpufLayout
from valuecase.data.layouts.omop import OmopLayout
from valuecase.data.layouts.synthea import SyntheaLayout
from valuecase.data.layouts.tuva import TuvaLayout
from valuecase.errors import ContractError

__all__ = ["LAYOUTS", "Converted", "Layout", "get_layout"]

LAYOUTS: dict[str, Layout] = {lay.name: lay for lay in (TuvaLayout(), DesynpufLayout(),
                                                         SyntheaLayout(), OmopLayout())}
"""Every layout by name (what ``--layout`` and ``layout:`` take)."""


def get_layout(name: str | Layout) -> Layout:
    """The layout called ``name`` (a layout object is returned as it is)."""
    if not isinstance(name, str):
        return name
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ContractError(f"unknown layout {name!r}; choose one of "
                            f"{', '.join(sorted(LAYOUTS))}") from None
