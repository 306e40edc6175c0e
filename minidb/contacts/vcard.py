"""vCards by hand: 2.1, 3.0 and 4.0 read leniently from bytes, 3.0 written.

Why not vobject: address books in the wild break it in ways its API cannot
be talked out of. It splits every text value on commas (``FN:Doe, John``
becomes "Doe"), files the bare 2.1 ``PREF`` where nothing looks, decodes
every base64 or quoted-printable value up front (one truncated photo fails
the whole file), reads text only (8-bit ``CHARSET=ISO-8859-1`` values fail
before it sees the parameter), refuses ``PROFILE:VCard``, trailing spaces
after ``BEGIN:VCARD`` and empty parameters, and its errors name no card.
The content-line grammar itself is small; this module is that grammar,
with each leniency a real exporter needs.

Reading is in layers, each streaming: bytes → physical lines (any line
end) → logical lines (unfolded) → cards, one at a time, so a file of any
number of cards needs memory for one card. Values stay raw (bytes, as in
the file) until a card is complete, because ``VERSION`` may come last.

Writing keeps what minidb does not model as *kept properties*: plain data
(group, name, parameters, value in its 3.0 form) that a table can store
and the writer puts back verbatim, so export → import → export is exact.
"""

from __future__ import annotations

import binascii
import codecs
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, NamedTuple

from minidb.errors import InvalidInput

PRODID = "-//minidb//minidb contacts//EN"
# Limits that keep a hostile file from costing more than linear time and
# bounded memory; an inline photo of several megabytes still fits.
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_CARD_BYTES = 64 * 1024 * 1024
# Counted apart from the bytes: tiny lines cost far more memory as properties.
# The largest real card in the corpus has 89.
MAX_PROPERTIES = 10_000
MAX_NESTING = 8
# RFC 2426/6350: lines SHOULD NOT be longer than 75 octets, excluding the line break.
FOLD_OCTETS = 75

_CHUNK = 1 << 16
# CR CR LF is one line end (an iPhone export mangled by a Windows tool), not two.
_LINE_END = re.compile(rb"\r\r\n|\r\n|\n|\r")
# The header ends at the first colon outside double quotes: quoted
# parameter values may hold colons (iOS: X-SERVICE-TYPE="Mike's IM:").
_QUOTED_HEADER = re.compile(rb'(?:[^":]|"[^"]*")*')
_NAME = re.compile(r"[A-Za-z0-9_-]+")
# [group "."] name [";" parameters], blanks around the name forgiven.
_HEADER = re.compile(r"[ \t]*(?:([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\.)?([A-Za-z0-9_-]+)[ \t]*(?:;(.*))?",
                     re.DOTALL)
_NOT_PARAM_NAME = re.compile(r"[^A-Za-z0-9_-]")
_WHITESPACE = re.compile(rb"\s+")
_BEGIN = b"BEGIN:VCARD"
_END = b"END:VCARD"

# vCard 2.1 lets a parameter be just its value (``TEL;CELL;PREF:``); which
# parameter it belongs to follows from the value.
_BARE_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "B", "7BIT", "8BIT"}
_BARE_VALUE_TYPES = {"INLINE", "URL", "CID", "CONTENT-ID"}
_QP = {"QUOTED-PRINTABLE", "QP"}
_BASE64 = {"B", "BASE64"}

# Properties the codec consumes rather than keeps: the writer makes its own.
_REPLACED = {"VERSION", "PRODID", "REV"}
# Properties that say which program wrote a card, or when, not what it holds:
# a phone that stamps REV with the time of each export still writes the same card.
_NOT_CONTENT = {"PRODID", "REV"}
# Parameters whose values are keywords, which vCard compares in any case.
_KEYWORD_PARAMS = {"TYPE", "VALUE"}
# TYPE values that say nothing a label needs: every TEL is a voice line
# unless told otherwise, every EMAIL an internet address.
_DEFAULT_TYPES = {"TEL": {"pref", "voice"}, "EMAIL": {"pref", "internet"}}
_NO_PREFERENCE = 101  # 4.0 PREF runs 1 (most preferred) to 100

_UNESCAPES = {"n": "\n", "N": "\n", "\\": "\\", ",": ",", ";": ";", ":": ":"}
_ESCAPE_SEQUENCE = re.compile(r"\\(.)", re.DOTALL)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class MalformedCard(InvalidInput):
    """One card (or a stretch of text outside any card) that cannot be read.

    Yielded, not raised, by ``iter_cards``: the caller decides whether to
    skip it or fail the import, and the next card is read either way.
    """

    def __init__(self, number: int | None, line: int, reason: str) -> None:
        self.number = number
        self.line = line
        self.reason = reason
        where = f"card {number}, line {line}" if number is not None else f"line {line}"
        super().__init__(f"{where}: {reason}")


# --- text escaping (RFC 2426 section 4, RFC 6350 section 3.4)


