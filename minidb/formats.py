"""Reading and writing the import/export formats both CLIs share.

Everything streams: a JSON array is written one element at a time and read
one element at a time, so exporting or importing a million records needs
memory for one record, not for the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

from minidb.errors import InvalidInput
from minidb.values import check_text

_READ_SIZE = 1 << 16

def write_json_array(items: Iterable[Any], out: IO[str]) -> int:
    """Write ``items`` as a JSON array, one element per line; return the count."""
    count = 0
    out.write("[")
    for item in items:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


#: The largest import record (a JSON element); anything bigger is refused
#: unread, so a hostile file costs neither time nor memory.
MAX_RECORD = 1 << 20  # characters: 1 MiB of ASCII
MAX_RECORD_TEXT = "1 MiB"

_JSON_BLANKS = re.compile(r"[ \t\n\r]*")
_STRUCTURAL = re.compile(r'["\[\]{}]')
_STRING_SPECIAL = re.compile(r'["\\]')
_SCALAR_END = re.compile(r'[ \t\n\r,\]}]')


def read_json_array(source: IO[str]) -> Iterator[Any]:
    """Yield the elements of a JSON array from a text stream, one at a time.

    Raises InvalidInput naming the element (1-based) where the JSON breaks,
    or the element that is larger than MAX_RECORD, nested too deeply, or
    holds a number too long to read. Time is linear in the file's size.
    """
    reader = _ArrayReader(source)
    if reader.skip_blanks() != "[":
        raise InvalidInput("not a JSON array: the file must start with '['")
    reader.position += 1
    if reader.skip_blanks() == "]":
        reader.position += 1
    else:
        index = 0
        while True:
            index += 1
            reader.skip_blanks()  # raw_decode does not skip leading white space
            yield reader.element(index)
            separator = reader.skip_blanks()
            reader.position += 1
            if separator == "]":
                break
            if separator != ",":
                raise InvalidInput(f"record {index}: expected ',' or ']' after it")
    if reader.skip_blanks():
        raise InvalidInput("unexpected text after the JSON array")


class _ArrayReader:
    """A window on a text stream: ``buffer[position:]`` is what is not consumed yet.

    Each refill drops the consumed text, so offsets into the unconsumed part
    (``offset`` below) survive it.
    """

    def __init__(self, source: IO[str]) -> None:
        self.source = source
        self.buffer = ""
        self.position = 0
        self.eof = False
        self.decoder = json.JSONDecoder()

    def fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.source.read(_READ_SIZE)
        if not chunk:
            self.eof = True
            return False
        self.buffer = self.buffer[self.position:] + chunk
        self.position = 0
        return True

    def skip_blanks(self) -> str:
        """Skip JSON white space; return the next character, or "" at the end."""
        while True:
            self.position = _JSON_BLANKS.match(self.buffer, self.position).end()
            if self.position < len(self.buffer):
                return self.buffer[self.position]
            if not self.fill():
                return ""

    def element(self, index: int) -> Any:
        """Decode the element at ``position`` and move past it.

        Most elements are whole in the buffer and decode at the first try.
        One that is not is first scanned to its end, filling as it goes,
        and decoded once: decoding it again after every refill would cost
        time quadratic in its size.
        """
        start = self.position
        item, end = self._decode(index, final=self.eof)
        # Not whole in the buffer, or a number the refill may have cut short.
        if end is None or (end == len(self.buffer) and not self.eof):
            self._read_to_end_of_element(index)
            start = self.position
            item, end = self._decode(index, final=True)
        if end - start > MAX_RECORD:
            raise _too_large(index)
        self.position = end
        return item

    def _decode(self, index: int, final: bool) -> tuple[Any, int | None]:
        """The element at ``position`` and where it ends; (None, None) if it may be incomplete."""
        try:
            return self.decoder.raw_decode(self.buffer, self.position)
        except json.JSONDecodeError as error:
            if final:
                raise InvalidInput(f"record {index}: malformed JSON ({error.msg})") from None
            return None, None
        except RecursionError:
            raise InvalidInput(f"record {index}: nested too deeply") from None
        except ValueError as error:
            if "digits" not in str(error):
                raise InvalidInput(f"record {index}: malformed JSON ({error})") from None
            # int()'s guard against numbers so long that converting them takes quadratic time.
            raise InvalidInput(f"record {index}: a number has more than "
                               f"{sys.get_int_max_str_digits()} digits") from None

    def _read_to_end_of_element(self, index: int) -> None:
        """Fill the buffer until it holds the whole element at ``position`` (or the file ends).

        Tracks strings and brackets across refills, so each character is
        looked at once; the decoder finds any other fault afterwards.
        """
        offset = 0  # how far past position the scan has got
        depth = 0
        in_string = False
        scalar = self.buffer[self.position] not in '[{"'
        while True:
            text, i = self.buffer, self.position + offset
            while True:
                if scalar:
                    found = _SCALAR_END.search(text, i)
                    if found:
                        return
                    i = len(text)
                    break
                if in_string:
                    found = _STRING_SPECIAL.search(text, i)
                    if found is None:
                        i = len(text)
                        break
                    if found.group() == "\\":
                        if found.end() == len(text):  # the escaped character is in the next chunk
                            i = found.start()
                            break
                        i = found.end() + 1
                        continue
                    in_string = False
                    i = found.end()
                    if depth == 0:
                        return
                    continue
                found = _STRUCTURAL.search(text, i)
                if found is None:
                    i = len(text)
                    break
                i = found.end()
                bracket = found.group()
                if bracket == '"':
                    in_string = True
                elif bracket in "[{":
                    depth += 1
                else:
                    depth -= 1
                    if depth <= 0:
                        return
            offset = i - self.position
            if len(text) - self.position > MAX_RECORD:
                raise _too_large(index)
            if not self.fill():
                return


def _too_large(index: int) -> InvalidInput:
    return InvalidInput(f"record {index}: larger than {MAX_RECORD_TEXT}, the most a record may be")


def write_csv(header: list[str], rows: Iterable[list[Any]], out: IO[str]) -> int:
    """Write a CSV file with ``header``; return the number of data rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
        count += 1
    return count


