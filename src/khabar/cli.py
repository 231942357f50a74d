"""The ``khabar`` command: parse | validate | build | verify | audit | takedown | normalize | harvest | errors."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from khabar import __version__


def _cmd_parse(args: argparse.Namespace) -> int:
    from khabar.dates import DateLimits
    from khabar.errors import KhabarError
    from khabar.pipeline.settings import DEFAULT_MAX_INPUT_BYTES
    from khabar.work import check_schema, parse_page, read_page
    from khabar.registry import sources

    registry = sources()
    if args.source not in registry:
        print(f"khabar parse: unknown source {args.source!r} (known: {', '.join(sorted(registry))})", file=sys.stderr)
        return 2
    limits = DateLimits(latest=args.build_date)
    failed = 0
    for name in args.files:
        path = Path(name)
        try:
            raw = read_page(path, DEFAULT_MAX_INPUT_BYTES)    # regular files under the build's size limit
            record = check_schema(parse_page(raw, path.as_posix(), registry[args.source], limits))
        except KhabarError as err:
            failed += 1
            where = f"{name}:{err.line}" if err.line else name
            print(f"{where}: {err.code}: {err.message}", file=sys.stderr)
            continue
        print(json.dumps(record, ensure_ascii=False))
    return 1 if failed else 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from khabar.check import validate_path

    problems = 0
    records: set[str] = set()              # every record read, valid or not
    for where, record_id, path, message in validate_path(Path(args.path)):
        records.add(where)
        if path is None and message is None:
            continue
        problems += 1
        print(f"{where}: {record_id or '-'}: {path}: {message}")
    print(f"{len(records)} record(s) checked, {problems} error(s)", file=sys.stderr)
    return 1 if problems else 0


def _cmd_build(args: argparse.Namespace) -> int:
    from khabar.config import Config, ConfigError, load_config
    from khabar.pipeline import BuildConfig, BuildError, build
    from khabar.takedowns import TakedownError

    root = Path(args.root).resolve()
    try:
        config = load_config(Path(args.config), root) if args.config else Config(path=None)
    except ConfigError as exc:
        print(f"khabar build: {exc.code}: nothing built: {exc}", file=sys.stderr)
        return 2
    cfg = BuildConfig(root=root, build_date=args.build_date, config=config,
                      output=Path(args.output).resolve() if args.output else None,
                      **({"workers": args.workers} if args.workers else {}),
                      fail_on_unmapped=True if args.fail_on_unmapped else None, progress=args.progress)
    try:
        if args.engine.startswith("datatrove"):
            from khabar.engines.datatrove import build_with_datatrove

            work = Path(args.work or (cfg.out_root / "build" / "datatrove")).resolve()
            summary = build_with_datatrove(cfg, work, tasks=args.tasks, workers=cfg.workers,
                                           executor="ray" if args.engine == "datatrove-ray" else "local")
            print(f"datatrove: {summary['read']} inputs read; splits: "
                  + ", ".join(f"{k} {v}" for k, v in summary["split_rows"].items()))
            return 0
        with _stopped_by_signals():
            result = build(cfg)
    except BuildError as exc:
        print(f"khabar build: {exc.code}: failed, nothing published: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Stopped) as exc:
        name = exc.signal_name if isinstance(exc, Stopped) else "SIGINT (Ctrl-C)"
        print(f"khabar build: build.interrupted: stopped by {name}; nothing was published, the previous dataset "
              "is kept (no lock or staging folder left)", file=sys.stderr)
        return 130 if isinstance(exc, KeyboardInterrupt) else 128 + exc.signum
    except TakedownError as exc:
        print(f"khabar build: config.invalid: the takedown list: {exc}", file=sys.stderr)
        return 2
    print(result.report.summary())
    print("splits: " + ", ".join(f"{k} {v}" for k, v in result.split_rows.items()))
    unmatched = _unmatched_takedowns(cfg.corpus)
    if unmatched:
        print(f"takedown entries that matched no record in this build: {unmatched} (see "
              f"{cfg.corpus / 'reports' / 'takedowns.json'})", file=sys.stderr)
    if result.unmapped:
        print(f"unmapped category labels: {sum(result.unmapped.values())} use(s) of {len(result.unmapped)} label(s); "
              "see corpus/reports/build.json")
    print(f"published to {cfg.corpus / 'data'}; rejects in {cfg.corpus / 'reports' / 'rejects.jsonl'}")
    return 0


def _unmatched_takedowns(corpus: Path) -> int:
    try:
        return len(json.loads((corpus / "reports" / "takedowns.json").read_text("utf-8")).get("unmatched", []))
    except (OSError, ValueError, AttributeError):
        return 0


class Stopped(BaseException):
    """SIGTERM or SIGHUP, raised where the main process is, so the build cleans up as for Ctrl-C."""

    def __init__(self, signum: int):
        import signal

        super().__init__(signum)
        self.signum, self.signal_name = signum, signal.Signals(signum).name


@contextlib.contextmanager
def _stopped_by_signals() -> Any:
    import signal

    def stop(signum: int, frame: Any) -> None:
        raise Stopped(signum)

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _cmd_verify(args: argparse.Namespace) -> int:
    from khabar.verify import verify

    root = Path(args.path)
    project = Path(args.root)
    result = verify(root, audit=not args.no_audit, takedowns_of=(project,) if project.resolve() != root.resolve() else ())
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    for problem in result.problems:
        print(problem)
    if result.ok:
        print(f"verified {result.files} file(s), {result.rows} row(s): manifest, schema, card, "
              f"{'leakage audit, ' if not args.no_audit else ''}takedowns all agree", file=sys.stderr)
        return 0
    print(f"{len(result.problems)} problem(s) in {root}", file=sys.stderr)
    return 1


def _cmd_takedown(args: argparse.Namespace) -> int:
    from khabar import takedowns

    by, value = next((k, v) for k, v in (("url", args.url), ("id", args.id), ("sha256", args.sha256)) if v)
    try:
        entry = takedowns.check_entry({"by": by, "value": value, "date": args.date.isoformat(), "reason": args.reason,
                                       "requested_by": args.requested_by, "scope": args.scope,
                                       **({"note": args.note} if args.note else {})}, "khabar takedown add")
    except takedowns.TakedownError as exc:
        print(f"khabar takedown: {exc}", file=sys.stderr)
        return 2
    root = Path(args.root)
    try:
        added = takedowns.add(root, entry)
    except (takedowns.TakedownError, OSError, UnicodeDecodeError) as exc:
        print(f"khabar takedown: the takedown list cannot be read, so nothing was added: {exc}; fix the line it "
              "names (one JSON object a line) and run the command again", file=sys.stderr)
        return 2
    if not added:
        print(f"already listed: {entry.key}", file=sys.stderr)
        return 0
    hits = _published_matches(root, takedowns.Takedowns([entry]))
    print(f"added {entry.key} to {takedowns.path_of(root)}; " + (
        f"it matches {hits} published row(s), which the next build removes" if hits else
        "it matches no published row (yet): the next build removes any row it matches, and reports it if none"),
        file=sys.stderr)
    return 0


def _published_matches(root: Path, listing: Any) -> int:
    """How many rows of the dataset at ``root`` the takedown listing matches."""
    import pyarrow.parquet as pq

    from khabar.check import parquet_files

    n = 0
    for path in parquet_files(root) if (root / "corpus" / "data").is_dir() else []:
        try:
            columns = ["url", "id", "raw_sha256", "source", "article_id"]
            for batch in pq.ParquetFile(path).iter_batches(batch_size=5000, columns=columns):
                n += sum(1 for row in batch.to_pylist() if listing.match(row) is not None)
        except Exception:                               # a damaged shard: verify reports it
            continue
    return n


def _cmd_audit(args: argparse.Namespace) -> int:
    from khabar.check import audit_leakage

    root = Path(args.path)
    status = 0
    from khabar.publish import DATA_DIRS

    for data_dir in DATA_DIRS.values():
        if not (root / data_dir).is_dir():
            continue
        rows, pairs = audit_leakage(root, data_dir)
        for p in pairs:
            print(f"{data_dir}: {p['a']} ({p['a_split']}) ~ {p['b']} ({p['b_split']}): similarity {p['similarity']}")
        print(f"{data_dir}: {rows} rows, {len(pairs)} near-duplicate pair(s) across splits", file=sys.stderr)
        status |= bool(pairs)
    return 1 if status else 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from khabar import stats
    from khabar.check import parquet_files

    root = Path(args.path)
    if not root.is_dir() or not parquet_files(root):
        print(f"khabar stats: {root} is not a built dataset (no corpus/data/*.parquet in it); nothing written",
              file=sys.stderr)
        return 2
    numbers = stats.write(root, Path(args.figures) if args.figures else None)
    print(json.dumps(numbers, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def _cmd_normalize(args: argparse.Namespace) -> int:
    from khabar.text.normalize import normalize_line

    bad = 0
    for n, raw in enumerate(sys.stdin.buffer, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad += 1
            print(f"khabar normalize: line {n}: encoding.not-utf8: a bad byte at offset {exc.start}; the line is "
                  "left out (normalize never guesses a repair)", file=sys.stderr)
            continue
        end = "\n" if line.endswith("\n") else ""
        sys.stdout.write(normalize_line(line.rstrip("\n"), restore=not args.no_zwnj) + end)
    return 1 if bad else 0


def _cmd_errors(args: argparse.Namespace) -> int:
    from khabar.errors import CATALOGUE, catalogue_markdown

    if args.markdown:
        sys.stdout.write(catalogue_markdown())
    else:
        for t in CATALOGUE.values():
            print(f"{t.code:<24} {t.title}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from khabar.config import ConfigError
    from khabar.dryrun import dry_run, render
    from khabar.sources.mapping import MappingError

    if not args.dry_run:
        print("khabar import: only --dry-run is supported; to import for real, list the export in a build "
              "config's [[inputs]] and run khabar build --config FILE (docs/MAPPINGS.md)", file=sys.stderr)
        return 2
    try:
        run = dry_run(Path(args.mapping), Path(args.file), args.n, args.build_date)
    except ConfigError as exc:
        print(f"khabar import: {exc.code}: {exc}", file=sys.stderr)
        return 2
    except (MappingError, OSError) as exc:
        print(f"khabar import: {exc}", file=sys.stderr)
        return 2
    print(render(run))
    return 0


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _cmd_harvest(args: argparse.Namespace) -> int:
    from khabar.harvest import HarvestError, Options, harvest

    opts = Options(outlet=args.outlet, out=Path(args.out or f"corpus/raw/harvest/{args.outlet}"), feeds=args.feed,
                   sitemaps=args.sitemap, since=args.since, until=args.until, max_pages=args.max_pages, rate=args.rate,
                   research_only=args.research_only, dry_run=args.dry_run, timeout=args.timeout,
                   max_bytes=args.max_bytes, retries=args.retries, backoff=args.backoff,
                   warc_bytes=args.warc_mb * 2**20, retry_failed=args.retry_failed,
                   progress=False if args.no_progress else None)
    try:
        summary = harvest(opts)
    except HarvestError as err:
        print(f"khabar harvest: {err}", file=sys.stderr)
        return 2
    if args.dry_run:
        for url in summary.would_fetch:
            print(url)
        print(f"{len(summary.would_fetch)} page(s) would be fetched ({summary.discovered} new); nothing was fetched "
              "but the feeds, sitemaps and robots.txt", file=sys.stderr)
        return 0
    print(summary.text(), file=sys.stderr)
    return 0


def _add_takedown(sub: Any) -> None:
    sp = sub.add_parser("takedown", help="manage the takedown list (corpus/takedowns.jsonl)")
    tsub = sp.add_subparsers(dest="action", required=True)
    ta = tsub.add_parser("add", help="append a takedown entry")
    which = ta.add_mutually_exclusive_group(required=True)
    which.add_argument("--url")
    which.add_argument("--id")
    which.add_argument("--sha256", help="the raw_sha256 (content hash) of the input")
    ta.add_argument("--reason", required=True, choices=["publisher-request", "personal-data", "other"])
    ta.add_argument("--requested-by", required=True, choices=["publisher", "person", "authority", "maintainers", "other"])
    ta.add_argument("--scope", default="record", choices=["record", "cluster"],
                    help="record: this record only; cluster: every near-duplicate copy of the story too")
    ta.add_argument("--date", type=_date, default=dt.date.today(), help="date of the request (default: today)")
    ta.add_argument("--note", help="a short note (no personal names)")
    ta.add_argument("--root", default=".", help="project root (default: .)")
    ta.set_defaults(func=_cmd_takedown)


def _add_harvest(sub: Any) -> None:
    sp = sub.add_parser("harvest", help="fetch an outlet's new articles from its feeds and sitemaps into WARC files, "
                                        "politely (robots.txt, rate limit, Retry-After)")
    sp.add_argument("--outlet", required=True, help="source key in schema/sources.yaml (an open outlet)")
    sp.add_argument("--feed", action="append", default=[], help="a feed URL (replaces the registry's; repeatable)")
    sp.add_argument("--sitemap", action="append", default=[], help="a sitemap URL (replaces robots.txt's; repeatable)")
    sp.add_argument("--since", type=_date, help="only articles listed as of this date or later (YYYY-MM-DD)")
    sp.add_argument("--until", type=_date, help="only articles listed as of this date or earlier")
    sp.add_argument("--max-pages", type=int, help="fetch at most N pages this run")
    sp.add_argument("--rate", type=float, default=1.0, help="requests per second per host (default 1; 0: no limit "
                                                             "of ours, robots.txt's Crawl-delay still holds)")
    sp.add_argument("--out", help="folder of the WARC files and the state (default corpus/raw/harvest/OUTLET)")
    sp.add_argument("--dry-run", action="store_true", help="list what would be fetched; fetch no page")
    sp.add_argument("--research-only", action="store_true", help="allow an outlet that is not openly licensed")
    sp.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for an answer (default 20)")
    sp.add_argument("--max-bytes", type=int, default=10 * 2**20, help="largest response kept (default 10 MiB)")
    sp.add_argument("--retries", type=int, default=3, help="tries after the first on 429, 5xx and timeouts (default 3)")
    sp.add_argument("--backoff", type=float, default=1.0, help="first retry's wait in seconds, doubled each time")
    sp.add_argument("--warc-mb", type=int, default=1024, help="start a new WARC file past this size (default 1024)")
    sp.add_argument("--retry-failed", action="store_true", help="try again the pages that failed in earlier runs")
    sp.add_argument("--no-progress", action="store_true")
    sp.set_defaults(func=_cmd_harvest)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="khabar", description="Build and check the Khabar Persian news corpus.")
    p.add_argument("--version", action="version", version=f"khabar {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("parse", help="parse saved pages; one JSON record per line on stdout")
    sp.add_argument("files", nargs="+")
    sp.add_argument("--source", default="aa-fa", help="source key in schema/sources.yaml (default: aa-fa)")
    sp.add_argument("--build-date", type=_date, default=dt.date.today(), help="latest plausible date (default: today)")
    sp.set_defaults(func=_cmd_parse)

    sp = sub.add_parser("import", help="try a mapping on an export: what its first records become (--dry-run)")
    sp.add_argument("mapping", help="the mapping file (TOML)")
    sp.add_argument("file", help="one export file")
    sp.add_argument("--dry-run", action="store_true", help="read and show, write nothing (required)")
    sp.add_argument("-n", type=_count, default=10, help="records to read (default: 10)")
    sp.add_argument("--build-date", type=_date, default=dt.date.today(), help="latest plausible date (default: today)")
    sp.set_defaults(func=_cmd_import)

    sp = sub.add_parser("validate", help="check records (JSON Lines, Parquet, or a built dataset) against the schema")
    sp.add_argument("path")
    sp.set_defaults(func=_cmd_validate)

    sp = sub.add_parser("build", help="build the dataset from corpus/ and publish it atomically")
    sp.add_argument("--root", default=".", help="project root holding corpus/ and README.md (default: .)")
    sp.add_argument("--output", help="publish into this folder (a dataset of its own) instead of the project root; "
                    "use it for builds that hold text which must not be committed, e.g. build/shared-news")
    sp.add_argument("--config", help="a build config (TOML) listing exports to import, e.g. configs/shared-news.toml")
    sp.add_argument("--build-date", type=_date, default=dt.date.today(), help="latest plausible date (default: today)")
    sp.add_argument("--fail-on-unmapped", action="store_true", help="fail when a category label is not mapped")
    sp.add_argument("--workers", type=int, help="worker processes for the per-article steps (default: all cores)")
    sp.add_argument("--engine", choices=["local", "datatrove", "datatrove-ray"], default="local",
                    help="local: worker processes (default); datatrove: datatrove's local executor; datatrove-ray: its "
                         "Ray executor, on the cluster RAY_ADDRESS names or a local Ray (khabar[datatrove], ray)")
    sp.add_argument("--tasks", type=int, default=4, help="with --engine datatrove: tasks the inputs are split into")
    sp.add_argument("--work", help="with --engine datatrove: folder for its logs and intermediate outcomes")
    sp.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                    help="show a progress bar (default: only on a terminal)")
    sp.set_defaults(func=_cmd_build)

    sp = sub.add_parser("verify", help="check a published dataset: manifest, schema, card, ClassLabels, leakage, takedowns")
    sp.add_argument("path", nargs="?", default=".", help="dataset root (default: .)")
    sp.add_argument("--no-audit", action="store_true", help="skip the leakage audit")
    sp.add_argument("--root", default=".", help="the project whose takedown list applies too (default: .)")
    sp.set_defaults(func=_cmd_verify)

    _add_takedown(sub)

    sp = sub.add_parser("audit", help="report near-duplicate pairs across the splits of a built dataset")
    sp.add_argument("path", nargs="?", default=".", help="dataset root (default: .)")
    sp.set_defaults(func=_cmd_audit)

    sp = sub.add_parser("stats", help="numbers and pictures of a built dataset (PNG files in corpus/figures/)")
    sp.add_argument("path", nargs="?", default=".", help="dataset root (default: .)")
    sp.add_argument("--figures", help="write the pictures here instead of DIR/corpus/figures")
    sp.set_defaults(func=_cmd_stats)

    sp = sub.add_parser("normalize", help="normalize Persian text from stdin to stdout, line by line")
    sp.add_argument("--no-zwnj", action="store_true", help="letters and spacing only: do not restore ZWNJs")
    sp.set_defaults(func=_cmd_normalize)

    _add_harvest(sub)

    sp = sub.add_parser("errors", help="list the rejection codes")
    sp.add_argument("--markdown", action="store_true", help="as the Markdown table of docs/ERRORS.md")
    sp.set_defaults(func=_cmd_errors)
    return p


def main(argv: list[str] | None = None) -> Any:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:             # `khabar errors | head`: the reader left; end quietly, as Unix tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # (Python's own flush at exit too)
        return 1


def _count(text: str) -> int:
    """A count given on the command line: a whole number, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: give 1 or more")
    return value


if __name__ == "__main__":
    sys.exit(main())
