"""Partner-table CSV files with one row of each problem (shared by the partner-table tests and
the engine-equality messy fixture)."""

from __future__ import annotations

from pathlib import Path

SERVICES = """person_id,service_date,partner,service_type,units,cost
P001,2019-05-02,cbo,outreach,15,20.00
P001,2019-05-09,cbo,care_coordination,45,60.50
P002,2019-13-09,cbo,care_coordination,45,60.50
P003,2091-01-01,hospital,home_visit,60,150.00
P004,2019-06-01,hospital,home_visit,abc,150.00
P005,2019-06-01,cbo,food_delivery,1,
"""
NEEDS = """person_id,domain,identified_date,resolved_date,status
P001,housing_instability,2019-05-02,2019-08-01,resolved
P001,food_insecurity,2019-05-02,,open
P002,housing,2019-05-02,,open
P003,utilities,2019-05-02,2019-04-01,resolved
P004,transportation,2019-05-02,,pending
P005,interpersonal_safety,2019-05-02,,closed_unresolved
"""
SURVEY = """person_id,item_id,response,survey_date,scale_min,scale_max
P001,overall,9,2019-08-01,0,10
P001,trust,6,2019-08-01,1,5
P002,overall,7,2019-08-01,0,10
P002,overall,8,2019-08-01,0,10
P003,trust,4.5,2019-08-01,1,5
"""

EXPECTED_REJECTS = {
    "program_services:unparseable:service_date": 1, "program_services:future_date": 1,
    "program_services:unparseable:units": 1, "social_needs:unknown:domain": 1,
    "social_needs:end_before_start": 1, "social_needs:unknown:status": 1,
    "experience_survey:out_of_range:response": 1, "experience_survey:duplicate_key": 1,
    "experience_survey:unparseable:response": 1,
}
"""Reject reasons the three files give (``summarize --json``'s ``rejects_by_reason``)."""


def write_partner_tables(folder: Path) -> Path:
    """Write the three files into ``folder``."""
    for name, text in (("program_services", SERVICES), ("social_needs", NEEDS),
                       ("experience_survey", SURVEY)):
        (Path(folder) / f"{name}.csv").write_text(text)
    return Path(folder)
