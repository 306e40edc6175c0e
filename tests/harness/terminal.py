"""Run a process with its stderr on a pseudo-terminal, as a user at a terminal would."""

from __future__ import annotations

import os
import pty
import subprocess
import threading
from pathlib import Path


def run_on_terminal(argv: list[str], env: dict[str, str], cwd: Path,
                    stdin: bytes | None = None) -> tuple[int, str, str]:
    """The exit status, stdout (a pipe) and everything the process showed on its stderr terminal."""
    master, slave = pty.openpty()
    shown: list[bytes] = []

    def read_terminal() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            shown.append(data)

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
