"""Per-article work, the part of a build that runs in worker processes.

A *unit* is one saved page, or a chunk of records of one export file.  A worker turns
it into *outcomes*, one per article: the valid published record (parsed or imported,
normalized and annotated, validated against the schema) with its MinHash signature,
or the rejection (code, parameters, line).  Units are processed in parallel and their
outcomes consumed in input order (:func:`ordered_map`), so the output is the same
byte for byte whatever the number of workers.  Stage times are measured here and
summed by the build.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from khabar import dedup, validate
from khabar.assemble import assemble
from khabar.dates import DateLimits
from khabar.errors import KhabarError
from khabar.record import Article
from khabar.registry import Source, sources, taxonomy
from khabar.sources import page_parser
from khabar.sources.exports import JsonLine, line_record
from khabar.sources.mapping import Mapping

STAGES = ("read", "parse", "normalize", "validate", "dedup", "split", "write")
Error = tuple[str, dict[str, Any], "int | None"]


def freeze(err: KhabarError) -> Error:
    """A rejection in a form that crosses process boundaries."""
    return err.code, dict(err.params), err.line


def thaw(error: Error) -> KhabarError:
    code, params, line = error
    return KhabarError(code, line=line, **params)


@dataclasses.dataclass
class Unit:
    kind: str                                   # 'page' | 'pages' | 'records' | 'warc' | 'error'
    source: str                                 # the source counted if nothing better is known
    origin: str = ""
    path: Path | None = None
    max_bytes: int = 0
    mapping: Mapping | None = None
    # 'records': (origin, line, dict | Error) each; 'pages': a Unit a page; 'warc': the file's entries
    records: list[Any] = dataclasses.field(default_factory=list)
    error: Error | None = None
    input_file: tuple[str, str, int] | None = None   # an export's (path, sha256, bytes), on its first unit


@dataclasses.dataclass
class Outcome:
    origin: str
    source: str
    line: int | None
    record: dict[str, Any] | None = None
    error: Error | None = None
    unmapped: list[str] = dataclasses.field(default_factory=list)
    signature: np.ndarray | None = None
    shingles: np.ndarray | None = None        # the distinct shingles, for the exact check of a candidate pair
    digest: bytes | None = None
    length: int | None = None                        # characters of the deduplicated content
    input_file: tuple[str, str, int] | None = None   # (path, sha256, bytes) of the input file, on its first outcome
    # With Worker(spooling=...): the spool file the worker wrote its unit's published rows to, on
    # the unit's first published outcome; ``record`` then keeps only the fields the build's main
    # process reads (SLIM), and ``tabled`` says the row travels in that file.
    spool_file: Path | None = None
    tabled: bool = False
    skipped: str | None = None      # a web capture's record that is no article (its reason: khabar.sources.warc)
    path: str | None = None         # how a web page's body was found: 'rules' or 'generic'


SLIM = ("id", "url", "published", "raw_sha256", "source")


@dataclasses.dataclass(frozen=True)
class Spooling:
    """Where workers write their units' published rows (the build's staging folder), and how
    (the spool's compression): see :func:`tabulate`."""

    folder: Path
    compression: str = "none"


def check_schema(article: Article) -> dict[str, Any]:
    record = article.to_json(validate.schema_fields())
    if validate.is_valid(record):        # (the verdict alone is quicker to get than the errors)
        return record
    problems = list(validate.errors(record))
    if problems:
        path, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise KhabarError("schema.invalid", path=path, message=message + more)
    return record


def parse_page(raw: bytes, origin: str, source: Source, limits: DateLimits) -> Article:
    """Parse, normalize and annotate one saved page (what ``khabar parse`` and the build share)."""
    parse = page_parser(source, Path(origin).suffix)
    raw_article = parse(raw, origin, source, limits.for_source(source.founded))
    return assemble(raw_article, source, taxonomy())


def read_page(path: Path, max_bytes: int) -> bytes:
    try:
        if path.is_symlink():
            try:
                path.resolve(strict=True)
            except RuntimeError as exc:          # pathlib: "Symlink loop from ..."
                raise KhabarError("input.symlink-loop", reason=str(exc)) from None
            except OSError as exc:
                if exc.errno == 40:              # ELOOP
                    raise KhabarError("input.symlink-loop", reason=exc.strerror or str(exc)) from None
                raise
        if not path.exists() and not path.is_symlink():
            raise KhabarError("input.unreadable", reason="no such file")
        if not path.is_file():
            raise KhabarError("input.unreadable", reason="not a regular file (a FIFO, socket, device or dangling link)")
        size = path.stat().st_size
        if size > max_bytes:
            raise KhabarError("input.too-large", size=size, limit=max_bytes)
        return path.read_bytes()
    except OSError as exc:
        raise KhabarError("input.unreadable", reason=exc.strerror or str(exc)) from None


class Worker:
    """Holds what every unit needs (registry, taxonomy, date limits) and the stage clock."""

    def __init__(self, latest: Any, spooling: Spooling | None = None, open_only: bool = False):
        self.spooling = spooling
        self.units = 0
        self.open_only = open_only      # publishing into the repository: only redistributable sources
        self.limits = DateLimits(latest=latest)
        self.registry = sources()
        self.taxonomy = taxonomy()
        self.seconds = dict.fromkeys(STAGES, 0.0)

    def _finish(self, out: Outcome, article: Article) -> None:
        t0 = time.perf_counter()
        record = check_schema(article)
        t1 = time.perf_counter()
        text = dedup.content(record)
        out.signature, out.shingles = dedup.fingerprint(text)
        out.digest = dedup.content_digest(text)
        out.length = len(text)
        self.seconds["validate"] += t1 - t0
        self.seconds["dedup"] += time.perf_counter() - t1
        out.record, out.unmapped = record, article.unmapped_labels

    def _check_rights(self, source: Any) -> None:
        if self.open_only and not source.open:
            raise KhabarError("rights.not-redistributable", source=source.key, license=source.license,
                              redistribution=source.rights)

    # A unit's articles go through the stages a stage at a time: every article parsed, then every
    # one assembled (normalized, annotated), then every one validated and fingerprinted.  The
    # outcomes are those of one article at a time (each stage is a function of its article alone),
    # and a unit of 256 export records is about a tenth quicker (620-630 us an article against
    # 680-700, one process): each stage's code and data (the lexicon and the memos of normalization,
    # the furniture's patterns, the schema) stay in the processor's caches for a whole unit instead
    # of being pushed out by the other stages' at every article.  (Pausing assemble itself between
    # normalization, furniture and offsets, the same way, measured no quicker.)

    def _stages(self, parsed: list[_Parsed], failed: Callable[[_Parsed, Exception], None]) -> None:
        """Stages normalize (:func:`assemble`), validate and dedup for a unit's parsed articles, in
        order; ``failed`` turns an article's error into its outcome's (or raises it again)."""
        t0 = time.perf_counter()
        assembled = []
        for p in parsed:
            try:
                assembled.append((p, assemble(p.raw, p.source, self.taxonomy)))
            except Exception as exc:
                failed(p, exc)
        self.seconds["normalize"] += time.perf_counter() - t0
        for p, article in assembled:
            try:
                if p.path is not None:
                    p.out.path = p.path
                self._finish(p.out, article)
            except Exception as exc:
                failed(p, exc)

    def pages(self, units: list[Unit]) -> list[Outcome]:
        """Saved pages (units of kind 'page'): parsed, then assembled and checked."""
        outcomes, parsed = [], []
        for unit in units:
            out = Outcome(unit.origin, unit.source or "?", None)
            outcomes.append(out)
            try:
                parsed.append(self._read_page(unit, out))
            except KhabarError as err:
                out.error = freeze(err)
        self._stages(parsed, _page_failed)
        return outcomes

    def _read_page(self, unit: Unit, out: Outcome) -> _Parsed:
        if unit.source not in self.registry:
            raise KhabarError("input.unknown-source", source=unit.source, known=", ".join(sorted(self.registry)))
        source = self.registry[unit.source]
        assert unit.path is not None
        if unit.path.suffix.lower() != ".txt":
            raise KhabarError("input.unknown-format", suffix=unit.path.suffix, where=f"corpus/raw/{source.key}")
        parse = page_parser(source, unit.path.suffix)
        t0 = time.perf_counter()
        raw = read_page(unit.path, unit.max_bytes)
        out.input_file = (unit.origin, hashlib.sha256(raw).hexdigest(), len(raw))
        self._check_rights(source)
        t1 = time.perf_counter()
        self.seconds["read"] += t1 - t0
        try:
            return _Parsed(out, parse(raw, unit.origin, source, self.limits.for_source(source.founded)), source)
        finally:
            self.seconds["parse"] += time.perf_counter() - t1

    def records(self, mapping: Mapping, records: list[tuple[str, int | None, Any]]) -> list[Outcome]:
        """An export's records ((origin, line, record or its rejection) each): imported, then
        assembled and checked."""
        outcomes, parsed = [], []
        t0 = time.perf_counter()
        for origin, line, item in records:
            out = Outcome(origin, mapping.default_source(), line)
            outcomes.append(out)
            if isinstance(item, tuple):
                out.error = item
                continue
            try:
                if isinstance(item, (JsonLine, bytes)):        # a JSON line, parsed here (khabar.sources.exports)
                    item = line_record(item, line)
                registry = mapping.registry(self.registry)
                raw = mapping.apply(item, origin=origin, registry=registry, limits=self.limits)
                out.source = raw.source
                self._check_rights(registry[raw.source])
                parsed.append(_Parsed(out, raw, registry[raw.source], item=item, mapping=mapping))
            except Exception as exc:
                _record_failed(_Parsed(out, None, None, item=item, mapping=mapping), exc)
        self.seconds["parse"] += time.perf_counter() - t0
        self._stages(parsed, _record_failed)
        return outcomes

    def record(self, mapping: Mapping, origin: str, line: int | None, item: Any) -> Outcome:
        """One record of an export (:meth:`records`)."""
        return self.records(mapping, [(origin, line, item)])[0]

    def captures(self, origin: str, entries: list[Any]) -> list[Outcome]:
        """A WARC file's records: each a page read into an article, a skip, or a refusal."""
        from khabar.sources import warc, webpage

        outcomes, parsed = [], []
        t0 = time.perf_counter()
        for entry in entries:
            where = f"{origin}#offset={entry.offset}"
            if isinstance(entry, warc.Skip):
                outcomes.append(Outcome(where, "", None, skipped=entry.reason))
                continue
            if isinstance(entry, warc.Refusal):
                outcomes.append(Outcome(where, entry.source, None, error=(entry.code, dict(entry.params), None)))
                continue
            out = Outcome(where, entry.source, None)
            outcomes.append(out)
            try:
                source = self.registry[entry.source]
                self._check_rights(source)
                page = webpage.read(entry.payload, url=entry.url, content_type=entry.content_type, source=source,
                                    origin=where, limits=self.limits)
                parsed.append(_Parsed(out, page.article, source, path=page.path))
            except (KhabarError, *OWN_ERRORS) as exc:
                _capture_failed(_Parsed(out, None, None), exc)
        self.seconds["parse"] += time.perf_counter() - t0
        self._stages(parsed, _capture_failed)
        return outcomes

    def run(self, unit: Unit) -> tuple[list[Outcome], dict[str, float]]:
        self.seconds = dict.fromkeys(STAGES, 0.0)
        if unit.kind == "page":
            outcomes = self.pages([unit])
        elif unit.kind == "pages":
            outcomes = self.pages(unit.records)
        elif unit.kind == "warc":
            outcomes = self.captures(unit.origin, unit.records)
        elif unit.kind == "records":
            assert unit.mapping is not None
            outcomes = self.records(unit.mapping, unit.records)
        else:
            outcomes = [Outcome(unit.origin, unit.source, unit.error[2] if unit.error else None, error=unit.error)]
        if unit.input_file is not None and outcomes:
            outcomes[0].input_file = unit.input_file
        if self.spooling is not None:
            t0 = time.perf_counter()
            self.units += 1
            tabulate(outcomes, self.spooling, f"{os.getpid()}-{self.units}")
            self.seconds["write"] += time.perf_counter() - t0
        return outcomes, self.seconds


@dataclasses.dataclass
class _Parsed:
    """An article between the stages of :class:`Worker`: its outcome, what its reader made of
    it and its source; an export's record (and mapping) for the source a rejection is counted
    under; how a web page's body was found."""

    out: Outcome
    raw: Any
    source: Any
    item: Any = None
    mapping: Mapping | None = None
    path: str | None = None


# Python's own errors of reading one article's input: that article's rejection, never the build's end
OWN_ERRORS = (RecursionError, ValueError, TypeError, UnicodeError)


def _own_error(exc: Exception, code: str | None = None, what: str = "") -> Error:
    """``exc`` as an article's rejection: a KhabarError as it is; with ``code``, one of
    :data:`OWN_ERRORS` as ``code`` ("``what`` cannot be read: ..."); anything else raised again."""
    if isinstance(exc, KhabarError):
        return freeze(exc)
    if code is not None and isinstance(exc, OWN_ERRORS):
        return freeze(KhabarError(code, detail=f"{what} cannot be read: {type(exc).__name__}: {str(exc)[:200]}"))
    raise exc


def _page_failed(p: _Parsed, exc: Exception) -> None:
    p.out.error = _own_error(exc)


def _record_failed(p: _Parsed, exc: Exception) -> None:
    """An export record's error: its own (a record's problem is its own, never the build's), counted
    under the source its fields tell."""
    p.out.error = _own_error(exc, "layout.bad-record", "the record")
    assert p.mapping is not None
    p.out.source = _guess_source(p.mapping, p.item)


def _capture_failed(p: _Parsed, exc: Exception) -> None:
    """A web page's error: its own (one page's problem is its own)."""
    p.out.error = _own_error(exc, "page.no-article", "the page")


def tabulate(outcomes: list[Outcome], spooling: Spooling, name: str) -> None:
    """Write a unit's published records as one Arrow table to a spool file of the worker's own
    (the first published outcome carries its path) and slim each record to the fields the main
    process reads."""
    from khabar.features import arrow_schema, to_arrow_row
    from khabar.shards import table_of
    from khabar.spool import write_unit

    published = [o for o in outcomes if o.record is not None]
    if not published:
        return
    rows = [to_arrow_row(o.record) for o in published]
    dropped = [_drop_text(row) for row in rows]
    table = table_of(rows, arrow_schema())
    if any(dropped):
        table = _with_text(table, dropped)
    published[0].spool_file = write_unit(spooling.folder, name, table, spooling.compression)
    for o in published:
        o.record = {k: o.record.get(k) for k in SLIM}
        o.tabled = True


def _drop_text(row: dict[str, Any]) -> bool:
    """Whether a row's ``text`` is its paragraphs joined by a blank line (as khabar.assemble makes
    it); it is then taken out of the row, and :func:`_with_text` puts it back from the paragraphs'
    column (their UTF-8 joined, where encoding the text again took a seventh of a unit's table)."""
    paragraphs, text = row.get("paragraphs"), row.get("text")
    if text is not None and isinstance(paragraphs, list) and paragraphs and text == "\n\n".join(paragraphs):
        row["text"] = None
        return True
    return False


def _with_text(table: pa.Table, dropped: list[bool]) -> pa.Table:
    """The table with the ``text`` of each row :func:`_drop_text` took out put back: the same
    string, so the same bytes."""
    import pyarrow.compute as pc

    joined = pc.binary_join(table.column("paragraphs"), "\n\n")
    text = pc.if_else(pa.array(dropped, pa.bool_()), joined, table.column("text"))
    return table.set_column(table.schema.get_field_index("text"), table.schema.field("text"), text)


def _guess_source(mapping: Mapping, record: Any) -> str:
    """The source a rejected record is counted under: what the mapping can tell, else its default."""
    try:
        url = record.get(mapping.fields["url"]) if mapping.fields.get("url") else None
        return mapping.source_of(record, url if isinstance(url, str) else None)
    except (KhabarError, AttributeError):
        return mapping.default_source()


# --- running units in worker processes, results in input order --------------------------------

_WORKER: Worker | None = None


def _init(latest: Any, spooling: Spooling | None, open_only: bool, parent: int) -> None:
    global _WORKER
    from khabar import children

    children.started(parent)                          # ends with the build; Ctrl-C and SIGTERM are the build's
    _few_collections()                                # for the worker's life: it is ours
    _WORKER = Worker(latest, spooling, open_only)


GC_THRESHOLD = 50_000     # new container objects between collections of the youngest generation


def _few_collections() -> tuple[int, int, int]:
    """Fewer garbage collections (returns the thresholds before).  An article's work makes and
    drops thousands of dicts, lists and tuples, which reference counting frees; at Python's
    default (a collection every 700) the collector cost about a tenth of a worker's time (the
    workers' CPU for 20,000 articles of the benchmark: 17.4 s, 15.6 s with this).
    What exists now (modules, the lexicon) is frozen: no collection walks it again."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 100)
    return before


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """:func:`_few_collections` in this process while the block runs (thresholds, frozen objects restored):
    a build's main process runs in it."""
    frozen = gc.get_freeze_count()
    before = _few_collections()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if not frozen:              # (a caller's own frozen objects stay frozen)
            gc.unfreeze()


def _run(unit: Unit) -> tuple[list[Outcome], dict[str, float]]:
    assert _WORKER is not None
    return _WORKER.run(unit)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def ordered_map(units: Iterable[Unit], latest: Any, workers: int, window: int = 4,
                spooling: Spooling | None = None, open_only: bool = False) -> Iterator[tuple[list[Outcome], dict[str, float]]]:
    """Results of every unit, in input order, with at most ``window`` units per worker in flight
    (``spooling``: published rows come as spool files the workers wrote, records slimmed; see :func:`tabulate`).

    A worker that dies (``kill -9``, the out-of-memory killer) ends the build at once with
    ``build.worker-died``, naming the input it was on: a process pool's broken state is seen
    (concurrent.futures), where multiprocessing.Pool would wait for its result forever."""
    if workers <= 1:
        worker = Worker(latest, spooling, open_only)
        for unit in units:
            yield worker.run(unit)
        return
    from concurrent.futures import ProcessPoolExecutor

    from khabar.text.zwnj import default_restorer

    default_restorer(), default_restorer(False)   # load the lexicon once, before forking: the workers share it
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(latest, spooling, open_only, os.getpid()))
    pending: list[tuple[Unit, Any]] = []
    ahead: ReadAhead | None = None
    stopped = False
    try:
        units = iter(units)
        for unit in units:          # the first unit: submitting it forks the workers (before any thread of ours)
            pending.append((unit, _submit(pool, unit, pending)))
            break
        ahead = ReadAhead(units, depth=workers)       # (with the units in flight, enough to hide an export's read)
        for unit in ahead:
            pending.append((unit, _submit(pool, unit, pending)))
            if len(pending) >= workers * window:
                yield _result(*pending.pop(0))
        for unit, future in pending:
            yield _result(unit, future)
    except BaseException:
        # No future is cancelled here (nor by the shutdown below): the pool marks every unfinished
        # one failed when it finds its workers gone, and Python 3.11's pool raised in its own thread
        # on a cancelled one ("InvalidStateError: CANCELLED", printed on an interrupted build)
        stopped = True
        _stop(pool)
        raise
    finally:
        try:
            pool.shutdown(wait=True, cancel_futures=not stopped)
        finally:
            if ahead is not None:
                ahead.close()


