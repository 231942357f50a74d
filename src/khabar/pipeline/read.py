"""Stage 2, read: inputs cut into units of work (up to 32 saved pages, or a chunk of an export's records).

An export that cannot be read as a whole becomes one ``error`` unit; a file whose sha256
differs from the one its provenance records is rejected here (``input.checksum-mismatch``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

from khabar.pipeline.discover import InputItem
from khabar.pipeline.settings import BuildConfig
from khabar.errors import KhabarError
from khabar.work import Unit, freeze, read_page

CHUNK = 256
PAGES = 32            # saved pages, or WARC records, per unit (a page is 50-300 KB of HTML)


def units(items: list[InputItem], cfg: BuildConfig, seconds: dict[str, float]) -> Iterator[Unit]:
    """Stage read: saved pages in groups of up to :data:`PAGES` (read by the worker), exports read
    and cut into chunks of records (in input order).  A page a unit cost a round trip to a worker
    and a spool file a page, which pass 2 opened twice: 200 pages' files took 0.2 s of its start."""
    pages: list[Unit] = []
    for item in items:
        if item.mapping is None and item.refused is None and item.warc is None:
            pages.append(Unit("page", item.source, origin=item.origin, path=item.path, max_bytes=cfg.max_input_bytes))
            if len(pages) >= PAGES:
                yield _pages(pages)
                pages = []
            continue
        if pages:
            yield _pages(pages)
            pages = []
        if item.refused is not None:
            code, params = item.refused
            yield Unit("error", item.source, origin=item.origin, error=freeze(KhabarError(code, **params)))
        elif item.warc is not None:
            yield from _captures(item, cfg, seconds)
        else:
            yield from _export(item, cfg, seconds)
    if pages:
        yield _pages(pages)


def _pages(pages: list[Unit]) -> Unit:
    """Saved pages as one unit (``records``: their own units, one a page)."""
    where = pages[0].origin if len(pages) == 1 else f"{pages[0].origin} to {pages[-1].origin} ({len(pages)} pages)"
    return Unit("pages", pages[0].source, origin=where, records=list(pages))


def _export(item: InputItem, cfg: BuildConfig, seconds: dict[str, float]) -> Iterator[Unit]:
    """An export read and cut into chunks of records.  Its own generator, so the file's bytes and
    text are let go as it ends, before the next file is read (not held beside it)."""
    assert item.mapping is not None
    mapping = item.mapping
    t0 = time.perf_counter()
    input_file: tuple[str, str, int] | None = None
    try:
        raw = read_page(item.path, cfg.max_input_bytes)
        input_file = (item.origin, hashlib.sha256(raw).hexdigest(), len(raw))
        if item.sha256 is not None and item.sha256 != input_file[1]:
            raise KhabarError("input.checksum-mismatch", expected=item.sha256, found=input_file[1])
        records = mapping.read(raw, item.path.name, lazy=True)
        chunk: list[tuple[str, int | None, Any]] = []
        for n, line, record in records:
            chunk.append((f"{item.origin}#{n}", line, freeze(record) if isinstance(record, KhabarError) else record))
            if len(chunk) >= CHUNK:
                seconds["read"] += time.perf_counter() - t0
                yield Unit("records", item.source, origin=item.origin, mapping=mapping, records=chunk,
                           input_file=input_file)
                chunk, t0, input_file = [], time.perf_counter(), None
        seconds["read"] += time.perf_counter() - t0
        if chunk:
            yield Unit("records", item.source, origin=item.origin, mapping=mapping, records=chunk,
                       input_file=input_file)
    except KhabarError as err:      # the file as a whole
        seconds["read"] += time.perf_counter() - t0
        yield Unit("error", item.source, origin=item.origin, error=freeze(err),
                   input_file=input_file)


def _captures(item: InputItem, cfg: BuildConfig, seconds: dict[str, float]) -> Iterator[Unit]:
    """A WARC file's records, in file order, cut into units of :data:`PAGES` records (skips and
    refusals travel with them, so every record is counted where it stands)."""
    from khabar.registry import sources
    from khabar.sources import warc
    from khabar.sources.webpage import page_rules

    assert item.warc is not None
    t0 = time.perf_counter()
    input_file: tuple[str, str, int] | None = None
    try:
        digest, size = warc.file_digest(item.path)
        input_file = (item.origin, digest, size)
        outlets = warc.Outlets(sources(), item.warc.outlets)
        chunk: list[warc.Entry] = []
        for entry in warc.entries(item.path, outlets, page_rules(), cfg.max_input_bytes):
            chunk.append(entry)
            if len(chunk) >= PAGES:
                seconds["read"] += time.perf_counter() - t0
                yield Unit("warc", warc.UNKNOWN, origin=item.origin, records=chunk, input_file=input_file)
                chunk, t0, input_file = [], time.perf_counter(), None
        seconds["read"] += time.perf_counter() - t0
        if chunk or input_file is not None:
            yield Unit("warc", warc.UNKNOWN, origin=item.origin, records=chunk, input_file=input_file)
    except OSError as exc:
        seconds["read"] += time.perf_counter() - t0
        yield Unit("error", warc.UNKNOWN, origin=item.origin,
                   error=freeze(KhabarError("input.unreadable", reason=exc.strerror or str(exc))), input_file=input_file)
