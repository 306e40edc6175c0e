"""Run a Markdown file's ```console examples as a test, in order, in one shell.

The convention the README follows (and this module enforces):

- A ```console block is a transcript: ``$ COMMAND`` lines (``> `` continues a
  command on the next line), each followed by the output it prints, stdout
  and stderr together as a terminal shows them. Every such block runs, in
  order, in one bash session, so variables (``ID=$(curl … | jq -r .id)``),
  ``export``, ``cd`` and files written by one example are there for the next,
  and ``echo $?`` shows the previous command's exit status.
- ```console not-run marks a transcript that the test cannot run (it needs
  a newer minidb, a remote host, …); ```sh is a script for the reader to run
  (installation, servers, production settings), never a transcript. Any other
  fence holding ``$ `` prompt lines is an error, so a transcript cannot slip
  out of the test by its info string.
- In expected output, ``…`` stands for any text within a line, and a line
  holding only ``…`` for any number of lines (headers one does not want to
  show, say).
- Values that differ from run to run are matched by their shape, not
  hard-coded: a UUID, a 24-hex-digit MongoDB ObjectId and an ISO 8601
  timestamp in the expected output match any value of the same shape. The
  first time the README shows a given value it is bound to what the run
  printed there; wherever the README shows the same value again, the run must
  print the same value again (so a uid shown by ``show`` and named later by an
  import conflict must really be that task's uid).
- The README names servers as a reader would (``http://127.0.0.1:5000``,
  ``postgresql://minidb@db.example.com/contacts``). The test maps each such
  text to its throwaway server (:class:`Session` ``substitutions``): the text is
  replaced in commands before they run, and the server's real address is
  replaced back by the README's text in the output before it is matched.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

RUN = "console"
NOT_RUN = "console not-run"
#: Info strings of blocks that are not transcripts (and so may not hold ``$`` prompts).
OTHER_FENCES = ("sh", "json", "sql", "python", "ini", "text")
ANY_TEXT = "…"

#: Run-dependent values, by shape (most specific first: a timestamp is tried before its date).
VOLATILE = re.compile(
    r"(?P<uuid>\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)"
    r"|(?P<objectid>\b[0-9a-f]{24}\b)"
    r"|(?P<timestamp>\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"
)
SHAPES = {
    "uuid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "objectid": r"[0-9a-f]{24}",
    "timestamp": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z",
}


class TranscriptError(AssertionError):
    """A README example that did not run as shown, or a block that breaks the convention."""


@dataclass
class Block:
    """A fenced code block of the Markdown file."""

    info: str
    text: str
    line: int  # of the opening fence, 1-based


@dataclass
class Step:
    """One ``$`` command of a transcript and the output the README shows for it."""

    command: str
    expected: list[str]
    line: int


def fenced_blocks(markdown: str) -> Iterator[Block]:
    """Every fenced code block (``` fences, not nested in lists), in order."""
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"^(`{3,})(.*)$", lines[index])
        if not opening:
            index += 1
            continue
        fence, info = opening.group(1), opening.group(2).strip()
        start = index
        index += 1
        body = []
        while index < len(lines) and not lines[index].startswith(fence):
            body.append(lines[index])
            index += 1
        if index == len(lines):
            raise TranscriptError(f"line {start + 1}: code block never closed")
        index += 1
        yield Block(info, "\n".join(body), start + 1)


def has_prompts(block: Block) -> bool:
    return any(line.startswith("$ ") for line in block.text.splitlines())


def check_fences(blocks: list[Block]) -> list[str]:
    """What breaks the convention: unknown info strings, prompts outside console blocks."""
    problems = []
    for block in blocks:
        if block.info in (RUN, NOT_RUN):
            if not block.text.startswith("$ "):
                problems.append(f"line {block.line}: a ```{block.info} block must start with a '$ ' command")
        elif block.info not in OTHER_FENCES:
            problems.append(f"line {block.line}: unknown code block type {block.info!r} "
                            f"(use ```{RUN}, ```{NOT_RUN} or one of {', '.join(OTHER_FENCES)})")
        elif has_prompts(block):
            problems.append(f"line {block.line}: ```{block.info} block with '$ ' prompts: a transcript "
                            f"is ```{RUN} (tested) or ```{NOT_RUN}")
    return problems


def steps(block: Block) -> list[Step]:
    """The commands of a console block with their expected output."""
    found: list[Step] = []
    for offset, line in enumerate(block.text.splitlines()):
        number = block.line + 1 + offset
        if line.startswith("$ "):
            found.append(Step(line[2:], [], number))
        elif line.startswith("> ") and found and not found[-1].expected:
            found[-1].command += "\n" + line[2:]
        else:
            found[-1].expected.append(line)
    return found


