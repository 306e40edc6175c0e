"""The to-do CLI: ``python -m minidb.todo``."""