def escape_text(text: str) -> str:
    """A text value for a 3.0 content line: ``\\ , ;`` and line breaks escaped."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return _LINE_BREAK.sub("\\\\n", text)


def unescape_text(text: str) -> str:
    """The text a value stands for, read leniently in every version.

    ``\\n`` ``\\N`` ``\\\\`` ``\\,`` ``\\;`` (and ``\\:``, which some writers add)
    are escapes; a backslash before anything else is kept as written, as
    2.1 writers use it literally (``C:\\Users``).
    """
    if "\\" not in text:
        return text
    return _ESCAPE_SEQUENCE.sub(lambda m: _UNESCAPES.get(m.group(1), m.group(0)), text)


def split_escaped(text: str, separator: str) -> list[str]:
    """``text`` split at each ``separator`` that no backslash escapes; parts stay escaped."""
    if "\\" not in text:
        return text.split(separator)
    parts: list[str] = []
    start = index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == separator:
            parts.append(text[start:index])
            start = index + 1
        index += 1
    parts.append(text[start:])
    return parts


def fold(line: str) -> str:
    """``line`` folded into physical lines of at most 75 octets, joined by CRLF.

    Continuation lines start with one space, so they carry 74 octets of the
    line. A cut never falls inside a UTF-8 sequence, so every physical line
    is valid UTF-8 on its own (some readers decode line by line).
    """
    data = line.encode("utf-8")
    if len(data) <= FOLD_OCTETS:
        return line
    pieces = []
    start, width = 0, FOLD_OCTETS
    while len(data) - start > width:
        cut = start + width
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its sequence
            cut -= 1
        pieces.append(data[start:cut].decode("utf-8"))
        start, width = cut, FOLD_OCTETS - 1
    pieces.append(data[start:].decode("utf-8"))
    return "\r\n ".join(pieces)


# --- properties as read


class Property(NamedTuple):
    """One content line of a card, unfolded, its value still as in the file."""

    group: str | None
    name: str  # upper-cased
    params: tuple[tuple[str, str], ...]  # (NAME upper-cased, value), in order; lists split
    raw: bytes  # the value's bytes (quoted-printable soft line breaks removed)
    line: int  # the physical line it starts on
    nested: bool = False  # an AGENT whose value is an embedded card's lines
    encoding: str | None = None  # "qp", "b64" or None (8-bit, 7-bit or not given)
    charset: str | None = None

    def values(self, param: str) -> list[str]:
        return [value for name, value in self.params if name == param]

    def value_bytes(self) -> bytes:
        """The value with quoted-printable undone (base64 is left alone)."""
        if self.encoding == "qp":
            # a2b_qp is lenient: "=" before non-hex stays as written.
            return binascii.a2b_qp(self.raw)
        return self.raw


def _encoding(params: tuple[tuple[str, str], ...]) -> tuple[str | None, str | None]:
    encoding = charset = None
    for name, value in params:
        if name == "ENCODING" and encoding is None:
            upper = value.upper()
            encoding = "qp" if upper in _QP else "b64" if upper in _BASE64 else None
        elif name == "CHARSET" and charset is None:
            charset = value.strip() or None
    return encoding, charset


def _decode(data: bytes, charset: str | None) -> str | None:
    """``data`` in the declared charset (UTF-8 if none); None if it does not decode.

    An unknown charset is no reason to lose plain ASCII.
    """
    if charset is not None:
        try:
            text = data.decode(codecs.lookup(charset).name)
            # A codec such as unicode_escape can make lone surrogates, which no
            # database stores and UTF-8 cannot write.
            text.encode("utf-8")
            return text
        except LookupError:
            return data.decode("ascii") if data.isascii() else None
        except (UnicodeError, ValueError):  # some codecs (idna) raise more than UnicodeDecodeError
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _qp_encode(data: bytes) -> str:
    """Quoted-printable with no soft breaks and no trailing ``=`` or blank."""
    out = []
    last = len(data) - 1
    for index, byte in enumerate(data):
        if (0x21 <= byte <= 0x7E and byte != 0x3D) or (byte == 0x20 and index != last):
            out.append(chr(byte))
        else:
            out.append(f"={byte:02X}")
    return "".join(out)


# --- kept properties: what minidb does not model, as data


class KeptProperty(NamedTuple):
    """A property minidb stores without modelling, in the form the 3.0 writer puts back.

    ``value`` is the escaped 3.0 value text (as it appears after the colon),
    so writing it is copying it. ``as_dict``/``from_dict`` give the
    JSON-able form for a table.
    """

    group: str | None
    name: str
    params: tuple[tuple[str, str], ...]
    value: str

    def as_dict(self) -> dict[str, Any]:
        return {"group": self.group, "name": self.name,
                "params": [[name, value] for name, value in self.params], "value": self.value}

    @classmethod
    def from_dict(cls, data: Any) -> KeptProperty:
        """Validated: anything a stored or imported row could hold that would break a card is refused."""
        if not isinstance(data, dict) or set(data) != {"group", "name", "params", "value"}:
            raise InvalidInput("a kept vCard property needs exactly group, name, params and value")
        group, name, params, value = data["group"], data["name"], data["params"], data["value"]
        if group is not None and not (isinstance(group, str) and _is_name(group, dots=True)):
            raise InvalidInput(f"kept vCard property group {group!r} is not a vCard group name")
        if not (isinstance(name, str) and _is_name(name)):
            raise InvalidInput(f"kept vCard property name {name!r} is not a vCard property name")
        if name.upper() in ("BEGIN", "END"):
            raise InvalidInput(f"kept vCard property {name} would break the card")
        if not isinstance(value, str) or _has_break(value):
            raise InvalidInput(f"kept vCard property {name} needs a one-line text value")
        pairs = []
        for pair in params if isinstance(params, list) else [None]:
            if (not isinstance(pair, list | tuple) or len(pair) != 2
                    or not all(isinstance(part, str) and not _has_break(part) for part in pair)
                    or not _is_name(pair[0])):
                raise InvalidInput(f"kept vCard property {name} has a malformed parameter {pair!r}")
            pairs.append((pair[0].upper(), pair[1]))
        return cls(group or None, name.upper(), tuple(pairs), value)

    def line(self) -> str:
        """The unfolded 3.0 content line."""
        prefix = f"{self.group}." if self.group else ""
        # A stray line break would end the card early; a stored value never has
        # one (from_dict refuses it), but the writer does not trust that alone.
        value = _LINE_BREAK.sub("\\\\n", self.value).replace("\x00", "")
        return f"{prefix}{self.name}{_params_text(self.params)}:{value}"


def _is_name(text: str, dots: bool = False) -> bool:
    parts = text.split(".") if dots else [text]
    return all(_NAME.fullmatch(part) for part in parts)


def _has_break(text: str) -> bool:
    return "\r" in text or "\n" in text or "\x00" in text


def _param_value(value: str) -> str:
    # DQUOTE cannot appear in a parameter value; RFC 6868 writes it ^'.
    value = value.replace('"', "^'")
    if any(c in value for c in ';:,') or value != value.strip():
        return f'"{value}"'
    return value


def _params_text(params: Iterable[tuple[str, str]]) -> str:
    """``;NAME=v1,v2`` for each run of one parameter name.

    TYPE values are written as one list (quoted as a whole if need be),
    since readers split a quoted TYPE list (4.0 ``TYPE="work,voice"``);
    other parameters quote each value that needs it.
    """
    out = []
    run_name: str | None = None
    run: list[str] = []

    def flush() -> None:
        if run_name is None:
            return
        if run_name == "TYPE":
            joined = ",".join(v.replace('"', "^'") for v in run)
            if any(c in joined for c in ";:") or joined != joined.strip():
                joined = f'"{joined}"'
            out.append(f";TYPE={joined}")
        else:
            out.append(f";{run_name}={','.join(_param_value(v) for v in run)}")

    for name, value in params:
        name = _NOT_PARAM_NAME.sub("", name.upper())
        if not name:
            continue
        if name != run_name:
            flush()
            run_name, run = name, []
        run.append(value)
    flush()
    return "".join(out)


# --- phones and e-mails


@dataclass(frozen=True)
class Entry:
    """A phone or e-mail of a card: its value, a lower-case type label or None, whether preferred.

    ``group`` is the vCard group (``item1``) that ties Apple's X-ABLabel to
    it. ``position`` is its property's place on the card, so that a value the
    importer refuses can be kept in its place (``Card.kept_with``).
    """

    value: str
    type: str | None = None
    preferred: bool = False
    group: str | None = None
    position: int = field(default=-1, compare=False, repr=False)


def type_label(types: Iterable[str], kind: str) -> str | None:
    """The label for these TYPE values of a TEL or EMAIL: lower-case, defaults dropped.

    Several meaningful values are kept together (``home,fax``): a fax
    number is not a home phone.
    """
    skip = _DEFAULT_TYPES.get(kind, {"pref"})
    labels = dict.fromkeys(
        t.strip().lower() for t in types if t.strip() and t.strip().lower() not in skip
    )
    return ",".join(labels) or None


def with_one_preferred(entries: Sequence[Entry]) -> list[Entry]:
    """The entries with exactly one preferred: the first marked one, else the first."""
    chosen = next((i for i, entry in enumerate(entries) if entry.preferred), 0)
    return [
        entry if entry.preferred == (i == chosen) else _replace(entry, preferred=i == chosen)
        for i, entry in enumerate(entries)
    ]


def _replace(entry: Entry, **changes: Any) -> Entry:
    fields = {"value": entry.value, "type": entry.type, "preferred": entry.preferred,
              "group": entry.group, "position": entry.position}
    fields.update(changes)
    return Entry(**fields)


def _preference(prop: Property) -> int:
    rank = _NO_PREFERENCE
    for name, value in prop.params:
        if name == "TYPE" and value.strip().lower() == "pref":  # 3.0 TYPE=pref, bare 2.1 PREF
            rank = min(rank, 1)
        elif name == "PREF" and value.strip().isdigit():  # 4.0 PREF=1 (most) .. 100
            rank = min(rank, max(1, int(value)))
    return rank


# --- a card as read


class Card:
    """One vCard as read: its properties in order, and the fields minidb models.

    ``name`` is FN, else N ("Given Family"), else ORG, else the first
    e-mail, else the first phone; None means the card has none of these.
    ``phones`` and ``emails`` have exactly one preferred entry each when
    not empty. ``kept`` is every other property, in order, as stored.
    ``warnings`` say what was read with a fallback (a charset that does not
    decode); they never make the card invalid.
    """

    def __init__(self, number: int, line: int, properties: list[Property]) -> None:
        self.number = number
        self.line = line
        self.properties = properties
        self._warnings: dict[str, None] = {}
        self._kept_forms: dict[int, KeptProperty] = {}
        positions: dict[str, list[int]] = {}
        for position, prop in enumerate(properties):
            positions.setdefault(prop.name, []).append(position)
        self._positions = positions
        consumed = {p for name in _REPLACED for p in positions.get(name, ())}
        version = positions.get("VERSION")
        self.version = properties[version[0]].raw.strip().decode("ascii", "replace") if version else None
        self.uid = self._first_text("UID", consumed)
        self.phones = self._entries("TEL", consumed)
        self.emails = self._entries("EMAIL", consumed)
        self.name = self._name(consumed)
        self._consumed = consumed

    def __repr__(self) -> str:
        return f"<Card {self.number} (line {self.line}): {self.name!r}>"

    @property
    def warnings(self) -> list[str]:
        """What was read with a fallback, kept properties included."""
        return self.warnings_with(self.phones + self.emails)  # any of them may be refused, and then kept

    def warnings_with(self, refused: Iterable[Entry]) -> list[str]:
        """The warnings of the card as kept with ``refused`` (see ``kept_with``)."""
        self.kept_with(refused)
        return list(self._warnings)

    def _warn(self, message: str) -> None:
        self._warnings[message] = None

    @property
    def label(self) -> str:
        return f"card {self.number} (line {self.line})"

    @property
    def kept(self) -> list[KeptProperty]:
        return self.kept_with(())

    def kept_with(self, refused: Iterable[Entry]) -> list[KeptProperty]:
        """The kept properties, plus refused phones/e-mails in their places on the card.

        The importer refuses a phone such as ``BusinessPhone``; keeping it in
        card order makes a second export of the same card identical.
        """
        positions = {entry.position for entry in refused}
        kept = []
        for position, prop in enumerate(self.properties):
            if position not in self._consumed or position in positions:
                form = self._kept_forms.get(position)
                if form is None:
                    form = self._kept_forms[position] = self._kept_form(prop)
                kept.append(form)
        return kept

    def content(self) -> str:
        """The card in a normal form: equal for two cards exactly when they hold the same.

        What is only a way of writing the card does not count: folding, line
        ends, the order of properties and of parameters, the case of names,
        groups and keyword parameter values, quoted-printable and a declared
        CHARSET (the value counts, decoded), blanks around a value, the
        program that wrote it (PRODID) and when (REV). Everything else does,
        VERSION included. ASCII text, for a name-based UUID: one line per
        property (its header as JSON, then its value escaped), sorted.
        """
        lines = sorted(_normal_line(prop) for prop in self.properties if prop.name not in _NOT_CONTENT)
        return "\n".join(lines)

    # -- decoding

    def text(self, prop: Property) -> str:
        """A modelled property's value as text (still escaped), never failing.

        Undecodable bytes become U+FFFD with a warning: a name with one odd
        letter beats no contact.
        """
        if prop.encoding is None and prop.charset is None:
            try:
                return prop.raw.decode("utf-8")
            except UnicodeDecodeError:
                pass
        data = prop.value_bytes()
        if prop.encoding == "b64":
            try:
                data = binascii.a2b_base64(data)
            except binascii.Error:
                self._warn(f"line {prop.line}: {prop.name} is not valid base64; ignored")
                return ""
        text = _decode(data, prop.charset)
        if text is None:
            charset = prop.charset or "UTF-8"
            self._warn(
                f"line {prop.line}: {prop.name} is not valid {charset} text; "
                "undecodable bytes read as U+FFFD"
            )
            text = data.decode("utf-8", "replace")
        return text

    def _kept_form(self, prop: Property) -> KeptProperty:
        """``prop`` in 3.0 form: decoded to UTF-8 text where it decodes, else as it was."""
        encoding = prop.encoding
        if encoding is None and prop.charset is None and not prop.nested:
            try:
                text = prop.raw.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                if "\x00" not in text:  # a physical line holds no line break: nothing to escape
                    return KeptProperty(prop.group, prop.name, prop.params, text)
        if prop.nested:
            text = prop.raw.decode("utf-8", "replace")
            return KeptProperty(prop.group, prop.name, prop.params, escape_text(text))
        if encoding == "b64":
            # Never decoded (a truncated photo must not fail the card), only
            # unfolded: 2.1 indents each base64 line.
            params = _with_encoding(prop.params, "b")
            data = _WHITESPACE.sub(b"", prop.raw)
            if not data.isascii():
                # Base64 is ASCII: these bytes are damage. Read as UTF-8 with
                # U+FFFD, the value exports and imports as itself from then on.
                self._warn(f"line {prop.line}: {prop.name} has bytes that are not base64; read as U+FFFD")
            return KeptProperty(prop.group, prop.name, params, data.decode("utf-8", "replace"))
        data = prop.value_bytes()
        text = _decode(data, prop.charset)
        if text is not None and "\x00" not in text:
            params = tuple(p for p in prop.params if p[0] not in ("ENCODING", "CHARSET"))
            # A decoded quoted-printable value may hold real line breaks; 3.0 escapes them.
            return KeptProperty(prop.group, prop.name, params, _LINE_BREAK.sub("\\\\n", text))
        # Bytes that do not decode stay the bytes they were: re-encoded as
        # quoted-printable (ASCII, one line) with the charset they claimed.
        self._warn(
            f"line {prop.line}: {prop.name} is not valid {prop.charset or 'UTF-8'} text; kept as it was"
        )
        params = tuple(p for p in prop.params if p[0] != "ENCODING")
        return KeptProperty(prop.group, prop.name, (*params, ("ENCODING", "QUOTED-PRINTABLE")),
                            _qp_encode(data))

    # -- the modelled fields

    def _of(self, name: str) -> Iterator[tuple[int, Property]]:
        for position in self._positions.get(name, ()):
            yield position, self.properties[position]

    def _first_text(self, name: str, consumed: set[int]) -> str | None:
        for position, prop in self._of(name):
            value = unescape_text(self.text(prop)).strip()
            if value:
                consumed.add(position)
                return value
        return None

    def _entries(self, kind: str, consumed: set[int]) -> list[Entry]:
        found: list[tuple[int, int, str, Property]] = []  # (preference, position, value, property)
        for position, prop in self._of(kind):
            value = unescape_text(self.text(prop)).strip()
            if kind == "TEL" and value[:4].lower() == "tel:":
                value = value[4:].strip()  # 4.0 TEL;VALUE=uri:tel:+1-555-555-5555;ext=5
            if not value:
                continue  # an empty TEL is no phone; it stays a kept property
            consumed.add(position)
            found.append((_preference(prop), position, value, prop))
        # The most preferred (lowest rank), the earliest of those; the first if none says.
        best = min(found)[1] if found else -1
        return [Entry(value, type_label(prop.values("TYPE"), kind), position == best, prop.group, position)
                for _, position, value, prop in found]

    def _name(self, consumed: set[int]) -> str | None:
        name = None
        for position, prop in self._of("FN"):
            text = _collapse(unescape_text(self.text(prop)))
            if not text:
                consumed.add(position)  # an empty FN holds nothing to keep
            elif name is None:
                consumed.add(position)
                name = text
        name = name or self._name_from("N", self._name_from_n) or self._name_from("ORG", _name_from_org)
        if name is None and self.emails:
            name = _collapse(self.emails[0].value)
        if name is None and self.phones:
            name = _collapse(self.phones[0].value)
        if name is not None:
            # An N that says no more than the name is the N the writer derives
            # from it: not kept, so a renamed contact does not export a stale N.
            derived = f";{escape_text(name)};;;"
            for position, prop in self._of("N"):
                if prop.group is None and not prop.params and self.text(prop) == derived:
                    consumed.add(position)
        return name

    def _name_from(self, kind: str, reader: Any) -> str | None:
        for _, prop in self._of(kind):
            name = _collapse(reader(self.text(prop)))
            if name:
                return name
        return None

    def _name_from_n(self, text: str) -> str:
        """N (family;given;additional;prefix;suffix) as "Prefix Given Additional Family, Suffix"."""
        parts = (split_escaped(text, ";") + [""] * 5)[:5]
        family, given, additional, prefix, suffix = (self._words(part) for part in parts)
        name = " ".join(prefix + given + additional + family)
        return ", ".join(p for p in (name, " ".join(suffix)) if p)

    def _words(self, component: str) -> list[str]:
        # 3.0 and 4.0 list several values in a component with commas; in 2.1 a comma is text.
        items = [component] if self.version == "2.1" else split_escaped(component, ",")
        return [w for w in (_collapse(unescape_text(item)) for item in items) if w]


def _normal_line(prop: Property) -> str:
    """One line of ``Card.content``: the normal header (JSON), then the value escaped to ASCII."""
    if prop.nested:
        data = prop.raw
    elif prop.encoding == "b64":
        data = _WHITESPACE.sub(b"", prop.raw)  # never decoded (it may be damaged), only unfolded
    else:
        text = _decode(prop.value_bytes(), prop.charset)
        if text is not None:
            if "\r" in text:
                text = _LINE_BREAK.sub("\n", text)
            # unicode_escape: one ASCII line whatever the value holds (a lone surrogate too).
            return _normal_header(prop) + text.strip().encode("unicode_escape").decode("ascii")
        data = prop.value_bytes()
    # Bytes that decode in no charset still count, each as itself.
    return _normal_header(prop) + data.strip().decode("utf-8", "surrogateescape").encode(
        "unicode_escape").decode("ascii")


# Exports repeat a few headers thousands of times; each is made once. Bounded.
_NORMAL_HEADERS: dict[tuple[Any, ...], str] = {}


def _normal_header(prop: Property) -> str:
    key = (prop.group, prop.name, prop.params, prop.encoding == "b64")
    header = _NORMAL_HEADERS.get(key)
    if header is None:
        params = sorted(
            (name, value.strip().lower() if name in _KEYWORD_PARAMS else value.strip())
            for name, value in prop.params if name not in ("ENCODING", "CHARSET")
        )
        if prop.encoding == "b64":
            params.append(("ENCODING", "b"))  # base64 stays as written: it says how to read the value
        if len(_NORMAL_HEADERS) >= _HEADERS_KEPT:
            _NORMAL_HEADERS.clear()
        # JSON ends where the value starts: no value can pass for part of a header.
        header = _NORMAL_HEADERS[key] = json.dumps([(prop.group or "").lower(), prop.name, params])
    return header


def _name_from_org(text: str) -> str:
    """The organisation's name: ORG's first component (the rest are units)."""
    components = [_collapse(unescape_text(c)) for c in split_escaped(text, ";")]
    return next((c for c in components if c), "")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _with_encoding(params: tuple[tuple[str, str], ...], encoding: str) -> tuple[tuple[str, str], ...]:
    """``params`` with its ENCODING replaced by ``encoding`` in the same place."""
    out: list[tuple[str, str]] = []
    placed = False
    for name, value in params:
        if name == "ENCODING":
            if not placed:
                out.append(("ENCODING", encoding))
                placed = True
        else:
            out.append((name, value))
    if not placed:
        out.append(("ENCODING", encoding))
    return tuple(out)


# --- reading: bytes → physical lines → logical lines → cards


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream's bytes in chunks, as UTF-8 when it starts with a UTF-16 byte-order mark."""
    first = stream.read(_CHUNK)
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Windows Contacts and Outlook can export UTF-16; the grammar is read as UTF-8.
        decoder = codecs.getincrementaldecoder("utf-16")("replace")
        chunk = first
        while chunk:
            yield decoder.decode(chunk).encode("utf-8")
            chunk = stream.read(_CHUNK)
        yield decoder.decode(b"", final=True).encode("utf-8")
        return
    if first.startswith(codecs.BOM_UTF8):
        first = first[len(codecs.BOM_UTF8):]
    chunk = first
    while chunk:
        yield chunk
        chunk = stream.read(_CHUNK)


