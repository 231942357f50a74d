"""Streaming Parquet writer with fixed, boring file names.

Rows arrive in batches and go straight to disk: at most ``batch_rows`` rows are
held at once.  A shard is closed at ``max_rows_per_shard`` rows or once its file reaches
``max_shard_bytes`` (256 MiB), whichever comes first.  Shards are named ``{split}-{i:05d}-of-{n:05d}.parquet`` (n is
known only at the end, so shards are renamed when the split is closed).  The
``datasets`` features travel in the Arrow schema's ``huggingface`` metadata, so
ClassLabel, list and date columns survive a reload.

Rows are written in row groups of exactly ``row_group_rows`` (the last one of a shard
may be shorter), whatever the sizes of the tables handed in: the bytes of a file depend
on its rows alone, not on how an engine happened to batch them.
"""

from __future__ import annotations

import collections
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from khabar.shards import ShardWriter, release_memory, table_of

COMPRESSION = "zstd"
MAX_SHARD_BYTES = 256 * 1024 * 1024     # a shard is closed once its file reaches this size


class SplitWriter(ShardWriter):
    def __init__(self, out_dir: Path, split: str, schema: pa.Schema, *,
                 max_rows_per_shard: int = 200_000, row_group_rows: int = 1000, batch_rows: int = 500,
                 max_shard_bytes: int = MAX_SHARD_BYTES):
        super().__init__(schema, max_rows=max_rows_per_shard, batch_rows=batch_rows)
        self.out_dir = out_dir
        self.split = split
        self.max_shard_bytes = max_shard_bytes
        self.row_group_rows = row_group_rows
        self._shards: list[tuple[Path, int]] = []
        self.nbytes = 0     # the card's num_bytes: the uncompressed size of the written row groups
        self._pending: list[pa.Table] = []       # rows waiting for a whole row group
        self._pending_rows = 0

    def write_table(self, table: pa.Table) -> None:
        """Rows are cut into row groups of ``row_group_rows`` here, so the file does not depend on
        how the rows were batched before."""
        self._flush()
        if table.num_rows:
            self._pending.append(table)
            self._pending_rows += table.num_rows
        while self._pending_rows >= self.row_group_rows:
            whole = pa.concat_tables(self._pending) if len(self._pending) > 1 else self._pending[0]
            rest = whole.slice(self.row_group_rows)
            self._pending, self._pending_rows = ([rest] if rest.num_rows else []), rest.num_rows
            self._append(whole.slice(0, self.row_group_rows).combine_chunks())   # pages: not the input's chunks

    def _flush(self) -> None:
        if self._batch:                           # rows given one by one join the row groups too
            rows, self._batch = self._batch, []
            self.write_table(table_of(rows, self.schema))

    def _finish(self) -> None:
        self._flush()
        if self._pending_rows:
            whole = pa.concat_tables(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending, self._pending_rows = [], 0
            self._append(whole.combine_chunks())
        self._close_shard()

    def _open(self) -> pq.ParquetWriter:
        path = self.out_dir / f".{self.split}-{len(self._shards):05d}.parquet.partial"
        self._shards.append((path, 0))
        return pq.ParquetWriter(path, self.schema, compression=COMPRESSION)

    def _write(self, table: pa.Table) -> None:
        self._shard.write_table(table, row_group_size=self.row_group_rows)
        path, rows = self._shards[-1]
        self._shards[-1] = (path, rows + table.num_rows)
        # after every row group (0.1 ms), in the thread that writes: Arrow's allocator (mimalloc)
        # keeps freed pages per thread and collects only the calling thread's, so a writer
        # thread's row groups stayed resident (a build of 100,000 articles peaked at 487 MiB in
        # pass 2, 21% above one of 20,000)
        release_memory()

    def _full(self) -> bool:
        return super()._full() or self._shards[-1][0].stat().st_size >= self.max_shard_bytes

    def finish(self) -> None:
        """The rows still held written and the open shard closed (what :meth:`close` starts with)."""
        self._finish()

    def close(self) -> list[tuple[Path, int]]:
        """Finish the split; returns the final (path, rows) of every shard, in order."""
        self._finish()
        n = len(self._shards)
        # measured on the files, so it depends on the rows alone (an Arrow table's nbytes also
        # counts the buffers its slices share with the rows around them)
        self.nbytes = sum(meta.row_group(i).total_byte_size
                          for meta in (pq.read_metadata(tmp) for tmp, _ in self._shards)
                          for i in range(meta.num_row_groups))
        final = []
        for i, (tmp, rows) in enumerate(self._shards):
            path = self.out_dir / f"{self.split}-{i:05d}-of-{n:05d}.parquet"
            tmp.rename(path)
            final.append((path, rows))
        return final


class InBackground:
    """A :class:`SplitWriter` fed from a background thread, tables written in the order given.

    Parquet encoding and compression release the GIL, so the writers of the splits work
    beside the thread that reads and routes rows (pass 2 on two cores instead of one).  The
    splits share one thread (``pool``, a one-thread executor; without it the writer has its
    own): a thread per split measured no faster and held more memory, its resident size
    growing with the rows written (a build of 100,000 articles peaked at 596 MB with three,
    about 540 MB with one).  At most ``depth`` tables wait per writer: a unit's table is a few
    hundred rows and a row group a thousand, so the routing thread, allowed 2, waited on the writer
    for 1 of pass 2's 2.4 s (20,000 articles); 8 cut pass 2 to 1.8 s.  An error in the thread
    surfaces at the next call."""

    def __init__(self, writer: SplitWriter, pool: ThreadPoolExecutor | None = None, depth: int = 8):
        self.writer = writer
        self.depth = depth
        self._own = pool is None
        self._pool = pool or ThreadPoolExecutor(1, thread_name_prefix=f"khabar-write-{writer.split}")
        self._pending: collections.deque[Future[None]] = collections.deque()

    def write_table(self, table: pa.Table) -> None:
        while len(self._pending) >= self.depth:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(self.writer.write_table, table))

    def drain(self) -> None:
        """Wait for the tables handed in to be written."""
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> list[tuple[Path, int]]:
        try:
            self.drain()
        finally:
            if self._own:
                self._pool.shutdown()
        return self.writer.close()

    def abort(self) -> None:
        """After a failure: no more writes, none of this writer's running, the open shard closed if it can be."""
        for future in self._pending:
            future.cancel()
        if self._own:
            self._pool.shutdown(wait=True)
        else:
            wait([f for f in self._pending if not f.cancelled()])
        self._pending.clear()
        self.writer.abort()

    @property
    def rows(self) -> int:
        return self.writer.rows

    @property
    def nbytes(self) -> int:
        return self.writer.nbytes
