"""Arrow rows into a sequence of shard files: the mechanism the spool and the Parquet splits share.

Rows arrive one by one (batched into Arrow tables of ``batch_rows``) or as whole tables;
either way they are appended in order, a table cut where the current shard is full
(``max_rows``, or what a subclass adds to :meth:`ShardWriter._full`), and a new shard opened
for the rest.  Subclasses say how a shard is opened, written and ended.
"""

from __future__ import annotations

import functools
from typing import Any

import pyarrow as pa

from khabar.native import native

RELEASE_EVERY = 20      # row batches between returns of freed memory to the system


def release_memory() -> None:
    """Give freed memory back to the system: Arrow's allocator and glibc's keep it otherwise,
    and a build's resident size would then grow with the number of batches it wrote."""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


M_ARENA_MAX = -8        # glibc's mallopt parameter: how many malloc arenas threads may spread over
ARENAS = 1


@functools.cache
def few_arenas() -> None:
    """At most ``ARENAS`` glibc malloc arena for this process's threads (called once, before a
    build starts its threads).  Each thread that allocates otherwise gets an arena of its own
    (up to eight a core), and pass 2's threads (routing, feeding, encoding) each kept freed
    memory in theirs: the main process's peak at 100,000 articles was 426-443 MB against 384 at
    20,000 (11-15% more); with one arena 410-414 against 388 (6-7%), at the same speed (the
    threads' allocations are few and small: Arrow's buffers come from its own allocator)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(ctypes.c_int(M_ARENA_MAX), ctypes.c_int(ARENAS))
    except (OSError, AttributeError):
        pass                                  # not glibc: its allocator is its own


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, looked up once (a CDLL per call made a ctypes class each time), or None."""
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None                           # not glibc: nothing to trim


def table_of(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows (dicts) as an Arrow table of ``schema``, built column by column: the same table as
    ``pa.Table.from_pylist`` (a key a row lacks is null, a key the schema lacks is left out) in
    two fifths of its time (37 against 92 µs an article's row, measured); text columns by
    :func:`column`."""
    return pa.Table.from_pydict({f.name: column([r.get(f.name) for r in rows], f.type) for f in schema}, schema=schema)


_STRING = pa.string()
_STRINGS = pa.list_(pa.string())


def column(values: list[Any], type_: pa.DataType) -> Any:
    """``values`` as an Arrow array of ``type_``: what ``pa.array`` gives.  A column of text, or of
    lists of text, has its buffers written by ``native.utf8_column`` (each str encoded once, straight
    into the column: an article's ``text``, ``text_raw`` and ``paragraphs`` took 30 of pyarrow's 49 µs
    a row); anything else, or what the twin leaves to pyarrow, is ``pa.array``'s."""
    if native is not None and (type_ == _STRING or type_ == _STRINGS):
        parts = native.utf8_column(values, type_ == _STRINGS)
        if parts is not None:
            validity, *offsets, data, nulls = parts
            buffers = [None if validity is None else pa.py_buffer(validity), pa.py_buffer(offsets[0])]
            if type_ == _STRING:
                return pa.Array.from_buffers(type_, len(values), buffers + [pa.py_buffer(data)], nulls)
            strings = pa.Array.from_buffers(_STRING, (len(offsets[1]) // 4) - 1,
                                            [None, pa.py_buffer(offsets[1]), pa.py_buffer(data)], 0)
            return pa.Array.from_buffers(type_, len(values), buffers, nulls, children=[strings])
    return pa.array(values, type=type_)


class ShardWriter:
    def __init__(self, schema: pa.Schema, *, max_rows: int, batch_rows: int):
        self.schema = schema
        self.max_rows = max_rows
        self.batch_rows = batch_rows
        self.rows = 0                       # rows written to shards
        self._batch: list[dict[str, Any]] = []
        self._flushes = 0
        self._shard: Any = None             # the open shard's writer
        self._shard_rows = 0

    # -- what a subclass says ---------------------------------------------------------------

    def _open(self) -> Any:
        """Open the next shard; returns its writer."""
        raise NotImplementedError

    def _write(self, table: pa.Table) -> None:
        """Write rows to the open shard."""
        self._shard.write_table(table)

    def _end(self) -> None:
        """Close the open shard."""
        self._shard.close()

    def _full(self) -> bool:
        return self._shard_rows >= self.max_rows

    # -- the mechanism --------------------------------------------------------------------

    def write(self, row: dict[str, Any]) -> None:
        self._batch.append(row)
        if len(self._batch) >= self.batch_rows:
            self._flush()

    def write_table(self, table: pa.Table) -> None:
        """Append Arrow rows as they are (no Python object per row)."""
        self._flush()
        self._append(table)

    def _flush(self) -> None:
        if self._batch:
            rows, self._batch = self._batch, []
            self._flushes += 1
            if self._flushes % RELEASE_EVERY == 0:
                release_memory()
            self._append(table_of(rows, self.schema))

    def _append(self, table: pa.Table) -> None:
        while table.num_rows:
            if self._shard is None:
                self._shard = self._open()
                self._shard_rows = 0
            room = self.max_rows - self._shard_rows
            chunk, table = table.slice(0, room), table.slice(room)
            self._write(chunk)
            self._shard_rows += chunk.num_rows
            self.rows += chunk.num_rows
            if self._full():
                self._close_shard()

    def _close_shard(self) -> None:
        if self._shard is not None:
            self._end()
            self._shard = None

    def abort(self) -> None:
        """After a failure: close the open shard if it can be (it may not, on a full disk) and drop
        the rest; the build removes the staging folder the shards are in."""
        shard, self._shard, self._batch = self._shard, None, []
        if shard is not None:
            try:
                self._shard = shard
                self._end()
            except (OSError, ValueError):
                pass
            finally:
                self._shard = None

    def _finish(self) -> None:
        self._flush()
        self._close_shard()
