"""A throwaway PostgreSQL cluster for the test suite.

``TEST_POSTGRES_URL`` points the suite at an existing server instead; then
it only creates (and drops) databases named ``minidb_test_*``. Otherwise
a cluster is initialised in a temporary directory, started on a free
loopback port with durability off (it is thrown away), and stopped at the
end. PostgreSQL refuses to run as root, so as root the cluster belongs to
the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.harness import free_port


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    """The newest PostgreSQL server binaries on this machine."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (no initdb in /usr/lib/postgresql/*/bin or on "
        "PATH). Install them (Debian: apt-get install postgresql) or set TEST_POSTGRES_URL."
    )


# A throwaway cluster: durability buys nothing and costs seconds.
THROWAWAY_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                      "max_connections": "200"}


class Cluster:
    """A private PostgreSQL cluster in a temporary directory, on a free loopback port."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.settings = {**THROWAWAY_SETTINGS, **(settings or {})}
        self.bindir = find_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="minidb-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root, and PostgreSQL refuses root: no 'postgres' user exists to "
                    "run the test cluster (Debian's postgresql package creates it)"
                ) from None
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._run_as = ["runuser", "-u", "postgres", "--"]

    @property
    def socket_dir(self) -> Path:
        return self.root

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self._run_as, str(self.bindir / program), *args],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            details = (done.stderr or done.stdout).strip()
            if self.log.exists():
                details += "\n" + self.log.read_text(errors="replace")[-2000:]
            raise PostgresUnavailable(f"{program} failed: {details}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")

    def start(self) -> None:
        options = " ".join([
            f"-p {self.port}", f"-k {self.root}", "-c listen_addresses=127.0.0.1",
            *(f"-c {name}={value}" for name, value in self.settings.items()),
        ])
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def promote(self) -> None:
        """Make a standby the primary; returns once it takes writes."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "promote")

    def base_backup_of(self, primary: Cluster) -> None:
        """Fill this cluster's data dir from ``primary``, set up to follow it (a standby)."""
        self._run("pg_basebackup", "-D", str(self.data), "-h", "127.0.0.1", "-p", str(primary.port),
                  "-U", "postgres", "-R", "-X", "stream", "--checkpoint=fast", "--no-sync")

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        subprocess.run([*self._run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                        "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    """Initialise and start a cluster; stop and delete it afterwards."""
    cluster = Cluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


class ReplicatedPair:
    """A primary and a synchronous streaming standby, each a :class:`Cluster`."""

    def __init__(self) -> None:
        # remote_apply: a commit waits until the standby has replayed it, so
        # what a client was told is committed is already readable there too.
        self.primary = Cluster({"synchronous_standby_names": "'*'",
                                "synchronous_commit": "remote_apply"})
        self.standby = Cluster({"hot_standby": "on"})

    def start(self) -> None:
        self.primary.init()
        self.primary.start()
        self.standby.base_backup_of(self.primary)
        self.standby.start()
        self.wait_until_streaming()

    def wait_until_streaming(self, timeout: float = 30) -> None:
        """Until the primary sees its standby as a synchronous one."""
        import psycopg

        deadline = time.monotonic() + timeout
        with psycopg.connect(self.primary.url, autocommit=True) as conn:
            while True:
                row = conn.execute("SELECT state, sync_state FROM pg_stat_replication").fetchone()
                if row == ("streaming", "sync"):
                    return
                if time.monotonic() > deadline:
                    raise PostgresUnavailable(f"the standby is not streaming: {row}")
                time.sleep(0.05)

    def url(self, database: str = "postgres", **options: str) -> str:
        """A multi-host URL naming both, primary first, with libpq ``options``."""
        query = "&".join(f"{name}={value}" for name, value in options.items())
        hosts = f"127.0.0.1:{self.primary.port},127.0.0.1:{self.standby.port}"
        return f"postgresql://postgres@{hosts}/{database}" + (f"?{query}" if query else "")

    def remove(self) -> None:
        self.standby.remove()
        self.primary.remove()


@contextmanager
def replicated_pair() -> Iterator[ReplicatedPair]:
    """Start a primary and a synchronous standby; stop and delete both afterwards."""
    pair = ReplicatedPair()
    try:
        pair.start()
        yield pair
    finally:
        pair.remove()


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a private cluster; yield a superuser URL; stop and delete it after."""
    with running_cluster() as cluster:
        yield cluster.url


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
