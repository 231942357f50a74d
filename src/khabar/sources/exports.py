"""Reading scraper exports record by record: JSON arrays, JSON Lines, CSV, Excel and text.

Each reader yields ``(number, line, record)`` (record numbers from 1; ``line`` is
the file line (or sheet row) where the record starts, or None for a JSON array) or
raises a :class:`KhabarError` for the file as a whole (invalid JSON, not an array,
unreadable CSV or workbook).  A bad line of a JSON Lines file is yielded as a
:class:`KhabarError` in place of its record, so the rest of the file is kept.

Lines are cut at ``\n``, ``\r\n`` and ``\r`` only: U+2028, U+2029, U+0085, VT and FF
are characters of a line, not line ends.

The two text shapes have no field names of their own, so they are named here:

* ``lines``: one article a line, cut at the mapping's ``separator`` into its ``columns``;
* ``text-file``: one article a file: a title line, a blank line, then the body
  (fields ``title`` and ``body``).

Both add ``file``: the file's name without its extension (a category folder's file
name, or the outlet's article id in a scraper's file name).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import sys
from collections.abc import Iterator
from typing import Any

from khabar.errors import KhabarError
from khabar.native import native
from khabar.sources.decode import _check_binary, check_mojibake, decode_page, iter_lines, lines

Item = tuple[int, "int | None", "dict[str, Any] | KhabarError"]

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _text(raw: bytes, encoding: str) -> str:
    """The export's text, or a KhabarError for the file (one not in UTF-8 says how many lines
    are lost with it)."""
    try:
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
            return decode_page(raw, markup_check=False)
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise KhabarError("encoding.not-utf8", offset=getattr(exc, "start", 0), guess=f"; and not {encoding}") from None
    except KhabarError as err:
        lost = raw.count(b"\n") + (not raw.endswith(b"\n"))
        if err.code == "encoding.not-utf8" and lost > 1:
            err.params["guess"] = err.params.get("guess", "") + f"; the file's {lost} line(s) are not read with it"
        raise


_PER_LINE = ("encoding.not-utf8", "encoding.nul")


def _line_texts(raw: bytes, encoding: str) -> Iterator[tuple[int, "str | KhabarError"]]:
    """The lines of a line-based export, each decoded alone when the file as a whole cannot be:
    a NUL or invalid byte then costs its own line, not the file (binary files still fail whole)."""
    try:
        text = _text(raw, encoding)
    except KhabarError as err:
        nul = err.code == "encoding.binary" and "NUL byte" in str(err.params.get("detail", ""))
        if err.code not in _PER_LINE and not nul:
            raise
        per_line: list[tuple[int, str | KhabarError]] = []
        for lineno, chunk in enumerate(raw.split(b"\n"), start=1):
            chunk = chunk.removesuffix(b"\r")
            if lineno == 1:
                chunk = chunk.removeprefix(b"\xef\xbb\xbf")
            if b"\x00" in chunk:
                per_line.append((lineno, KhabarError("encoding.nul", line=lineno, count=chunk.count(0),
                                                     offset=chunk.index(0))))
                continue
            try:
                per_line.append((lineno, chunk.decode(encoding)))
            except UnicodeDecodeError as exc:
                per_line.append((lineno, KhabarError("encoding.not-utf8", line=lineno, offset=exc.start,
                                                     guess=" in this line")))
        if sum(isinstance(x, KhabarError) for _, x in per_line) * 2 > len(per_line):
            raise                        # mostly not text: the file as a whole
        if per_line and per_line[-1][1] == "":
            per_line.pop()
        yield from per_line
        return
    yield from enumerate(iter_lines(text), start=1)


class _Refused(ValueError):
    """A JSON value Khabar does not take as text: NaN or Infinity, or an object with a key twice."""


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON value")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))      # type: ignore[func-returns-value]
        raise _Refused(f"key {twice!r} appears twice in one object (which one is meant?)")
    return out


def loads(text: str) -> Any:
    """Strict JSON: NaN, Infinity and repeated keys refused (:class:`ValueError`); nesting too
    deep raises RecursionError and a number too long ValueError, as json does (``json.loads``
    with these hooks, whose decoder is made once here, not once a record)."""
    if not isinstance(text, str) or text.startswith("\ufeff"):       # (json.loads refuses a BOM by name)
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_repeated_keys)
    return _DECODER.decode(text)


_DECODER = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_no_repeated_keys)


def _problem(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    return str(exc)


class _Repeated(dict):  # type: ignore[type-arg]
    """An object that had a key twice (in an array of records, that record alone is refused)."""

    twice: str = ""


def _mark_repeated(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    seen: set[str] = set()
    marked = _Repeated(out)
    marked.twice = next(k for k, _ in pairs if k in seen or seen.add(k))      # type: ignore[func-returns-value]
    return marked


def _repeated_in(value: Any, depth: int = 0) -> str | None:
    if isinstance(value, _Repeated):
        return value.twice
    if depth < 50 and isinstance(value, dict):
        return next((k for v in value.values() if (k := _repeated_in(v, depth + 1)) is not None), None)
    if depth < 50 and isinstance(value, list):
        return next((k for v in value if (k := _repeated_in(v, depth + 1)) is not None), None)
    return None


def read_json(raw: bytes, encoding: str = "utf-8") -> Iterator[Item]:
    text = _text(raw, encoding)
    try:
        data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_mark_repeated)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        about = text.count("\n{") + text.count("}, {") + text.count("},{")
        raise KhabarError("export.invalid-json", line=line, reason=(
            _problem(exc) + (f"; the file's {about} record(s) or so are not read with it" if about else ""))) from None
    if not isinstance(data, list):
        raise KhabarError("export.not-a-list", kind=type(data).__name__.replace("dict", "object"))
    for n, record in enumerate(data, start=1):
        twice = _repeated_in(record)
        if twice is not None:
            yield n, None, KhabarError("layout.bad-record", detail=f"record {n}: key {twice!r} appears twice in one "
                                                                   "object (which one is meant?)")
        elif isinstance(record, dict):
            yield n, None, record
        else:
            yield n, None, KhabarError("layout.bad-record", detail=f"record {n} is a JSON {type(record).__name__}, not an object")


def _records_of_lines(raw: bytes, encoding: str) -> Iterator[tuple[int, int, "str | KhabarError"]]:
    """(record number, line number, line text or its decoding rejection) of every non-blank line."""
    n = 0
    for lineno, line in _line_texts(raw, encoding):
        if isinstance(line, str) and not line.strip():
            continue
        n += 1
        yield n, lineno, line


class JsonLine(str):
    """A JSON Lines record not parsed yet: its line's text.  The build's main process only cuts
    the file into lines; the worker process that works on the record parses it (:meth:`record`),
    so no parsed object crosses a pipe."""

    __slots__ = ()

    def record(self, lineno: int | None) -> dict[str, Any]:
        """The line's object; raises ``layout.bad-record`` for a line that is not one."""
        return line_record(self, lineno)


