from minidb.todo.cli import cli

cli(prog_name="python -m minidb.todo")
