"""The build: read -> parse -> normalize/annotate -> validate -> split -> publish.

Each stage is a generator over records; every input ends either as a published
row or as a row of the rejects report (inputs = published + rejected, per
source).  Output is written to ``corpus/.staging`` and committed atomically
(:mod:`khabar.publish.commit`), so a failed build never touches the previous one.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import datetime as dt
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from tqdm import tqdm

from khabar import __version__, stats, validate
from khabar.assemble import assemble
from khabar.config import Config, ConfigError, corpus_inputs, is_repository
from khabar.dates import DateLimits
from khabar.errors import KhabarError, Report
from khabar.features import arrow_schema, from_arrow_row, to_arrow_row
from khabar.paths import schema_dir
from khabar.publish import DATA_DIRS, card, commit, manifest
from khabar.publish.croissant import croissant
from khabar.publish.release import URL, Release, ReleaseError, read_release
from khabar.publish.parquet import InBackground, SplitWriter
from khabar.record import Article
from khabar.registry import Source, sources, taxonomy
from khabar.sources import page_parser
from khabar.sources.mapping import Mapping
from khabar.shards import release_memory
from khabar.spool import Spool
from khabar.spool import tables as spooled_tables
from khabar.work import STAGES, Outcome, Unit, default_workers, freeze, ordered_map, read_page, thaw
from khabar.work import check_schema  # noqa: F401  (re-exported: khabar parse and the tests use it from here)
from khabar import takedowns
from khabar.dedup import BANDS, NUM_PERM, THRESHOLD, Deduplicator, Duplicate
from khabar.split import DEFAULT_RATIOS, LEDGER, SPLITS, assign, cluster_split, load_ledger, temporal_split

DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024


class BuildError(Exception):
    """The build cannot publish (the previous dataset is left as it was)."""


@dataclasses.dataclass
class BuildConfig:
    root: Path
    build_date: dt.date = dataclasses.field(default_factory=dt.date.today)
    output: Path | None = None       # where to publish (default: root): a dataset folder of its own
    config: Config = dataclasses.field(default_factory=lambda: Config(path=None))
    max_rows_per_shard: int = 200_000
    progress: bool | None = None     # None: only on a terminal
    fail_on_unmapped: bool | None = None   # None: as the config says
    workers: int = dataclasses.field(default_factory=default_workers)
    seconds: dict[str, float] = dataclasses.field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    @property
    def ratios(self) -> dict[str, float]:
        return self.config.ratios or dict(DEFAULT_RATIOS)

    @property
    def max_input_bytes(self) -> int:
        return self.config.max_input_bytes or DEFAULT_MAX_INPUT_BYTES

    @property
    def strict_labels(self) -> bool:
        return self.config.fail_on_unmapped if self.fail_on_unmapped is None else self.fail_on_unmapped

    @property
    def out_root(self) -> Path:
        return self.output or self.root

    @property
    def open_only(self) -> bool:
        """Publishing into the repository's own dataset (a root with corpus/inputs.toml, the shipped
        corpus, and no --output elsewhere): only sources that may be redistributed."""
        into_root = self.output is None or self.output.resolve() == self.root.resolve()
        return into_root and is_repository(self.root)

    @property
    def corpus(self) -> Path:
        """Where data/, reports/ and manifest.json are published."""
        return self.out_root / "corpus"

    @property
    def raw_dir(self) -> Path:
        return self.root / "corpus" / "raw"


@dataclasses.dataclass
class InputItem:
    """One raw input file: a saved page (its folder names the source) or an export with its mapping."""

    path: Path
    origin: str
    source: str                      # for an export: the source counted if the file cannot be read
    mapping: Mapping | None = None
    sha256: str | None = None        # the file's recorded sha256 (corpus/inputs.toml), checked on reading


@dataclasses.dataclass
class BuildResult:
    report: Report
    split_rows: dict[str, int]
    unmapped: collections.Counter[tuple[str, str]]
    files: list[dict[str, Any]]


def _origin(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def discover(cfg: BuildConfig) -> list[InputItem]:
    """Every page under corpus/raw/<source>/ (sorted; hidden files skipped), then the corpus's
    exports (corpus/inputs.toml), then every export of the config.  A file under corpus/raw/
    that an export lists is read by its mapping, not as a page."""
    exports_ = list(cfg.config.inputs)
    if cfg.config.corpus:
        try:
            exports_ = corpus_inputs(cfg.root) + exports_
        except ConfigError as exc:
            raise BuildError(f"{exc.code}: {exc}") from None
    listed = [(export, export.files()) for export in exports_]
    claimed = {os.path.realpath(path) for _, files in listed for path in files}
    items = []
    if cfg.config.corpus and cfg.raw_dir.is_dir():
        for path in sorted(cfg.raw_dir.rglob("*")):
            rel = path.relative_to(cfg.raw_dir)
            if any(part.startswith(".") for part in rel.parts) or path.is_dir() or os.path.realpath(path) in claimed:
                continue
            source = rel.parts[0] if len(rel.parts) > 1 else ""
            items.append(InputItem(path=path, origin=_origin(path, cfg.root), source=source))
    for export, files in listed:
        for path in files:
            items.append(InputItem(path=path, origin=_origin(path, cfg.root), source=export.mapping.default_source(),
                                   mapping=export.mapping, sha256=export.sha256.get(path.name)))
    return items


def parse_page(raw: bytes, origin: str, source: Source, limits: DateLimits) -> Article:
    """Parse, normalize and annotate one saved page (what ``khabar parse`` and the build share)."""
    parse = page_parser(source, Path(origin).suffix)
    raw_article = parse(raw, origin, source, limits.for_source(source.founded))
    return assemble(raw_article, source, taxonomy())


CHUNK = 256


def units(items: list[InputItem], cfg: BuildConfig, seconds: dict[str, float]) -> Iterator[Unit]:
    """Stage read: pages as they are, exports read and cut into chunks of records (in input order)."""
    for item in items:
        if item.mapping is None:
            yield Unit("page", item.source, origin=item.origin, path=item.path, max_bytes=cfg.max_input_bytes)
            continue
        mapping = item.mapping
        t0 = time.perf_counter()
        input_file: tuple[str, str, int] | None = None
        try:
            raw = read_page(item.path, cfg.max_input_bytes)
            input_file = (item.origin, hashlib.sha256(raw).hexdigest(), len(raw))
            if item.sha256 is not None and item.sha256 != input_file[1]:
                raise KhabarError("input.checksum-mismatch", expected=item.sha256, found=input_file[1])
            records = mapping.read(raw, item.path.name)
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


Results = Iterable[tuple[list[Outcome], dict[str, float]]]


def articles(items: list[InputItem], cfg: BuildConfig, report: Report,
             unmapped: collections.Counter[tuple[str, str]], seconds: dict[str, float] | None = None,
             results: Results | None = None, inputs: dict[str, tuple[str, int]] | None = None,
             arrow: bool = False) -> Iterator[Outcome]:
    """Stages parse, normalize, validate (in workers): every input to a valid record, or to a rejection.

    (Ids given twice are found after this stage, by sorting, and rejected in pass 2.)"""
    seconds = seconds if seconds is not None else dict.fromkeys(STAGES, 0.0)
    bar = tqdm(total=len(items), desc="build", unit="file", disable=None if cfg.progress is None else not cfg.progress)
    if results is None:
        results = ordered_map(units(items, cfg, seconds), cfg.build_date, cfg.workers, arrow=arrow,
                              open_only=cfg.open_only)
    for outcomes, spent in results:
        for stage, value in spent.items():
            seconds[stage] += value
        for out in outcomes:
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
            report.count_published(out.source)
            yield out
        if outcomes and outcomes[-1].origin.split("#")[0] != getattr(bar, "_last", None):
            bar._last = outcomes[-1].origin.split("#")[0]
            bar.update(1)
    bar.close()


def build(cfg: BuildConfig, results: Results | None = None) -> BuildResult:
    """Build and publish.  ``results``: the per-article results in input order, when another
    engine computed them (:mod:`khabar.engines.datatrove`); by default worker processes do."""
    cfg.corpus.mkdir(parents=True, exist_ok=True)
    commit.recover(cfg.corpus)
    report = Report()
    unmapped: collections.Counter[tuple[str, str]] = collections.Counter()
    staging = commit.fresh_staging(cfg.corpus)
    try:
        return _build_into(staging, cfg, report, unmapped, results)
    except BaseException:
        if not (cfg.corpus / commit.JOURNAL).exists():   # a started commit is finished, never undone
            shutil.rmtree(staging, ignore_errors=True)
        raise


def _build_into(staging: Path, cfg: BuildConfig, report: Report,
                unmapped: collections.Counter[tuple[str, str]], results: Results | None = None) -> BuildResult:
    data_dir = staging / "data"
    data_dir.mkdir()
    schema = arrow_schema()

    # pass 1: every input to a valid record, spooled to disk; dedup keeps a compact entry per record
    seconds = cfg.seconds
    spool = Spool(staging, schema, max_rows=cfg.max_rows_per_shard, compression=cfg.config.spool_compression)
    dedup = Deduplicator(spill=staging / ".signatures.u32")     # 256 B/article on disk, 26 B in memory
    listing = takedowns.load(cfg.root)
    hits: dict[int, takedowns.Entry] = {}         # records a takedown entry names
    inputs: dict[str, tuple[str, int]] = {}
    for out in articles(discover(cfg), cfg, report, unmapped, seconds, results, inputs, arrow=True):
        record = out.record
        t0 = time.perf_counter()
        index = dedup.add(record, out.signature, out.digest, out.length)
        t1 = time.perf_counter()
        entry = listing.match(record) if listing.entries else None
        if entry is not None:
            hits[index] = entry
        if out.table is not None:
            spool.write_table(out.table)          # the unit's rows, made Arrow in the worker
        elif not out.tabled:
            spool.write(to_arrow_row(record))
        seconds["dedup"] += t1 - t0
        seconds["write"] += time.perf_counter() - t1
    t0 = time.perf_counter()
    spool_files = spool.close()
    seconds["write"] += time.perf_counter() - t0

    if sum(report.published.values()) == 0:
        raise BuildError("no article could be published; the previous dataset is kept.\n" + report.summary()
                         + "\n" + report_failure(cfg.corpus / "reports" / "last-failed", report))
    if cfg.strict_labels and unmapped:
        raise BuildError(f"{len(unmapped)} category label(s) are not mapped in schema/categories.yaml")

    # clusters of two or more, takedowns, representatives, cluster ids and splits; a lone
    # article (most of them) is decided in pass 2 from its own row, so nothing per article
    # is held here but dedup's arrays
    t0 = time.perf_counter()
    ledger = load_ledger(cfg.corpus / LEDGER)
    repeated = dedup.repeated_ids()
    repeated_set = set(int(i) for i in repeated)
    groups = dedup.groups(exclude=repeated)
    t1 = time.perf_counter()
    seconds["dedup"] += t1 - t0
    cutoff = cfg.config.temporal_cutoff
    dropped: dict[int, Duplicate] = {}
    removed: dict[int, takedowns.Entry] = {}
    cluster_of: dict[int, str] = {}      # members of groups only
    split_of: dict[int, str] = {}
    temporal_of: dict[int, str] = {}
    for group in groups:
        ids = [dedup.id_of(i) for i in group]
        key = min(ids)
        split = cluster_split(ids, key, ledger, cfg.ratios)
        temporal = temporal_split([dedup.date_of(i) for i in group], key, cutoff, cfg.ratios) if cutoff else None
        named = {i: hits[i] for i in group if i in hits}
        whole = next((e for e in named.values() if e.scope == "cluster"), None)
        for i in group:
            if whole is not None or i in named:
                removed[i] = named.get(i, whole)
        remaining = [i for i in group if i not in removed]
        rep = dedup.representative(remaining) if remaining else None
        for i in group:
            cluster_of[i], split_of[i] = key, split
            if temporal:
                temporal_of[i] = temporal
            if rep is not None and i != rep and i not in removed:
                dropped[i] = dedup.duplicate(i, rep)
    for i, entry in hits.items():
        if i not in cluster_of:
            removed[i] = entry
    seconds["split"] += time.perf_counter() - t1
    del groups
    dedup.close()

    # pass 2: publish each cluster's representative in its split
    t0 = time.perf_counter()
    writers = {s: InBackground(SplitWriter(data_dir, s, schema, max_rows_per_shard=cfg.max_rows_per_shard))
               for s in SPLITS}
    temporal_writers: dict[str, InBackground] = {}
    if cutoff:
        (data_dir / "temporal").mkdir()
        temporal_writers = {s: InBackground(SplitWriter(data_dir / "temporal", s, schema,
                                                        max_rows_per_shard=cfg.max_rows_per_shard))
                            for s in SPLITS}
    collector = stats.Collector()        # counts what is written, for the card, reports and pictures
    duplicates = []
    first_origin: dict[str, str] = {}    # ids given twice: where the first came from
    repeated_ids = {dedup.id_of(i) for i in repeated_set}
    example: dict[str, Any] | None = None
    index = 0
    cluster_col = schema.get_field_index("cluster_id")
    for path in spool_files:
        for table in spooled_tables(path, rows=1000):
            ids = table.column("id").to_pylist()
            sources_, origins_ = table.column("source"), table.column("origin")     # read where needed
            published_ = table.column("published").to_pylist() if temporal_writers else []
            known = ledger.get_many(ids)          # a lone article's split: the ledger's, else by hash
            route: list[str | None] = []
            temporal_route: list[str | None] = []
            clusters: list[str] = []
            seen_ids: list[str] = []
            seen_splits: list[str] = []
            for k, record_id in enumerate(ids):
                i, index = index, index + 1
                clusters.append(cluster_of.get(i, record_id))
                route.append(None)
                temporal_route.append(None)
                if i in repeated_set:
                    source = sources_[k].as_py()
                    report.published[source] -= 1
                    report.reject(origins_[k].as_py(), source, KhabarError(
                        "record.duplicate-id", id=record_id, first=first_origin.get(record_id, "an earlier input")))
                    continue
                if record_id in repeated_ids:
                    first_origin.setdefault(record_id, origins_[k].as_py())
                if i in removed:
                    source = sources_[k].as_py()
                    report.count_taken_down(source)
                    report.published[source] -= 1
                    continue
                split = split_of.get(i) or known[k] or assign(record_id, cfg.ratios)
                seen_ids.append(record_id)
                seen_splits.append(split)
                if i in dropped:
                    d = dropped[i]
                    source = sources_[k].as_py()
                    duplicates.append({"id": record_id, "origin": origins_[k].as_py(), "source": source,
                                       "duplicate_of": dedup.id_of(d.representative),
                                       "kind": d.kind, "similarity": d.similarity, "cluster_id": clusters[k]})
                    report.count_duplicate(source)
                    report.published[source] -= 1
                    continue
                route[k] = split
                if temporal_writers:
                    day = published_[k].isoformat() if published_[k] else None
                    temporal_route[k] = temporal_of.get(i) or temporal_split([day], record_id, cutoff, cfg.ratios)
                if example is None or (split == "train" and example["_split"] != "train"):
                    row = table.slice(k, 1).to_pylist()[0]
                    example = {**from_arrow_row(row), "cluster_id": clusters[k], "_split": split}
            ledger.set_many(seen_ids, seen_splits)
            table = table.set_column(cluster_col, schema.field(cluster_col), pa.array(clusters, pa.string()))
            for name, writer in writers.items():
                chosen = table.filter(pa.array([r == name for r in route]))
                writer.write_table(chosen)
                if chosen.num_rows:
                    collector.add(chosen, name)
            for name, writer in temporal_writers.items():
                writer.write_table(table.filter(pa.array([r == name for r in temporal_route])))
            if index % 20_000 < 1000:
                release_memory()
        path.unlink()

    if not report.balanced():
        raise BuildError("counts do not add up: " + report.summary())
    numbers = collector.result()

    files, split_info, temporal_info = [], {}, {}
    for name, writer in writers.items():
        for path, rows in writer.close():
            files.append(manifest.file_entry(path, f"{DATA_DIRS['default']}/{path.name}", rows))
        split_info[name] = {"rows": writer.rows, "bytes": writer.nbytes}
    for name, writer in temporal_writers.items():
        for path, rows in writer.close():
            files.append(manifest.file_entry(path, f"{DATA_DIRS['temporal']}/{path.name}", rows))
        temporal_info[name] = {"rows": writer.rows, "bytes": writer.nbytes}
    ledger.write(staging / LEDGER)
    seconds["write"] += time.perf_counter() - t0

    reports_dir = staging / "reports"
    reports_dir.mkdir()
    rejects = [r.to_json() for r in report.sorted_rejections()]
    (reports_dir / "rejects.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rejects), encoding="utf-8")
    (reports_dir / "duplicates.jsonl").write_text(
        "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n"
                for d in sorted(duplicates, key=lambda d: (d["cluster_id"], d["id"]))), encoding="utf-8")
    dup_kinds = collections.Counter((d["source"], d["kind"]) for d in duplicates)
    removed_by = collections.Counter(e.key for e in removed.values())
    (reports_dir / "takedowns.json").write_text(manifest.dumps({
        "entries": [{**e.to_json(), "removed": removed_by[e.key]} for e in listing.entries],
        "removed": len(removed),
        "unmatched": [e.key for e in listing.entries if removed_by[e.key] == 0],
    }), encoding="utf-8")
    summary = {
        "per_source": report.per_source(),
        "rejected_by_code": dict(sorted(report.by_code().items())),
        "unmapped_labels": [{"source": s, "label": label, "count": n}
                            for (s, label), n in sorted(unmapped.items())],
        "splits": {name: info["rows"] for name, info in split_info.items()},
        "temporal_splits": {name: info["rows"] for name, info in temporal_info.items()},
        "temporal_cutoff": cfg.config.temporal_cutoff,
        "categories": numbers["categories_by_split"],
        "duplicates": {
            "threshold": THRESHOLD, "num_perm": NUM_PERM, "bands": BANDS,
            "per_source": [{"source": s, "exact": dup_kinds[(s, "exact")], "near": dup_kinds[(s, "near")]}
                           for s in sorted({s for s, _ in dup_kinds})],
        },
    }
    (reports_dir / "build.json").write_text(manifest.dumps(summary), encoding="utf-8")

    release = _release(cfg)
    manifest_data = {
        "khabar_version": __version__,
        "schema_version": validate.article_schema()["x-khabar-schema-version"],
        "release": {"version": release.version, "date": release.date} if release else None,
        "publication": "open" if cfg.open_only else "own-use",
        "files": files,
        "splits": summary["splits"],
        "inputs": report.per_source(),
        "provenance": {
            "schema_sha256": manifest.sha256_file(schema_dir() / "article.schema.json"),
            "config": None if cfg.config.path is None else {
                "path": _origin(cfg.config.path, cfg.root), "sha256": manifest.sha256_file(cfg.config.path)},
            "build_date": None,          # deliberately not recorded: the same inputs give the same files
            "input_files": [{"path": p, "sha256": h, "bytes": n} for p, (h, n) in sorted(inputs.items())],
        },
    }
    (staging / manifest.MANIFEST).write_text(manifest.dumps(manifest_data), encoding="utf-8")

    t0 = time.perf_counter()
    pictures = stats.draw(numbers, staging / stats.FIGURES)
    (reports_dir / "stats.json").write_text(stats.dumps(numbers), encoding="utf-8")
    seconds["write"] += time.perf_counter() - t0
    readme_path = cfg.root / "README.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else card.DEFAULT_README
    download = sum(f["bytes"] for f in files)
    example_record = None if example is None else {k: v for k, v in example.items() if k != "_split"}
    sections = {
        "fields": card.fields_table(),
        "splits": split_table(split_info, files),
        "sources": sources_table(report),
        "attribution": card.attribution_section(dict(report.published)),
        "coverage": card.coverage_table(numbers["coverage"]),
        "categories": categories_table(numbers["categories_by_split"]),
        "example": card.example_block(example_record),
        "figures": stats.card_section(numbers, pictures),
        "cite": ("```bibtex\n" + release.bibtex() + "\n```") if release else "_No release yet: CHANGELOG.md has no entry._",
        "release": (f"Version **{release.version}** of {release.date} (see `CHANGELOG.md`); built by khabar "
                    f"{__version__} with schema {validate.article_schema()['x-khabar-schema-version']}.")
        if release else "_Unreleased build._",
    }
    configs = {"default": split_info}
    if temporal_info:
        configs["temporal"] = temporal_info
    registry = sources()
    licenses = {registry[s].license for s, n in report.published.items() if n > 0 and s in registry}
    (staging / "README.md").write_text(card.render(readme, card.front_matter(configs, download, licenses), sections),
                                       encoding="utf-8")
    moves = [
        (f"{commit.STAGING}/data", "data"),
        (f"{commit.STAGING}/reports", "reports"),
        (f"{commit.STAGING}/{LEDGER}", LEDGER),
        (f"{commit.STAGING}/{stats.FIGURES}", stats.FIGURES),
        (f"{commit.STAGING}/{manifest.MANIFEST}", manifest.MANIFEST),
        (f"{commit.STAGING}/README.md", "../README.md"),
    ]
    configs_present = ["default"] + (["temporal"] if temporal_info else [])
    description = ("Persian news articles: raw text kept beside a normalized form, source labels mapped to a "
                   "topic taxonomy, near-duplicates removed, stable splits.")
    (staging / "croissant.json").write_text(manifest.dumps(croissant(
        files, configs_present, version=release.version if release else __version__,
        date_published=release.date if release else "", cite_as=release.bibtex() if release else "",
        description=description, license_text="Toolchain: Apache-2.0. Article texts: each row's license_notice "
                                               "(rights of the publisher; research use).", url=URL)),
        encoding="utf-8")
    moves.append((f"{commit.STAGING}/croissant.json", "../croissant.json"))
    if release is not None:
        (staging / "CITATION.cff").write_text(release.citation_cff(), encoding="utf-8")
        moves.append((f"{commit.STAGING}/CITATION.cff", "../CITATION.cff"))
        changelog = card.fill_sections((cfg.root / "CHANGELOG.md").read_text(encoding="utf-8"),
                                       {"release": release_text(release, report, split_info, len(removed))})
        (staging / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
        moves.append((f"{commit.STAGING}/CHANGELOG.md", "../CHANGELOG.md"))
    datasheet_path = cfg.root / "DATASHEET.md"
    if datasheet_path.exists():
        datasheet = card.fill_sections(datasheet_path.read_text(encoding="utf-8"), {
            "composition": composition_text(report, split_info),
            "rights": rights_text(report),
            "statement": statement_text(numbers),
        })
        (staging / "DATASHEET.md").write_text(datasheet, encoding="utf-8")
        moves.append((f"{commit.STAGING}/DATASHEET.md", "../DATASHEET.md"))
    _verify_staged(staging, files)
    commit.commit(cfg.corpus, moves)
    return BuildResult(report=report, split_rows=summary["splits"], unmapped=unmapped, files=files)


def report_failure(folder: Path, report: Report, top: int = 3) -> str:
    """Write a failed build's rejects and summary where the user looks (``reports/last-failed/``,
    replaced by the next build that publishes) and say the most frequent problems' fixes."""
    from khabar.errors import CATALOGUE

    folder.mkdir(parents=True, exist_ok=True)
    rejects = [r.to_json() for r in report.sorted_rejections()]
    (folder / "rejects.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rejects), encoding="utf-8")
    (folder / "summary.txt").write_text(report.summary() + "\n", encoding="utf-8")
    lines = [f"rejects of this failed build: {folder / 'rejects.jsonl'}"]
    for code, n in report.by_code().most_common(top):
        example = next(r for r in report.rejections if r.code == code)
        lines.append(f"  {code} ({n}): {CATALOGUE[code].hint}\n    e.g. {example.origin}: {example.message}")
    return "\n".join(lines)


def _verify_staged(staging: Path, files: list[dict[str, Any]]) -> None:
    """Read back every staged shard: row counts and features must be what the manifest says."""
    import pyarrow.parquet as pq

    expected = arrow_schema()
    for entry in files:
        path = staging / Path(entry["path"]).relative_to("corpus")
        meta = pq.read_metadata(path)
        if meta.num_rows != entry["rows"]:
            raise BuildError(f"{path.name}: {meta.num_rows} rows written, {entry['rows']} expected")
        written = pq.read_schema(path)
        if not written.equals(expected) or written.metadata.get(b"huggingface") != expected.metadata[b"huggingface"]:
            raise BuildError(f"{path.name}: schema differs from the features derived from the JSON Schema")


def split_table(split_info: dict[str, dict[str, int]], files: list[dict[str, Any]]) -> str:
    lines = ["| split | articles | files |", "|---|---:|---|"]
    for name, info in split_info.items():
        names = [f["path"] for f in files if f["path"].startswith(f"corpus/data/{name}-")]
        lines.append(f"| {name} | {info['rows']} | {', '.join(f'`{n}`' for n in names) or '(empty: left out of the configs)'} |")
    lines.append(f"| **total** | {sum(i['rows'] for i in split_info.values())} | |")
    return "\n".join(lines)


def sources_table(report: Report) -> str:
    registry = sources()
    lines = ["| source | publisher | read | published | rejected | duplicates | rights |",
             "|---|---|---:|---:|---:|---:|---|"]
    for row in report.per_source():
        src = registry.get(row["source"])
        publisher = src.publisher if src else "(unknown source)"
        rights = f"`{src.license}` ({src.redistribution})" if src else ""
        lines.append(f"| `{row['source']}` | {publisher} | {row['read']} | {row['published']} | {row['rejected']} "
                     f"| {row['duplicates']} | {rights} |")
    return "\n".join(lines)


def _release(cfg: BuildConfig) -> Release | None:
    try:
        return read_release(cfg.root / "CHANGELOG.md")
    except ReleaseError:
        return None


def release_text(release: Release, report: Report, split_info: dict[str, dict[str, int]], taken_down: int) -> str:
    """The CHANGELOG's generated figures: what this release holds, and what takedowns removed (counts only)."""
    splits = ", ".join(f"{name} {info['rows']}" for name, info in split_info.items())
    return (f"Built from this release's inputs: {sum(report.published.values())} articles published ({splits}); "
            f"{len(report.rejections)} inputs rejected, {sum(report.duplicates.values())} duplicates dropped, "
            f"{taken_down} records removed by takedown. Users of an earlier version should refresh their copy "
            f"when the takedown count is above zero.")


def composition_text(report: Report, split_info: dict[str, dict[str, int]]) -> str:
    published = sum(report.published.values())
    splits = ", ".join(f"{name} {info['rows']}" for name, info in split_info.items())
    per_source = "; ".join(f"`{row['source']}` {row['published']} of {row['read']} read"
                           for row in report.per_source())
    return (f"  {published} article(s) published ({splits}), from {sum(report.read.values())} input(s) read "
            f"and {len(report.rejections)} rejected. Per source: {per_source}.")


def statement_text(numbers: dict[str, Any]) -> str:
    months = [m for m in numbers["per_month"] if m != "(undated)"]
    span = f"from {months[0]} to {months[-1]}" if months else "undated"
    undated = numbers["per_month"].get("(undated)", 0)
    sources_ = ", ".join(f"`{s}` {n}" for s, n in numbers["per_source"].items())
    return (f"- **In this build:** {numbers['articles']} articles, published {span}"
            f"{f' ({undated} undated)' if undated else ''}; per source: {sources_}; body text of median "
            f"{numbers['text_chars']['median']} characters and {numbers['tokens']['median']} tokens "
            f"(longest {numbers['text_chars']['max']} characters).")


def rights_text(report: Report) -> str:
    registry = sources()
    lines = ["", "| source | publisher | rights identifier | redistribution | articles |", "|---|---|---|---|---:|"]
    for row in report.per_source():
        src = registry.get(row["source"])
        if src:
            lines.append(f"| `{src.key}` | {src.publisher} | `{src.license}` | {src.redistribution} | {row['published']} |")
    return "\n".join(lines)


def categories_table(categories: dict[str, dict[str, int]]) -> str:
    present = [s for s in SPLITS if categories.get(s)]
    names = list(taxonomy().classes) + ["(none)"]
    lines = ["| category | " + " | ".join(present) + " |", "|---|" + "---:|" * len(present)]
    for name in names:
        counts = [categories[s].get(name, 0) for s in present]
        if any(counts):
            lines.append(f"| {name} | " + " | ".join(str(c) for c in counts) + " |")
    return "\n".join(lines)
