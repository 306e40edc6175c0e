"""export and import: JSON (lossless), CSV (the spreadsheet view) and vCard
(lossless, below in test_vcards.py), all-or-nothing by default with every bad
record and every conflict named, and moves between SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import invoke, outcome

DATA = Path(__file__).parent / "data"
# Every awkward thing a name may hold, across the three formats: CSV quoting,
# vCard escaping (, ; \) and folding (long and multi-byte), SQL and format
# strings, emoji; phones as written and with extensions; typed entries.
AWKWARD = [
    ("Ada Lovelace", ["cell:+44 20 8366 1177", "work:+44 20 7123 4567"], ["home:ada@example.com"]),
    ("Smith, John; Jr.", [], ["john@example.com", "work:john@work.example"]),
    ('The "Boss"', ["(202) 555-0123 x12"], []),
    ("back\\slash", ["555-1234"], []),
    ("'); DROP TABLE contacts;--", ["+33 1 42 68 53 00"], []),
    ("%s :name {0}", [], ["odd@example.org"]),
    ("Zoë Ångström 👩‍💻", [], ["zoë@exämple.se"]),
    ("Ł" * 200, ["+1 201 555 0199"], []),
]
CSV_HEADER = "name,phone,email,phones,emails\n"
REV = re.compile(rb"REV:\d{8}T\d{6}Z\r\n")


def fill(contacts) -> None:
    for name, phones, emails in AWKWARD:
        args = ["add", name] + [a for p in phones for a in ("--phone", p)] + [a for e in emails
                                                                          for a in ("--email", e)]
        assert contacts(*args).exit_code == 0
    # An id gap, so a copy's ids (1, 2, …) differ from the original's.
    contacts("add", "Deleted")
    contacts("delete", "9")
    contacts("add", "Last One")


def summary(contacts, db: str | None = None) -> list[tuple]:
    listed = json.loads(contacts("list", "--json", db=db).stdout)
    return [(c["uid"], c["name"], c["phones"], c["emails"]) for c in listed]


def bad(*lines: str) -> str:
    """What an import refused for bad records prints on stderr."""
    count = f"{len(lines)} bad record{'s' if len(lines) > 1 else ''}"
    return (f"Error: {count}; nothing was imported (--skip-invalid imports the valid ones)\n"
            + "".join(f"{line}\n" for line in lines))


def conflicts(*lines: str) -> str:
    count = f"{len(lines)} conflict{'s' if len(lines) > 1 else ''}"
    return (f"Error: {count}; nothing was imported (--on-conflict skip|merge chooses otherwise)\n"
            + "".join(f"{line}\n" for line in lines))


# --- export


def test_export_json_is_every_contact_in_id_order_with_its_kept_vcard_properties(contacts,
                                                                                contacts_json) -> None:
    fill(contacts)
    exported = json.loads(contacts("export").stdout)
    listed = sorted(contacts_json("list"), key=lambda c: c["id"])
    assert exported == [{**c, "vcard": []} for c in listed]
    assert [c["id"] for c in exported] == [1, 2, 3, 4, 5, 6, 7, 8, 10]


def test_export_of_an_empty_database(contacts) -> None:
    assert outcome(contacts("export")) == (0, "[]\n", "")
    assert outcome(contacts("export", "--format", "csv")) == (0, CSV_HEADER, "")
    assert outcome(contacts("export", "--format", "vcard")) == (0, "", "")


def test_export_csv_has_the_preferred_values_then_every_typed_entry(contacts) -> None:
    contacts("add", "Smith, John", "--email", "john@example.com")
    contacts("add", 'The "Boss"', "--phone", "cell:(202) 555-0123", "--phone", "+1 202 555 0124",
             "--email", "boss@example.com", "--email", "work:b|oss@example.com")
    assert contacts("export", "--format", "csv").stdout == (
        CSV_HEADER
        + '"Smith, John",,john@example.com,,john@example.com\n'
        + '"The ""Boss""",+12025550123,boss@example.com,cell:+12025550123|+12025550124,'
          'boss@example.com|work:b|oss@example.com\n')


