"""export and import: JSON, CSV and vCard, all-or-nothing,
duplicates named on both sides, and moves between SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import invoke, outcome

DATA = Path(__file__).parent / "data"
# Every awkward thing a name may hold, across the three formats: CSV quoting,
# vCard escaping (, ; \) and folding (long and multi-byte), SQL and format
# strings, emoji.
AWKWARD = [
    ("Ada Lovelace", "+44 20 8366 1177", "ada@example.com"),
    ("Smith, John; Jr.", "", "john@example.com"),
    ('The "Boss"', "(202) 555-0123", ""),
    ("back\\slash", "", ""),
    ("'); DROP TABLE contacts;--", "+33 1 42 68 53 00", ""),
    ("%s :name {0}", "", "odd@example.org"),
    ("Zoë Ångström 👩‍💻", "", "zoë@exämple.se"),
    ("Ł" * 200, "+1 201 555 0199", ""),
]


def fill(contacts) -> None:
    for name, phone, email in AWKWARD:
        args = ["add", name] + (["--phone", phone] if phone else []) + (["--email", email] if email else [])
        assert contacts(*args).exit_code == 0
    # An id gap, so a copy's ids (1, 2, …) differ from the original's.
    contacts("add", "Deleted")
    contacts("delete", "9")
    contacts("add", "Last One")


def summary(contacts, db: str | None = None) -> list[tuple[str, str | None, str | None]]:
    listed = json.loads(contacts("list", "--json", db=db).stdout)
    return [(c["name"], c["phone"], c["email"]) for c in listed]


def test_export_json_is_every_contact_in_id_order(contacts, contacts_json) -> None:
    fill(contacts)
    exported = json.loads(contacts("export").stdout)
    assert exported == sorted(contacts_json("list"), key=lambda c: c["id"])
    assert [c["id"] for c in exported] == [1, 2, 3, 4, 5, 6, 7, 8, 10]


def test_export_of_an_empty_database(contacts) -> None:
    assert outcome(contacts("export")) == (0, "[]\n", "")
    assert outcome(contacts("export", "--format", "csv")) == (0, "name,phone,email\n", "")
    assert outcome(contacts("export", "--format", "vcard")) == (0, "", "")


def test_export_csv_quotes_what_needs_quoting(contacts) -> None:
    contacts("add", "Smith, John", "--email", "john@example.com")
    contacts("add", 'The "Boss"', "--phone", "(202) 555-0123")
    assert contacts("export", "--format", "csv").stdout == (
        "name,phone,email\n"
        '"Smith, John",,john@example.com\n'
        '"The ""Boss""",+12025550123,\n')


def test_export_vcard_is_vcard_3_with_crlf_and_escaping(contacts) -> None:
    contacts("add", "Smith, John; Jr.", "--phone", "+44 20 8366 1177", "--email", "John@Example.com")
    contacts("add", "No Details")
    result = contacts("export", "--format", "vcard")
    assert result.stdout_bytes.decode() == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL;TYPE=INTERNET:John@example.com\r\n"
        "FN:Smith\\, John\\; Jr.\r\nN:;Smith\\, John\\; Jr.;;;\r\nTEL;TYPE=VOICE:+442083661177\r\n"
        "END:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Details\r\nN:;No Details;;;\r\nEND:VCARD\r\n")


def test_long_vcard_lines_are_folded_at_75_octets(contacts) -> None:
    contacts("add", "Ł" * 200)
    lines = contacts("export", "--format", "vcard").stdout_bytes.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert sum(line.startswith(b" ") for line in lines) >= 10  # FN and N, 400 octets each


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
        # Timestamps come across too: a move does not rewrite history.
        assert [{**c, "id": 0} for c in after] == [{**c, "id": 0} for c in before]
    else:
        assert again == exported
    assert summary(contacts) == summary(contacts, db=other)


def test_an_iphone_vcard_export_with_crlf_folding_and_many_cards(contacts, contacts_json) -> None:
    """TYPE lists, type=pref, item1. groups, tel: URIs with extensions, a PHOTO,
    a folded FN, vCard 4.0 PREF=1: the preferred number and address win."""
    result = contacts("import", str(DATA / "iphone-export.vcf"))
    assert outcome(result) == (0, "Imported 4 contacts.\n", "")
    assert [(c["id"], c["name"], c["phone"], c["email"]) for c in contacts_json("list")] == [
        (1, "Ada Lovelace", "+442083661177", "ada@analytical.example.org"),
        (2, "Charles Babbage", "+12025550188", None),
        (3, "Mary Fairfax Somerville with a name long enough that the exporter folds it", None,
         "mary@example.org"),
        (4, "Zoë Ångström", "+33142685300", "ZOE@example.se"),
    ]


