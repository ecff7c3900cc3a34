"""Linking a partner's records to the payer's without exchanging identities.

``normalize`` (identifiers in one form, every dropped value counted), ``tokens`` (keyed
composite HMAC tokens, the token file), ``linkage`` (token files to a crosswalk of record
ids: splink's Fellegi-Sunter model or exact rules), ``three_party`` (a matcher without the
secret gives each side only its own record ids and link ids) and ``identifiers`` (synthetic
payer and partner files with a known truth).
"""