def _physical_lines(chunks: Iterable[bytes]) -> Iterator[bytes | None]:
    """Each line without its line end; None for a line over the limit (skipped, not held).

    Each byte is scanned once: a line's start waits in a list of pieces
    until its end comes, however many chunks later.
    """
    pending: list[bytes] = []
    size = 0
    held = b""  # CRs that ended a chunk: the start of CRLF or CR CR LF, or a lone CR
    too_long = False
    for chunk in chunks:
        data = held + chunk
        cut = len(data)
        while cut and data[cut - 1] == 0x0D and len(data) - cut < 2:
            cut -= 1
        held = data[cut:]
        parts = _LINE_END.split(data[:cut])
        last = parts.pop()
        for part in parts:
            if too_long:
                too_long = False
                yield None
            elif pending:
                pending.append(part)
                yield b"".join(pending)
            else:
                yield part
            pending, size = [], 0
        if last and not too_long:
            pending.append(last)
            size += len(last)
            if size > MAX_LINE_BYTES:
                too_long, pending, size = True, [], 0
    if too_long:
        yield None
        return
    rest = b"".join(pending) + held
    if rest:
        parts = _LINE_END.split(rest)
        if parts[-1] == b"":
            parts.pop()
        yield from parts


def _header_end(line: bytes | bytearray) -> int:
    """The index of the colon that ends the property header, -1 if none."""
    colon = line.find(b":")
    if colon < 0 or line.find(b'"', 0, colon) < 0:
        return colon
    end = _QUOTED_HEADER.match(line).end()  # type: ignore[union-attr]
    # An unbalanced quote: the first colon is the best guess.
    return end if end < len(line) and line[end] == 0x3A else colon