def test_export_vcard_is_vcard_3_with_crlf_escaping_and_every_entry(contacts, contacts_json) -> None:
    ada = json.loads(contacts("add", "Smith, John; Jr.", "--phone", "cell:+44 20 8366 1177",
                              "--phone", "work:555-1234", "--email", "John@Example.com", "--json").stdout)
    bob = contacts_json("add", "No Details")
    exported = contacts("export", "--format", "vcard").stdout_bytes
    assert REV.sub(b"", exported).decode() == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//minidb//minidb contacts//EN\r\n"
        f"UID:{ada['uid']}\r\nFN:Smith\\, John\\; Jr.\r\nN:;Smith\\, John\\; Jr.;;;\r\n"
        "TEL;TYPE=cell,pref:+442083661177\r\nTEL;TYPE=work:555-1234\r\n"
        "EMAIL;TYPE=pref:John@example.com\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//minidb//minidb contacts//EN\r\n"
        f"UID:{bob['uid']}\r\nFN:No Details\r\nN:;No Details;;;\r\nEND:VCARD\r\n")
    assert len(REV.findall(exported)) == 2


def test_export_vcard_folds_long_lines_at_75_octets(contacts) -> None:
    contacts("add", "Ł" * 200)  # 400 octets of UTF-8
    lines = contacts("export", "--format", "vcard").stdout_bytes.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert sum(line.startswith(b" ") for line in lines) >= 10  # FN and N, 400 octets each
    for line in lines:
        line.decode("utf-8")  # no fold splits a character


@pytest.mark.parametrize("fmt", ["json", "csv", "vcard"])
def test_a_move_to_the_other_engine_keeps_everything_but_ids(contacts, databases, engine, fmt,
                                                             tmp_path) -> None:
    """SQLite → PostgreSQL and PostgreSQL → SQLite: export, import, export again."""
    fill(contacts)
    other = databases.new("postgresql" if engine == "sqlite" else "sqlite", "contacts")
    exported = contacts("export", "--format", fmt).stdout_bytes
    path = tmp_path / f"contacts.{'vcf' if fmt == 'vcard' else fmt}"
    path.write_bytes(exported)
    assert outcome(invoke("contacts", "--db", other, "import", str(path))) == (
        0, "Imported 9 contacts.\n", "")
    again = invoke("contacts", "--db", other, "export", "--format", fmt).stdout_bytes
    if fmt == "json":
        before, after = json.loads(exported), json.loads(again)
        assert [c["id"] for c in after] == list(range(1, 10))
        # Uids and timestamps come across too: a move does not rewrite history.
        assert [{**c, "id": 0} for c in after] == [{**c, "id": 0} for c in before]
        assert summary(contacts) == summary(contacts, db=other)
    elif fmt == "vcard":
        assert REV.sub(b"", again) == REV.sub(b"", exported)
        assert summary(contacts) == summary(contacts, db=other)
    else:
        # CSV carries no uid: each import makes new ones.
        assert again == exported
        assert [c[1:] for c in summary(contacts)] == [c[1:] for c in summary(contacts, db=other)]


# --- import: formats


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('[{"name": "Ada", "phone": "2025550123"}]', "json"),
        ("name,phone,email\nAda,2025550123,\n", "csv"),
        ("BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nTEL:2025550123\nEND:VCARD\n", "vcard"),
    ],
)
def test_import_reads_stdin_and_sniffs_the_format(contacts, contacts_json, text, fmt) -> None:
    assert outcome(contacts("import", "-", input=text)) == (0, "Imported 1 contact.\n", "")
    assert contacts_json("show", "1")["phone"] == "+12025550123"


def test_import_reads_numbers_in_the_region(contacts, contacts_json) -> None:
    result = contacts("--region", "GB", "import", "-", input="name,phone\nAda,020 8366 1177\n")
    assert result.exit_code == 0
    assert contacts_json("show", "1")["phone"] == "+442083661177"


def test_csv_import_reads_the_typed_lists_and_the_preferred_values(contacts, contacts_json) -> None:
    text = (CSV_HEADER
            + "Ada,+12025550124,,cell:+12025550123|+1 202 555 0124|work:tel:+12025550125,home:a@example.com\n"
            + "Bob,,,,\n"
            + "Cy,tel:+12025550126,c@example.com,,\n")
    assert outcome(contacts("import", "-", input=text)) == (0, "Imported 3 contacts.\n", "")
    ada, bob, cy = contacts_json("list")
    assert ada["phones"] == [{"value": "+12025550123", "type": "cell", "preferred": False},
                             {"value": "+12025550124", "type": None, "preferred": True},
                             {"value": "+12025550125", "type": "work", "preferred": False}]
    assert ada["emails"] == [{"value": "a@example.com", "type": "home", "preferred": True}]
    assert (bob["phones"], bob["emails"]) == ([], [])
    assert (cy["phone"], cy["email"]) == ("+12025550126", "c@example.com")