def line_record(line: str | bytes, lineno: int | None) -> dict[str, Any]:
    """A JSON Lines record's object from its line (text, or the bytes of a line of an export
    known to be UTF-8: see :func:`_byte_lines`); raises ``layout.bad-record`` for a line that is not one."""
    try:
        record = loads(line.decode("utf-8") if isinstance(line, bytes) else line)
    except (ValueError, RecursionError) as exc:
        raise KhabarError("layout.bad-record", line=lineno, detail=f"line {lineno} is not JSON: {_problem(exc)}") from None
    if not isinstance(record, dict):
        raise KhabarError("layout.bad-record", line=lineno,
                          detail=f"line {lineno} is a JSON {type(record).__name__}, not an object")
    return record


def _byte_lines(raw: bytes, encoding: str) -> Iterator[tuple[int, int, bytes]] | None:
    """For ``lazy`` reading (the build's main process): the records of a JSON Lines export as the
    bytes of their lines, (record number, line number, bytes), which the worker decodes and parses
    (:func:`line_record`), so the main process neither decodes the file nor encodes its lines
    again to send them.  Only for a file whose text the long way would give whole and unchanged
    but for the BOM: UTF-8 (``native.utf8_valid``), no CR, and every check of ``decode_page``
    passed; None otherwise (the long way then reads it, and names any problem)."""
    if native is None or encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig") or b"\r" in raw:
        return None
    if not raw or raw.isspace() or not native.utf8_valid(raw):
        return None
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        _check_binary(raw)
        check_mojibake(raw[start:start + 4 * 20000 + 4].decode("utf-8", errors="ignore")[:20000])
    except KhabarError:
        return None
    if not _PRINTABLE_ASCII.search(raw, start):      # blank but for non-ASCII white space, or only controls
        return None
    return _numbered_lines(raw, start)


_PRINTABLE_ASCII = re.compile(rb"[!-~]")


def _numbered_lines(raw: bytes, start: int) -> Iterator[tuple[int, int, bytes]]:
    """:func:`_records_of_lines` on bytes: the lines as :func:`iter_lines` cuts a text without CR,
    blank ones (white space as ``str.strip`` sees it) skipped."""
    n, lineno, end = 0, 0, len(raw)
    while start < end:
        stop = raw.find(b"\n", start)
        line = raw[start:] if stop < 0 else raw[start:stop]
        start = end if stop < 0 else stop + 1
        lineno += 1
        head = line.lstrip()                 # ASCII white space; a line opening otherwise may be Unicode's
        if not head or (not (0x21 <= head[0] <= 0x7E) and not line.decode("utf-8").strip()):
            continue
        n += 1
        yield n, lineno, line


