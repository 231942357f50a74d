"""WARC captures (``.warc``, ``.warc.gz``): record by record, streaming, never the whole file in memory.

Every record ends as exactly one :data:`Entry`:

* a :class:`Capture`: a ``response`` with status 200 and an HTML payload, of a page on a host
  the registry gives to an outlet (or harvested for one: the ``WARC-Khabar-Outlet`` header
  that ``khabar harvest`` writes), whose URL the outlet's rules take for an article; the
  worker reads it into an article (:mod:`khabar.sources.webpage`);
* a :class:`Skip`, counted per reason in the build report and never read: ``record:<type>``
  (warcinfo, request, metadata, revisit, ...), ``host:<host>`` (a page of a host no registry
  entry claims: a CC-NEWS file holds thousands of sites), ``not-article:<outlet>`` (a section
  front or tag page of the outlet), ``not-selected:<outlet>`` (an outlet the input leaves out);
* a :class:`Refusal`, a coded reject with the record's offset: ``warc.http-status``,
  ``warc.not-html``, ``warc.truncated``, ``input.too-large``, ``warc.unreadable`` (a damaged
  record: reading goes on at the next record boundary found after it).

Reading is done by warcio (Apache-2.0).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from khabar.registry import Source

OUTLET_HEADER = "WARC-Khabar-Outlet"       # the outlet a harvest fetched the page for
HARVEST_STATE = "harvest-state.sqlite"     # what khabar harvest keeps beside its WARC files
OPEN_SUFFIX = ".open"                      # a WARC file khabar harvest is still writing
SUFFIXES = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
UNKNOWN = "(unknown)"                      # the source counted for a record that cannot be read at all


@dataclasses.dataclass
class Capture:
    offset: int
    url: str
    source: str
    content_type: str | None
    payload: bytes


@dataclasses.dataclass
class Skip:
    offset: int
    reason: str


@dataclasses.dataclass
class Refusal:
    offset: int
    source: str
    code: str
    params: dict[str, Any]


Entry = Capture | Skip | Refusal


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES)


def bookkeeping(folder: Path) -> list[Path]:
    """The files ``khabar harvest`` keeps in a folder of WARC files: its state (and SQLite's
    journal files) and a WARC file it is writing. They are not inputs."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and (
        p.name.startswith(HARVEST_STATE) or p.name.endswith(SUFFIXES[1] + OPEN_SUFFIX)))


def file_digest(path: Path) -> tuple[str, int]:
    """The file's sha256 and size, read in blocks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


class Outlets:
    """Which outlet a page belongs to: by the harvest's header, else by its host (registry ``hosts``)."""

    def __init__(self, registry: dict[str, Source], selected: frozenset[str] | None = None):
        self.registry = registry
        self.selected = selected
        self._hosts = sorted(((h, s.key) for s in registry.values() for h in s.hosts), key=lambda x: -len(x[0]))

    def of(self, url: str, declared: str | None) -> str | None:
        if declared and declared in self.registry:
            return declared
        host = host_of(url).removeprefix("www.")
        for known, key in self._hosts:
            if host == known or host.endswith("." + known):
                return key
        return None


def entries(path: Path, outlets: Outlets, rules: dict[str, Any], max_bytes: int) -> Iterator[Entry]:
    """Every record of the WARC file at ``path``, in file order, as one entry each."""
    with path.open("rb") as fh:
        start, searching = 0, False      # searching: after a damaged record, until a record reads again
        while True:
            fh.seek(start)
            iterator = ArchiveIterator(fh, check_digests=False)
            end, progressed = start, False
            try:
                for record in iterator:
                    offset = iterator.offset       # this record's start (get_record_offset() reads it to its end)
                    yield _entry(record, offset, outlets, rules, max_bytes)
                    iterator.read_to_end(record)
                    end = offset + iterator.get_record_length()
                    progressed = True
                return
            except Exception as exc:                # warcio's ArchiveLoadFailed, zlib and EOF errors
                reason = f"{type(exc).__name__}: {_printable(str(exc))}"
            following = _next_boundary(fh, end + 1, gzip=path.name.lower().endswith(".gz"))
            if progressed or not searching:         # one reject per damaged stretch
                resumed = f" at offset {following}" if following is not None else " (none: the file ends there)"
                yield Refusal(end, UNKNOWN, "warc.unreadable", {"offset": end, "reason": reason, "resumed": resumed})
            if following is None:
                return
            start, searching = following, True


def _printable(message: str, limit: int = 80) -> str:
    """An exception's message fit for a report: what follows a damaged record is bytes, not text."""
    return "".join(c if " " <= c <= "~" else "?" for c in message[:limit])


def _next_boundary(fh: BinaryIO, position: int, gzip: bool) -> int | None:
    """Where the next record can start at or after ``position``: a gzip member's magic bytes, or
    a ``WARC/1.`` version line at the start of a line."""
    magic = b"\x1f\x8b\x08" if gzip else b"\nWARC/1."
    skip = 0 if gzip else 1
    fh.seek(position)
    carry, base = b"", position
    while True:
        block = fh.read(1 << 20)
        if not block:
            return None
        data = carry + block
        found = data.find(magic)
        if found >= 0:
            return base - len(carry) + found + skip
        carry = data[-(len(magic) - 1):]
        base += len(block)


def _entry(record: Any, offset: int, outlets: Outlets, rules: dict[str, Any], max_bytes: int) -> Entry:
    kind = record.rec_type
    if kind != "response":
        return Skip(offset, f"record:{kind}")
    headers = record.rec_headers
    url = (headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    source = outlets.of(url, (headers.get_header(OUTLET_HEADER) or "").strip() or None)
    if source is None:
        return Skip(offset, f"host:{host_of(url) or '(none)'}")
    if outlets.selected is not None and source not in outlets.selected:
        return Skip(offset, f"not-selected:{source}")
    page_rules = rules.get(source)
    if page_rules is not None and not page_rules.is_article(url):
        return Skip(offset, f"not-article:{source}")
    http = record.http_headers
    status = http.get_statuscode() if http is not None else None
    if status != "200":
        return Refusal(offset, source, "warc.http-status", {"url": url, "offset": offset, "status": status or "none"})
    content_type = http.get_header("Content-Type")
    if not (content_type or "").split(";")[0].strip().lower() in HTML_TYPES:
        return Refusal(offset, source, "warc.not-html", {"url": url, "offset": offset,
                                                          "content_type": content_type or "no Content-Type"})
    if headers.get_header("WARC-Truncated"):
        return Refusal(offset, source, "warc.truncated", {"url": url, "offset": offset,
                                                           "reason": f"WARC-Truncated: {headers.get_header('WARC-Truncated')}"})
    try:
        payload = record.content_stream().read(max_bytes + 1)
    except Exception as exc:                        # a broken chunked or gzip transfer encoding
        return Refusal(offset, source, "warc.unreadable", {"offset": offset, "resumed": "",
                                                            "reason": f"its payload cannot be decoded: {type(exc).__name__}"})
    if len(payload) > max_bytes:
        return Refusal(offset, source, "input.too-large", {"size": f"over {max_bytes}", "limit": max_bytes})
    left = getattr(record.raw_stream, "limit", 0) or 0
    if left > 0:
        return Refusal(offset, source, "warc.truncated", {"url": url, "offset": offset,
                                                           "reason": f"the file ends {left} byte(s) before the record does"})
    return Capture(offset, url, source, content_type, payload)