def test_json_import_keeps_uid_timestamps_entries_and_ignores_ids(contacts, contacts_json) -> None:
    record = {"id": 77, "uid": "any text, even; this", "name": "Ada", "phone": "+12025550124",
              "email": "ada@example.com",
              "phones": [{"value": "+12025550123", "type": "cell", "preferred": False},
                         {"value": "+12025550124", "type": None, "preferred": True, "group": "item1"}],
              "emails": [{"value": "ada@example.com", "type": "home", "preferred": True}],
              "created_at": "2020-01-02T03:04:05Z", "updated_at": "2021-01-02T03:04:05.5Z"}
    assert contacts("import", "-", input=json.dumps([record])).exit_code == 0
    assert contacts_json("show", "1") == {**record, "id": 1, "updated_at": "2021-01-02T03:04:05.500000Z"}


def test_an_older_export_with_one_phone_and_email_still_imports(contacts, contacts_json) -> None:
    record = {"id": 3, "name": "Ada", "phone": "+442083661177", "email": "ada@example.com",
              "created_at": "2020-01-02T03:04:05Z", "updated_at": "2020-01-02T03:04:05Z"}
    assert contacts("import", "-", input=json.dumps([record])).exit_code == 0
    contact = contacts_json("show", "1")
    assert contact["phones"] == [{"value": "+442083661177", "type": None, "preferred": True}]
    assert contact["uid"].startswith("urn:uuid:")


def test_a_missing_import_file_is_a_usage_error(contacts, tmp_path) -> None:
    result = contacts("import", str(tmp_path / "nope.vcf"))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: Invalid value for FILE: cannot read ")


def test_a_large_import_and_export_stream_past_the_batch_size(contacts, tmp_path) -> None:
    records = [{"name": f"Person {i:04}", "phones": [{"value": f"+1202555{i:04}", "type": "cell",
                                                     "preferred": True},
                                                    {"value": f"+1303555{i:04}", "type": None,
                                                     "preferred": False}],
                "email": f"p{i}@example.com"} for i in range(2500)]
    (tmp_path / "big.json").write_text(json.dumps(records))
    assert contacts("import", str(tmp_path / "big.json")).stdout == "Imported 2500 contacts.\n"
    exported = json.loads(contacts("export").stdout)
    assert [(c["name"], c["phones"], c["email"]) for c in exported] == [
        (r["name"], r["phones"], r["email"]) for r in records]
    assert contacts("export", "--format", "vcard").stdout.count("BEGIN:VCARD") == 2500


