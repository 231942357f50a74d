"""Stage 6, route (pass 2): every spooled row to its split's Parquet files, as the plan says.

Each row is published in its split, or counted as what it is instead: a second record of
an id (``record.duplicate-id``), a takedown, or a duplicate of its cluster's representative
(``reports/duplicates.jsonl``).  A lone article's split is the ledger's, else a hash of its
id.  What is published is counted for the card, reports and pictures as it is decided.

Deciding and writing are two loops over the spool, in two threads: this thread decides every
row (reading the spool's files mapped, touching only the columns it needs) and counts it; a
feeding thread reads each batch again, whole, and hands its rows to their splits' writers,
whose Parquet encoding runs in a thread of its own.  The decisions run ahead (the encoding is
the slower part), so the numbers are known while the files are still being written: the
pictures are drawn from them meanwhile.
"""

from __future__ import annotations

import collections
import dataclasses
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from khabar import stats
from khabar.pipeline.plan import Plan
from khabar.pipeline.settings import BuildConfig
from khabar.errors import KhabarError, Report
from khabar.features import arrow_schema, features, from_arrow_row
from khabar.publish import DATA_DIRS, manifest
from khabar.publish.parquet import InBackground, SplitWriter
from khabar.shards import release_memory
from khabar.split import SPLITS, Ledger, assign, temporal_split
from khabar.spool import tables as spooled_tables


@dataclasses.dataclass
class Routed:
    """What pass 2 published: the files, rows and bytes per split, the numbers, the duplicates."""

    files: list[dict[str, Any]]
    split_info: dict[str, dict[str, int]]
    temporal_info: dict[str, dict[str, int]]
    numbers: dict[str, Any]
    duplicates: list[dict[str, Any]]
    example: dict[str, Any] | None
    label_conflicts: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Decision:
    """Where a batch's rows go, kept small while it waits for the feeding thread: a split's number per
    row (``ROUTE_CODES``; 0: not written), the same for the temporal splits, and the cluster of
    the rows that have one other than their own id."""

    rows: int
    route: bytes
    temporal: bytes | None
    clusters: dict[int, str]


ROUTE_CODES = {None: 0, **{name: k + 1 for k, name in enumerate(SPLITS)}}


