"""The phones and e-mails of a contact, and what merging two contacts keeps.

A contact has any number of phones and of e-mails, in order, each with a
type label (``cell``, ``work``; lower-case, or None) and exactly one
preferred entry per non-empty kind. An entry may carry the vCard group
(``item1``) that ties a label such as Apple's ``item1.X-ABLabel`` to it.

Merging unions: the target keeps what it has (its preferred entries stay
preferred), and gains the other's entries it lacks and the other's kept
vCard properties it lacks. A group of the other's that the target already
uses is renamed (``item1`` → ``item3``) so that a label stays with its own
entry rather than joining the target's.

Nothing here imports phonenumbers, email-validator or the vCard codec:
``find`` and ``list`` build their output with this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from minidb.errors import InvalidInput

MAX_LABEL = 50
# A [TYPE:] prefix as add/update take it: `cell:+44 20 8366 1177`, `work,fax:...`.
_TYPED = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]*(?:\s*,\s*[A-Za-z][A-Za-z0-9_-]*)*)\s*:(.*)", re.DOTALL)
# What may not be in a label: ':' and '|' separate labels from values in CSV
# (`cell:+44...|work:+44...`), control characters break one-line output.
_NOT_IN_LABEL = re.compile(r"[:|\x00-\x1f\x7f-\x9f]")
_URI_SCHEMES = {"phone": "tel", "email": "mailto"}


@dataclass(frozen=True)
class Entry:
    """A phone or an e-mail of a contact."""

    value: str
    type: str | None = None
    preferred: bool = False
    group: str | None = None

    def as_json(self) -> dict[str, Any]:
        """``{"value", "type", "preferred"}``, and ``group`` when there is one."""
        data: dict[str, Any] = {"value": self.value, "type": self.type, "preferred": self.preferred}
        if self.group is not None:
            data["group"] = self.group
        return data


def entries_from_row(text: str | list[Any] | None) -> list[Entry]:
    """The entries of a ``contact_rows`` column: a JSON array of [value, type, preferred, group]."""
    if text is None:
        return []
    if isinstance(text, str):
        import json

        text = json.loads(text)
    return [Entry(value, type_, bool(preferred), group) for value, type_, preferred, group in text]


def preferred_value(entries: Sequence[Entry]) -> str | None:
    return next((entry.value for entry in entries if entry.preferred), None)


def one_preferred(entries: Sequence[Entry]) -> list[Entry]:
    """The entries with exactly one preferred (none when empty): the first marked, else the first."""
    chosen = next((i for i, entry in enumerate(entries) if entry.preferred), 0)
    return [entry if entry.preferred == (i == chosen) else replace(entry, preferred=i == chosen)
            for i, entry in enumerate(entries)]


# --- type labels


def type_label(text: str | None) -> str | None:
    """A label as given by the user (``--phone cell:…``, a JSON or CSV file): lower-case, or None.

    Raises InvalidInput for one that is too long or holds ``:``, ``|`` or a
    control character.
    """
    if text is None:
        return None
    label = " ".join(text.split()).lower()
    if not label:
        return None
    if len(label) > MAX_LABEL:
        raise InvalidInput(f"type label {text!r} is {len(label)} characters; the limit is {MAX_LABEL}")
    if _NOT_IN_LABEL.search(label) or any(unicodedata.category(c) == "Cs" for c in label):
        raise InvalidInput(f"type label {text!r} must not contain ':', '|' or control characters")
    return label


def lenient_label(text: str | None) -> str | None:
    """A label from a vCard's TYPE values, made acceptable rather than refused.

    A vCard never fails over a label: odd characters become spaces and a
    long label is cut, so the entry keeps its value and the label its words.
    """
    if text is None:
        return None
    label = " ".join(_NOT_IN_LABEL.sub(" ", text).split()).lower()[:MAX_LABEL].strip()
    return label or None


def split_typed(text: str, kind: str) -> tuple[str | None, str]:
    """``("cell", "+44 20 8366 1177")`` from ``cell:+44 20 8366 1177``; (None, text) without a prefix.

    ``kind`` is ``phone`` or ``email``: ``tel:+1…`` and ``mailto:…`` are URIs,
    not labels.
    """
    match = _TYPED.fullmatch(text)
    if match is None or match.group(1).lower() == _URI_SCHEMES.get(kind):
        return None, text
    return type_label(",".join(part.strip() for part in match.group(1).split(","))), match.group(2)


# --- merging


class _Grouped(Protocol):
    @property
    def group(self) -> str | None: ...


G = TypeVar("G", bound=_Grouped)


def merged_entries(kept: Sequence[Entry], added: Iterable[Entry],
                   key: Callable[[str], str] = lambda value: value) -> list[Entry]:
    """``kept``, then each entry of ``added`` whose ``key(value)`` is not there yet.

    The preferred entry of ``kept`` stays preferred; only when ``kept`` is
    empty does the preferred entry of ``added`` become it.
    """
    seen = {key(entry.value) for entry in kept}
    out = list(kept)
    for entry in added:
        if key(entry.value) in seen:
            continue
        seen.add(key(entry.value))
        out.append(replace(entry, preferred=entry.preferred and not kept))
    return one_preferred(out)


def merged_properties(kept: Sequence[G], added: Iterable[G]) -> list[G]:
    """``kept``, then each property of ``added`` not already in it (equal in group, name, params, value)."""
    seen = set(kept)
    out = list(kept)
    for prop in added:
        if prop not in seen:
            seen.add(prop)
            out.append(prop)
    return out


def groups_of(*lists: Iterable[_Grouped]) -> set[str]:
    return {item.group.lower() for items in lists for item in items if item.group}


def group_renaming(taken: set[str], theirs: set[str]) -> dict[str, str]:
    """New names for the groups in ``theirs`` that ``taken`` already uses: ``itemN``, N the lowest free.

    Groups compare case-insensitively, as vCard names do.
    """
    renaming: dict[str, str] = {}
    used = set(taken) | set(theirs)
    number = 1
    for group in sorted(theirs):
        if group not in taken:
            continue
        while f"item{number}" in used:
            number += 1
        renaming[group] = f"item{number}"
        used.add(f"item{number}")
    return renaming


def renamed(items: Iterable[Any], renaming: dict[str, str]) -> list[Any]:
    """``items`` (entries or kept properties) with their groups renamed."""
    out = []
    for item in items:
        new = renaming.get(item.group.lower()) if item.group else None
        if new is None:
            out.append(item)
        elif isinstance(item, Entry):
            out.append(replace(item, group=new))
        else:
            out.append(item._replace(group=new))
    return out


@dataclass(frozen=True)
class Holdings:
    """What a contact holds besides its name: phones, e-mails, kept vCard properties, in order."""

    phones: tuple[Entry, ...] = ()
    emails: tuple[Entry, ...] = ()
    kept: tuple[Any, ...] = ()  # KeptProperty (minidb.contacts.vcard)


def merge(target: Holdings, other: Holdings) -> Holdings:
    """``target`` with what ``other`` adds: its phones, e-mails (case-insensitively) and kept properties.

    What the target already holds is not repeated; the rest keeps its order
    after the target's, its groups renamed where the target uses them.
    """
    phone_values = {entry.value for entry in target.phones}
    email_keys = {entry.value.casefold() for entry in target.emails}
    kept = set(target.kept)
    phones = [entry for entry in other.phones if entry.value not in phone_values]
    emails = [entry for entry in other.emails if entry.value.casefold() not in email_keys]
    props = [prop for prop in other.kept if prop not in kept]
    renaming = group_renaming(groups_of(target.phones, target.emails, target.kept),
                              groups_of(phones, emails, props))
    return Holdings(
        tuple(merged_entries(target.phones, renamed(phones, renaming))),
        tuple(merged_entries(target.emails, renamed(emails, renaming), str.casefold)),
        tuple(merged_properties(target.kept, renamed(props, renaming))),
    )
