"""Stage 7 - the analysis run: every stage once (load, panel, population, study and
evaluation, value case), its results written as Parquet tables and JSON values that the
report notebooks only present."""