# --- import: bad records, all named


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"name": "Ada"}, {"name": "Bob", "phone": "12"}]',
         bad("record 2: phone '12' is not a phone number: it needs at least 3 digits and otherwise "
             "only + ( ) - . / * # and spaces, or an extension such as x12")),
        ('[{"name": "Ada"}, {"name": "  "}, {"name": "Bob", "mobile": "1"}, {"name": 5}, "Bob"]',
         bad("record 2: name must not be blank", "record 3: unknown field(s) mobile",
             "record 4: name must be a string", "record 5: expected a contact object")),
        ('[{"name": "Ada"}, {"name": "Bob", "created_at": "yesterday"}]',
         bad("record 2: created_at: 'yesterday' is not an ISO 8601 timestamp")),
        ('[{"name": "Ada", "phones": [{"value": "+12025550123", "preferred": "yes"}]}]',
         bad("record 1: phones[1]: preferred must be true or false")),
        ('[{"name": "Ada", "phones": [{"value": "+12025550123"}, {"value": "+1 202 555 0123"}]}]',
         bad("record 1: phone +12025550123 is given twice")),
        ('[{"name": "Ada", "email": "a@example.com", "emails": [{"value": "b@example.com"}]}]',
         bad("record 1: email 'a@example.com' is not the preferred entry of emails")),
        ('[{"name": "Ada", "uid": ""}]', bad("record 1: uid must not be blank")),
        ('[{"name": "Ada", "vcard": [{"name": "BEGIN", "group": null, "params": [], "value": "x"}]}]',
         bad("record 1: vcard[1]: kept vCard property BEGIN would break the card")),
        ('[{"name": "Ada"}, {"name": "Bob",]',
         "Error: 1 bad record; nothing was imported (the file cannot be read past record 2)\n"
         "record 2: malformed JSON (Expecting property name enclosed in double quotes)\n"),
        ("name,phone,email\nAda,,\nBob,,not-an-email\nCy,\n",
         bad("line 3: email 'not-an-email' is not valid: An email address must have an @-sign",
             "line 4: expected 3 fields, found 2")),
        ("name,phone,email,phones\nAda,+12025550123,,+12025550124\n",
         bad("line 2: phone '+12025550123' is not among the phones")),
    ],
)
def test_bad_records_import_nothing_and_exit_2_naming_every_one(contacts, text, message) -> None:
    contacts("add", "Existing")
    before = summary(contacts)
    assert outcome(contacts("import", "-", input=text)) == (2, "", message)
    assert summary(contacts) == before


def test_a_bad_csv_header_is_one_error(contacts) -> None:
    assert outcome(contacts("import", "-", input="name,mobile\nAda,1\n")) == (
        2, "", "Error: line 1: CSV header must be name,phone,email,phones,emails,uid; unknown mobile\n")


def test_the_first_20_bad_records_are_named_then_counted(contacts) -> None:
    records = [{"name": "ok"}] + [{"name": " "}] * 25
    result = contacts("import", "-", input=json.dumps(records))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: 25 bad records; nothing was imported (--skip-invalid imports the valid ones)"
    assert lines[1:21] == [f"record {i}: name must not be blank" for i in range(2, 22)]
    assert lines[21:] == ["... and 5 more bad records"]


# --- import: duplicates are conflicts


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"name": "A", "email": "x@example.com"}, {"name": "B"}, {"name": "C", "email": "X@EXAMPLE.com"}]',
         conflicts("record 3: email X@example.com is also in record 1")),
        ("name,phone,email\nA,+12025550123,\nB,(202) 555-0123,\n",
         conflicts("line 3: phone +12025550123 is also in line 2")),
        ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nTEL:tel:+1-202-555-0123\r\nEND:VCARD\r\n"
         "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:B\r\nTEL;VALUE=uri:tel:+12025550123\r\nEND:VCARD\r\n",
         conflicts("card 2 (line 6): phone +12025550123 is also in card 1 (line 1)")),
        ('[{"name": "A"}, {"name": "B", "phone": "+442083661177"}, {"name": "C", "uid": "u-1"}]',
         conflicts("record 2: phone +442083661177 already belongs to contact 1 (Ada Lovelace)",
                   "record 3: uid u-1 already belongs to contact 1 (Ada Lovelace)")),
        ("name,phone,email\nA,,\nB,,ADA@example.com\n",
         conflicts("line 3: email ADA@example.com already belongs to contact 1 (Ada Lovelace)")),
    ],
)
def test_a_duplicate_in_the_file_or_the_database_imports_nothing_and_exits_1(contacts, text,
                                                                             message) -> None:
    contacts("import", "-", input=json.dumps([{"uid": "u-1", "name": "Ada Lovelace",
                                               "phone": "+442083661177", "email": "ada@example.com"}]))
    before = summary(contacts)
    assert outcome(contacts("import", "-", input=text)) == (1, "", message)
    assert summary(contacts) == before


def test_importing_the_same_export_twice_never_duplicates(contacts) -> None:
    fill(contacts)
    before = summary(contacts)
    for fmt in ("json", "vcard"):
        exported = contacts("export", "--format", fmt).stdout
        result = contacts("import", "-", input=exported)
        assert result.exit_code == 1 and result.stderr.startswith("Error: 9 conflicts; nothing was imported")
        assert outcome(contacts("import", "--on-conflict", "skip", "-", input=exported)) == (
            0, "Imported 0 contacts; left out 9 already there (same uid, phone or e-mail).\n", "")
        assert summary(contacts) == before