def _line_encoding(pieces: list[bytes]) -> str | None:
    """``"qp"``, ``"b64"`` or ``""`` for the logical line in ``pieces``; None until its header is whole."""
    line = pieces[0] if len(pieces) == 1 else b"".join(pieces)
    end = _header_end(line)
    if end < 0:
        return None
    header = line[:end].decode("utf-8", "replace").upper()
    if "QUOTED-PRINTABLE" in header:
        return "qp"
    if "BASE64" in header or re.search(r";\s*ENCODING\s*=\s*B\b", header):
        return "b64"
    return ""


def _logical_lines(physical: Iterable[bytes | None]) -> Iterator[tuple[int, bytes | None]]:
    """(number of its first physical line, unfolded line); None for one over the limit.

    Unfolding: a line starting with a space or TAB continues the previous
    one (the one blank removed). A quoted-printable value ending in ``=``
    continues on the next line (a 2.1 soft line break), unless that line
    ends the card. A 2.1 base64 value may continue on lines without a colon.
    """
    pieces: list[bytes] = []  # the logical line so far
    size = start = number = 0
    encoding: str | None = None  # of the logical line, worked out once (linear time)
    for line in physical:
        number += 1
        if pieces and line is not None:
            piece, encoding = _continuation(pieces, line, encoding)
            if piece is not None:
                size += len(piece)
                if size <= MAX_LINE_BYTES:
                    pieces.append(piece)
                else:
                    pieces = [b""]  # over the limit: no longer held; reported when it ends
                continue
        if pieces:
            yield start, _joined(pieces, size)
            pieces = []
        if line is None:
            yield number, None
        else:
            pieces, size, start, encoding = [line], len(line), number, None
    if pieces:
        yield start, _joined(pieces, size)