def read_csv(
    source: IO[str], required: list[str], optional: tuple[str, ...] | list[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)`` for each data row of a CSV file.

    The header must name every ``required`` column and nothing outside
    ``required`` + ``optional``; blank lines are skipped. The first bad row
    raises InvalidInput.
    """
    for line, row in read_csv_rows(source, required, optional):
        if isinstance(row, InvalidInput):
            raise row
        yield line, row


def read_csv_rows(
    source: IO[str], required: list[str], optional: tuple[str, ...] | list[str] = ()
) -> Iterator[tuple[int, dict[str, str] | InvalidInput]]:
    """As :func:`read_csv`, but a row with the wrong number of fields comes
    back as its InvalidInput and the reading goes on, so an import can name
    every bad row. A bad header, or CSV the parser cannot go on with, raises.
    """
    reader = csv.reader(source)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("empty CSV file: expected a header line") from None
    except csv.Error as error:
        raise InvalidInput(f"line 1: malformed CSV ({error})") from None
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    for name in header:
        check_text(name, "line 1: the CSV header")
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required and c not in optional]
    if missing or unknown:
        raise InvalidInput(
            "line 1: CSV header must be " + ",".join(required + list(optional))
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
        )
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield line, InvalidInput(f"line {line}: expected {len(header)} fields, found {len(values)}")
                continue
            yield line, dict(zip(header, values, strict=True))
    except csv.Error as error:
        raise InvalidInput(f"line {reader.line_num}: malformed CSV ({error})") from None


def sniff_format(name: str, source: IO[str], choices: tuple[str, ...]) -> tuple[str, IO[str]]:
    """Pick the import format from the file name's extension, else from its content.

    Returns the format and a stream positioned at the start of the content
    (stdin cannot seek, so the peeked text is put back in front).
    """
    head = source.read(4096)
    rest = _Chained(head, source)
    # The UTF-16 and UTF-32 byte-order marks (FF FE, FE FF, 00 00 FE FF) as read with surrogateescape.
    if head.startswith(("\udcff\udcfe", "\udcfe\udcff", "\x00\x00\udcfe\udcff")):
        raise InvalidInput(f"{name} is UTF-16 or UTF-32 text (it starts with a byte-order mark); "
                           "minidb reads UTF-8: convert it first, e.g. with iconv -t UTF-8")
    lowered = name.lower()
    for fmt in choices:
        extensions = {"vcard": (".vcf", ".vcard")}.get(fmt, (f".{fmt}",))
        if lowered.endswith(extensions):
            return fmt, rest
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("[") and "json" in choices:
        return "json", rest
    if stripped[:11].upper() == "BEGIN:VCARD" and "vcard" in choices:
        return "vcard", rest
    if "csv" in choices:
        return "csv", rest
    raise InvalidInput(f"cannot tell the format of {name}; expected one of {', '.join(choices)}")


class _Chained(io.TextIOBase):
    """A text stream that yields ``head`` and then the rest of ``tail``."""

    def __init__(self, head: str, tail: IO[str]) -> None:
        self._head = head
        self._tail = tail

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        if size is None or size < 0:
            text, self._head = self._head + self._tail.read(), ""
            return text
        if self._head:
            text, self._head = self._head[:size], self._head[size:]
            return text
        return self._tail.read(size)

    def readline(self, size: int | None = -1) -> str:
        if self._head:
            line, sep, rest = self._head.partition("\n")
            if sep:
                self._head = rest
                return line + sep
            self._head = ""
            return line + self._tail.readline()
        return self._tail.readline()

    def __iter__(self) -> Iterator[str]:
        while line := self.readline():
            yield line