def test_vcards_with_lf_line_endings_read_the_same(contacts, contacts_json, tmp_path) -> None:
    crlf = (DATA / "iphone-export.vcf").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n")
    (tmp_path / "lf.vcf").write_bytes(crlf.replace(b"\r\n", b"\n"))
    assert contacts("import", str(tmp_path / "lf.vcf")).exit_code == 0
    assert len(contacts_json("list")) == 4


def test_vcard_2_1_quoted_printable_from_older_android_phones(contacts, contacts_json) -> None:
    card = ("BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;=5A=6F=C3=AB;;;\r\n"
            "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=5A=6F=C3=AB=20=\r\n=C3=85ngstr=C3=B6m\r\n"
            "TEL;CELL;PREF:+1 202-555-0188\r\nTEL;HOME:+1 202-555-0199\r\nEND:VCARD\r\n")
    assert contacts("import", "-", input=card).exit_code == 0
    (contact,) = contacts_json("list")
    assert (contact["name"], contact["phone"]) == ("Zoë Ångström", "+12025550188")


def test_a_card_without_fn_is_named_from_n(contacts, contacts_json) -> None:
    card = "BEGIN:VCARD\nVERSION:3.0\nN:Lovelace;Ada,Augusta;King;Lady;\nEND:VCARD\n"
    assert contacts("import", "-", input=card).exit_code == 0
    assert contacts_json("show", "1")["name"] == "Lady Ada Augusta King Lovelace"


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


