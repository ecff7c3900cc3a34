"""Stage 1 - data in: the contract, column mapping, loading with rejects and reconciliation,
and data-quality measures on what was loaded.

Examples
--------
>>> from valuecase import datasets
>>> from valuecase.data import load
>>> data = load(datasets.sample_dir())
>>> sorted(data.tables)[:3]
['eligibility', 'experience_survey', 'medical_claim']
"""

from valuecase.data.contract import TABLES, TableSpec
from valuecase.data.load import LoadedData, find_table_files, load, load_frames
from valuecase.data.mapping import ColumnMapping

__all__ = ["TABLES", "ColumnMapping", "LoadedData", "TableSpec", "find_table_files", "load",
           "load_frames"]
