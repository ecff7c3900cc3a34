"""Stage 8 - reports: check the parameters, run the analysis once, execute the notebooks that
present its results (papermill), render self-contained HTML, guard funder-facing pages,
publish atomically. Entry point: :func:`valuecase.reporting.suite.run_suite`."""