def test_json_import_keeps_timestamps_and_ignores_ids(contacts, contacts_json) -> None:
    record = {"id": 77, "name": "Ada", "phone": None, "email": "ada@example.com",
              "created_at": "2020-01-02T03:04:05Z", "updated_at": "2021-01-02T03:04:05.5Z"}
    assert contacts("import", "-", input=json.dumps([record])).exit_code == 0
    assert contacts_json("show", "1") == {**record, "id": 1, "updated_at": "2021-01-02T03:04:05.500000Z"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"name": "Ada"}, {"name": "Bob", "phone": "123"}]',
         "Error: record 2: phone '123' is not a valid phone number for region US (add the country "
         "code, e.g. +44); nothing was imported\n"),
        ('[{"name": "Ada"}, {"name": "  "}]',
         "Error: record 2: name must not be blank; nothing was imported\n"),
        ('[{"name": "Ada"}, {"name": "Bob", "mobile": "1"}]',
         "Error: record 2: unknown field(s) mobile; nothing was imported\n"),
        ('[{"name": "Ada"}, {"name": 5}]',
         "Error: record 2: name must be a string; nothing was imported\n"),
        ('[{"name": "Ada"}, "Bob"]', "Error: record 2: expected a contact object; nothing was imported\n"),
        ('[{"name": "Ada"}, {"name": "Bob", "created_at": "yesterday"}]',
         "Error: record 2: created_at: 'yesterday' is not an ISO 8601 timestamp; nothing was imported\n"),
        ('[{"name": "Ada"}, {"name": "Bob",]',
         "Error: record 2: malformed JSON (Expecting property name enclosed in double quotes); "
         "nothing was imported\n"),
        ("name,phone,email\nAda,,\nBob,,not-an-email\n",
         "Error: line 3: email 'not-an-email' is not valid: An email address must have an @-sign; "
         "nothing was imported\n"),
        ("name,phone,email\nAda,,\nBob,\n",
         "Error: line 3: expected 3 fields, found 2; nothing was imported\n"),
        ("name,mobile\nAda,1\n",
         "Error: line 1: CSV header must be name,phone,email; unknown mobile; nothing was imported\n"),
        ("BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Bob\nTEL:555\n"
         "END:VCARD\n",
         "Error: card 2: phone '555' is not a valid phone number for region US (add the country "
         "code, e.g. +44); nothing was imported\n"),
        ("BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Bob\nno colon\n"
         "END:VCARD\n",
         "Error: card 2: malformed vCard (line 8: Failed to parse line: no colon); nothing was imported\n"),
        ("BEGIN:VCARD\nVERSION:3.0\nFN:Ada\n",
         "Error: card 1: malformed vCard (line 3: Component VCARD was never closed); "
         "nothing was imported\n"),
        ("BEGIN:VCARD\nVERSION:4.0\nTEL:+12025550123\nEND:VCARD\n",
         "Error: card 1: name must not be blank; nothing was imported\n"),
    ],
)
def test_a_bad_record_imports_nothing_and_exits_2_naming_it(contacts, text, message) -> None:
    contacts("add", "Existing")
    assert outcome(contacts("import", "-", input=text)) == (2, "", message)
    assert summary(contacts) == [("Existing", None, None)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"name": "A", "email": "x@example.com"}, {"name": "B"}, {"name": "C", "email": "X@EXAMPLE.com"}]',
         "Error: record 3: email X@example.com is also in record 1; nothing was imported\n"),
        ("name,phone,email\nA,+12025550123,\nB,(202) 555-0123,\n",
         "Error: line 3: phone +12025550123 is also in line 2; nothing was imported\n"),
        ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nTEL:tel:+1-202-555-0123\r\nEND:VCARD\r\n"
         "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:B\r\nTEL;VALUE=uri:tel:+12025550123;ext=9\r\nEND:VCARD\r\n",
         "Error: card 2: phone +12025550123 is also in card 1; nothing was imported\n"),
        ('[{"name": "A"}, {"name": "B", "phone": "+442083661177"}]',
         "Error: record 2: phone +442083661177 already belongs to contact 1 (Ada Lovelace); "
         "nothing was imported\n"),
        ("name,phone,email\nA,,\nB,,ADA@example.com\n",
         "Error: line 3: email ADA@example.com already belongs to contact 1 (Ada Lovelace); "
         "nothing was imported\n"),
    ],
)
def test_a_duplicate_in_the_file_or_the_database_imports_nothing_and_exits_1(contacts, text,
                                                                             message) -> None:
    contacts("add", "Ada Lovelace", "--phone", "+442083661177", "--email", "ada@example.com")
    assert outcome(contacts("import", "-", input=text)) == (1, "", message)
    assert summary(contacts) == [("Ada Lovelace", "+442083661177", "ada@example.com")]


def test_a_missing_import_file_is_a_usage_error(contacts, tmp_path) -> None:
    result = contacts("import", str(tmp_path / "nope.vcf"))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: Invalid value for FILE: cannot read ")


def test_a_large_import_and_export_stream_past_the_batch_size(contacts, tmp_path) -> None:
    records = [{"name": f"Person {i:04}", "phone": f"+1202555{i:04}", "email": f"p{i}@example.com"}
               for i in range(2500)]
    (tmp_path / "big.json").write_text(json.dumps(records))
    assert contacts("import", str(tmp_path / "big.json")).stdout == "Imported 2500 contacts.\n"
    exported = json.loads(contacts("export").stdout)
    assert [(c["name"], c["phone"], c["email"]) for c in exported] == [
        (r["name"], r["phone"], r["email"]) for r in records]
    assert contacts("export", "--format", "vcard").stdout.count("BEGIN:VCARD") == 2500


