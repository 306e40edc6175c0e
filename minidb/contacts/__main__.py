"""The contacts CLI: ``python -m minidb.contacts``."""
from minidb.main import run_app

run_app("contacts", "python -m minidb.contacts")
