"""Activity-based program costs from the service contacts, in the ROI assumptions' shape."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml

from valuecase.datasets import example_params
from valuecase.partners.partner_costs import activity_costs


def _services():
    rows = [("a", "2023-12-31", "CBO", "home_visit", 999.0),       # before the window
            ("a", "2024-01-01", "CBO", "home_visit", 100.0),
            ("b", "2024-06-15", "CBO", "home_visit", 150.0),
            ("b", "2024-07-01", "CBO", "home_visit", np.nan),      # no cost recorded
            ("c", "2024-12-31", "CBO", "transportation", 40.0),
            ("c", "2024-12-31", "Clinic", "transportation", 60.5),
            ("d", "2025-01-01", "Clinic", "transportation", 999.0)]  # after the window
    return pd.DataFrame(rows, columns=["person_id", "service_date", "partner", "service_type",
                                       "cost"]).astype({"service_date": "datetime64[ns]"})


def test_last_12_months_by_service_type_and_partner():
    c = activity_costs(_services(), "2024-12-15", min_count=1)
    assert (c.window_start, c.window_end) == (pd.Timestamp("2024-01-01"),
                                              pd.Timestamp("2024-12-31"))
    assert c.program_costs == {
        "home_visit": {"partner": "CBO", "annual": 250.0},
        "transportation (CBO)": {"partner": "CBO", "annual": 40.0},
        "transportation (Clinic)": {"partner": "Clinic", "annual": 60.5}}
    assert c.sources["program_costs.home_visit"] == (
        "program_services table, activity-based, last 12 months (2 contacts; 1 without a cost)")
    assert c.sources["program_costs.transportation (Clinic)"] == (
        "program_services table, activity-based, last 12 months (1 contacts)")
    assert set(c.sources) == {f"program_costs.{k}" for k in c.program_costs}
    # default window: the month of the last contact (January 2025)
    assert activity_costs(_services(), min_count=1).window_start == pd.Timestamp("2024-02-01")


def test_partner_is_required_or_defaulted():
    s = _services()
    s.loc[1, "partner"] = None
    with pytest.raises(ValueError, match="no partner"):
        activity_costs(s, "2024-12")
    c = activity_costs(s, "2024-12", default_partner="CBO", min_count=1)
    assert c.program_costs["home_visit"]["annual"] == 250.0


def test_small_counts_are_hidden_in_the_table_and_the_source():
    c = activity_costs(_services(), "2024-12")
    assert c.table["contacts"].isna().all() and c.table["suppressed"].all()
    assert c.sources["program_costs.home_visit"].endswith("(fewer than 11 contacts; some without "
                                                          "a cost)")
    assert c.program_costs["home_visit"]["annual"] == 250.0  # amounts are not counts


def test_output_validates_as_roi_program_costs():
    from valuecase.value.case import assemble_params, placeholder_evidence

    c = activity_costs(_services(), "2024-12", min_count=1)
    raw = yaml.safe_load(open(example_params("roi-calculator.yml")))
    raw.pop("program_costs")
    raw["partners"] = [*raw["partners"], "Clinic"]
    base = placeholder_evidence()
    evidence = replace(base, program_costs=c.program_costs, sources={**base.sources, **c.sources})
    params, sources = assemble_params(raw, evidence, "calc.yml")
    assert set(params.program_costs) == set(c.program_costs)
    assert params.program_costs["home_visit"].partner == "CBO"
    assert params.program_costs["transportation (Clinic)"].annual.base == 60.5
    assert sources["program_costs.home_visit"].startswith("program_services table, activity")
