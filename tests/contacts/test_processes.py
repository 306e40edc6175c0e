"""The contacts CLI as users run it: real ``python -m minidb.contacts`` processes,
including several racing to add the same phone or e-mail."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from tests.helpers import REPO, argv, run

RACERS = 8
contacts = partial(run, "contacts")


def test_python_dash_m_runs_the_cli(contacts_url: str) -> None:
    added = contacts("--db", contacts_url, "add", "Ada", "Lovelace", "--phone", "+442083661177")
    assert (added.returncode, added.stdout, added.stderr) == (0, "Added contact 1: Ada Lovelace\n", "")
    duplicate = contacts("--db", contacts_url, "add", "Bob", "--phone", "+44 20 8366 1177")
    assert (duplicate.returncode, duplicate.stdout, duplicate.stderr) == (
        1, "", "Error: phone +442083661177 already belongs to contact 1 (Ada Lovelace)\n")


def test_export_streams_vcards_with_crlf_through_a_pipe(contacts_url: str) -> None:
    contacts("--db", contacts_url, "add", "Ada")
    exported = contacts("--db", contacts_url, "export", "--format", "vcard", text=False)
    assert re.fullmatch(rb"BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//minidb//minidb contacts//EN\r\n"
                        rb"REV:\d{8}T\d{6}Z\r\nUID:urn:uuid:[0-9a-f-]{36}\r\nFN:Ada\r\nN:;Ada;;;\r\n"
                        rb"END:VCARD\r\n", exported.stdout), exported.stdout


@pytest.mark.parametrize(("option", "value", "shown"), [
    ("--email", "Same@Example.com", "email Same@example.com"),
    ("--phone", "(202) 555-0123", "phone +12025550123"),
])
@pytest.mark.slow
def test_racing_adds_of_the_same_value_have_exactly_one_winner(contacts_url: str, option: str,
                                                               value: str, shown: str) -> None:
    """8 processes add the same e-mail (or phone) at once: the unique index picks
    one winner; every other process gets one clean Error: line naming it, exit 1."""
    start = threading.Barrier(RACERS)

    def racer(n: int) -> subprocess.CompletedProcess[str]:
        start.wait()  # release all the processes together
        return contacts("--db", contacts_url, "add", f"Racer {n}", option, value)

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(racer, range(RACERS)))

    winners = [r for r in results if r.returncode == 0]
    assert len(winners) == 1, [(r.returncode, r.stderr) for r in results]
    # The winner's id need not be 1: each racer's contact row takes an id
    # before its phone or e-mail meets the others'; the losers' ids are not reused.
    winner, name = re.fullmatch(r"Added contact (\d): (Racer \d)\n", winners[0].stdout).groups()
    losers = [(r.returncode, r.stdout, r.stderr) for r in results if r.returncode != 0]
    assert losers == [(1, "", f"Error: {shown} already belongs to contact {winner} ({name})\n")] * (
        RACERS - 1)
    listed = json.loads(contacts("--db", contacts_url, "list", "--json").stdout)
    assert [c["name"] for c in listed] == [name]


@pytest.mark.slow
def test_racing_imports_of_overlapping_files_leave_one_whole_file(contacts_url: str) -> None:
    """Two imports sharing one e-mail: one commits entirely, the other not at all."""
    files = [json.dumps([{"name": f"{who} {i}", "email": f"{who}{i}@example.com"} for i in range(50)]
                        + [{"name": f"{who} shared", "email": "shared@example.com"}])
             for who in ("left", "right")]
    start = threading.Barrier(2)

    def importer(text: str) -> subprocess.CompletedProcess[str]:
        start.wait()
        return contacts("--db", contacts_url, "import", "-", input=text)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(importer, files))
    assert sorted(r.returncode for r in results) == [0, 1]
    loser = next(r for r in results if r.returncode == 1)
    # The loser either waited for the winner's commit and then found the e-mail
    # taken, or looked before it and was stopped by the unique constraint.
    assert re.fullmatch(r"Error: 1 conflict; nothing was imported \(--on-conflict skip\|merge chooses "
                        r"otherwise\)\nrecord 51: email shared@example\.com already belongs to contact \d+ "
                        r"\((left|right) shared\)\n", loser.stderr) or loser.stderr == (
        "Error: a phone, e-mail or uid of the file was taken by another contact while importing; "
        "nothing was imported: try again\n"), loser.stderr
    listed = json.loads(contacts("--db", contacts_url, "list", "--json").stdout)
    assert len(listed) == 51 and len({c["name"].split()[0] for c in listed}) == 1


def test_a_long_import_shows_progress_on_a_terminal_and_nothing_in_a_pipe(contacts_url: str, new_database,
                                                                           tmp_path) -> None:
    """MINIDB_PROGRESS_AFTER=0 shows the counter at once (it waits about a second by default)."""
    import os
    import pty

    path = tmp_path / "cards.vcf"
    path.write_text("".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nTEL:+1202555{i:04}\r\n"
                            "END:VCARD\r\n" for i in range(3000)))
    env = {**os.environ, "MINIDB_PROGRESS_AFTER": "0"}
    piped = contacts("--db", contacts_url, "import", str(path), env=env)
    assert (piped.returncode, piped.stdout, piped.stderr) == (0, "Imported 3000 contacts.\n", "")

    controller, terminal = pty.openpty()
    try:
        process = subprocess.run(argv("contacts", "--db", new_database("contacts"), "import", str(path)),
                                 cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=terminal, text=True,
                                 timeout=60)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 1 << 16)
            except OSError:  # the terminal's other end is closed: everything has been read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert (process.returncode, process.stdout) == (0, "Imported 3000 contacts.\n")
    assert re.search(rb"Importing: [\d,]+ contacts", shown), shown
    assert shown.endswith(b"\r\x1b[K"), shown  # the counter is erased at the end
