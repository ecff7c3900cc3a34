"""The data contract: which tables valuecase reads, their required columns and types.

Input follows the Tuva Project input layer (README, "Data contract"). Only a small subset of columns is
required; every other column is optional pass-through. Codes are strings and keep leading zeros.

Examples
--------
>>> from valuecase.data.contract import TABLES
>>> TABLES["eligibility"].required
('person_id', 'enrollment_start_date', 'enrollment_end_date')
>>> TABLES["medical_claim"].kind("paid_amount")
'amount'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["string", "code", "date", "amount", "integer"]


@dataclass(frozen=True)
class TableSpec:
    """Columns of one contract table.

    Parameters
    ----------
    name : str
        Table name, also the file stem looked for in a data folder (``eligibility.csv``).
    required : tuple of str
        Columns that must be present.
    optional : tuple of str
        Columns read when present; others pass through untouched as strings.
    kinds : dict
        Column name -> kind (``string``, ``code``, ``date``, ``amount``, ``integer``).
    key : tuple of str
        Columns that identify a row; duplicates are rejected.
    values : dict
        Column name -> the values it may take (any other non-blank value is rejected as
        ``unknown:<column>``).
    money : str
        The amount reconciled to the cent (rows and dollars in = accepted + rejected) and
        listed beside each reject, when the table has it.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    kinds: dict[str, ColumnKind] = field(default_factory=dict)
    key: tuple[str, ...] = ()
    is_required_table: bool = False
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    money: str = "paid_amount"

    def kind(self, column: str) -> ColumnKind:
        """Kind of ``column`` (``string`` when not declared)."""
        return self.kinds.get(column, "string")

    @property
    def known_columns(self) -> tuple[str, ...]:
        return self.required + tuple(c for c in self.optional if c not in self.required)


_DIAG = tuple(f"diagnosis_code_{i}" for i in range(1, 26))

ELIGIBILITY = TableSpec(
    name="eligibility",
    required=("person_id", "enrollment_start_date", "enrollment_end_date"),
    optional=(
        "member_id", "payer", "plan", "birth_date", "gender", "death_date", "data_source",
        "race", "enrollment_status",
    ),
    kinds={
        "person_id": "string", "enrollment_start_date": "date", "enrollment_end_date": "date",
        "birth_date": "date", "death_date": "date",
    },
    is_required_table=True,
)

MEDICAL_CLAIM = TableSpec(
    name="medical_claim",
    required=(
        "claim_id", "claim_line_number", "person_id", "claim_type", "claim_start_date",
        "paid_amount",
    ),
    optional=(
        "member_id", "payer", "plan", "claim_end_date", "admission_date", "discharge_date",
        "bill_type_code", "revenue_center_code", "place_of_service_code", "hcpcs_code",
        "drg_code", "drg_code_type", "discharge_disposition_code", "facility_npi",
        "allowed_amount", "paid_date", "encounter_class", *_DIAG,
    ),
    kinds={
        "claim_id": "string", "claim_line_number": "integer", "person_id": "string",
        "claim_type": "string", "claim_start_date": "date", "claim_end_date": "date",
        "admission_date": "date", "discharge_date": "date", "paid_date": "date",
        "paid_amount": "amount", "allowed_amount": "amount",
        "bill_type_code": "code", "revenue_center_code": "code", "place_of_service_code": "code",
        "hcpcs_code": "code", "drg_code": "code", "discharge_disposition_code": "code",
        "facility_npi": "code", **{c: "code" for c in _DIAG},
    },
    key=("claim_id", "claim_line_number"),
    is_required_table=True,
)

PHARMACY_CLAIM = TableSpec(
    name="pharmacy_claim",
    required=("claim_id", "claim_line_number", "person_id", "dispensing_date", "paid_amount"),
    optional=("member_id", "payer", "plan", "ndc_code", "days_supply", "allowed_amount",
              "paid_date"),
    kinds={
        "claim_id": "string", "claim_line_number": "integer", "person_id": "string",
        "dispensing_date": "date", "paid_date": "date", "paid_amount": "amount",
        "allowed_amount": "amount", "ndc_code": "code", "days_supply": "integer",
    },
    key=("claim_id", "claim_line_number"),
)

PROGRAM_ENROLLMENT = TableSpec(
    name="program_enrollment",
    required=("person_id", "enrollment_date"),
    optional=("disenrollment_date", "arm", "randomized", "site", "trigger_date"),
    kinds={
        "person_id": "string", "enrollment_date": "date", "disenrollment_date": "date",
        "trigger_date": "date", "randomized": "integer",
    },
    key=("person_id", "enrollment_date"),
)

PROGRAM_COSTS = TableSpec(
    name="program_costs",
    required=("period", "amount", "category"),
    optional=("partner",),
    kinds={"period": "date", "amount": "amount"},
)

SOCIAL_NEED_DOMAINS = ("housing_instability", "food_insecurity", "transportation", "utilities",
                       "interpersonal_safety")
"""The core health-related social needs of the CMS Accountable Health Communities screening
tool (Billioux et al., 2017), as ``social_needs.domain`` values."""

PROGRAM_SERVICES = TableSpec(
    name="program_services",
    required=("person_id", "service_date", "partner", "service_type"),
    optional=("service_id", "units", "unit_type", "cost"),
    kinds={"person_id": "string", "service_date": "date", "units": "integer",
           "cost": "amount"},
    money="cost",
)
"""Partner data: one row per service contact (outreach, care coordination, home visit,
housing navigation, food delivery, ...), with minutes or units and its cost when known."""

SOCIAL_NEEDS = TableSpec(
    name="social_needs",
    required=("person_id", "domain", "identified_date"),
    optional=("need_id", "partner", "resolved_date", "status"),
    kinds={"person_id": "string", "identified_date": "date", "resolved_date": "date"},
    values={"domain": SOCIAL_NEED_DOMAINS,
            "status": ("open", "resolved", "closed_unresolved")},
)
"""Partner data: one row per social need identified (AHC domain), resolved or not."""

EXPERIENCE_SURVEY = TableSpec(
    name="experience_survey",
    required=("person_id", "item_id", "response", "survey_date"),
    optional=("survey_id", "scale_min", "scale_max"),
    kinds={"person_id": "string", "survey_date": "date", "response": "integer",
           "scale_min": "integer", "scale_max": "integer"},
    key=("person_id", "item_id", "survey_date"),
)
"""Partner data: one row per person x survey item, the response on the item's scale."""

PARTNER_TABLES = ("program_services", "social_needs", "experience_survey")
"""The optional tables partners (CBOs, social services) bring, beside the payer's."""

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (ELIGIBILITY, MEDICAL_CLAIM, PHARMACY_CLAIM, PROGRAM_ENROLLMENT, PROGRAM_COSTS,
              PROGRAM_SERVICES, SOCIAL_NEEDS, EXPERIENCE_SURVEY)
}
"""All contract tables by name."""