# --- hostile files: exit 2 naming the record, never "unexpected", nothing imported


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("name\nAda\n".encode("utf-16"), "c.csv",
         "{path} is UTF-16 or UTF-32 text (it starts with a byte-order mark); minidb reads UTF-8: "
         "convert it first, e.g. with iconv -t UTF-8"),
        (b'[{"name": "Ada"}, {"name": "Zo\xeb"}]', "c.json",
         "record 2: name is not UTF-8 text (byte 0xEB at character 3)"),
        (b"name,phone,email\nAda,,\nZo\xeb,,\n", "c.csv",
         "line 3: name is not UTF-8 text (byte 0xEB at character 3)"),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zo\xeb\r\nEND:VCARD\r\n", "c.vcf",
         "card 1: name is not UTF-8 text (byte 0xEB at character 3)"),
        (b"[" * 100_000, "c.json", "record 1: nested too deeply"),
        (b'[{"name": "\\udfff"}]', "c.json",
         "record 1: name contains a lone surrogate (U+DFFF at character 1), which is not text"),
        (b'[{"name": "Ada", "email": "ada\\u0000@example.com"}]', "c.json",
         "record 1: email contains a NUL character (character 4), which cannot be stored"),
        (b"name,phone,email\nAda,+1 202 555 0123\x00,\n", "c.csv",
         "line 2: phone contains a NUL character (character 16), which cannot be stored"),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEMAIL:ada\x00@example.com\r\nEND:VCARD\r\n", "c.vcf",
         "card 1: email contains a NUL character (character 4), which cannot be stored"),
        (b'[{"name": "Ada", "id": ' + b"9" * 5000 + b"}]", "c.json",
         "record 1: a number has more than 4300 digits"),
        (b'[{"name": "Ada", "created_at": "0001-01-01T00:00:00+14:00"}]', "c.json",
         "record 1: created_at: '0001-01-01T00:00:00+14:00' is out of range: years 1-9999 in UTC"),
        (b'[{"name": "' + b"x" * (3 << 20) + b'"}]', "c.json",
         "record 1: larger than 1 MiB, the most a record may be"),
        (b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=NOPE-9:Zo\xeb\r\nEND:VCARD\r\n", "c.vcf",
         "card 1: FN: unknown CHARSET NOPE-9"),
        (b"BEGIN:VCARD\r\nFN:Ada\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:"
         + b"\r\n ".join([b"x" * 70] * 30_000) + b"\r\nEND:VCARD\r\n", "c.vcf",
         "card 2: line 6: a property larger than 1 MiB, the most it may be"),
    ],
    ids=["utf-16", "latin-1 json", "latin-1 csv", "latin-1 vcard", "deep", "surrogate", "nul json", "nul csv",
         "nul vcard", "long number", "year 0", "huge record", "unknown charset of the name", "huge name"],
)
def test_a_hostile_file_imports_nothing_and_exits_2_naming_the_record(contacts, tmp_path, content, name,
                                                                     message) -> None:
    contacts("add", "Existing")
    path = tmp_path / name
    path.write_bytes(content)
    assert outcome(contacts("import", str(path))) == (
        2, "", f"Error: {message.format(path=path)}; nothing was imported\n")
    assert summary(contacts) == [("Existing", None, None)]


def test_a_property_minidb_does_not_model_never_fails_its_card(contacts, contacts_json, tmp_path) -> None:
    """A PHOTO that is not base64, a NOTE in a charset nobody knows, an X- property
    folded over thousands of lines: the cards import, with what minidb keeps."""
    long_folded = "X-HUGE:" + "\r\n ".join("y" * 70 for _ in range(20_000))  # over 1 MiB: not modelled
    path = tmp_path / "odd.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nPHOTO;ENCODING=b;TYPE=JPEG:!!!not base64***\r\n"
        b"TEL:+442083661177\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Bob\r\nNOTE;CHARSET=NOPE-9;ENCODING=QUOTED-PRINTABLE:caf=E9=\r\n"
        b" au lait\r\nNOTE;CHARSET=NOPE-9:caf\xe9\r\nEMAIL:bob@example.com\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\n" + long_folded.encode() + b"\r\nFN:Cy\r\nEND:VCARD\r\n")
    assert outcome(contacts("import", str(path))) == (0, "Imported 3 contacts.\n", "")
    assert [(c["name"], c["phone"], c["email"]) for c in contacts_json("list")] == [
        ("Ada", "+442083661177", None), ("Bob", None, "bob@example.com"), ("Cy", None, None)]


def test_8_bit_text_in_a_declared_charset_is_decoded_with_it(contacts, contacts_json, tmp_path) -> None:
    path = tmp_path / "old-phone.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1:\xc5ngstr\xf6m;Zo\xeb\r\n"
                     b"FN;CHARSET=ISO-8859-1:Zo\xeb \xc5ngstr\xf6m\r\nEND:VCARD\r\n"
                     b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=WINDOWS-1252:\x80uro;J\xe9r\xf4me\r\nEND:VCARD\r\n")
    assert outcome(contacts("import", str(path))) == (0, "Imported 2 contacts.\n", "")
    assert [c["name"] for c in contacts_json("list")] == ["Jérôme €uro", "Zoë Ångström"]


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
