"""minidb: a to-do CLI, a contact manager CLI and a notes REST API on raw SQL and pymongo."""

# The one place the version is written: the CLIs print it, and pyproject.toml
# reads it from here, so a checkout that was never pip-installed knows it too.
__version__ = "0.1.0"
