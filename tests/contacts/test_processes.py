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

from tests.helpers import run

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
    assert exported.stdout == b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nN:;Ada;;;\r\nEND:VCARD\r\n"


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
    (name,) = re.fullmatch(r"Added contact 1: (Racer \d)\n", winners[0].stdout).groups()
    losers = [(r.returncode, r.stdout, r.stderr) for r in results if r.returncode != 0]
    assert losers == [(1, "", f"Error: {shown} already belongs to contact 1 ({name})\n")] * (RACERS - 1)
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
    assert re.fullmatch(r"Error: record 51: email shared@example\.com already belongs to contact \d+ "
                        r"\((left|right) shared\); nothing was imported\n", loser.stderr)
    listed = json.loads(contacts("--db", contacts_url, "list", "--json").stdout)
    assert len(listed) == 51 and len({c["name"].split()[0] for c in listed}) == 1
