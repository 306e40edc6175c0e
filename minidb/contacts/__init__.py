"""The contact manager: ``python -m minidb.contacts`` (SPEC §4)."""
