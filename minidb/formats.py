"""Reading and writing the import/export formats both CLIs share.

Everything streams: a JSON array is written one element at a time and read
one element at a time, so exporting or importing a million records needs
memory for one record, not for the file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import IO, Any

from minidb.errors import InvalidInput

_READ_SIZE = 1 << 16


def timestamp_to_json(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``; microseconds only when there are some."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def timestamp_from_json(value: Any, what: str) -> datetime:
    """Parse an ISO 8601 timestamp with an explicit offset; naive times are rejected."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what}: expected an ISO 8601 timestamp string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        raise InvalidInput(f"{what}: {value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{what}: {value!r} has no time zone (add Z for UTC)")
    return parsed.astimezone(UTC)


def date_to_json(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


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


def read_json_array(source: IO[str]) -> Iterator[Any]:
    """Yield the elements of a JSON array from a text stream, one at a time.

    Raises InvalidInput naming the element (1-based) where the JSON breaks.
    """
    decoder = json.JSONDecoder()
    buffer = ""
    position = 0
    eof = False
    index = 0

    def fill() -> bool:
        nonlocal buffer, position, eof
        if eof:
            return False
        chunk = source.read(_READ_SIZE)
        if not chunk:
            eof = True
            return False
        buffer = buffer[position:] + chunk
        position = 0
        return True

    def skip_blanks() -> str:
        nonlocal position
        while True:
            while position < len(buffer) and buffer[position].isspace():
                position += 1
            if position < len(buffer):
                return buffer[position]
            if not fill():
                return ""

    if skip_blanks() != "[":
        raise InvalidInput("not a JSON array: the file must start with '['")
    position += 1
    if skip_blanks() == "]":
        position += 1
    else:
        while True:
            index += 1
            skip_blanks()  # raw_decode does not skip leading white space
            while True:
                try:
                    item, end = decoder.raw_decode(buffer, position)
                except json.JSONDecodeError as error:
                    if fill():
                        continue
                    raise InvalidInput(f"record {index}: malformed JSON ({error.msg})") from None
                # A number or literal cut by the chunk boundary parses short.
                if end == len(buffer) and fill():
                    continue
                break
            position = end
            yield item
            separator = skip_blanks()
            position += 1
            if separator == "]":
                break
            if separator != ",":
                raise InvalidInput(f"record {index}: expected ',' or ']' after it")
    if skip_blanks():
        raise InvalidInput("unexpected text after the JSON array")


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
    ``required`` + ``optional``; blank lines are skipped.
    """
    reader = csv.reader(source)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("empty CSV file: expected a header line") from None
    except csv.Error as error:
        raise InvalidInput(f"line 1: malformed CSV ({error})") from None
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
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
                raise InvalidInput(f"line {line}: expected {len(header)} fields, found {len(values)}")
            yield line, dict(zip(header, values, strict=True))
    except csv.Error as error:
        raise InvalidInput(f"line {reader.line_num}: malformed CSV ({error})") from None


def sniff_format(name: str, source: IO[str], choices: tuple[str, ...]) -> tuple[str, IO[str]]:
    """Pick the import format from the file name's extension, else from its content.

    Returns the format and a stream positioned at the start of the content
    (stdin cannot seek, so the peeked text is put back in front).
    """
    lowered = name.lower()
    for fmt in choices:
        extensions = {"vcard": (".vcf", ".vcard")}.get(fmt, (f".{fmt}",))
        if lowered.endswith(extensions):
            return fmt, source
    head = source.read(4096)
    rest = _Chained(head, source)
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