def _continuation(pieces: list[bytes], line: bytes, encoding: str | None) -> tuple[bytes | None, str | None]:
    """What ``line`` adds to the logical line in ``pieces`` (None: it starts a new one), and the encoding.

    A quoted-printable soft break is undone in ``pieces`` itself.
    """
    if line.startswith((b" ", b"\t")):
        return line[1:], encoding
    soft_break = pieces[-1].endswith(b"=")
    bare = b":" not in line and bool(line.strip())
    if not (soft_break or bare):
        return None, encoding
    if encoding is None:
        encoding = _line_encoding(pieces)
    if soft_break and encoding == "qp" and line.strip().upper() != _END:
        pieces[-1] = pieces[-1][:-1]
        return line, encoding
    if bare and encoding == "b64":
        return line.strip(), encoding
    return None, encoding


def _joined(pieces: list[bytes], size: int) -> bytes | None:
    if size > MAX_LINE_BYTES:
        return None
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    if '"' not in text:
        return text.split(separator)
    parts, start, quoted = [], 0, False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _parse_params(segments: list[str]) -> tuple[tuple[str, str], ...]:
    params: list[tuple[str, str]] = []
    for segment in segments:
        segment = segment.strip()
        if not segment:
            continue  # ";;" and a trailing ";" (Evolution writes them)
        name, equals, value = segment.partition("=")
        if not equals:
            # A bare 2.1 parameter: its value says which parameter it is.
            upper = segment.upper()
            if upper in _BARE_ENCODINGS:
                name = "ENCODING"
            elif upper in _BARE_VALUE_TYPES:
                name = "VALUE"
            else:
                name = "TYPE"
            value = segment
        name = _NOT_PARAM_NAME.sub("", name.upper())
        if not name:
            continue
        for item in _split_outside_quotes(value, ","):
            item = item.strip()
            quoted = len(item) >= 2 and item[0] == item[-1] == '"'
            if quoted:
                item = item[1:-1]
            if name == "TYPE" and quoted:
                # 4.0 quotes a TYPE list: TYPE="work,voice" is two types.
                params.extend((name, t.strip()) for t in item.split(","))
            else:
                params.append((name, item))
    return tuple(params)


