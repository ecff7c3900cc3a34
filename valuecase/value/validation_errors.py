"""One readable line from a pydantic ``ValidationError`` of an ROI file.

Examples
--------
>>> from valuecase.value.assumptions import RoiParams
>>> try:
...     RoiParams.model_validate({"mode": "calculator"})
... except ValidationError as exc:
...     print(format_validation_error(exc, "roi.yml"))
roi.yml: partners: required field is missing (and 3 more problems)
"""

from __future__ import annotations

from pydantic import ValidationError

__all__ = ["PAYMENT_TAGS", "format_validation_error"]

PAYMENT_TAGS = {"fee_for_service", "case_rate", "capitation_pmpm", "shared_savings"}
"""The ``model:`` names of the payment models."""

_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (check the spelling)",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of names to values",
    "model_type": "must be a mapping of names to values",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}


def format_validation_error(exc: ValidationError, source: str = "parameters") -> str:
    """One line ``source: field.path: message (got value)`` from a pydantic ``ValidationError``
    (the first problem, and how many more there are)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = [str(x) for x in first["loc"]]
    # drop the tag a discriminated union adds to the location (payment_models.0.case_rate.to)
    loc = [x for i, x in enumerate(loc) if not (i > 0 and loc[i - 1].isdigit()
                                                 and x in PAYMENT_TAGS)]
    kind, ctx, got = first["type"], first.get("ctx") or {}, first.get("input")
    if kind == "value_error":
        msg = str(ctx.get("error", first["msg"]))
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
              "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        msg = f"must be {op} {bound} (got {got!r})"
    elif kind == "literal_error":
        msg = f"must be one of {ctx.get('expected')} (got {got!r})"
    elif kind == "union_tag_invalid":
        loc.append(str(ctx.get("discriminator", "model")).strip("'"))
        msg = f"unknown {ctx.get('discriminator', 'kind').strip(chr(39))} {ctx.get('tag')!r}; " \
              f"choose from {ctx.get('expected_tags')}"
    elif kind == "union_tag_not_found":
        msg = f"needs a {ctx.get('discriminator', 'kind').strip(chr(39))} field; choose from " \
              f"{', '.join(sorted(PAYMENT_TAGS))}"
    elif kind == "too_short":
        msg = f"must have at least {ctx.get('min_length')} entry"
    elif kind in _MESSAGES:
        msg = _MESSAGES[kind]
        if kind not in ("missing", "extra_forbidden"):
            msg += f" (got {got!r})"
    else:
        msg = first["msg"]
    path = ".".join(loc)
    head = f"{source}: {path}: {msg}" if path else f"{source}: {msg}"
    if len(errors) > 1:
        head += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return head.replace("\n", " ")
