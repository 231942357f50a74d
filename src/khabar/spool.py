"""Pass 1's spool: every valid record, on disk, until pass 2 publishes it.

The spool is read once, by the same build, so it is written for speed, not for
readers: Arrow IPC files (the in-memory format, no encoding step), uncompressed by
default (measured here, per article: 0.006 ms of CPU to write and about 14 KB of disk;
Zstandard, the build option ``spool_compression = "zstd"``, takes a third of the disk
for 0.05 ms more), cut into shards of at most
``max_rows`` rows.  A worker process writes its unit's rows as a file of their own
(:func:`write_unit`), which the spool adopts in its place; rows that come to the main
process arrive as whole Arrow tables or one by one (batched; :mod:`khabar.shards` is the
mechanism).  Pass 2 reads them back in tables of at least ``rows`` rows, across files, in the
order they were written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from khabar.shards import ShardWriter


class Spool(ShardWriter):
    def __init__(self, folder: Path, schema: pa.Schema, *, max_rows: int = 200_000, batch_rows: int = 500,
                 compression: str = "none"):
        super().__init__(schema, max_rows=max_rows, batch_rows=batch_rows)
        self.options = pa.ipc.IpcWriteOptions(compression=None if compression == "none" else compression)
        self.folder = folder
        self.paths: list[Path] = []
        self._sink: Any = None

    def _open(self) -> pa.ipc.RecordBatchFileWriter:
        path = self.folder / f".spool-{len(self.paths):05d}.arrow"
        self.paths.append(path)
        self._sink = pa.OSFile(str(path), "wb")
        return pa.ipc.new_file(self._sink, self.schema, options=self.options)

    def _end(self) -> None:
        self._shard.close()
        self._sink.close()

    def adopt(self, path: Path) -> None:
        """A file of rows a worker wrote (:func:`write_unit`), in its place in the order: the open
        shard is closed first, so what is written after it comes after it."""
        self._flush()
        self._close_shard()
        self.paths.append(path)

    def close(self) -> list[Path]:
        self._finish()
        return list(self.paths)

    def abort(self) -> None:
        """After a failure: the open file closed, whatever else fails (the disk may be full)."""
        super().abort()
        sink, self._sink = self._sink, None
        if sink is not None:
            try:
                sink.close()
            except OSError:
                pass


def write_unit(folder: Path, name: str, table: pa.Table, compression: str = "none") -> Path:
    """One unit's published rows as a spool file of their own, written where the rows were made
    (a worker process): the main process then only adopts the file, and no row crosses a pipe."""
    path = folder / f".unit-{name}.arrow"
    options = pa.ipc.IpcWriteOptions(compression=None if compression == "none" else compression)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return path


def tables(paths: Iterable[Path], rows: int = 1000, remove: bool = False, mapped: bool = False) -> Iterator[pa.Table]:
    """The spool's rows, in order across its files, as tables of at least ``rows`` rows (the last
    may be shorter): a page's file holds one row, and its rows join the next file's.  ``remove``:
    each file is deleted once read (its rows are then in memory: a file is read, not mapped).
    ``mapped``: each file is mapped, not read, and the table's columns stay in the map (for a
    reader of a few columns: only the pages it touches are read, and they count as resident only
    while the table lives; on a system that cannot delete a mapped file, files are read)."""
    mapped = mapped and os.name == "posix"
    pending: list[pa.RecordBatch] = []
    count = 0
    for path in paths:
        # plain reads by default: a memory map's pages would count as resident
        with (pa.memory_map(str(path)) if mapped else pa.OSFile(str(path))) as source:
            reader = pa.ipc.open_file(source)
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                pending.append(batch)
                count += batch.num_rows
                if count >= rows:
                    yield _table(pending, mapped)
                    pending, count = [], 0
        if remove:
            path.unlink()
    if pending:
        yield _table(pending, mapped)


def _table(batches: list[pa.RecordBatch], mapped: bool) -> pa.Table:
    table = pa.Table.from_batches(batches)
    return table if mapped else table.combine_chunks()     # (combined: a copy, which a mapped table would read whole)
