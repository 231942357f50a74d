"""Stages 3 and 4: per-article work (in worker processes), then collect (pass 1).

*Work* turns every unit into outcomes: a valid record (parsed or imported, normalized,
annotated, validated, with its MinHash signature) or a rejection; the local engine runs
:mod:`khabar.work` in worker processes, the datatrove engine hands in the outcomes its
executors computed (:mod:`khabar.engines.datatrove`); this is the one stage where the
engines differ.  *Collect* counts every outcome in the report, spools the published rows
to disk, keeps dedup's compact entry per record and notes the records a takedown names.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from tqdm import tqdm

from khabar import takedowns
from khabar.pipeline.discover import InputItem
from khabar.pipeline.read import units
from khabar.pipeline.settings import BuildConfig
from khabar.dedup import Deduplicator
from khabar.errors import Report
from khabar.features import arrow_schema, to_arrow_row
from khabar.spool import Spool
from khabar.work import STAGES, Outcome, Spooling, ordered_map, thaw

Results = Iterable[tuple[list[Outcome], dict[str, float]]]


def work(items: list[InputItem], cfg: BuildConfig, seconds: dict[str, float], spool: Path | None = None) -> Results:
    """The local engine's per-article work: units in worker processes, results in input order
    (``spool``: the workers write the published rows there, see :class:`khabar.work.Spooling`)."""
    spooling = Spooling(spool, cfg.config.spool_compression) if spool is not None else None
    return ordered_map(units(items, cfg, seconds), cfg.build_date, cfg.workers, spooling=spooling,
                       open_only=cfg.open_only)


def articles(items: list[InputItem], cfg: BuildConfig, report: Report,
             unmapped: collections.Counter[tuple[str, str]], seconds: dict[str, float] | None = None,
             results: Results | None = None, inputs: dict[str, tuple[str, int]] | None = None) -> Iterator[Outcome]:
    """Stages parse, normalize, validate (in workers): every input to a valid record, or to a rejection.

    (Ids given twice are found after this stage, by sorting, and rejected in pass 2.)"""
    seconds = seconds if seconds is not None else dict.fromkeys(STAGES, 0.0)
    bar = tqdm(total=len(items), desc="build", unit="file", disable=None if cfg.progress is None else not cfg.progress)
    if results is None:
        results = work(items, cfg, seconds)
    for outcomes, spent in results:
        for stage, value in spent.items():
            seconds[stage] += value
        for out in outcomes:
            if out.skipped is not None:          # a web capture's record that holds no article: counted apart
                report.skip(out.skipped)
                continue
            report.count_read(out.source)
            if inputs is not None and out.input_file is not None:
                path, digest, size = out.input_file
                inputs[path] = (digest, size)
            error = out.error
            if error is not None:
                err = thaw(error)
                if err.line is None and out.line is not None:
                    err.line = out.line
                report.reject(out.origin, out.source, err)
                continue
            for label in out.unmapped:
                unmapped[(out.source, label)] += 1
            if out.path is not None:
                report.count_page(out.source, out.path)
            report.count_published(out.source)
            yield out
        for file in dict.fromkeys(o.origin.split("#")[0] for o in outcomes):     # (a unit of pages: several)
            if file != getattr(bar, "_last", None):
                bar._last = file
                bar.update(1)
    bar.close()


@dataclasses.dataclass
class Collected:
    """What pass 1 keeps: the spooled rows, dedup's entries, takedown hits and the input files read."""

    spool_files: list[Path]
    dedup: Deduplicator
    listing: takedowns.Takedowns
    hits: dict[int, takedowns.Entry]             # records a takedown entry names, by index
    inputs: dict[str, tuple[str, int]]           # input file -> (sha256, bytes)


def collect(items: list[InputItem], cfg: BuildConfig, staging: Path, report: Report,
            unmapped: collections.Counter[tuple[str, str]], results: Results) -> Collected:
    """Pass 1: every outcome counted; published rows spooled to disk, with a compact dedup entry each."""
    seconds = cfg.seconds
    spool = Spool(staging, arrow_schema(), max_rows=cfg.max_rows_per_shard, compression=cfg.config.spool_compression)
    dedup = Deduplicator(spill=staging / ".signatures.u32")     # 256 B/article on disk, 26 B in memory
    listing = takedowns.load(cfg.root)
    hits: dict[int, takedowns.Entry] = {}
    inputs: dict[str, tuple[str, int]] = {}
    try:
        _collect(items, cfg, report, unmapped, results, spool, dedup, listing, hits, inputs)
        t0 = time.perf_counter()
        spool_files = spool.close()
        seconds["write"] += time.perf_counter() - t0
    except BaseException:
        spool.abort()             # no file left open (a full disk keeps its space while a file is open)
        with contextlib.suppress(OSError):
            dedup.close()
        raise
    return Collected(spool_files, dedup, listing, hits, inputs)


def _collect(items: list[InputItem], cfg: BuildConfig, report: Report, unmapped: collections.Counter[tuple[str, str]],
             results: Results, spool: Spool, dedup: Deduplicator, listing: takedowns.Takedowns,
             hits: dict[int, takedowns.Entry], inputs: dict[str, tuple[str, int]]) -> None:
    seconds = cfg.seconds
    for out in articles(items, cfg, report, unmapped, seconds, results, inputs):
        record = out.record
        t0 = time.perf_counter()
        index = dedup.add(record, out.signature, out.digest, out.length, out.shingles)
        t1 = time.perf_counter()
        entry = listing.match(record) if listing.entries else None
        if entry is not None:
            hits[index] = entry
        if out.spool_file is not None:
            spool.adopt(out.spool_file)           # the unit's rows, written by the worker
        elif not out.tabled:
            spool.write(to_arrow_row(record))
        seconds["dedup"] += t1 - t0
        seconds["write"] += time.perf_counter() - t1
