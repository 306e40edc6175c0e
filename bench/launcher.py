"""Run one command and report its wall time and peak RSS: ``python -I -S launcher.py OUT CMD...``.

Why a launcher: a child's ``ru_maxrss`` includes the memory of the process
that forked it (the pages it shares until ``exec``, which the kernel folds
into the maximum at ``exec``). Forked from the benchmark process (~40 MB
with its imports), every child would seem to use at least that much. This
launcher runs with ``-I -S`` and imports only builtins, so the floor it
adds is that of a bare interpreter (~8 MB) and the number is the child's.
It writes ``seconds maxrss_kib status`` to the file OUT; the child's
stdout and stderr are inherited.
"""

import os
import sys
import time


def main() -> None:
    out, argv = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child becomes the command
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    with open(out, "w") as handle:
        handle.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}\n")


main()