_Header = tuple[str | None, str, tuple[tuple[str, str], ...], str | None, str | None]
# Exports repeat a few headers (TEL;TYPE=cell, EMAIL;TYPE=home) thousands of
# times; each is parsed once. Bounded: a hostile file of distinct headers
# only empties it now and then.
_HEADERS: dict[bytes, _Header | str] = {}
_HEADERS_KEPT = 1024


def _parse_property(line: bytes, number: int) -> Property | str:
    """The property on ``line``, or the reason it is not one."""
    end = _header_end(line)
    if end < 0:
        return f"not a vCard property (no ':'): {_show(line)}"
    key = line[:end]
    header = _HEADERS.get(key)
    if header is None:
        if len(_HEADERS) >= _HEADERS_KEPT:
            _HEADERS.clear()
        header = _HEADERS[key] = _parse_header(key)
    if isinstance(header, str):
        return f"{header}: {_show(line)}"
    group, name, params, encoding, charset = header
    return Property(group, name, params, line[end + 1:], number, False, encoding, charset)


def _parse_header(header: bytes) -> _Header | str:
    """(group, NAME, params, encoding, charset) of a property header, or what is wrong with it."""
    match = _HEADER.fullmatch(header.decode("utf-8", "replace"))
    if match is None:
        return "not a vCard property name"
    group, name, rest = match.groups()
    params = _parse_params(_split_outside_quotes(rest, ";")) if rest else ()
    encoding, charset = _encoding(params) if params else (None, None)
    return group, name.upper(), params, encoding, charset


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit} bytes"


