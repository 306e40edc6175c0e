"""vCards in and out: 3.0 written, 2.1, 3.0 and 4.0 read, any number per file.

``vobject`` does the parts that are easy to get subtly wrong by hand:
escaping of ``,`` ``;`` ``\\`` and newlines in values, parameter syntax,
quoted-printable, and folding long lines on the way out.

On the way in, vobject sees only the properties minidb models, each on
one line (:class:`_ModelledLines`): it decodes every property as it reads
it, so a bad base64 PHOTO or an unknown CHARSET on a NOTE would fail a card
over data minidb does not even keep, and it re-reads a folded line from its
start at every fold, which costs time quadratic in the line's length.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import IO, Any

import vobject
from vobject.base import VObjectError

from minidb.errors import InvalidInput
from minidb.formats import MAX_RECORD, MAX_RECORD_TEXT

# A value with no preference sorts after any that states one (4.0 allows 1-100).
_NO_PREFERENCE = 101

#: What a card's import reads; any other property is skipped unread.
_MODELLED = frozenset({"BEGIN", "END", "VERSION", "FN", "N", "TEL", "EMAIL"})
# A content line's name, after an optional group: "item1.TEL;TYPE=CELL:…" → TEL.
_PROPERTY = re.compile(r"(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)[;:]")
_SURROGATE = re.compile("[\udc80-\udcff]")


def read_cards(source: IO[str]) -> Iterator[tuple[str, dict[str, str | None]]]:
    """Yield ``("card N", {"name", "phone", "email"})`` for each vCard, in order.

    A malformed file raises InvalidInput naming the card and the line.
    """
    lines = _ModelledLines(source)
    # allowQP=True reads line by line (memory for one card, not the file)
    # and decodes vCard 2.1 quoted-printable values, which older Android
    # phones still export.
    cards = vobject.readComponents(lines, validate=False, allowQP=True)
    index = 0
    while True:
        index += 1
        where = f"card {index}"
        try:
            card = next(cards)
        except StopIteration:
            return
        except VObjectError as error:
            raise InvalidInput(f"{where}: malformed vCard ({_describe(error, lines)})") from None
        except LookupError as error:  # a quoted-printable value's CHARSET names no known codec
            raise InvalidInput(f"{where}: unknown CHARSET ({error})") from None
        except ValueError as error:  # quoted-printable in a charset that does not fit the bytes
            raise InvalidInput(f"{where}: cannot decode a value ({error})") from None
        if card.name != "VCARD":
            raise InvalidInput(f"{where}: expected BEGIN:VCARD, found BEGIN:{card.name}")
        try:
            yield where, {
                "name": _name(card),
                "phone": _preferred(card, "tel"),
                "email": _preferred(card, "email"),
            }
        except InvalidInput as error:
            raise InvalidInput(f"{where}: {error}") from None


class _ModelledLines(io.TextIOBase):
    """The lines vobject reads: the properties minidb models, each unfolded to one line.

    Unfolding follows vobject's own rules (a line starting with a space or
    tab continues the last; in a quoted-printable value, a line ending in
    ``=`` continues on the next), so vobject reads the same values it would
    from the file. Other properties are skipped as they are read, never
    held, however large; a modelled one may be at most MAX_RECORD. Lines
    that are not properties pass as they are, for vobject to report.
    ``original_line`` maps vobject's line numbers back to the file's.
    """

    def __init__(self, source: IO[str]) -> None:
        self._source = source
        self._ahead: str | None = None
        self._read = 0  # physical lines read from the source
        self._fed = 0  # lines handed to vobject
        self._origins: dict[int, int] = {}  # fed line → its first line in the file
        self._card_start = 0  # the fed line of the current card's BEGIN
        self._cards = 0  # BEGIN lines seen: the card being read

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:
        while True:
            logical = self._logical_line()
            if logical is None:
                return ""
            text, first = logical
            name = _PROPERTY.match(text)
            if name and name.group(1).upper() not in _MODELLED:
                continue  # its name was folded: known only now
            self._fed += 1
            if name and name.group(1).upper() == "BEGIN":
                # Forget the lines of the card before the last: vobject reads
                # one line ahead, so an error may still name the last card's.
                self._origins = {n: o for n, o in self._origins.items() if n >= self._card_start}
                self._card_start = self._fed
            self._origins[self._fed] = first
            return text + "\n"

    def original_line(self, fed: int) -> int:
        return self._origins.get(max(1, fed), fed)

    def _physical_line(self) -> str | None:
        if self._ahead is not None:
            line, self._ahead = self._ahead, None
            return line
        line = self._source.readline()
        if not line:
            return None
        self._read += 1
        return line.rstrip("\r\n")

    def _logical_line(self) -> tuple[str, int] | None:
        """The next modelled (or unrecognised) logical line and the number of its first line."""
        while True:
            line = self._physical_line()
            while line is not None and not line.strip():
                line = self._physical_line()
            if line is None:
                return None
            first = self._read
            name = _PROPERTY.match(line)
            keep = name is None or name.group(1).upper() in _MODELLED
            if name and name.group(1).upper() == "BEGIN":
                self._cards += 1
            parts = [line]
            size = len(line)
            quoted_printable = "quoted-printable" in line.lower()
            soft_break = line.endswith("=")
            while True:
                line = self._physical_line()
                if line is None or not line.strip():
                    break  # a blank line ends a logical line, as in vobject
                if quoted_printable and soft_break:
                    if keep:
                        parts[-1] = parts[-1][:-1]
                    piece = line
                elif line[0] in " \t":
                    piece = line[1:]
                    quoted_printable = quoted_printable or "quoted-printable" in line.lower()
                else:
                    self._ahead = line
                    break
                if piece:
                    soft_break = piece.endswith("=")
                if keep:
                    parts.append(piece)
                    size += len(piece)
                    if size > MAX_RECORD:
                        raise InvalidInput(f"card {max(1, self._cards)}: line {first}: a property "
                                           f"larger than {MAX_RECORD_TEXT}, the most it may be")
            if keep:
                return "".join(parts), first


def _describe(error: VObjectError, lines: _ModelledLines) -> str:
    message = str(getattr(error, "msg", "") or error).strip()
    line = getattr(error, "lineNumber", None)
    return message if line is None else f"line {lines.original_line(int(line))}: {message}"


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
        return " ".join(_in_charset(w, n[0]).strip() for w in words if isinstance(w, str) and w.strip())
    return ""  # parse_name reports it as blank


def _text(card: Any, key: str) -> str:
    lines = card.contents.get(key) or []
    if not lines or not isinstance(lines[0].value, str):
        return ""
    return _in_charset(lines[0].value, lines[0])


def _in_charset(value: str, line: Any) -> str:
    """``value`` with its 8-bit text decoded in the CHARSET its property declares.

    The file is read as UTF-8, carrying other bytes as lone surrogates; a
    property whose CHARSET says what they are (ISO-8859-1 from an old phone)
    is decoded with it. Without a CHARSET they stay, for the validation to
    refuse as text that is not UTF-8. A quoted-printable value has already
    been decoded by vobject, with the same CHARSET.
    """
    charsets = line.params.get("CHARSET")
    if not charsets or not _SURROGATE.search(value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode(charsets[0])
    except LookupError:
        raise InvalidInput(f"{line.name}: unknown CHARSET {charsets[0]}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{line.name}: the text is not {charsets[0]}") from None


def _preferred(card: Any, key: str) -> str | None:
    """The value marked preferred (3.0 TYPE=pref, 4.0 PREF=1 lowest first), else the first."""
    best: tuple[int, int, str] | None = None
    for order, line in enumerate(card.contents.get(key) or []):
        value = _in_charset(line.value, line).strip() if isinstance(line.value, str) else ""
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
