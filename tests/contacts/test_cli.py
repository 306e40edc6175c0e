"""The contacts CLI, command by command: configuration, the conventions both CLIs
share, and each contacts command. Every test that touches a database runs on
SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.harness import free_port
from tests.helpers import invoke, outcome

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
UID = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
NOT_A_PHONE = ("is not a phone number: it needs at least 3 digits and otherwise only + ( ) - . / * # "
               "and spaces, or an extension such as x12")
ADA = ("Ada Lovelace", "--phone", "+44 20 8366 1177", "--email", "Ada@Example.COM")


def test_add_prints_the_new_id_and_name(contacts) -> None:
    assert outcome(contacts("add", *ADA)) == (0, "Added contact 1: Ada Lovelace\n", "")


def test_add_joins_the_words_of_the_name_and_trims_it(contacts) -> None:
    assert contacts("add", "  Ada", "Lovelace  ").stdout == "Added contact 1: Ada Lovelace\n"


def test_add_json_is_the_contact_with_e164_phone_and_normalised_email(contacts_json) -> None:
    contact = contacts_json("add", *ADA)
    assert TIMESTAMP.match(contact["created_at"])
    assert UID.match(contact["uid"])
    assert contact == {"id": 1, "uid": contact["uid"], "name": "Ada Lovelace",
                       "phone": "+442083661177", "email": "Ada@example.com",
                       "phones": [{"value": "+442083661177", "type": None, "preferred": True}],
                       "emails": [{"value": "Ada@example.com", "type": None, "preferred": True}],
                       "created_at": contact["created_at"], "updated_at": contact["created_at"]}


def test_every_contact_gets_its_own_uid(contacts_json) -> None:
    uids = {contacts_json("add", name)["uid"] for name in ("Ada", "Ada", "Bob")}
    assert len(uids) == 3


def test_add_takes_several_typed_phones_and_emails_the_first_preferred(contacts, contacts_json) -> None:
    contact = contacts_json("add", "Ada", "--phone", "cell:+44 20 8366 1177", "--phone", "+44 20 7123 4567",
                            "--phone", "Work,FAX:+44 20 7123 4568", "--email", "home:ada@example.com",
                            "--email", "ada@work.example")
    assert (contact["phone"], contact["email"]) == ("+442083661177", "ada@example.com")
    assert contact["phones"] == [{"value": "+442083661177", "type": "cell", "preferred": True},
                                 {"value": "+442071234567", "type": None, "preferred": False},
                                 {"value": "+442071234568", "type": "work,fax", "preferred": False}]
    assert contact["emails"] == [{"value": "ada@example.com", "type": "home", "preferred": True},
                                 {"value": "ada@work.example", "type": None, "preferred": False}]
    assert contacts_json("show", "1")["phones"] == contact["phones"]


def test_a_phone_given_twice_is_refused(contacts, contacts_json) -> None:
    result = contacts("add", "Ada", "--phone", "+1 202 555 0123", "--phone", "cell:(202) 555-0123")
    assert outcome(result) == (2, "", "Error: phone +12025550123 is given twice\n")
    result = contacts("add", "Ada", "--email", "a@example.com", "--email", "A@EXAMPLE.COM")
    assert outcome(result) == (2, "", "Error: email A@example.com is given twice\n")
    assert contacts_json("list") == []


@pytest.mark.parametrize(("phone", "stored"), [
    ("555-1234", "555-1234"),  # a local number: possible only with an area code
    ("12345", "12345"),
    ("*31# 0123", "*31# 0123"),
    ("+44 20 8366", "+44 20 8366"),
])
def test_a_phone_that_is_not_a_possible_number_is_stored_as_written_with_a_note(contacts, phone,
                                                                                stored) -> None:
    result = contacts("add", "Ada", "--phone", phone, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["phone"] == stored
    assert result.stderr == (f"Note: phone {stored!r} is not a possible number for region US (add "
                             "the country code, e.g. +44, to store it in international form); "
                             "stored as written\n")


def test_update_notes_a_phone_stored_as_written_too(contacts) -> None:
    contacts("add", "Ada")
    result = contacts("update", "1", "--add-phone", "555-1234")
    assert (result.exit_code, result.stdout) == (0, "Updated contact 1: Ada\n")
    assert result.stderr.startswith("Note: phone '555-1234' is not a possible number for region US")


def test_phone_and_email_are_optional(contacts_json) -> None:
    contact = contacts_json("add", "Charles Babbage")
    assert (contact["phone"], contact["email"]) == (None, None)


def test_numbers_without_a_country_code_are_read_in_the_region(contacts, contacts_json) -> None:
    assert contacts_json("add", "US default", "--phone", "(202) 555-0123")["phone"] == "+12025550123"
    gb = contacts("--region", "gb", "add", "London", "--phone", "020 8366 1177", "--json")
    assert '"phone": "+442083661177"' in gb.stdout
    fr = contacts("add", "Paris", "--phone", "01 42 68 53 00", "--json",
                  env={"CONTACTS_DEFAULT_REGION": "FR"})
    assert '"phone": "+33142685300"' in fr.stdout
    # --region wins over the variable; a +country code wins over both.
    de = contacts("--region", "DE", "add", "Berlin", "--phone", "030 2269 0", "--json",
                  env={"CONTACTS_DEFAULT_REGION": "FR"})
    assert '"phone": "+49302269' in de.stdout
    assert contacts_json("show", "3")["phone"] == "+33142685300"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--region", "XX"], None,
         "Error: unknown phone region 'XX': use a two-letter country code such as US or GB\n"),
        (["--region", "USA"], None,
         "Error: unknown phone region 'USA': use a two-letter country code such as US or GB\n"),
        ([], {"CONTACTS_DEFAULT_REGION": "Mars"},
         "Error: CONTACTS_DEFAULT_REGION: unknown phone region 'Mars': use a two-letter country "
         "code such as US or GB\n"),
    ],
)
def test_an_invalid_region_exits_2(contacts_url, args, env, message) -> None:
    result = invoke("contacts", "--db", contacts_url, *args, "list", env=env)
    assert outcome(result) == (2, "", message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "Error: name must not be blank\n"),
        (["x" * 201], "Error: name is 201 characters; the limit is 200\n"),
        (["a\nb"], "Error: name 'a\\nb' must not contain control characters such as line breaks\n"),
        (["x", "--phone", "12"], f"Error: phone '12' {NOT_A_PHONE}\n"),
        (["x", "--phone", "call me"], f"Error: phone 'call me' {NOT_A_PHONE}\n"),
        (["x", "--phone", "work:"], "Error: phone must not be blank\n"),
        (["x", "--phone", "wo|rk,x:+12025550123"], f"Error: phone 'wo|rk,x:+12025550123' {NOT_A_PHONE}\n"),
        (["x", "--email", "ada"], "Error: email 'ada' is not valid: An email address must have an "
                                  "@-sign\n"),
        (["x", "--email", "ada@localhost"], "Error: email 'ada@localhost' is not valid: The part "
                                            "after the @-sign is not valid. It should have a period\n"),
    ],
)
def test_invalid_input_exits_2_with_one_error_line_and_adds_nothing(contacts, args, message) -> None:
    assert outcome(contacts("add", *args)) == (2, "", message)
    assert contacts("list", "--json").stdout == "[]\n"


def test_a_200_character_name_is_accepted(contacts_json) -> None:
    assert contacts_json("add", "é" * 200)["name"] == "é" * 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bob", "--phone", "+442083661177"],
         "Error: phone +442083661177 already belongs to contact 1 (Ada Lovelace)\n"),
        (["Bob", "--phone", "cell:tel:+44-20-8366-1177"],
         "Error: phone +442083661177 already belongs to contact 1 (Ada Lovelace)\n"),
        (["Bob", "--email", "ADA@EXAMPLE.com"],
         "Error: email ADA@example.com already belongs to contact 1 (Ada Lovelace)\n"),
        # Any of several: the first one held is named.
        (["Bob", "--email", "bob@example.com", "--phone", "+12025550123", "--phone", "+442083661177"],
         "Error: phone +442083661177 already belongs to contact 1 (Ada Lovelace)\n"),
    ],
)
def test_a_duplicate_phone_or_email_exits_1_naming_the_holder(contacts, contacts_json, args,
                                                              message) -> None:
    contacts("add", *ADA)
    assert outcome(contacts("add", *args)) == (1, "", message)
    assert [c["name"] for c in contacts_json("list")] == ["Ada Lovelace"]


def test_email_uniqueness_folds_non_ascii_case(contacts) -> None:
    contacts("add", "Zoë", "--email", "zoë@example.com")
    result = contacts("add", "Other", "--email", "ZOË@example.com")
    assert outcome(result) == (1, "", "Error: email ZOË@example.com already belongs to contact 1 (Zoë)\n")


def test_list_orders_by_name_case_insensitively_then_id(contacts, contacts_json) -> None:
    for name in ["bob", "Älva", "alice", "Bob", "ALICE", "zoë", "Zed"]:
        assert contacts("add", name).exit_code == 0
    assert [(c["name"], c["id"]) for c in contacts_json("list")] == [
        ("alice", 3), ("ALICE", 5), ("bob", 1), ("Bob", 4), ("Zed", 7), ("zoë", 6), ("Älva", 2),
    ]


def test_list_prints_one_line_per_contact(contacts) -> None:
    contacts("add", *ADA)
    contacts("add", "Charles Babbage")
    contacts("add", "Mary Somerville", "--email", "mary@example.org")
    contacts("add", "Grace", "--phone", "+12025550123", "--phone", "+12025550124", "--email", "g@example.com")
    assert outcome(contacts("list")) == (0, (
        "   1 Ada Lovelace  (+442083661177, Ada@example.com)\n"
        "   2 Charles Babbage\n"
        "   4 Grace  (+12025550123, g@example.com, +1 more)\n"
        "   3 Mary Somerville  (mary@example.org)\n"), "")


def test_an_empty_list_is_success(contacts) -> None:
    assert outcome(contacts("list")) == (0, "No contacts.\n", "")
    assert outcome(contacts("list", "--json")) == (0, "[]\n", "")


def test_show_prints_one_contact_with_every_phone_and_email(contacts, contacts_json) -> None:
    added = contacts_json("add", "Ada Lovelace", "--phone", "cell:+44 20 8366 1177",
                          "--phone", "+44 20 7123 4567", "--email", "Ada@Example.COM")
    created, uid = added["created_at"], added["uid"]
    assert outcome(contacts("show", "1")) == (0, (
        "id          1\n"
        f"uid         {uid}\n"
        "name        Ada Lovelace\n"
        "phones      +442083661177  (cell, preferred)\n"
        "            +442071234567\n"
        "emails      Ada@example.com  (preferred)\n"
        f"created     {created}\n"
        f"updated     {created}\n"), "")
    assert contacts_json("show", "1") == added
    assert outcome(contacts("add", "Bob"))[0] == 0
    assert contacts("show", "2").stdout.splitlines()[3:5] == ["phones      -", "emails      -"]


def test_show_of_an_unknown_id_exits_1(contacts) -> None:
    assert outcome(contacts("show", "9")) == (1, "", "Error: no contact with id 9; nothing was changed\n")


BEYOND_64_BITS = ["99999999999999999999", str(2**63), "-" + str(2**63 + 1)]


@pytest.mark.parametrize("huge", BEYOND_64_BITS)
def test_an_id_beyond_64_bits_is_an_unknown_id(contacts, contacts_json, huge: str) -> None:
    contacts("add", "Ada")
    for command in (["show"], ["delete", "1"], ["update", "--name", "x"]):
        assert outcome(contacts(*command, "--", huge)) == (
            1, "", f"Error: no contact with id {huge}; nothing was changed\n"), command
    assert contacts_json("show", "1")["name"] == "Ada"


def test_ids_must_be_integers(contacts) -> None:
    result = contacts("show", "one")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: Invalid value for 'ID': 'one' is not a valid integer")


def test_update_changes_only_what_is_given_and_moves_updated_at(contacts, contacts_json) -> None:
    before = contacts_json("add", *ADA)
    assert outcome(contacts("update", "1", "--name", " Augusta Ada King ")) == (
        0, "Updated contact 1: Augusta Ada King\n", "")
    after = contacts_json("show", "1")
    assert after["updated_at"] > before["updated_at"]
    assert after == {**before, "name": "Augusta Ada King", "updated_at": after["updated_at"]}
    changed = contacts_json("update", "1", "--phone", "202-555-0123", "--no-email")
    assert (changed["phone"], changed["email"], changed["emails"]) == ("+12025550123", None, [])
    changed = contacts_json("update", "1", "--no-phone", "--email", "ADA@example.org")
    assert (changed["name"], changed["phone"], changed["phones"], changed["email"]) == (
        "Augusta Ada King", None, [], "ADA@example.org")
    assert changed["uid"] == before["uid"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "Error: nothing to change: give at least one option "
                "(see 'python -m minidb.contacts update --help')\n"),
        (["--phone", "+12025550123", "--no-phone"], 2,
         "Error: --phone and --no-phone contradict each other "
         "(see 'python -m minidb.contacts update --help')\n"),
        (["--email", "a@example.com", "--no-email"], 2,
         "Error: --email and --no-email contradict each other "
         "(see 'python -m minidb.contacts update --help')\n"),
        (["--name", ""], 2, "Error: name must not be blank\n"),
        (["--email", "nope"], 2, "Error: email 'nope' is not valid: An email address must have an "
                                 "@-sign\n"),
        (["--phone", "+442083661177"], 1,
         "Error: phone +442083661177 already belongs to contact 1 (Ada Lovelace)\n"),
        (["--email", "ada@EXAMPLE.com"], 1,
         "Error: email ada@example.com already belongs to contact 1 (Ada Lovelace)\n"),
        (["--add-phone", "+1 202 555 0199", "--add-phone", "+44 20 8366 1177"], 1,
         "Error: phone +442083661177 already belongs to contact 1 (Ada Lovelace)\n"),
        (["--add-email", "ADA@example.com"], 1,
         "Error: email ADA@example.com already belongs to contact 1 (Ada Lovelace)\n"),
        (["--remove-phone", "+1 202 555 0199"], 1,
         "Error: contact 2 has no phone +12025550199; nothing was changed\n"),
        (["--remove-email", "bob@example.com"], 1,
         "Error: contact 2 has no email bob@example.com; nothing was changed\n"),
        (["--remove-phone", "+12025550123", "--no-phone"], 2,
         "Error: --remove-phone and --no-phone contradict each other "
         "(see 'python -m minidb.contacts update --help')\n"),
        (["--add-phone", "call me"], 2, f"Error: phone 'call me' {NOT_A_PHONE}\n"),
    ],
)
def test_update_refuses_invalid_changes_and_changes_nothing(contacts, contacts_json, args, code,
                                                            message) -> None:
    contacts("add", *ADA)
    bob = contacts_json("add", "Bob", "--phone", "+12025550123")
    assert outcome(contacts("update", "2", *args)) == (code, "", message)
    assert contacts_json("show", "2") == bob


def test_update_may_keep_its_own_phone_and_email(contacts, contacts_json) -> None:
    contacts("add", *ADA)
    updated = contacts_json("update", "1", "--phone", "+442083661177", "--email", "ada@example.com")
    assert (updated["phone"], updated["email"]) == ("+442083661177", "ada@example.com")


def test_update_of_an_unknown_id_exits_1(contacts) -> None:
    result = contacts("update", "4", "--name", "x")
    assert outcome(result) == (1, "", "Error: no contact with id 4; nothing was changed\n")


def test_delete_removes_contacts_and_ids_are_never_reused(contacts, contacts_json) -> None:
    for name in ["Ada", "Bob", "Cy"]:
        contacts("add", name)
    assert outcome(contacts("delete", "3", "1", "3")) == (
        0, "Deleted contact 3: Cy\nDeleted contact 1: Ada\n", "")
    assert contacts("add", "Dee").stdout == "Added contact 4: Dee\n"
    assert [c["id"] for c in contacts_json("list")] == [2, 4]


def test_delete_is_atomic_and_names_every_unknown_id(contacts, contacts_json) -> None:
    contacts("add", "Ada")
    result = contacts("delete", "1", "7", "9")
    assert outcome(result) == (1, "", "Error: no contact with id 7, 9; nothing was changed\n")
    assert len(contacts_json("list")) == 1


def test_a_deleted_contacts_phone_and_email_are_free_again(contacts) -> None:
    contacts("add", *ADA)
    contacts("delete", "1")
    assert contacts("add", *ADA).stdout == "Added contact 2: Ada Lovelace\n"


def test_help_is_available_on_the_program_and_every_command(contacts) -> None:
    program = contacts("--help")
    assert program.exit_code == 0
    assert "--region CC" in program.stdout and "--db URL" in program.stdout
    commands = ["add", "find", "list", "show", "update", "delete", "export", "import", "migrate"]
    for command in commands:
        assert re.search(rf"^  {command}\b", program.stdout, re.M), command
        result = contacts(command, "--help")
        assert result.exit_code == 0 and result.stdout.startswith("Usage: "), command


def test_unknown_options_are_one_error_line_exit_2(contacts) -> None:
    result = contacts("list", "--bogus")
    assert outcome(result) == (2, "", "Error: No such option '--bogus' "
                                      "(see 'python -m minidb.contacts list --help')\n")


NUL = "contains a NUL character (character 2), which cannot be stored"
NOT_UTF8 = "is not UTF-8 text (byte 0xFF at character 2)"  # how Python hands over an argv byte
SURROGATE = "contains a lone surrogate (U+D800 at character 2), which is not text"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "A\x00b"], f"name {NUL}"),
        (["add", "A\udcffb"], f"name {NOT_UTF8}"),
        (["add", "Ada", "--phone", "2\x00025550123"], f"phone {NUL}"),
        (["add", "Ada", "--email", "a\ud800@example.com"], f"email {SURROGATE}"),
        (["update", "1", "--name", "A\ud800"], f"name {SURROGATE}"),
        (["update", "1", "--email", "a\x00@example.com"], f"email {NUL}"),
        (["find", "A\udcff"], f"search text {NOT_UTF8}"),
        # Refused before the listing starts: not even the array's '[' is printed.
        (["find", "A\udcff", "--json"], f"search text {NOT_UTF8}"),
    ],
)
def test_nul_and_lone_surrogates_are_refused_in_every_text_on_both_engines(contacts, contacts_json, args,
                                                                          message) -> None:
    before = contacts_json("add", "Keep Me")
    assert outcome(contacts(*args)) == (2, "", f"Error: {message}\n")
    assert contacts_json("list") == [before]


def test_json_output_is_utf8_and_nothing_else(contacts) -> None:
    result = contacts("add", "Zoë 👩‍💻", "--json")
    assert result.stdout.startswith("{\n") and "Zoë 👩‍💻" in result.stdout


def test_migrate_reports_the_schema_is_current(contacts) -> None:
    assert outcome(contacts("migrate")) == (0, "Schema is up to date.\n", "")


def test_migrate_lists_and_applies_pending_migrations(new_database, engine) -> None:
    url = new_database("contacts", migrated=False)
    prefix = "contacts_sqlite" if engine == "sqlite" else "contacts_pg"
    migrations = [f"{prefix}_0001_initial", f"{prefix}_0002_address_books"]
    pending = "".join(f"pending: {m}\n" for m in migrations)
    assert outcome(invoke("contacts", "--db", url, "migrate", "--check")) == (1, pending, "")
    assert outcome(invoke("contacts", "--db", url, "migrate")) == (
        0, pending + "".join(f"applied: {m}\n" for m in migrations), "")
    assert invoke("contacts", "--db", url, "migrate", "--check").exit_code == 0


# --- configuration: SQLite files only, no engine parameter


def test_the_default_database_is_contacts_db_in_the_data_dir(tmp_path: Path) -> None:
    result = invoke("contacts", "add", "Ada", env={"MINIDB_DATA_DIR": str(tmp_path / "data")})
    assert outcome(result) == (0, "Added contact 1: Ada\n", "")
    assert (tmp_path / "data" / "contacts.db").is_file()


@pytest.mark.parametrize(
    ("variables", "chosen"),
    [
        ({"CONTACTS_DATABASE_URL": "contacts-env", "DATABASE_URL": "generic"}, "contacts-env"),
        ({"DATABASE_URL": "generic"}, "generic"),
    ],
)
def test_database_url_precedence(tmp_path: Path, variables, chosen) -> None:
    env = {name: f"sqlite:///{tmp_path}/{value}.db" for name, value in variables.items()}
    data_dir = str(tmp_path / "data")
    assert invoke("contacts", "add", "Ada", env={**env, "MINIDB_DATA_DIR": data_dir}).exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("*.db")) == [f"{chosen}.db"]
    assert not (tmp_path / "data" / "contacts.db").exists()
    # --db wins over both variables.
    assert invoke("contacts", "--db", f"sqlite:///{tmp_path}/option.db", "add", "Bob", env=env).exit_code == 0
    assert (tmp_path / "option.db").is_file()


def test_a_malformed_database_url_is_a_usage_error() -> None:
    result = invoke("contacts", "--db", "mysql://localhost/x", "list")
    assert outcome(result) == (2, "", "Error: unsupported database URL scheme 'mysql' in "
                                      "'mysql://localhost/x' (use sqlite:/// or postgresql://)\n")


def test_an_unreachable_database_exits_1_without_the_password() -> None:
    result = invoke("contacts", "--db", f"postgresql://ada:s3cret@127.0.0.1:{free_port()}/contacts", "list")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: cannot connect to postgresql://ada:***@127.0.0.1:")
    assert "s3cret" not in result.stderr and result.stderr.count("\n") == 1
