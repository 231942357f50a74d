"""The build, as named stages in the order data flows (docs/ARCHITECTURE.md):

1. discover  (:mod:`.discover`)  every input file, in a fixed order
2. read      (:mod:`.read`)      inputs cut into units: up to 32 pages, or a chunk of an export's records
3. work      (:mod:`.collect`)   per-article work in worker processes (:mod:`khabar.work`): parse or
                                 import, normalize, annotate, validate; or the datatrove engine's outcomes
4. collect   (:mod:`.collect`)   pass 1: outcomes counted, rows spooled, dedup entries, takedown hits
5. plan      (:mod:`.plan`)      clusters, representatives, removals, splits: a pure function
6. route     (:mod:`.route`)     pass 2: rows to their splits' Parquet files, as the plan says
7. reports   (:mod:`.reports`)   rejects, duplicates, takedowns, build summary, manifest
8. documents (:mod:`khabar.publish.documents`) card, datasheet, changelog, Croissant, citation
9. commit    (:mod:`khabar.publish.commit`)   staging folder to the published dataset, atomically

Every input ends as a published row or a row of the rejects report (read = published +
rejected + duplicates + taken down, per source).  Output goes to ``corpus/.staging`` and
is committed atomically, so a failed build never touches the previous one.
"""

from __future__ import annotations

import collections
import contextlib
import shutil
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from khabar import stats, takedowns
from khabar.pipeline.collect import Collected, Results, articles, collect, work
from khabar.pipeline.discover import InputItem, discover
from khabar.pipeline.lock import locked, coded, FAULTS
from khabar.pipeline.plan import Plan, make_plan
from khabar.pipeline.read import units
from khabar.pipeline.reports import report_failure, write_manifest, write_reports
from khabar.pipeline.route import Routed, Router, route
from khabar.pipeline.settings import BuildConfig, BuildError, BuildResult
from khabar.errors import Report
from khabar.features import arrow_schema
from khabar.publish import commit, manifest
from khabar.publish.documents import Published, write_documents
from khabar.publish.release import Release, ReleaseError, read_release
from khabar.shards import few_arenas, release_memory
from khabar.split import LEDGER, Ledger, load_ledger
from khabar.work import WorkerDied, few_collections, parse_page

__all__ = ["BuildConfig", "BuildError", "BuildResult", "InputItem", "Plan", "articles", "build", "discover",
           "make_plan", "parse_page", "units"]


def build(cfg: BuildConfig, results: Results | None = None) -> BuildResult:
    """Build and publish.  ``results``: the per-article outcomes in input order, when another
    engine computed them (:mod:`khabar.engines.datatrove`); by default worker processes do."""
    few_arenas()                     # before the build's threads allocate (the main process's peak, flat in N)
    with locked(cfg.corpus):
        try:
            commit.recover(cfg.corpus)
            staging = commit.fresh_staging(cfg.corpus)
        except OSError as exc:
            raise coded(exc, cfg.out_root) from None
        try:
            with few_collections():
                return _stages(staging, cfg, results)
        except BaseException as exc:
            if not (cfg.corpus / commit.JOURNAL).exists():   # a started commit is finished, never undone
                shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, OSError) and exc.errno in FAULTS:
                raise coded(exc, cfg.out_root) from None
            if isinstance(exc, WorkerDied):
                raise BuildError(str(exc), code="build.worker-died") from None
            raise


def _stages(staging: Path, cfg: BuildConfig, results: Results | None) -> BuildResult:
    # the pictures are drawn beside pass 2 (by a child process, with more than one worker)
    painter = stats.Painter(staging / stats.FIGURES, background=cfg.workers > 1)
    try:
        return _passes(staging, cfg, results, painter)
    finally:
        painter.close()


def _passes(staging: Path, cfg: BuildConfig, results: Results | None, painter: stats.Painter) -> BuildResult:
    report, unmapped = Report(), collections.Counter[tuple[str, str]]()
    items = discover(cfg)                                                          # 1
    if results is None:
        results = work(items, cfg, cfg.seconds, spool=staging)                     # 2, 3
    try:
        collected = collect(items, cfg, staging, report, unmapped, results)        # 4
    finally:
        # the workers stop now, whatever ended pass 1 (a signal, a full disk): not whenever the
        # garbage collector reaches the generator that holds them
        close = getattr(results, "close", None)
        if close is not None:
            close()
    try:
        return _publish(staging, cfg, report, unmapped, collected, painter)
    finally:
        with contextlib.suppress(OSError):
            collected.dedup.close()           # the signatures' file, whatever happened