def read_jsonl(raw: bytes, encoding: str = "utf-8", lazy: bool = False) -> Iterator[Item]:
    """Every non-blank line's object, or its rejection; ``lazy``: its :class:`JsonLine` (or its
    bytes, :func:`_byte_lines`), parsed later."""
    if lazy:
        fast = _byte_lines(raw, encoding)
        if fast is not None:
            yield from fast
            return
    for n, lineno, line in _records_of_lines(raw, encoding):
        if isinstance(line, KhabarError):
            yield n, lineno, line
        elif lazy:
            yield n, lineno, JsonLine(line)
        else:
            try:
                yield n, lineno, JsonLine(line).record(lineno)
            except KhabarError as err:
                yield n, lineno, err


def read_csv(raw: bytes, encoding: str = "utf-8", delimiter: str = ",", columns: list[str] | None = None) -> Iterator[Item]:
    try:
        text = _text(raw, encoding)
    except KhabarError:
        yield from _read_csv_by_lines(raw, encoding, delimiter, columns)    # a NUL or bad byte costs its line
        return
    yield from _read_csv_text(text, delimiter, columns)


_MARK = "\uffff"            # a noncharacter: stands in for the bytes of a line that could not be decoded


def _read_csv_by_lines(raw: bytes, encoding: str, delimiter: str, columns: list[str] | None) -> Iterator[Item]:
    """A CSV whose bytes are not text as a whole (a NUL, a bad byte): the CSV is read with those
    bytes marked, and each row that holds a mark is its own reject with the line's code; every
    other row is read as it is (a row's quoted line breaks still hold)."""
    decoded = list(_line_texts(raw, encoding))             # raises for a file that is mostly not text
    bad = {lineno: item for lineno, item in decoded if isinstance(item, KhabarError)}
    parts = []
    raw_lines = raw.split(b"\n") if bad else []
    for lineno, item in decoded:
        if isinstance(item, KhabarError):
            chunk = raw_lines[lineno - 1].removesuffix(b"\r")
            item = chunk.replace(b"\x00", b"\xff").decode(encoding, errors="replace").replace("\ufffd", _MARK)
        parts.append(item)
    for n, lineno, item in _read_csv_text("\n".join(parts), delimiter, columns):
        if isinstance(item, dict) and any(_MARK in v for v in item.values() if isinstance(v, str)):
            first = min((b for b in bad if b >= (lineno or 0)), default=None)
            item = bad[first] if first is not None else KhabarError("encoding.not-utf8", line=lineno, offset=0, guess="")
            item.line = first or lineno
        yield n, lineno, item


def _read_csv_text(text: str, delimiter: str, columns: list[str] | None) -> Iterator[Item]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise KhabarError("export.invalid-csv", reason="the file has no header row") from None
    except csv.Error as exc:
        raise KhabarError("export.invalid-csv", reason=str(exc)) from None
    _check_header(header, columns, "export.invalid-csv")
    n = 0
    file_lines: list[str] | None = None          # cut only if a broken quote needs them, and once
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
            problem = None if len(row) == len(header) or not any(c.strip() for c in row) else \
                f"line {start} has {len(row)} cells, the header {len(header)}"
        except StopIteration:
            return
        except csv.Error as exc:
            row, problem = [], f"line {start}: {exc}"
        if problem is not None and reader.line_num > start:
            # a broken quote swallowed the lines after it: read each of them alone, so every row
            # of the file is counted (and the whole ones kept)
            file_lines = lines(text) if file_lines is None else file_lines
            for lineno, item in _salvage(file_lines, start, reader.line_num, header, delimiter, problem):
                n += 1
                yield n, lineno, item
            continue
        if problem is not None:
            n += 1
            yield n, start, KhabarError("layout.bad-record", line=start, detail=problem)
            continue
        if not row:
            continue                                   # a blank line is no row
        n += 1
        if not any(cell.strip() for cell in row):      # delimiters only: a row with nothing in it, counted
            yield n, start, KhabarError("layout.empty-record", line=start)
            continue
        yield n, start, dict(zip(header, row))


def _salvage(file_lines: list[str], first: int, last: int, header: list[str], delimiter: str,
             problem: str) -> Iterator[tuple[int, "dict[str, str] | KhabarError"]]:
    """Lines ``first``..``last`` of a CSV, each read as one row: whole rows as records, the rest rejected."""
    for lineno, line in enumerate(file_lines[first - 1:last], start=first):
        if not line.strip():
            continue
        try:
            rows = list(csv.reader([line], delimiter=delimiter, strict=True))
        except csv.Error:
            rows = []
        if len(rows) == 1 and len(rows[0]) == len(header):
            yield lineno, dict(zip(header, rows[0]))
        else:
            yield lineno, KhabarError("layout.bad-record", line=lineno, detail=(
                f"line {lineno} is not a whole row ({problem}: a quote opened at line {first} runs to line {last}; "
                "fix the quote, and the rows after it are read whole)"))


