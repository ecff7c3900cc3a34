"""Repository-level pytest settings: the report notebooks are package data run by papermill,
not modules for ``--doctest-modules`` to import."""

collect_ignore = ["valuecase/reporting/notebooks"]
