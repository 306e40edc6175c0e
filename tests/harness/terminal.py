"""Run a process with its stderr on a pseudo-terminal, as a user at a terminal would."""

from __future__ import annotations

import os
import pty
import subprocess
import threading
from pathlib import Path


def read_until_closed(fd: int) -> bytes:
    """Everything a pseudo-terminal's master reads until the other side is closed."""
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def run_on_terminal(argv: list[str], env: dict[str, str], cwd: Path,
                    stdin: bytes | None = None) -> tuple[int, str, str]:
    """The exit status, stdout (a pipe) and everything the process showed on its stderr terminal."""
    master, slave = pty.openpty()
    shown: list[bytes] = []

    def read_terminal() -> None:
        shown.append(read_until_closed(master))

    try:
        child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=slave,
                                 stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
        os.close(slave)
        # Both at once: a child blocked writing one of them would never close the other.
        reader = threading.Thread(target=read_terminal)
        reader.start()
        stdout, _ = child.communicate(stdin, timeout=120)
        reader.join(timeout=30)
    finally:
        os.close(master)
    return child.returncode, stdout.decode(), b"".join(shown).decode()