class Router:
    """Routes batches of spooled rows; ``index`` is the row's position in pass 1 (the plan's key)."""

    def __init__(self, cfg: BuildConfig, data_dir: Path, plan: Plan, id_of: Any, ledger: Ledger, report: Report):
        self.cfg, self.plan, self.id_of, self.ledger, self.report = cfg, plan, id_of, ledger, report
        self.schema = arrow_schema()
        self.cutoff = cfg.config.temporal_cutoff
        rows = cfg.max_rows_per_shard
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="khabar-write")     # one for every split
        self.writers = {s: InBackground(SplitWriter(data_dir, s, self.schema, max_rows_per_shard=rows), self.thread)
                        for s in SPLITS}
        self.temporal_writers: dict[str, InBackground] = {}
        if self.cutoff:
            (data_dir / "temporal").mkdir()
            self.temporal_writers = {s: InBackground(SplitWriter(data_dir / "temporal", s, self.schema,
                                                                 max_rows_per_shard=rows), self.thread)
                                     for s in SPLITS}
        self.collector = stats.Collector()
        self._numbers: dict[str, Any] | None = None
        self.stop = False              # set when pass 2 failed: the feeding thread stops
        self.duplicates: list[dict[str, Any]] = []
        self.first_origin: dict[str, str] = {}     # ids given twice: where the first came from
        self.repeated_ids = {id_of(i) for i in plan.repeated}
        self.example: dict[str, Any] | None = None
        self.index = 0                 # rows decided
        self.written = 0               # rows written
        self.copies: dict[str, collections.Counter[int]] = {}     # cluster -> classes of its copies
        self.kept: dict[str, int | None] = {}                       # cluster -> the published copy's class

    def decide(self, table: pa.Table) -> Decision:
        """Decide a batch's rows (counted, the ledger and the report kept), in pass 1's order."""
        ids = table.column("id").to_pylist()
        sources, origins = table.column("source"), table.column("origin")     # read where needed
        published = table.column("published").to_pylist() if self.temporal_writers else []
        known = self.ledger.get_many(ids)          # a lone article's split: the ledger's, else by hash
        route: list[str | None] = [None] * len(ids)
        temporal_route: list[str | None] = [None] * len(ids)
        clusters: dict[int, str] = {}
        seen_ids: list[str] = []
        seen_splits: list[str] = []
        classes = table.column("category")
        cluster_of = self.plan.cluster_of
        for k, record_id in enumerate(ids):
            i, self.index = self.index, self.index + 1
            cluster = cluster_of.get(i)
            if cluster is not None and cluster != record_id:
                clusters[k] = cluster
            split = self._decide(i, record_id, known[k], sources[k], origins[k], cluster or record_id)
            if split is None:
                continue
            if cluster is not None:
                self._copy_class(cluster, classes[k].as_py(), kept=i not in self.plan.dropped)
            seen_ids.append(record_id)
            seen_splits.append(split)
            if i in self.plan.dropped:
                continue
            route[k] = split
            if self.temporal_writers:
                day = published[k].isoformat() if published[k] else None
                temporal_route[k] = self.plan.temporal_of.get(i) or temporal_split([day], record_id, self.cutoff,
                                                                                     self.cfg.ratios)
            if self.example is None or (split == "train" and self.example["_split"] != "train"):
                self.example = {**from_arrow_row(table.slice(k, 1).to_pylist()[0]), "cluster_id": cluster or record_id,
                                "_split": split}
        self.ledger.set_many(seen_ids, seen_splits)
        decision = Decision(len(ids), bytes(ROUTE_CODES[r] for r in route),
                            bytes(ROUTE_CODES[r] for r in temporal_route) if self.temporal_writers else None, clusters)
        splits = [split for split in route if split is not None]
        if splits:                       # counted for the card, reports and pictures: the batch's published rows
            counted = table.select(stats.COLUMNS)
            if len(splits) < len(route):
                counted = counted.filter(pa.array([split is not None for split in route], pa.bool_()))
            self.collector.add(counted, splits)
        if self.index % RELEASE_ROWS < len(ids):
            release_memory()             # this thread's freed Arrow pages (the other threads return their own)
        return decision

    def _copy_class(self, cluster: str, cls: int | None, kept: bool) -> None:
        if cls is not None:
            self.copies.setdefault(cluster, collections.Counter())[cls] += 1
        if kept:
            self.kept[cluster] = cls

    def conflicts(self) -> list[dict[str, Any]]:
        """Stories whose copies were filed under different classes, and the class published
        (the published copy's: the copy with the most text, see khabar.dedup)."""
        names = features()["category"].names
        out = []
        for cluster, counts in sorted(self.copies.items()):
            if len(counts) > 1:
                kept = self.kept.get(cluster)
                out.append({"cluster_id": cluster, "classes": {names[c]: n for c, n in sorted(counts.items())},
                            "published": names[kept] if kept is not None else None})
        return out

    def _decide(self, i: int, record_id: str, known: str | None, source_: Any, origin_: Any, cluster: str) -> str | None:
        """The row's split, or None when it is not published (and not kept in the ledger)."""
        plan, report = self.plan, self.report
        if i in plan.repeated:
            source = source_.as_py()
            report.published[source] -= 1
            report.reject(origin_.as_py(), source, KhabarError(
                "record.duplicate-id", id=record_id, first=self.first_origin.get(record_id, "an earlier input")))
            return None
        if record_id in self.repeated_ids:
            self.first_origin.setdefault(record_id, origin_.as_py())
        if i in plan.removed:
            source = source_.as_py()
            self.ledger.forget(record_id)
            report.count_taken_down(source)
            report.published[source] -= 1
            return None
        split = plan.split_of.get(i) or known or assign(record_id, self.cfg.ratios)
        if i in plan.dropped:
            d = plan.dropped[i]
            source = source_.as_py()
            self.duplicates.append({"id": record_id, "origin": origin_.as_py(), "source": source,
                                    "duplicate_of": self.id_of(d.representative), "kind": d.kind,
                                    "similarity": d.similarity, "containment": d.containment,
                                    "cluster_id": cluster})
            report.count_duplicate(source)
            report.published[source] -= 1
        return split

    def write(self, table: pa.Table, decision: Decision) -> None:
        """Write a batch's rows as decided (the feeding thread): its cluster ids set, each split's rows to its writer."""
        if table.num_rows != decision.rows:
            raise RuntimeError(f"pass 2 read {table.num_rows} rows where it decided {decision.rows}")
        col = self.schema.get_field_index("cluster_id")
        ids = table.column("id")
        if decision.clusters:
            values = ids.to_pylist()
            for k, cluster in decision.clusters.items():
                values[k] = cluster
            ids = pa.array(values, pa.string())
        table = table.set_column(col, self.schema.field(col), ids)
        for name, writer in self.writers.items():
            writer.write_table(table.filter(_rows_of(decision.route, name)))
        if decision.temporal is not None:
            for name, writer in self.temporal_writers.items():
                writer.write_table(table.filter(_rows_of(decision.temporal, name)))
        self.written += decision.rows
        if self.written % RELEASE_ROWS < decision.rows:
            release_memory()

    def abort(self) -> None:
        """After a failure (the feeding thread ended): every writer stopped and its file closed (none
        left open on a full disk)."""
        try:
            for writer in [*self.writers.values(), *self.temporal_writers.values()]:
                writer.abort()
        finally:
            self.thread.shutdown(wait=True)

    def close(self) -> Routed:
        self._finish_all()
        files: list[dict[str, Any]] = []
        infos: list[dict[str, dict[str, int]]] = [{}, {}]
        for info, writers, folder in ((infos[0], self.writers, DATA_DIRS["default"]),
                                      (infos[1], self.temporal_writers, DATA_DIRS["temporal"])):
            for name, writer in writers.items():
                for path, rows in writer.close():
                    files.append(manifest.file_entry(path, f"{folder}/{path.name}", rows))
                info[name] = {"rows": writer.rows, "bytes": writer.nbytes}
        self.thread.shutdown()
        return Routed(files, infos[0], infos[1], self.numbers(), self.duplicates, self.example, self.conflicts())

    def _finish_all(self) -> None:
        """Every split's last rows written, the splits side by side (each its own file, so the
        same bytes): one after another, the last row groups of three splits took 0.13 s, alone."""
        writers = [*self.writers.values(), *self.temporal_writers.values()]
        for writer in writers:
            writer.drain()
        with ThreadPoolExecutor(len(writers), thread_name_prefix="khabar-finish") as pool:
            for done in [pool.submit(writer.writer.finish) for writer in writers]:
                done.result()

    def numbers(self) -> dict[str, Any]:
        """The numbers of what was decided published (all of it, once every row is decided)."""
        if self._numbers is None:
            self._numbers = self.collector.result()
        return self._numbers


