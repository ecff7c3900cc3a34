"""Linking a partner's records to the payer's without exchanging identities.

``tokens`` (normalize identifiers, keyed HMAC tokens, the token file), ``linkage`` (token
files to a crosswalk of record ids: splink's Fellegi-Sunter model or exact rules) and
``identifiers`` (synthetic payer and partner files with a known truth).
"""