def _check_header(header: list[str], columns: list[str] | None, code: str) -> None:
    """Every column the mapping reads is there, and no column name is given twice."""
    missing = [c for c in (columns or []) if c not in header]
    if missing:
        raise KhabarError("export.missing-column", columns=", ".join(repr(c) for c in missing),
                          present=", ".join(repr(h) for h in header))
    twice = sorted({h for h in header if header.count(h) > 1 and h})
    if twice:
        raise KhabarError(code, reason=f"column(s) {', '.join(map(repr, twice))} appear twice in the header "
                                       "(which one is meant?)")


def cell_text(value: Any) -> str | None:
    """A spreadsheet cell as the text it shows: a whole number without '.0', a date in ISO form."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


XLSX_EXPANDED_LIMIT = 256 * 2**20      # what a workbook's parts may expand to (a real 3 MB export: 16 MB)


def _check_expansion(raw: bytes) -> None:
    """A workbook is a zip: refuse one whose parts expand past :data:`XLSX_EXPANDED_LIMIT` (a zip
    bomb) before the reader inflates it in memory."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise KhabarError("export.invalid-xlsx", reason=f"not a zip archive, as a workbook is ({exc})") from None
    if expanded > XLSX_EXPANDED_LIMIT:
        raise KhabarError("export.invalid-xlsx", reason=f"its parts expand to {expanded} bytes, over the limit of "
                                                         f"{XLSX_EXPANDED_LIMIT} (a zip bomb, or split the workbook)")


def read_xlsx(raw: bytes, sheet: str | None = None, columns: list[str] | None = None) -> Iterator[Item]:
    """An Excel workbook's sheet (the first unless named): a header row, then one record a row.

    Read by python-calamine; every cell comes as text (:func:`cell_text`), an empty cell as ''."""
    from python_calamine import CalamineError, CalamineWorkbook

    _check_expansion(raw)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        names = book.sheet_names
        if sheet is not None and sheet not in names:
            raise KhabarError("export.invalid-xlsx", reason=f"no sheet {sheet!r} (it has: {', '.join(names)})")
        rows = (book.get_sheet_by_name(sheet) if sheet else book.get_sheet_by_index(0)).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise KhabarError("export.invalid-xlsx", reason=f"{type(exc).__name__}: {exc}") from None
    if not rows:
        raise KhabarError("export.invalid-xlsx", reason="the sheet has no header row")
    header = [cell_text(c) or "" for c in rows[0]]
    _check_header(header, columns, "export.invalid-xlsx")
    n = 0
    for rowno, row in enumerate(rows[1:], start=2):
        cells = [cell_text(c) or "" for c in row]
        if not any(c.strip() for c in cells):
            continue
        n += 1
        yield n, rowno, dict(zip(header, cells))


def read_lines(raw: bytes, file: str, separator: str, columns: list[str], encoding: str = "utf-8") -> Iterator[Item]:
    """One article a line, its fields cut at ``separator`` (the last column takes any extra)."""
    for n, lineno, line in _records_of_lines(raw, encoding):
        if isinstance(line, KhabarError):
            yield n, lineno, line
            continue
        parts = line.split(separator, len(columns) - 1)
        if len(parts) != len(columns):
            yield n, lineno, KhabarError("layout.bad-record", line=lineno, detail=(
                f"line {lineno} has {len(parts) - 1} separator(s) {separator!r}, {len(columns) - 1} expected "
                f"(columns {', '.join(columns)})"))
            continue
        yield n, lineno, {"file": file, **dict(zip(columns, parts))}


def read_text_file(raw: bytes, file: str, encoding: str = "utf-8") -> Iterator[Item]:
    """One article a file: the title on the first line, a blank line, then the body."""
    text = _text(raw, encoding)
    title, sep, body = text.partition("\n")
    title = title.removesuffix("\r")
    if not sep or not title.strip() or not body.strip():
        yield 1, 1, KhabarError("layout.bad-record", line=1, detail=(
            "one article a file needs a title line, a blank line and a body; "
            f"this file has {'no body' if title.strip() else 'no title on its first line'}"))
        return
    rest = lines(body)
    if rest and rest[0].strip():
        yield 1, 1, KhabarError("layout.bad-record", line=2, detail="line 2 must be blank (between the title and the body)")
        return
    yield 1, 1, {"file": file, "title": title, "body": body.lstrip("\r\n")}
