"""The contacts CLI: ``python -m minidb.contacts``."""
from minidb.contacts.cli import cli

cli(prog_name="python -m minidb.contacts")