@dataclass
class Bindings:
    """README values of run-dependent shape, and what the run printed in their place."""

    values: dict[str, str] = field(default_factory=dict)

    def pattern(self, expected: list[str]) -> tuple[re.Pattern[str], dict[str, str]]:
        """A regex for the expected lines; and, per new group, the README value it binds."""
        groups: dict[str, str] = {}  # README value -> group name, for values new in this output
        parts = []
        for line in expected:
            if line == ANY_TEXT:
                parts.append(r"(?:[^\n]*\n)*?")
                continue
            pieces = []
            position = 0
            for match in VOLATILE.finditer(line):
                pieces.append(_literal(line[position:match.start()]))
                value = match.group(0)
                if value in self.values:
                    pieces.append(re.escape(self.values[value]))
                elif value in groups:
                    pieces.append(f"(?P={groups[value]})")
                else:
                    groups[value] = f"v{len(groups)}"
                    pieces.append(f"(?P<{groups[value]}>{SHAPES[match.lastgroup or '']})")
                position = match.end()
            pieces.append(_literal(line[position:]))
            parts.append("".join(pieces) + r"\n")
        names = {name: value for value, name in groups.items()}
        return re.compile("".join(parts)), names

    def bind(self, match: re.Match[str], names: Mapping[str, str]) -> None:
        for name, value in names.items():
            self.values[value] = match.group(name)


def _literal(text: str) -> str:
    return r"[^\n]*?".join(re.escape(piece) for piece in text.split(ANY_TEXT))


class Session:
    """One bash session in a scratch directory, in which the transcripts run in order.

    ``environment``: the session's whole environment. ``substitutions``: the
    README's text of a server address → the throwaway server's address.
    ``links``: names to make in the scratch directory, pointing at files of
    the checkout (``docs`` → the checkout's docs/, so ``docs/examples/…`` works).
    """

    def __init__(self, workdir: Path, environment: Mapping[str, str],
                 substitutions: Mapping[str, str], links: Mapping[str, Path],
                 timeout: float = 30) -> None:
        self.workdir = workdir
        self.substitutions = dict(substitutions)
        self.timeout = timeout
        self.bindings = Bindings()
        for name, target in links.items():
            (workdir / name).symlink_to(target)
        self._output = Path(tempfile.mkdtemp(prefix="transcript-")) / "output"
        self._marker = f"__step_done_{uuid.uuid4().hex}__"
        self._shell = subprocess.Popen(
            ["bash", "--noprofile", "--norc"], cwd=workdir, env=dict(environment),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,  # its own process group: a hung example is stopped with its children
        )

    def _kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._shell.pid, signal.SIGKILL)
        self._shell.wait()

    def close(self) -> None:
        if self._shell.stdin:
            with contextlib.suppress(BrokenPipeError):
                self._shell.stdin.close()
        try:
            self._shell.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._kill()
        if self._shell.stdout:
            self._shell.stdout.close()
        self._output.unlink(missing_ok=True)
        self._output.parent.rmdir()

    def execute(self, command: str) -> str:
        """Run one command in the session; its stdout and stderr, interleaved, as one text."""
        for readme_text, actual in self.substitutions.items():
            command = command.replace(readme_text, actual)
        assert self._shell.stdin and self._shell.stdout
        # `(exit $status)` after the marker leaves $? as the command left it, for `echo $?`.
        self._shell.stdin.write(
            f"{{ {command}\n}} >{self._output} 2>&1 </dev/null; __status=$?; "
            f"echo {self._marker}; (exit $__status)\n"
        )
        self._shell.stdin.flush()
        finished = threading.Event()
        stray: list[str] = []

        def read_to_marker() -> None:
            assert self._shell.stdout
            for line in self._shell.stdout:
                if line.rstrip("\n") == self._marker:
                    finished.set()
                    return
                stray.append(line)

        reader = threading.Thread(target=read_to_marker, daemon=True)
        reader.start()
        reader.join(self.timeout)
        if not finished.is_set():
            self._kill()
            raise TranscriptError(f"{command!r} did not finish within {self.timeout:.0f} s "
                                  f"(or the shell ended): {''.join(stray)}")
        printed = self._output.read_text(errors="replace")
        for readme_text, actual in self.substitutions.items():
            printed = printed.replace(actual, readme_text)
        return printed

    def run_step(self, step: Step) -> str | None:
        """Run the step; None if it printed what the README shows, else what differs."""
        # HTTP headers (curl -i) end in CRLF; the README shows lines.
        printed = self.execute(step.command).replace("\r\n", "\n")
        if printed and not printed.endswith("\n"):
            printed += "\n"
        pattern, names = self.bindings.pattern(step.expected)
        match = pattern.fullmatch(printed)
        if match is None:
            shown = "\n".join(step.expected)
            return (f"README line {step.line}: $ {step.command}\n"
                    f"--- the README shows:\n{shown}\n--- it printed:\n{printed}")
        self.bindings.bind(match, names)
        return None

    def run_block(self, block: Block) -> list[str]:
        """Run every step of a console block; what differs from the README, step by step.

        A step whose output differs does not stop the others, so one run of the
        test names every example that drifted.
        """
        return [difference for step in steps(block) if (difference := self.run_step(step))]


def session_environment(base: Mapping[str, str], **settings: str) -> dict[str, str]:
    """``base`` without the user's Flask settings, plus ``settings``; output unbuffered.

    Unbuffered, so a program's stdout and stderr interleave as on a terminal.
    """
    environment = {k: v for k, v in base.items() if not k.startswith("FLASK_")}
    environment.update(settings)
    environment["PYTHONUNBUFFERED"] = "1"
    environment.pop("PROMPT_COMMAND", None)
    return environment