def _show(line: bytes) -> str:
    text = line.decode("utf-8", "replace")
    return repr(text if len(text) <= 60 else text[:57] + "...")


class _CardReader:
    """The lines of one card as they arrive."""

    def __init__(self, number: int, line: int) -> None:
        self.number = number
        self.line = line
        self.properties: list[Property] = []
        self.size = 0
        self.failure: MalformedCard | None = None
        self.nested: list[bytes] | None = None  # the lines of an AGENT's embedded card
        self.depth = 0

    def fail(self, line: int, reason: str) -> None:
        if self.failure is None:
            self.failure = MalformedCard(self.number, line, reason)
            self.properties = []  # memory: nothing of a broken card is needed

    def agent_expects_card(self) -> bool:
        """The last property is an AGENT whose value is the card on the next lines (2.1)."""
        last = self.properties[-1] if self.properties else None
        return last is not None and last.name == "AGENT" and not last.raw.strip()

    def add(self, number: int, line: bytes) -> None:
        self.size += len(line)
        if self.size > MAX_CARD_BYTES:
            self.fail(number, f"card is larger than {_size(MAX_CARD_BYTES)}")
        if self.failure is not None:
            return
        parsed = _parse_property(line, number)
        if isinstance(parsed, str):
            self.fail(number, parsed)
            return
        if len(self.properties) == MAX_PROPERTIES:
            self.fail(number, f"card has more than {MAX_PROPERTIES} properties")
            return
        self.properties.append(parsed)
        if parsed.name == "AGENT" and parsed.raw.strip().upper() == _BEGIN:
            self.nested, self.depth = [_BEGIN], 1  # AGENT:BEGIN:VCARD, the card follows

    def add_nested(self, number: int, line: bytes, upper: bytes) -> None:
        assert self.nested is not None
        self.size += len(line)
        if self.size > MAX_CARD_BYTES:
            self.fail(number, f"card is larger than {_size(MAX_CARD_BYTES)}")
        if self.failure is None:
            self.nested.append(line)
        else:
            self.nested.clear()  # still counted to its END, so its lines are not read as cards
        # The embedded card may embed one of its own, either way 2.1 writes it.
        if upper == _BEGIN or (upper.endswith(b":" + _BEGIN) and upper.startswith(b"AGENT")):
            self.depth += 1
            if self.depth > MAX_NESTING:
                self.fail(number, f"cards nested more than {MAX_NESTING} deep")
        elif upper == _END:
            self.depth -= 1
            if self.depth == 0:
                if self.failure is None:
                    raw = b"\n".join(self.nested) + b"\n"
                    self.properties[-1] = self.properties[-1]._replace(raw=raw, nested=True)
                self.nested = None

    def finish(self) -> Card | MalformedCard:
        if self.failure is not None:
            return self.failure
        return Card(self.number, self.line, self.properties)


