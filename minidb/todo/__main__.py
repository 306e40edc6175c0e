"""The to-do CLI: ``python -m minidb.todo``."""
from minidb.main import run_app

run_app("todo", "python -m minidb.todo")
