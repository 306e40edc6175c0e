"""``minidb notes``: the notes app's Flask commands, and ``dev``.

``run``, ``init-db``, ``export`` and ``import`` are the commands ``flask --app
minidb.notes`` offers. ``dev`` is for a machine with no MongoDB: it starts
FerretDB (built once) with its data in the data dir, serves the API and the
web UI on http://127.0.0.1:5000, and stops both on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import click
from flask import Flask
from flask.cli import FlaskGroup, run_command
from werkzeug.serving import run_simple

from minidb.config import data_dir
from minidb.distribution import version_option
from minidb.notes import close_app, create_app, ferretdb

DEFAULT_PORT = 5000
DATABASE = "notesdb"


def _cli_app() -> Flask:
    # Listing the commands (for --help and completion) builds the app, which must not
    # then wait for a database; the indexes are made by init-db or the first request.
    return create_app({"NOTES_CREATE_INDEXES": False})


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port of the API on 127.0.0.1.")
@click.option("--ferretdb", "ferretdb_binary", envvar="MINIDB_FERRETDB", metavar="PATH",
              type=click.Path(dir_okay=False, path_type=Path),
              help="The FerretDB binary to use, built there if missing "
              "[default: MINIDB_FERRETDB, then ~/.cache/minidb/bin/ferretdb].")
def dev(port: int, ferretdb_binary: Path | None) -> None:
    """Serve the API and web UI with a local database; Ctrl-C stops both.

    Starts FerretDB (a MongoDB-compatible server, built with Go the first
    time) with its data in the data dir, unless MONGODB_URI names a server.
    """
    _check_port_free(port)
    with _stop_on_termination(), contextlib.ExitStack() as running:
        uri = os.environ.get("MONGODB_URI")
        if uri:
            click.echo("Database: the server MONGODB_URI names.", err=True)
        else:
            uri = running.enter_context(_local_ferretdb(ferretdb_binary or ferretdb.default_binary()))
        app = create_app({"MONGODB_URI": uri})
        # FerretDB's shutdown waits seconds for connected clients: the app's connections close first.
        running.callback(close_app, app)
        click.echo(f"Notes API and web UI: http://127.0.0.1:{port}/ (Ctrl-C stops)", err=True)
        # Returns on Ctrl-C (werkzeug catches the KeyboardInterrupt); FerretDB stops after it.
        run_simple("127.0.0.1", port, app, threaded=True)


@contextlib.contextmanager
def _local_ferretdb(binary: Path) -> Iterator[str]:
    """FerretDB with its data in ``<data dir>/ferretdb``, running for the block; yields its URI."""
    try:
        if not ferretdb.works(binary):
            click.echo(f"Building FerretDB {ferretdb.FERRETDB_VERSION} into {binary} "
                       "(once; needs Go and a few minutes)…", err=True)
            ferretdb.build(binary)
        # Notes are personal data: only their owner may read the folders.
        Path(data_dir()).mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = Path(data_dir()) / "ferretdb"
        folder.mkdir(mode=0o700, exist_ok=True)
        with _exclusive(folder):
            server = ferretdb.start_ferretdb(binary, folder, stop_with_parent=True)
            try:
                click.echo(f"FerretDB {ferretdb.FERRETDB_VERSION}: {server.uri}{DATABASE} "
                           f"(data in {folder})", err=True)
                yield server.uri + DATABASE
            finally:
                server.stop()
    except ferretdb.FerretDBError as error:
        raise click.ClickException(str(error)) from None


@contextlib.contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    # Two FerretDBs on one set of SQLite files would corrupt them.
    with (folder / "lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException(
                f"another 'minidb notes dev' is using {folder}; stop it first"
            ) from None
        yield


@contextlib.contextmanager
def _stop_on_termination() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP (a closed terminal) end the server, and then FerretDB.

    SIGINT is handled even when it was inherited as ignored (as by a command a
    shell script starts with ``&``): Ctrl-C is how ``dev`` is meant to stop.
    """

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, interrupt)
                for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    except KeyboardInterrupt:
        pass  # while FerretDB was starting: stopping is what was asked for
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _check_port_free(port: int) -> None:
    with socket.socket() as probe:
        # As the server will: a port in TIME_WAIT after a previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise click.ClickException(
                f"port {port} on 127.0.0.1 is in use ({error.strerror}); stop what uses it or pass --port"
            ) from None


@click.pass_context
def _help_without_command(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


cli = FlaskGroup(
    name="notes",
    help="The notes REST API and web UI on MongoDB.\n\nThe database is the one MONGODB_URI names "
    "(default: mongodb://localhost:27017/notesdb); 'dev' starts a local one when there is none.",
    create_app=_cli_app,
    add_default_commands=False,
    add_version_option=False,
    # A .env in whatever directory minidb is run from must not choose the database.
    load_dotenv=False,
    invoke_without_command=True,
    callback=_help_without_command,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# The app is always minidb's: Flask's --app option would be ignored.
cli.params = [param for param in cli.params if param.name != "app"]
version_option(cli)
cli.add_command(run_command)
cli.add_command(dev)