class ReadAhead:
    """The units taken from ``units`` by a thread of their own, at most ``depth`` ahead of the
    loop that hands them to the workers, in the same order (an error raised there is raised here).

    Reading an export (its bytes, SHA-256 and UTF-8 check, in C without the GIL) then happens
    while the workers are busy with the units before it: read in the loop, it left both
    workers idle for 0.15 s an export of 10,000 articles.  Started after the workers are
    forked, so no worker inherits a thread or the bytes it read."""

    _END = object()

    def __init__(self, units: Iterator[Unit], depth: int):
        import queue
        import threading

        self._units = units
        self._queue: Any = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="khabar-read", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        import queue

        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        try:
            for unit in self._units:
                if not self._put(unit):
                    return
            self._put(self._END)
        except BaseException as exc:        # raised in the loop that takes the units
            self._put(_Failed(exc))

    def __iter__(self) -> Iterator[Unit]:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def close(self) -> None:
        """Stop reading (the build ended or failed); the thread ends before this returns."""
        self._stop.set()
        self._thread.join()
        close = getattr(self._units, "close", None)
        if close is not None:           # the generators let go of their files now
            close()


@dataclasses.dataclass
class _Failed:
    error: BaseException


def _submit(pool: Any, unit: Unit, pending: list[tuple[Unit, Any]]) -> Any:
    """``unit`` handed to the pool; a pool a dead worker broke names the unit that was lost."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(_run, unit)
    except BrokenProcessPool:
        for waiting in pending:          # the oldest unit without its result: the worker's
            _result(*waiting)
        raise WorkerDied(unit.origin) from None


def _result(unit: Unit, future: Any) -> tuple[list[Outcome], dict[str, float]]:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        raise WorkerDied(unit.origin) from None


class WorkerDied(Exception):
    """A worker process ended without its result (killed, or out of memory) while on ``origin``."""

    def __init__(self, origin: str):
        super().__init__(f"a worker process died (killed, or out of memory) while reading {origin}; nothing was "
                         "published and the previous dataset is kept. Build again; if it dies on the same input, "
                         "that input is too large for this machine's memory: split it or build with --workers 1")
        self.origin = origin


def _stop(pool: Any, wait: float = 10.0) -> None:
    """End the pool's processes now (an interrupted or failed build leaves no worker running).

    The build's process holds an end of each of the pool's pipes that only the workers use, and
    with the workers gone those ends could keep the pool's threads waiting forever (an
    interrupted build hung, one in six): a result cut short by its worker's end left the thread
    that reads results waiting for the rest.  That pipe's end is closed here, so the thread
    reads its end, finds the workers gone and ends the pool as it does when a worker dies
    (closing the end of the units' pipe, so the thread that sends units stops too).  Only if
    it has not ended after ``wait`` seconds is that end closed here: closed by both at once,
    the pool's thread failed on it ("Bad file descriptor", printed on a build whose worker was
    killed)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        if process.is_alive():
            process.terminate()
    results = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if results is not None:
        results.close()
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(wait)
        if not manager.is_alive():
            return
    units = getattr(getattr(pool, "_call_queue", None), "_reader", None)
    if units is not None:
        units.close()
