"""The contacts command line: ``python -m minidb.contacts [--db URL] [--region CC] COMMAND``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO

import click

from minidb import __version__
from minidb import cli as shared
from minidb.config import database_url
from minidb.contacts.model import (
    DEFAULT_REGION,
    Change,
    NewContact,
    contact_from_record,
    parse_email,
    parse_name,
    parse_phone,
    parse_region,
)
from minidb.contacts.store import AddressBook
from minidb.contacts.vcards import card_text, read_cards
from minidb.errors import InvalidInput
from minidb.formats import read_csv, read_json_array, sniff_format, write_csv, write_json_array
from minidb.records import Record

URL_VARIABLES = ("CONTACTS_DATABASE_URL", "DATABASE_URL")
REGION_VARIABLE = "CONTACTS_DEFAULT_REGION"
CSV_HEADER = ["name", "phone", "email"]
IMPORT_FORMATS = ("json", "csv", "vcard")


class ContactSettings(shared.Settings):
    """The shared settings plus the region that numbers without a country code belong to."""

    def __init__(self, url: str, region: str) -> None:
        super().__init__("contacts", url)
        self.region = region


def resolve_region(option: str | None) -> str:
    """``--region``, then ``CONTACTS_DEFAULT_REGION``, then US; an unknown code is exit 2."""
    if option:
        return parse_region(option)
    configured = os.environ.get(REGION_VARIABLE)
    if configured:
        try:
            return parse_region(configured)
        except InvalidInput as error:
            raise InvalidInput(f"{REGION_VARIABLE}: {error}") from None
    return DEFAULT_REGION


@click.group(cls=shared.App, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@shared.db_option(URL_VARIABLES)
@click.option("--region", metavar="CC",
              help=f"Region of phone numbers written without a country code (US, GB, …); "
              f"default: {REGION_VARIABLE}, then {DEFAULT_REGION}.")
@click.version_option(__version__, message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, region: str | None) -> None:
    """A contact manager on SQLite (default) or PostgreSQL."""
    shared.show_help_without_command(ctx)
    ctx.obj = ContactSettings(database_url(db_url, URL_VARIABLES, "contacts.db"),
                              resolve_region(region))


pass_settings = click.make_pass_decorator(ContactSettings)


def _line(contact: Record) -> str:
    details = [d for d in (contact["phone"], contact["email"]) if d]
    extra = f"  ({', '.join(details)})" if details else ""
    return f"{contact['id']:>4} {contact['name']}{extra}"


def _show(contact: Record) -> str:
    return shared.show_table([
        ("id", contact["id"]),
        ("name", contact["name"]),
        ("phone", contact["phone"] or "-"),
        ("email", contact["email"] or "-"),
        ("created", contact["created_at"]),
        ("updated", contact["updated_at"]),
    ])


@cli.command()
@click.argument("words", metavar="NAME...", nargs=-1, required=True)
@click.option("--phone", metavar="PHONE", help="Phone number; without +country code, read in --region.")
@click.option("--email", metavar="EMAIL", help="E-mail address.")
@shared.json_option
@pass_settings
def add(settings: ContactSettings, words: tuple[str, ...], phone: str | None, email: str | None,
        as_json: bool) -> None:
    """Add a contact; the words of the name are joined by spaces."""
    contact = NewContact(
        name=parse_name(" ".join(words)),
        phone=None if phone is None else parse_phone(phone, settings.region),
        email=None if email is None else parse_email(email),
    )
    with shared.open_store(settings, AddressBook) as book:
        added = book.add(contact)
    shared.emit([added], as_json, [f"Added {AddressBook.describe(added)}"])


@cli.command(short_help="Search names, e-mails and phone numbers.")
@click.argument("words", metavar="TEXT...", nargs=-1, required=True)
@shared.json_option
@pass_settings
def find(settings: ContactSettings, words: tuple[str, ...], as_json: bool) -> None:
    """Contacts whose name or e-mail contains TEXT (any case), or whose phone contains
    its digits (3 or more); ordered by name, then id."""
    text = " ".join(words)
    with shared.open_store(settings, AddressBook) as book:
        shared.emit_records(book.find(text), as_json, _line, f"No contacts match {text!r}.")


@cli.command(name="list")
@shared.json_option
@pass_settings
def list_(settings: ContactSettings, as_json: bool) -> None:
    """List every contact, by name (any case), then id."""
    with shared.open_store(settings, AddressBook) as book:
        shared.emit_records(book.list(), as_json, _line, "No contacts.")


@cli.command()
@click.argument("contact_id", metavar="ID", type=int)
@shared.json_option
@pass_settings
def show(settings: ContactSettings, contact_id: int, as_json: bool) -> None:
    """Show one contact."""
    with shared.open_store(settings, AddressBook) as book:
        contact = book.get(contact_id)
    shared.emit([contact], as_json, [_show(contact)])


@cli.command()
@click.argument("contact_id", metavar="ID", type=int)
@click.option("--name", metavar="NAME", help="New name.")
@click.option("--phone", metavar="PHONE", help="New phone number.")
@click.option("--no-phone", is_flag=True, help="Remove the phone number.")
@click.option("--email", metavar="EMAIL", help="New e-mail address.")
@click.option("--no-email", is_flag=True, help="Remove the e-mail address.")
@shared.json_option
@pass_settings
def update(settings: ContactSettings, contact_id: int, name: str | None, phone: str | None,
           no_phone: bool, email: str | None, no_email: bool, as_json: bool) -> None:
    """Change only what is given."""
    shared.refuse_contradictions(phone=(phone, no_phone), email=(email, no_email))
    change = Change(
        name=None if name is None else parse_name(name),
        phone=None if phone is None else parse_phone(phone, settings.region),
        clear_phone=no_phone,
        email=None if email is None else parse_email(email),
        clear_email=no_email,
    )
    shared.require_change(change)
    with shared.open_store(settings, AddressBook) as book:
        contact = book.update(contact_id, change)
    shared.emit([contact], as_json, [f"Updated {AddressBook.describe(contact)}"])


def _write_csv(contacts: Iterator[Record], out: IO[str]) -> None:
    write_csv(CSV_HEADER, ([c["name"], c["phone"], c["email"]] for c in contacts), out)


def _write_vcards(contacts: Iterator[Record], out: IO[str]) -> None:
    for contact in contacts:
        out.write(card_text(contact))


EXPORT_WRITERS = {"json": write_json_array, "csv": _write_csv, "vcard": _write_vcards}


@cli.command()
@shared.format_option(*EXPORT_WRITERS, help="Output format (vcard: vCard 3.0).")
@pass_settings
def export(settings: ContactSettings, fmt: str) -> None:
    """Write every contact to stdout, streamed."""
    with shared.open_store(settings, AddressBook) as book:
        shared.export_records(book.export(), EXPORT_WRITERS[fmt])


def _records(source: IO[str], name: str, region: str) -> Iterator[tuple[str, NewContact]]:
    """Validated contacts from a JSON, CSV or vCard file, one at a time, with their labels."""
    fmt, stream = sniff_format(name, source, IMPORT_FORMATS)
    if fmt == "json":
        for index, record in enumerate(read_json_array(stream), start=1):
            where = f"record {index}"
            yield where, contact_from_record(record, where, region)
    elif fmt == "csv":
        for line, row in read_csv(stream, CSV_HEADER[:1], CSV_HEADER[1:]):
            where = f"line {line}"
            yield where, contact_from_record(row, where, region)
    else:
        for where, fields in read_cards(stream):
            yield where, contact_from_record(fields, where, region)


@cli.command(name="import", short_help="Import JSON, CSV or vCards: all or nothing.")
@click.argument("file", metavar="FILE|-")
@pass_settings
def import_(settings: ContactSettings, file: str) -> None:
    """Import contacts from JSON, CSV (name,phone,email) or vCard 3.0/4.0: all of them
    or, on any error, none."""
    with shared.open_input(file) as source, shared.open_store(settings, AddressBook) as book:
        count = book.import_contacts(_records(source, file, settings.region))
    click.echo(f"Imported {AddressBook.describe_count(count)}.")


cli.add_command(shared.delete_command(AddressBook))
cli.add_command(shared.migrate_command("contacts"))