def iter_cards(source: IO[bytes] | bytes) -> Iterator[Card | MalformedCard]:
    """Each card of a vCard file (any version, any number), in order, one at a time.

    A card that cannot be read is yielded as a MalformedCard naming its
    number and line, and reading goes on with the next card; text outside
    any card is yielded as a MalformedCard without a number (once per run
    of such lines). ``source`` is a binary stream or bytes.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    number = 0
    card: _CardReader | None = None
    stray = False  # within a run of lines outside any card
    for line_number, line in _logical_lines(_physical_lines(_chunks(stream))):
        if line is None:
            reason = f"line is longer than {_size(MAX_LINE_BYTES)}"
            if card is not None:
                card.fail(line_number, reason)
            else:
                yield MalformedCard(None, line_number, reason)
            continue
        if len(line) <= 64:
            upper = line.strip().upper()
            if not upper:
                continue
        elif line.isspace():
            continue
        else:
            upper = b""
        if card is None:
            if upper == _BEGIN:
                number += 1
                card, stray = _CardReader(number, line_number), False
            elif not stray:
                stray = True
                yield MalformedCard(None, line_number, f"expected BEGIN:VCARD, found {_show(line)}")
            continue
        if card.nested is not None:
            # An embedded card without its END is closed by the outer END:VCARD,
            # so one broken AGENT costs its own card, not the rest of the file.
            card.add_nested(line_number, line, upper)
            continue
        if upper == _END:
            yield card.finish()
            card = None
        elif upper == _BEGIN:
            if card.agent_expects_card():
                card.nested, card.depth = [], 0
                card.add_nested(line_number, line, upper)
            else:
                card.fail(card.line, f"no END:VCARD (the next card starts at line {line_number})")
                yield card.finish()
                number += 1
                card = _CardReader(number, line_number)
        else:
            card.add(line_number, line)
    if card is not None:
        card.fail(card.line, "no END:VCARD (the file ends inside the card)")
        yield card.finish()


def read_cards(source: IO[bytes] | bytes) -> Iterator[Card]:
    """Each card in order; the first malformed card raises its MalformedCard."""
    for item in iter_cards(source):
        if isinstance(item, MalformedCard):
            raise item
        yield item


# --- writing


def _rev(moment: datetime | None) -> str:
    # Not strftime: glibc's %Y writes year 999 as '999', not the 4 digits a date needs.
    utc = (moment or datetime.now(UTC)).astimezone(UTC)
    return f"{utc.year:04}{utc.month:02}{utc.day:02}T{utc.hour:02}{utc.minute:02}{utc.second:02}Z"


def _escape_phone(value: str) -> str:
    # A 3.0 TEL is a phone number, not text: ";ext=12" and commas are written
    # as they are (other readers would show "\;"); only what would break the
    # line, or read back differently, is escaped. The reader drops one "tel:",
    # so a value that starts with one gets another.
    if value[:4].lower() == "tel:":
        value = "tel:" + value
    return _LINE_BREAK.sub("\\\\n", value.replace("\\", "\\\\"))


def _entry_line(kind: str, entry: Entry, preferred: bool, value: str) -> str:
    types = [t for t in (entry.type or "").split(",") if t.strip()]
    if preferred:
        types.append("pref")
    params = _params_text(("TYPE", t) for t in types)
    group = f"{entry.group}." if entry.group and _is_name(entry.group, dots=True) else ""
    return f"{group}{kind}{params}:{value}"


def card_text(*, name: str, uid: str, phones: Sequence[Entry] = (), emails: Sequence[Entry] = (),
              kept: Sequence[KeptProperty] = (), rev: datetime | None = None) -> str:
    """One contact as a vCard 3.0 card: CRLF line ends, folded at 75 octets, escaped per RFC 2426.

    Order: VERSION, PRODID, REV, UID, FN, N (the kept N, else one derived
    from the name, which 3.0 requires), one TEL and one EMAIL per entry
    (``TYPE=cell,pref`` on the preferred one), then the kept properties.
    """
    remaining = list(kept)
    n_index = next((i for i, prop in enumerate(remaining) if prop.name == "N"), None)
    # minidb keeps one name and does not guess where a family name starts:
    # the whole name as the given name shows as written on every phone.
    n_line = remaining.pop(n_index).line() if n_index is not None else f"N:;{escape_text(name)};;;"
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"PRODID:{PRODID}", f"REV:{_rev(rev)}",
             f"UID:{escape_text(uid)}", f"FN:{escape_text(name)}", n_line]
    lines += [_entry_line("TEL", e, e.preferred, _escape_phone(e.value)) for e in with_one_preferred(phones)]
    lines += [_entry_line("EMAIL", e, e.preferred, escape_text(e.value)) for e in with_one_preferred(emails)]
    lines += [prop.line() for prop in remaining]
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)