# --- hostile files: exit 2 naming the record, never "unexpected", nothing imported


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("name\nAda\n".encode("utf-16"), "c.csv",
         "{path} is UTF-16 or UTF-32 text (it starts with a byte-order mark); minidb reads UTF-8: "
         "convert it first, e.g. with iconv -t UTF-8"),
        (b'[{"name": "Ada"}, {"name": "Zo\xeb"}]', "c.json",
         bad("record 2: name is not UTF-8 text (byte 0xEB at character 3)")),
        (b"name,phone,email\nAda,,\nZo\xeb,,\n", "c.csv",
         bad("line 3: name is not UTF-8 text (byte 0xEB at character 3)")),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zo\xeb\r\nEND:VCARD\r\n", "c.vcf",
         bad("card 1 (line 1): name is not UTF-8 text (byte 0xEB at character 3)")),
        (b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=NOPE-9:Zo\xeb\r\nEND:VCARD\r\n", "c.vcf",
         bad("card 1 (line 1): name is in CHARSET NOPE-9, which minidb does not know")),
        (b"[" * 100_000, "c.json", "record 1: nested too deeply"),
        (b'[{"name": "\\udfff"}]', "c.json",
         bad("record 1: name contains a lone surrogate (U+DFFF at character 1), which is not text")),
        (b'[{"name": "Ada", "email": "ada\\u0000@example.com"}]', "c.json",
         bad("record 1: email contains a NUL character (character 4), which cannot be stored")),
        (b"name,phone,email\nAda,+1 202 555 0123\x00,\n", "c.csv",
         bad("line 2: phone contains a NUL character (character 16), which cannot be stored")),
        (b'[{"name": "Ada", "id": ' + b"9" * 5000 + b"}]", "c.json",
         "record 1: a number has more than 4300 digits"),
        (b'[{"name": "Ada", "created_at": "0001-01-01T00:00:00+14:00"}]', "c.json",
         bad("record 1: created_at: '0001-01-01T00:00:00+14:00' is out of range: years 1-9999 in UTC")),
        (b'[{"name": "' + b"x" * (3 << 20) + b'"}]', "c.json",
         "record 1: larger than 1 MiB, the most a record may be"),
        (b"BEGIN:VCARD\r\nFN:Ada\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:"
         + b"\r\n ".join([b"x" * 70] * 30_000) + b"\r\nEND:VCARD\r\n", "c.vcf",
         bad("card 2 (line 4): name is 2100000 characters; the limit is 200")),
    ],
    ids=["utf-16", "latin-1 json", "latin-1 csv", "latin-1 vcard", "unknown charset of the name", "deep",
         "surrogate", "nul json", "nul csv", "long number", "year 0", "huge record", "huge name"],
)
def test_a_hostile_file_imports_nothing_and_exits_2_naming_the_record(contacts, tmp_path, content, name,
                                                                     message) -> None:
    contacts("add", "Existing")
    before = summary(contacts)
    path = tmp_path / name
    path.write_bytes(content)
    expected = message if message.startswith("Error: ") else f"Error: {message}\n"
    assert outcome(contacts("import", str(path))) == (2, "", expected.format(path=path))
    assert summary(contacts) == before


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
def test_timestamps_from_year_1_to_9999_read_back_exactly(contacts, contacts_url, contacts_json,
                                                          zone) -> None:
    if contacts_url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(contacts_url, autocommit=True) as conn:
            conn.execute(f"ALTER DATABASE {conn.info.dbname} SET timezone = '{zone}'")
    records = [{"name": "Ancient", "created_at": "0001-01-01T00:00:00Z",
                "updated_at": "0999-06-30T12:00:00Z"},
               {"name": "Future", "created_at": "9999-12-31T23:59:59.999999Z",
                "updated_at": "9999-12-31T23:59:59.999999Z"}]
    assert outcome(contacts("import", "-", input=json.dumps(records))) == (0, "Imported 2 contacts.\n", "")
    assert [{k: c[k] for k in ("name", "created_at", "updated_at")} for c in contacts_json("list")] == records
    # vCard's REV is the updated_at: year 999 is written with four digits.
    assert b"REV:09990630T120000Z\r\n" in contacts("export", "--format", "vcard").stdout_bytes
