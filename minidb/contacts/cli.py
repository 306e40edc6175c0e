"""The contacts command line: ``python -m minidb.contacts [--db URL] [--region CC] COMMAND``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

import click

from minidb import cli as shared
from minidb.contacts import actions
from minidb.contacts.actions import REGION_VARIABLE, URL_VARIABLES, ContactSettings
from minidb.contacts.model import (
    DEFAULT_REGION,
    Change,
    EntryChange,
    NewContact,
    content_uid,
    parse_email,
    parse_name,
    parse_phone,
    typed_emails,
    typed_phones,
)
from minidb.contacts.store import AddressBook
from minidb.contacts.transfer import (
    CSV_OPTIONAL,
    contact_from_card,
    contact_from_csv,
    contact_from_record,
    read_vcards,
    write_csv_contacts,
    write_vcards,
)
from minidb.distribution import version_option
from minidb.errors import InvalidInput
from minidb.formats import sniff_format, write_json_array
from minidb.imports import (
    MERGE,
    Candidate,
    ImportPolicy,
    ImportRun,
    Item,
    csv_records,
    json_records,
    on_conflict_option,
    skip_invalid_option,
)
from minidb.output import emit, export_records, show_table
from minidb.progress import counted
from minidb.records import Record, open_store, record_at, unique_ids

IMPORT_FORMATS = ("json", "csv", "vcard")


@click.group(cls=shared.App, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@shared.db_option(URL_VARIABLES)
@click.option("--region", metavar="CC",
              help=f"Region of phone numbers written without a country code (US, GB, …); "
              f"default: {REGION_VARIABLE}, then {DEFAULT_REGION}.")
@version_option
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, region: str | None) -> None:
    """A contact manager on SQLite (default) or PostgreSQL."""
    shared.show_help_without_command(ctx)
    ctx.obj = actions.settings(db_url, region)


pass_settings = click.make_pass_decorator(ContactSettings)


PHONE_HELP = "[TYPE:]PHONE"
EMAIL_HELP = "[TYPE:]EMAIL"
# How much of a kept vCard property `show` prints: a PHOTO may be megabytes.
SHOWN_PROPERTY = 100


def _entry_lines(entries: list[dict]) -> list[str]:
    lines = []
    for entry in entries:
        about = [a for a in (entry["type"], "preferred" if entry["preferred"] else None) if a]
        lines.append(entry["value"] + (f"  ({', '.join(about)})" if about else ""))
    return lines or ["-"]


def _show(contact: Record, kept_properties: list[dict]) -> str:
    from minidb.contacts.vcard import KeptProperty

    fields: list[tuple[str, object]] = [("id", contact["id"]), ("uid", contact["uid"]),
                                        ("name", contact["name"])]
    kept = [KeptProperty.from_dict(p).line() for p in kept_properties]
    kept = [line if len(line) <= SHOWN_PROPERTY else line[:SHOWN_PROPERTY - 1] + "…" for line in kept]
    for label, lines in (("phones", _entry_lines(contact["phones"])),
                         ("emails", _entry_lines(contact["emails"])), ("vcard", kept)):
        fields += [(label if i == 0 else "", line) for i, line in enumerate(lines)]
    fields += [("created", contact["created_at"]), ("updated", contact["updated_at"])]
    return show_table(fields)


def _notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        click.echo(f"Note: {note}", err=True)


@cli.command()
@click.argument("words", metavar="NAME...", nargs=-1, required=True)
@click.option("--phone", "phones", metavar=PHONE_HELP, multiple=True,
              help="A phone number (repeatable; the first is preferred); without a +country code "
              "it is read in --region. TYPE is a label such as cell or work.")
@click.option("--email", "emails", metavar=EMAIL_HELP, multiple=True,
              help="An e-mail address (repeatable; the first is preferred).")
@shared.json_option
@pass_settings
def add(settings: ContactSettings, words: tuple[str, ...], phones: tuple[str, ...],
        emails: tuple[str, ...], as_json: bool) -> None:
    """Add a contact; the words of the name are joined by spaces."""
    name = parse_name(" ".join(words))
    given_phones = typed_phones(phones, settings.region)
    given_emails = typed_emails(emails)
    contact = NewContact(name=name, phones=given_phones.entries, emails=given_emails.entries)
    with open_store(settings, AddressBook) as book:
        added = book.add(contact)
    _notes(given_phones.notes)
    emit([added], as_json, [f"Added {AddressBook.describe(added)}"])


@cli.command(short_help="Search names, e-mails and phone numbers.")
@click.argument("words", metavar="TEXT...", nargs=-1, required=True)
@shared.json_option
@pass_settings
def find(settings: ContactSettings, words: tuple[str, ...], as_json: bool) -> None:
    """Contacts whose name or any e-mail contains TEXT (any case), or any of whose phones
    contains its digits (3 or more); ordered by name, then id."""
    actions.find(settings, words, as_json)


@cli.command(name="list")
@shared.json_option
@pass_settings
def list_(settings: ContactSettings, as_json: bool) -> None:
    """List every contact, by name (any case), then id."""
    actions.list_contacts(settings, as_json)


@cli.command()
@click.argument("contact_id", metavar="ID", type=int)
@shared.json_option
@pass_settings
def show(settings: ContactSettings, contact_id: int, as_json: bool) -> None:
    """Show one contact: every phone and e-mail with its type; as text also the vCard
    properties kept from an import (export --format json has them too)."""
    with open_store(settings, AddressBook) as book:
        contact = book.show(contact_id)
    kept = contact.pop("vcard")
    emit([contact], as_json, [_show(contact, kept)])


@cli.command()
@click.argument("contact_id", metavar="ID", type=int)
@click.option("--name", metavar="NAME", help="New name.")
@click.option("--phone", metavar=PHONE_HELP, help="Replace the preferred phone.")
@click.option("--no-phone", is_flag=True, help="Remove every phone.")
@click.option("--add-phone", "add_phones", metavar=PHONE_HELP, multiple=True,
              help="Add a phone (repeatable).")
@click.option("--remove-phone", "remove_phones", metavar="PHONE", multiple=True,
              help="Remove a phone (repeatable).")
@click.option("--email", metavar=EMAIL_HELP, help="Replace the preferred e-mail.")
@click.option("--no-email", is_flag=True, help="Remove every e-mail.")
@click.option("--add-email", "add_emails", metavar=EMAIL_HELP, multiple=True,
              help="Add an e-mail (repeatable).")
@click.option("--remove-email", "remove_emails", metavar="EMAIL", multiple=True,
              help="Remove an e-mail (repeatable).")
@shared.json_option
@pass_settings
def update(settings: ContactSettings, contact_id: int, name: str | None, phone: str | None, no_phone: bool,
           add_phones: tuple[str, ...], remove_phones: tuple[str, ...], email: str | None, no_email: bool,
           add_emails: tuple[str, ...], remove_emails: tuple[str, ...], as_json: bool) -> None:
    """Change only what is given: removals first, then the preferred entry, then additions."""
    shared.refuse_contradictions(phone=(phone, no_phone), email=(email, no_email))
    for kind, cleared, removed in (("phone", no_phone, remove_phones), ("email", no_email, remove_emails)):
        if cleared and removed:
            raise click.UsageError(f"--remove-{kind} and --no-{kind} contradict each other")
    region = settings.region
    preferred_phone = typed_phones([phone] if phone is not None else [], region)
    added_phones = typed_phones(add_phones, region)
    preferred_email = typed_emails([email] if email is not None else [])
    change = Change(
        name=None if name is None else parse_name(name),
        phones=EntryChange(
            clear=no_phone,
            remove=tuple(parse_phone(p, region).value for p in remove_phones),
            preferred=preferred_phone.entries[0] if preferred_phone.entries else None,
            add=added_phones.entries),
        emails=EntryChange(
            clear=no_email,
            remove=tuple(parse_email(e) for e in remove_emails),
            preferred=preferred_email.entries[0] if preferred_email.entries else None,
            add=typed_emails(add_emails).entries),
    )
    shared.require_change(change)
    with open_store(settings, AddressBook) as book:
        contact = book.update(contact_id, change)
    _notes(preferred_phone.notes + added_phones.notes)
    emit([contact], as_json, [f"Updated {AddressBook.describe(contact)}"])


@cli.command(short_help="Merge contacts into one.")
@click.argument("contact_id", metavar="ID", type=int)
@click.argument("other_ids", metavar="OTHER_ID...", type=int, nargs=-1, required=True)
@shared.json_option
@pass_settings
def merge(settings: ContactSettings, contact_id: int, other_ids: tuple[int, ...], as_json: bool) -> None:
    """Move every phone, e-mail and kept vCard property of the other contacts into ID and
    delete them: all in one transaction. ID keeps its name and its preferred entries."""
    with open_store(settings, AddressBook) as book:
        merged, others = book.merge(contact_id, unique_ids(other_ids))
    names = ", ".join(f"{o['id']} ({o['name']})" for o in others)
    noun = "contact" if len(others) == 1 else "contacts"
    emit([merged], as_json, [f"Merged {noun} {names} into {AddressBook.describe(merged)}"])


EXPORT_WRITERS = {"json": write_json_array, "csv": write_csv_contacts, "vcard": write_vcards}


@cli.command()
@shared.format_option(*EXPORT_WRITERS, help="Output format (vcard: vCard 3.0).")
@pass_settings
def export(settings: ContactSettings, fmt: str) -> None:
    """Write every contact to stdout, streamed. JSON and vCard keep everything an import
    read; CSV is name,phone,email,phones,emails."""
    with open_store(settings, AddressBook) as book:
        contacts = book.export(kept=fmt != "csv")
        export_records(counted(contacts, "Exporting", "contact"), EXPORT_WRITERS[fmt])


def _reader(source: IO[str], name: str, region: str,
            run: ImportRun[NewContact]) -> tuple[Iterator[Candidate], Callable[[Item[Any]], NewContact]]:
    """The records of a JSON, CSV or vCard file, and the check that makes each a contact."""
    fmt, stream = sniff_format(name, source, IMPORT_FORMATS)
    if fmt == "json":
        return json_records(stream), _checked(lambda value: contact_from_record(value, region))
    if fmt == "csv":
        rows = csv_records(stream, ["name"], CSV_OPTIONAL)
        return rows, _checked(lambda row: contact_from_csv(row, region))

    def card_contact(card: Any) -> NewContact:
        contact, warnings = contact_from_card(card, region)
        for warning in warnings:
            run.warn(warning)
        return contact

    cards = (card if isinstance(card, InvalidInput) else Item(card.label, card)
             for card in read_vcards(stream))
    return cards, _checked(card_contact)


def _checked(check: Callable[[Any], NewContact]) -> Callable[[Item[Any]], NewContact]:
    # Records without a uid get one made from their content. Two that are the same
    # (two "Mom" cards with nothing else, two "John Smith" rows) are still two
    # people, as the file says: each later one is told apart by how many came
    # before it, which is the same every time the file is imported.
    repeats: dict[str, int] = {}

    def validate(item: Item[Any]) -> NewContact:
        with record_at(item.where):
            contact = check(item.value)
        if contact.uid_from_content:
            earlier = repeats.get(contact.uid, 0)
            repeats[contact.uid] = earlier + 1
            if earlier:
                contact.uid = content_uid("repeat", f"{contact.uid}\n{earlier}")
        return contact

    return validate


@cli.command(name="import", short_help="Import JSON, CSV or vCards.")
@click.argument("file", metavar="FILE|-")
@on_conflict_option(MERGE, help="What to do with a record whose uid, phone or e-mail a stored contact "
                    "(or an earlier record) holds: fail (import nothing, name them all), skip it, or "
                    "merge it into that contact (matched by uid, then e-mail, then phone).")
@skip_invalid_option
@pass_settings
def import_(settings: ContactSettings, file: str, on_conflict: str, skip_invalid: bool) -> None:
    """Import contacts from JSON (as exported), CSV (name,phone,email[,phones,emails]) or
    vCard 2.1/3.0/4.0 files with any number of cards. One transaction: by default all of
    them or, if any record is bad or conflicts, none."""
    run: ImportRun[NewContact] = ImportRun(ImportPolicy(on_conflict, skip_invalid), noun="contact",
                                           key="uid, phone or e-mail")
    with shared.open_input(file) as source, open_store(settings, AddressBook) as book:
        candidates, validate = _reader(source, file, settings.region, run)
        book.import_contacts(candidates, validate, run)
    click.echo(run.summary())


cli.add_command(shared.delete_command(AddressBook))
cli.add_command(shared.migrate_command("contacts"))
