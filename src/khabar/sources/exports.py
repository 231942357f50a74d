"""Reading scraper exports record by record: JSON arrays, JSON Lines and CSV.

Each reader yields ``(number, line, record)`` (record numbers from 1; ``line`` is
the file line where the record starts, or None for a JSON array) or raises a
:class:`KhabarError` for the file as a whole (invalid JSON, not an array,
unreadable CSV).  A bad line of a JSON Lines file is yielded as a
:class:`KhabarError` in place of its record, so the rest of the file is kept.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from typing import Any

from khabar.errors import KhabarError
from khabar.sources.decode import decode_page

Item = tuple[int, "int | None", "dict[str, Any] | KhabarError"]

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _text(raw: bytes, encoding: str) -> str:
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
        return decode_page(raw, markup_check=False)
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise KhabarError("encoding.not-utf8", offset=getattr(exc, "start", 0), guess=f"; and not {encoding}") from None


def read_json(raw: bytes, encoding: str = "utf-8") -> Iterator[Item]:
    text = _text(raw, encoding)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KhabarError("export.invalid-json", line=exc.lineno, reason=f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, list):
        raise KhabarError("export.not-a-list", kind=type(data).__name__.replace("dict", "object"))
    for n, record in enumerate(data, start=1):
        if isinstance(record, dict):
            yield n, None, record
        else:
            yield n, None, KhabarError("layout.bad-record", detail=f"record {n} is a JSON {type(record).__name__}, not an object")


def read_jsonl(raw: bytes, encoding: str = "utf-8") -> Iterator[Item]:
    text = _text(raw, encoding)
    n = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        n += 1
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, lineno, KhabarError("layout.bad-record", line=lineno, detail=f"line {lineno} is not JSON: {exc.msg}")
            continue
        if isinstance(record, dict):
            yield n, lineno, record
        else:
            yield n, lineno, KhabarError("layout.bad-record", line=lineno, detail=f"line {lineno} is a JSON {type(record).__name__}, not an object")


def read_csv(raw: bytes, encoding: str = "utf-8", delimiter: str = ",", columns: list[str] | None = None) -> Iterator[Item]:
    text = _text(raw, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise KhabarError("export.invalid-csv", reason="the file has no header row") from None
    except csv.Error as exc:
        raise KhabarError("export.invalid-csv", reason=str(exc)) from None
    missing = [c for c in (columns or []) if c not in header]
    if missing:
        raise KhabarError("export.missing-column", columns=", ".join(repr(c) for c in missing),
                          present=", ".join(repr(h) for h in header))
    n = 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            n += 1
            yield n, start, KhabarError("layout.bad-record", line=start, detail=f"line {start}: {exc}")
            continue
        if not any(cell.strip() for cell in row):
            continue
        n += 1
        if len(row) != len(header):
            yield n, start, KhabarError("layout.bad-record", line=start,
                                        detail=f"line {start} has {len(row)} cells, the header {len(header)}")
            continue
        yield n, start, dict(zip(header, row))