BATCH = 256       # rows routed at a time (at least)
RELEASE_ROWS = 5_000     # each thread returns its freed Arrow pages once every so many rows


def _rows_of(codes: bytes, split: str) -> pa.Array:
    """The mask of a batch's rows that a decision sends to ``split``."""
    return pc.equal(pa.array(np.frombuffer(codes, np.uint8)), ROUTE_CODES[split])
_END = None       # the decisions' queue: no more batches


def route(spool_files: list[Path], router: Router, decided: Callable[[dict[str, Any]], None] | None = None) -> Routed:
    """Pass 2: every spooled row, in pass 1's order, decided here and written by a feeding thread,
    :data:`BATCH` rows at a time across the spool's files (a unit's file may hold a single row:
    routed alone, each held its own Arrow buffers in the writers' queues until a row group
    filled, 54 KB a row, so a build of 100,000 articles, 1,000 of them pages, held 110 MB more
    than one of 20,000).  ``decided`` is called with the numbers once every row is decided,
    while the files may still be being written.  The feeding thread deletes the spool as it goes."""
    decisions: queue.Queue[Decision | None] = queue.Queue()      # a few hundred bytes a batch: unbounded
    failure: list[BaseException] = []
    feeder = threading.Thread(target=_write_all, args=(spool_files, router, decisions, failure),
                              name="khabar-feed", daemon=True)
    feeder.start()
    try:
        for table in spooled_tables(spool_files, rows=BATCH, mapped=True):
            if failure:
                break                      # the feeding thread failed: its error is raised below
            decisions.put(router.decide(table))
        else:
            if decided is not None:
                decided(router.numbers())
    except BaseException:
        router.stop = True
        decisions.put(_END)
        feeder.join()
        router.abort()
        raise
    decisions.put(_END)
    feeder.join()
    if failure:
        router.abort()
        raise failure[0]
    return router.close()


def _write_all(spool_files: list[Path], router: Router, decisions: queue.Queue[Decision | None],
               failure: list[BaseException]) -> None:
    """The feeding thread: each batch read again, whole, cut by its decision and handed to the split
    writers (whose Parquet encoding runs in their own thread, :class:`khabar.publish.parquet.InBackground`);
    the spool deleted as it is read.  It returns its own freed Arrow pages (:meth:`Router.write`):
    Arrow's allocator collects only the calling thread's."""
    try:
        tables = spooled_tables(spool_files, rows=BATCH, remove=True)
        while (decision := decisions.get()) is not _END:
            if router.stop:
                return
            router.write(next(tables), decision)
        if not router.stop:
            for _ in tables:               # every batch decided: this deletes the last files
                raise RuntimeError("pass 2 read more rows than it decided")
    except BaseException as exc:       # raised by route(), in the build's thread
        failure.append(exc)
