"""vCards in and out: 3.0 written, 3.0 and 4.0 read, any number per file.

``vobject`` does the parts that are easy to get subtly wrong by hand:
unfolding and folding long lines, CRLF or LF line endings, escaping of
``,`` ``;`` ``\\`` and newlines in values, and parameter syntax.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import vobject
from vobject.base import VObjectError

from minidb.errors import InvalidInput

# A value with no preference sorts after any that states one (4.0 allows 1-100).
_NO_PREFERENCE = 101


def read_cards(source: IO[str]) -> Iterator[tuple[str, dict[str, str | None]]]:
    """Yield ``("card N", {"name", "phone", "email"})`` for each vCard, in order.

    A malformed file raises InvalidInput naming the card and the line.
    """
    # allowQP=True reads line by line (memory for one card, not the file)
    # and counts lines right; it also decodes vCard 2.1 quoted-printable
    # values, which older Android phones still export.
    cards = vobject.readComponents(source, validate=False, allowQP=True)
    index = 0
    while True:
        index += 1
        where = f"card {index}"
        try:
            card = next(cards)
        except StopIteration:
            return
        except VObjectError as error:
            raise InvalidInput(f"{where}: malformed vCard ({_describe(error)})") from None
        if card.name != "VCARD":
            raise InvalidInput(f"{where}: expected BEGIN:VCARD, found BEGIN:{card.name}")
        yield where, {
            "name": _name(card),
            "phone": _preferred(card, "tel"),
            "email": _preferred(card, "email"),
        }


def _describe(error: VObjectError) -> str:
    message = str(getattr(error, "msg", "") or error).strip()
    line = getattr(error, "lineNumber", None)
    # vobject numbers the very first line 0.
    return message if line is None else f"line {max(1, int(line))}: {message}"


def _name(card: Any) -> str:
    """FN, the formatted name; from N (given family) if a card lacks one."""
    fn = _text(card, "fn")
    if fn:
        return fn
    n = card.contents.get("n")
    if n and isinstance(n[0].value, vobject.vcard.Name):
        parts = n[0].value
        words = []
        for part in (parts.prefix, parts.given, parts.additional, parts.family, parts.suffix):
            # A component may be a list ("Ada,Augusta" is two given names).
            words += part if isinstance(part, list) else [part]
        return " ".join(w.strip() for w in words if isinstance(w, str) and w.strip())
    return ""  # parse_name reports it as blank


def _text(card: Any, key: str) -> str:
    lines = card.contents.get(key) or []
    value = lines[0].value if lines else ""
    return value if isinstance(value, str) else ""


def _preferred(card: Any, key: str) -> str | None:
    """The value marked preferred (3.0 TYPE=pref, 4.0 PREF=1 lowest first), else the first."""
    best: tuple[int, int, str] | None = None
    for order, line in enumerate(card.contents.get(key) or []):
        value = line.value.strip() if isinstance(line.value, str) else ""
        if not value:
            continue
        candidate = (_preference(line.params), order, value)
        if best is None or candidate < best:
            best = candidate
    return None if best is None else best[2]


def _preference(params: dict[str, list[str]]) -> int:
    rank = _NO_PREFERENCE
    for name, values in params.items():
        name = name.upper()
        if name == "PREF":  # 4.0: PREF=1 (most preferred) .. 100
            for value in values:
                if value.strip().isdigit():
                    rank = min(rank, int(value))
        elif name == "TYPE":  # 3.0: TYPE=pref, also inside lists like TYPE=CELL,pref or "cell,pref"
            types = {t.strip().lower() for v in values for t in v.split(",")}
            if "pref" in types:
                rank = min(rank, 1)
    return rank


def card_text(contact: dict[str, Any]) -> str:
    """One contact as a vCard 3.0 card, CRLF line endings, long lines folded."""
    card = vobject.vCard()
    card.add("fn").value = contact["name"]
    # 3.0 requires N, but minidb keeps one name and does not guess where a
    # family name starts; with the whole name as the given name, phones show
    # it as written.
    card.add("n").value = vobject.vcard.Name(given=contact["name"])
    if contact["phone"]:
        card.add("tel").value = contact["phone"]
        card.tel.type_param = "VOICE"
    if contact["email"]:
        card.add("email").value = contact["email"]
        card.email.type_param = "INTERNET"
    return card.serialize()
