"""Streaming Parquet writer with fixed, boring file names.

Rows arrive in batches and go straight to disk: at most ``batch_rows`` rows are
held at once.  A shard is closed at ``max_rows_per_shard`` rows or once its file reaches
``max_shard_bytes`` (256 MiB), whichever comes first.  Shards are named ``{split}-{i:05d}-of-{n:05d}.parquet`` (n is
known only at the end, so shards are renamed when the split is closed).  The
``datasets`` features travel in the Arrow schema's ``huggingface`` metadata, so
ClassLabel, list and date columns survive a reload.
"""

from __future__ import annotations

import collections
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

COMPRESSION = "zstd"
MAX_SHARD_BYTES = 256 * 1024 * 1024     # a shard is closed once its file reaches this size


def release_memory() -> None:
    """Give freed memory back to the system: Arrow's allocator and glibc's keep it otherwise,
    and a build's resident size would then grow with the number of batches it wrote."""
    pa.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass                                  # not glibc: nothing to trim


class SplitWriter:
    def __init__(self, out_dir: Path, split: str, schema: pa.Schema, *,
                 max_rows_per_shard: int = 200_000, row_group_rows: int = 10_000, batch_rows: int = 500,
                 max_shard_bytes: int = MAX_SHARD_BYTES):
        self.out_dir = out_dir
        self.split = split
        self.schema = schema
        self.max_rows_per_shard = max_rows_per_shard
        self.max_shard_bytes = max_shard_bytes
        self.row_group_rows = row_group_rows
        self.batch_rows = batch_rows
        self._batch: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self._shard_rows = 0
        self._shards: list[tuple[Path, int]] = []
        self.rows = 0
        self.nbytes = 0     # Arrow (in-memory) size, the card's num_bytes
        self._flushes = 0

    def _tmp_name(self, index: int) -> Path:
        return self.out_dir / f".{self.split}-{index:05d}.parquet.partial"

    def _open(self) -> pq.ParquetWriter:
        if self._writer is None:
            path = self._tmp_name(len(self._shards))
            self._writer = pq.ParquetWriter(path, self.schema, compression=COMPRESSION)
            self._shards.append((path, 0))
            self._shard_rows = 0
        return self._writer

    def _flush(self) -> None:
        while self._batch:
            room = self.max_rows_per_shard - self._shard_rows if self._writer else self.max_rows_per_shard
            chunk, self._batch = self._batch[:room], self._batch[room:]
            table = pa.Table.from_pylist(chunk, schema=self.schema)
            self.nbytes += table.nbytes
            self._flushes += 1
            if self._flushes % 20 == 0:
                release_memory()
            self._open().write_table(table, row_group_size=self.row_group_rows)
            self._shard_rows += len(chunk)
            path, _ = self._shards[-1]
            self._shards[-1] = (path, self._shard_rows)
            if self._shard_rows >= self.max_rows_per_shard or path.stat().st_size >= self.max_shard_bytes:
                self._close_shard()

    def _close_shard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def write_table(self, table: pa.Table) -> None:
        """Append Arrow rows as they are (pass 2 routes whole batches, no Python objects per row)."""
        if not table.num_rows:
            return
        self._flush()
        while table.num_rows:
            room = self.max_rows_per_shard - self._shard_rows if self._writer else self.max_rows_per_shard
            chunk, table = table.slice(0, room), table.slice(room)
            self.nbytes += chunk.nbytes
            self._open().write_table(chunk, row_group_size=self.row_group_rows)
            self._shard_rows += chunk.num_rows
            self.rows += chunk.num_rows
            path, _ = self._shards[-1]
            self._shards[-1] = (path, self._shard_rows)
            if self._shard_rows >= self.max_rows_per_shard or path.stat().st_size >= self.max_shard_bytes:
                self._close_shard()

    def write(self, row: dict[str, Any]) -> None:
        self._batch.append(row)
        self.rows += 1
        if len(self._batch) >= self.batch_rows:
            self._flush()

    def close(self) -> list[tuple[Path, int]]:
        """Finish the split; returns the final (path, rows) of every shard, in order."""
        self._flush()
        self._close_shard()
        n = len(self._shards)
        final = []
        for i, (tmp, rows) in enumerate(self._shards):
            path = self.out_dir / f"{self.split}-{i:05d}-of-{n:05d}.parquet"
            tmp.rename(path)
            final.append((path, rows))
        return final


class InBackground:
    """A :class:`SplitWriter` fed from a thread of its own, tables written in the order given.

    Parquet encoding and compression release the GIL, so the writers of the splits work
    beside the thread that reads and routes rows (pass 2 on two cores instead of one).  At
    most ``depth`` tables wait per writer; an error in the thread surfaces at the next call."""

    def __init__(self, writer: SplitWriter, depth: int = 2):
        self.writer = writer
        self.depth = depth
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=f"khabar-write-{writer.split}")
        self._pending: collections.deque[Future[None]] = collections.deque()

    def write_table(self, table: pa.Table) -> None:
        while len(self._pending) >= self.depth:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(self.writer.write_table, table))

    def close(self) -> list[tuple[Path, int]]:
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown()
        return self.writer.close()

    @property
    def rows(self) -> int:
        return self.writer.rows

    @property
    def nbytes(self) -> int:
        return self.writer.nbytes