def _publish(staging: Path, cfg: BuildConfig, report: Report, unmapped: collections.Counter[tuple[str, str]],
             collected: Collected, painter: stats.Painter) -> BuildResult:
    _check_publishable(cfg, report, unmapped)
    painter.prepare()
    ledger = load_ledger(cfg.corpus / LEDGER)                                      # splits of earlier builds
    plan = _plan(cfg, collected, ledger)                                           # 5
    routed = _route(cfg, staging, collected, plan, ledger, report, painter)        # 6
    summary = write_reports(staging / "reports", cfg, report, collected, plan, routed, unmapped)   # 7
    release = _release(cfg)
    write_manifest(staging / manifest.MANIFEST, cfg, report, collected, routed, summary, release)
    moves = _documents(staging, cfg, report, routed, release, len(plan.removed), painter)   # 8
    verify_staged(staging, routed.files)
    commit.commit(cfg.corpus, moves)                                               # 9
    return BuildResult(report=report, split_rows=summary["splits"], unmapped=unmapped, files=routed.files)


def _check_publishable(cfg: BuildConfig, report: Report, unmapped: collections.Counter[tuple[str, str]]) -> None:
    if sum(report.published.values()) == 0:
        raise BuildError("no article could be published; the previous dataset is kept.\n" + report.summary()
                         + "\n" + report_failure(cfg.corpus / "reports" / "last-failed", report),
                         code="build.nothing-to-publish")
    if cfg.strict_labels and unmapped:
        raise BuildError(f"{len(unmapped)} category label(s) are not mapped in schema/categories.yaml")


def _plan(cfg: BuildConfig, collected: Collected, ledger: Ledger) -> Plan:
    t0 = time.perf_counter()
    dedup = collected.dedup
    repeated = dedup.repeated_ids()
    groups = dedup.groups(exclude=repeated)
    t1 = time.perf_counter()
    cfg.seconds["dedup"] += t1 - t0
    plan = make_plan(groups, dedup, collected.hits, ledger, cfg.ratios, cfg.config.temporal_cutoff, repeated)
    cfg.seconds["split"] += time.perf_counter() - t1
    dedup.close()                    # the signatures are done with; ids and dates stay for pass 2
    release_memory()                 # what clustering freed goes back to the system before pass 2 (RSS flat in N)
    return plan


def _route(cfg: BuildConfig, staging: Path, collected: Collected, plan: Plan, ledger: Ledger,
           report: Report, painter: stats.Painter) -> Routed:
    t0 = time.perf_counter()
    (staging / "data").mkdir()
    router = Router(cfg, staging / "data", plan, collected.dedup.id_of, ledger, report)
    routed = route(collected.spool_files, router, decided=painter.draw)
    if not report.balanced():
        raise BuildError("counts do not add up: " + report.summary())
    if sum(report.published.values()) == 0:
        raise BuildError("nothing is left to publish: every article was removed by the takedown list or as a "
                         "duplicate; the previous dataset is kept.\n" + report.summary(), code="build.nothing-to-publish")
    ledger.write(staging / LEDGER)
    cfg.seconds["write"] += time.perf_counter() - t0
    return routed


def _documents(staging: Path, cfg: BuildConfig, report: Report, routed: Routed, release: Release | None,
               taken_down: int, painter: stats.Painter) -> list[tuple[str, str]]:
    t0 = time.perf_counter()
    pictures = painter.result()
    (staging / "reports" / "stats.json").write_text(stats.dumps(routed.numbers), encoding="utf-8")
    cfg.seconds["write"] += time.perf_counter() - t0
    published = Published(report, routed.files, routed.split_info, routed.temporal_info, routed.numbers,
                          routed.example, release, taken_down, pictures, repository=cfg.open_only)
    moves = [(f"{commit.STAGING}/{name}", name) for name in ("data", "reports", LEDGER, stats.FIGURES, manifest.MANIFEST)]
    applied = takedowns.path_of(cfg.root)
    if cfg.out_root.resolve() != cfg.root.resolve() and applied.is_file():   # so verify DIR checks it too
        shutil.copyfile(applied, staging / takedowns.FILE)
        moves.append((f"{commit.STAGING}/{takedowns.FILE}", takedowns.FILE))
    return moves + write_documents(staging, cfg.root, published)


def _release(cfg: BuildConfig) -> Release | None:
    try:
        return read_release(cfg.root / "CHANGELOG.md")
    except ReleaseError:
        return None


def verify_staged(staging: Path, files: list[dict[str, Any]]) -> None:
    """Read back every staged shard: row counts and features must be what the manifest says."""
    expected = arrow_schema()
    for entry in files:
        path = staging / Path(entry["path"]).relative_to("corpus")
        meta = pq.read_metadata(path)
        if meta.num_rows != entry["rows"]:
            raise BuildError(f"{path.name}: {meta.num_rows} rows written, {entry['rows']} expected")
        written = pq.read_schema(path)
        if not written.equals(expected) or written.metadata.get(b"huggingface") != expected.metadata[b"huggingface"]:
            raise BuildError(f"{path.name}: schema differs from the features derived from the JSON Schema")
