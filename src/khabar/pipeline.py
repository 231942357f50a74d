"""The build: read -> parse -> normalize/annotate -> validate -> split -> publish.

Each stage is a generator over records; every input ends either as a published
row or as a row of the rejects report (inputs = published + rejected, per
source).  Output is written to ``corpus/.staging`` and committed atomically
(:mod:`khabar.publish.commit`), so a failed build never touches the previous one.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from tqdm import tqdm

from khabar import __version__, validate
from khabar.assemble import assemble
from khabar.config import Config
from khabar.dates import DateLimits
from khabar.errors import KhabarError, Report
from khabar.features import arrow_schema, features, from_arrow_row, to_arrow_row
from khabar.publish import card, commit, manifest
from khabar.publish.parquet import SplitWriter
from khabar.record import Article
from khabar.registry import Source, sources, taxonomy
from khabar.sources import PARSERS, exports
from khabar.sources.mapping import Mapping
from khabar import takedowns
from khabar.dedup import BANDS, NUM_PERM, THRESHOLD, Deduplicator, Duplicate
from khabar.split import DEFAULT_RATIOS, LEDGER, SPLITS, cluster_split, ledger_text, load_ledger, temporal_split

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


@dataclasses.dataclass
class BuildResult:
    report: Report
    split_rows: dict[str, int]
    unmapped: collections.Counter[tuple[str, str]]
    files: list[dict[str, Any]]


def _origin(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def discover(cfg: BuildConfig) -> list[InputItem]:
    """Every page under corpus/raw/<source>/ (sorted; hidden files skipped), then every export of the config."""
    items = []
    if cfg.config.corpus and cfg.raw_dir.is_dir():
        for path in sorted(cfg.raw_dir.rglob("*")):
            rel = path.relative_to(cfg.raw_dir)
            if any(part.startswith(".") for part in rel.parts) or path.is_dir():
                continue
            source = rel.parts[0] if len(rel.parts) > 1 else ""
            items.append(InputItem(path=path, origin=_origin(path, cfg.root), source=source))
    for export in cfg.config.inputs:
        for path in export.files():
            items.append(InputItem(path=path, origin=_origin(path, cfg.root),
                                   source=export.mapping.default_source(), mapping=export.mapping))
    return items


def read_input(item: InputItem, cfg: BuildConfig) -> bytes:
    try:
        if item.path.is_symlink():
            try:
                item.path.resolve(strict=True)
            except RuntimeError as exc:          # pathlib: "Symlink loop from ..."
                raise KhabarError("input.symlink-loop", reason=str(exc)) from None
            except OSError as exc:
                if exc.errno == 40:              # ELOOP
                    raise KhabarError("input.symlink-loop", reason=exc.strerror or str(exc)) from None
                raise
        if not item.path.is_file():
            raise KhabarError("input.unreadable", reason="not a regular file (a FIFO, socket, device or dangling link)")
        size = item.path.stat().st_size
        if size > cfg.max_input_bytes:
            raise KhabarError("input.too-large", size=size, limit=cfg.max_input_bytes)
        return item.path.read_bytes()
    except OSError as exc:
        raise KhabarError("input.unreadable", reason=exc.strerror or str(exc)) from None


def parse_page(raw: bytes, origin: str, source: Source, limits: DateLimits) -> Article:
    """Parse, normalize and annotate one saved page (what ``khabar parse`` and the build share)."""
    if source.parser not in PARSERS:
        raise KhabarError("input.unknown-format", suffix=Path(origin).suffix, where=f"source {source.key}")
    raw_article = PARSERS[source.parser](raw, origin, source, limits.for_source(source.founded))
    return assemble(raw_article, source, taxonomy())


def check_schema(article: Article) -> dict[str, Any]:
    record = article.to_json(validate.schema_fields())
    problems = list(validate.errors(record))
    if problems:
        path, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise KhabarError("schema.invalid", path=path, message=message + more)
    return record


_READERS = {"json": exports.read_json, "jsonl": exports.read_jsonl}


def _export_records(item: InputItem, cfg: BuildConfig, limits: DateLimits
                    ) -> Iterator[tuple[str, str, int | None, Article | KhabarError]]:
    """(origin, source, line, article or rejection) for every record of one export file."""
    mapping = item.mapping
    assert mapping is not None
    registry = sources()
    try:
        raw = read_input(item, cfg)
        if mapping.format == "csv":
            records = exports.read_csv(raw, mapping.encoding, mapping.delimiter, mapping.columns())
        else:
            records = _READERS[mapping.format](raw, mapping.encoding)
        for n, line, record in records:
            origin = f"{item.origin}#{n}"
            if isinstance(record, KhabarError):
                yield origin, item.source, line, record
                continue
            try:
                raw_article = mapping.apply(record, origin=origin, registry=registry, limits=limits)
                yield origin, raw_article.source, line, assemble(raw_article, registry[raw_article.source], taxonomy())
            except KhabarError as err:
                yield origin, _guess_source(mapping, record), line, err
    except KhabarError as err:      # the file as a whole
        yield item.origin, item.source, err.line, err


def _guess_source(mapping: Mapping, record: dict[str, Any]) -> str:
    """The source a rejected record is counted under: what the mapping can tell, else its default."""
    try:
        url = record.get(mapping.fields["url"]) if mapping.fields.get("url") else None
        return mapping.source_of(record, url if isinstance(url, str) else None)
    except KhabarError:
        return mapping.default_source()


def _page_records(item: InputItem, cfg: BuildConfig, limits: DateLimits
                  ) -> Iterator[tuple[str, str, int | None, Article | KhabarError]]:
    registry = sources()
    try:
        if item.source not in registry:
            raise KhabarError("input.unknown-source", source=item.source, known=", ".join(sorted(registry)))
        source = registry[item.source]
        if item.path.suffix.lower() != ".txt":
            raise KhabarError("input.unknown-format", suffix=item.path.suffix, where=f"corpus/raw/{source.key}")
        yield item.origin, item.source, None, parse_page(read_input(item, cfg), item.origin, source, limits)
    except KhabarError as err:
        yield item.origin, item.source or "?", err.line, err


def articles(items: list[InputItem], cfg: BuildConfig, report: Report,
             unmapped: collections.Counter[tuple[str, str]]) -> Iterator[dict[str, Any]]:
    """Stage: every input to a valid published record, or to a rejection in ``report``."""
    limits = DateLimits(latest=cfg.build_date)
    first_origin: dict[str, str] = {}
    bar = tqdm(items, desc="build", unit="file", disable=None if cfg.progress is None else not cfg.progress)
    for item in bar:
        produce = _page_records if item.mapping is None else _export_records
        for origin, source, line, result in produce(item, cfg, limits):
            report.count_read(source)
            try:
                if isinstance(result, KhabarError):
                    raise result
                record = check_schema(result)
                if record["id"] in first_origin:
                    raise KhabarError("record.duplicate-id", id=record["id"], first=first_origin[record["id"]])
                first_origin[record["id"]] = origin
            except KhabarError as err:
                if err.line is None and line is not None:
                    err.line = line
                report.reject(origin, source, err)
                continue
            for label in result.unmapped_labels:
                unmapped[(result.source, label)] += 1
            report.count_published(source)
            yield record


def build(cfg: BuildConfig) -> BuildResult:
    cfg.corpus.mkdir(parents=True, exist_ok=True)
    commit.recover(cfg.corpus)
    report = Report()
    unmapped: collections.Counter[tuple[str, str]] = collections.Counter()
    staging = commit.fresh_staging(cfg.corpus)
    try:
        return _build_into(staging, cfg, report, unmapped)
    except BaseException:
        if not (cfg.corpus / commit.JOURNAL).exists():   # a started commit is finished, never undone
            shutil.rmtree(staging, ignore_errors=True)
        raise


def _build_into(staging: Path, cfg: BuildConfig, report: Report,
                unmapped: collections.Counter[tuple[str, str]]) -> BuildResult:
    data_dir = staging / "data"
    data_dir.mkdir()
    schema = arrow_schema()

    # pass 1: every input to a valid record, spooled to disk; dedup keeps a signature per record
    spool = SplitWriter(staging, "spool", schema, max_rows_per_shard=cfg.max_rows_per_shard)
    dedup = Deduplicator()
    listing = takedowns.load(cfg.root)
    origins: list[tuple[str, str]] = []          # (origin, source) per spooled record
    hits: dict[int, takedowns.Entry] = {}         # records a takedown entry names
    for record in articles(discover(cfg), cfg, report, unmapped):
        entry = listing.match(record) if listing.entries else None
        if entry is not None:
            hits[dedup.add(record)] = entry
        else:
            dedup.add(record)
        origins.append((record["origin"], record["source"]))
        spool.write(to_arrow_row(record))
    spool_files = [path for path, _ in spool.close()]

    if sum(report.published.values()) == 0:
        raise BuildError("no article could be published; the previous dataset is kept.\n" + report.summary())
    if cfg.strict_labels and unmapped:
        raise BuildError(f"{len(unmapped)} category label(s) are not mapped in schema/categories.yaml")

    # clusters, takedowns, representatives, cluster ids and splits
    ledger = load_ledger(cfg.corpus / LEDGER)
    sigs = dedup.signatures()
    dropped: dict[int, Duplicate] = {}
    removed: dict[int, takedowns.Entry] = {}
    cluster_of: dict[int, str] = {}
    split_of: dict[int, str] = {}
    temporal_of: dict[int, str] = {}
    for group in dedup.groups():
        ids = [dedup.ids[i] for i in group]
        key = min(ids)
        split = cluster_split(ids, key, ledger, cfg.ratios)
        for i in group:
            ledger[dedup.ids[i]] = split
        named = {i: hits[i] for i in group if i in hits}
        whole = next((e for e in named.values() if e.scope == "cluster"), None)
        for i in group:
            if whole is not None or i in named:
                removed[i] = named.get(i, whole)
        remaining = [i for i in group if i not in removed]
        if not remaining:
            continue
        rep = dedup.representative(remaining)
        cluster_of[rep], split_of[rep] = key, split
        if cfg.config.temporal_cutoff:
            dates = [None if dedup.date[i] == 99999999 else _iso(dedup.date[i]) for i in group]
            temporal_of[rep] = temporal_split(dates, key, cfg.config.temporal_cutoff, cfg.ratios)
        for i in remaining:
            if i != rep:
                dropped[i] = dedup.duplicate(i, rep, sigs)
                cluster_of[i] = key
    del sigs

    # pass 2: publish each cluster's representative in its split
    writers = {s: SplitWriter(data_dir, s, schema, max_rows_per_shard=cfg.max_rows_per_shard) for s in SPLITS}
    temporal_writers: dict[str, SplitWriter] = {}
    if cfg.config.temporal_cutoff:
        (data_dir / "temporal").mkdir()
        temporal_writers = {s: SplitWriter(data_dir / "temporal", s, schema, max_rows_per_shard=cfg.max_rows_per_shard)
                            for s in SPLITS}
    categories: dict[str, collections.Counter[str]] = {s: collections.Counter() for s in SPLITS}
    category_names = features()["category"].names
    duplicates = []
    example: dict[str, Any] | None = None
    index = 0
    for path in spool_files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=2000):
            for row in batch.to_pylist():
                i, index = index, index + 1
                if i in removed:
                    report.count_taken_down(origins[i][1])
                    report.published[origins[i][1]] -= 1
                    continue
                if i in dropped:
                    d = dropped[i]
                    duplicates.append({"id": dedup.ids[i], "origin": origins[i][0], "source": origins[i][1],
                                       "duplicate_of": dedup.ids[d.representative],
                                       "duplicate_of_origin": origins[d.representative][0],
                                       "kind": d.kind, "similarity": d.similarity,
                                       "cluster_id": cluster_of[i]})
                    report.count_duplicate(origins[i][1])
                    report.published[origins[i][1]] -= 1
                    continue
                row["cluster_id"] = cluster_of[i]
                split = split_of[i]
                writers[split].write(row)
                if temporal_writers:
                    temporal_writers[temporal_of[i]].write(row)
                label = row["category"]
                categories[split][category_names[label] if label is not None else "(none)"] += 1
                if example is None or (split == "train" and example["_split"] != "train"):
                    example = {**from_arrow_row(row), "_split": split}
        path.unlink()

    if not report.balanced():
        raise BuildError("counts do not add up: " + report.summary())

    files, split_info, temporal_info = [], {}, {}
    for name, writer in writers.items():
        for path, rows in writer.close():
            files.append(manifest.file_entry(path, f"corpus/data/{path.name}", rows))
        split_info[name] = {"rows": writer.rows, "bytes": writer.nbytes}
    for name, writer in temporal_writers.items():
        for path, rows in writer.close():
            files.append(manifest.file_entry(path, f"corpus/data/temporal/{path.name}", rows))
        temporal_info[name] = {"rows": writer.rows, "bytes": writer.nbytes}
    (staging / LEDGER).write_text(ledger_text(ledger), encoding="utf-8")

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
        "categories": {name: dict(sorted(c.items())) for name, c in categories.items() if c},
        "duplicates": {
            "threshold": THRESHOLD, "num_perm": NUM_PERM, "bands": BANDS,
            "per_source": [{"source": s, "exact": dup_kinds[(s, "exact")], "near": dup_kinds[(s, "near")]}
                           for s in sorted({s for s, _ in dup_kinds})],
        },
    }
    (reports_dir / "build.json").write_text(manifest.dumps(summary), encoding="utf-8")

    manifest_data = {
        "khabar_version": __version__,
        "schema_version": validate.article_schema()["x-khabar-schema-version"],
        "files": files,
        "splits": summary["splits"],
        "inputs": report.per_source(),
    }
    (staging / manifest.MANIFEST).write_text(manifest.dumps(manifest_data), encoding="utf-8")

    readme_path = cfg.root / "README.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else card.DEFAULT_README
    download = sum(f["bytes"] for f in files)
    example_record = None if example is None else {k: v for k, v in example.items() if k != "_split"}
    sections = {
        "fields": card.fields_table(),
        "splits": split_table(split_info, files),
        "sources": sources_table(report),
        "categories": categories_table(categories),
        "example": card.example_block(example_record),
    }
    configs = {"default": split_info}
    if temporal_info:
        configs["temporal"] = temporal_info
    (staging / "README.md").write_text(card.render(readme, card.front_matter(configs, download), sections),
                                       encoding="utf-8")
    moves = [
        (f"{commit.STAGING}/data", "data"),
        (f"{commit.STAGING}/reports", "reports"),
        (f"{commit.STAGING}/{LEDGER}", LEDGER),
        (f"{commit.STAGING}/{manifest.MANIFEST}", manifest.MANIFEST),
        (f"{commit.STAGING}/README.md", "../README.md"),
    ]
    datasheet_path = cfg.root / "DATASHEET.md"
    if datasheet_path.exists():
        datasheet = card.fill_sections(datasheet_path.read_text(encoding="utf-8"), {
            "composition": composition_text(report, split_info),
            "rights": rights_text(report),
        })
        (staging / "DATASHEET.md").write_text(datasheet, encoding="utf-8")
        moves.append((f"{commit.STAGING}/DATASHEET.md", "../DATASHEET.md"))
    _verify_staged(staging, files)
    commit.commit(cfg.corpus, moves)
    return BuildResult(report=report, split_rows=summary["splits"], unmapped=unmapped, files=files)


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


def _iso(yyyymmdd: int) -> str:
    text = str(yyyymmdd)
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


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


def composition_text(report: Report, split_info: dict[str, dict[str, int]]) -> str:
    published = sum(report.published.values())
    splits = ", ".join(f"{name} {info['rows']}" for name, info in split_info.items())
    per_source = "; ".join(f"`{row['source']}` {row['published']} of {row['read']} read"
                           for row in report.per_source())
    return (f"  {published} article(s) published ({splits}), from {sum(report.read.values())} input(s) read "
            f"and {len(report.rejections)} rejected. Per source: {per_source}.")


def rights_text(report: Report) -> str:
    registry = sources()
    lines = ["", "| source | publisher | rights identifier | redistribution | articles |", "|---|---|---|---|---:|"]
    for row in report.per_source():
        src = registry.get(row["source"])
        if src:
            lines.append(f"| `{src.key}` | {src.publisher} | `{src.license}` | {src.redistribution} | {row['published']} |")
    return "\n".join(lines)


def categories_table(categories: dict[str, collections.Counter[str]]) -> str:
    present = [s for s in SPLITS if categories[s]]
    names = list(taxonomy().classes) + ["(none)"]
    lines = ["| category | " + " | ".join(present) + " |", "|---|" + "---:|" * len(present)]
    for name in names:
        counts = [categories[s][name] for s in present]
        if any(counts):
            lines.append(f"| {name} | " + " | ".join(str(c) for c in counts) + " |")
    return "\n".join(lines)
