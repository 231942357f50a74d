"""WARC to Parquet throughput: pages per second, against a warcio pass-through of the same files.

    python benchmarks/warc_throughput.py --pages 4000 [--workers 2] [--noise 0.5] [--keep]

Input: ``--pages`` article pages of the four open outlets (their markup as schema/pages.yaml
reads it, tests/web_fixtures.py), each a distinct article: its paragraphs drawn with a fixed
seed from the shipped corpus's real articles, so the Persian is real; plus ``--noise`` times as
many records that hold no article (requests and metadata records, pages of hosts no registry
entry claims), as a crawl has them. Written as gzipped WARC files of 1,000 records each under
benchmarks/out/ (ignored by git), removed afterwards unless --keep.

It runs ``khabar build`` on them (in this process, with --workers worker processes) and a
warcio pass-through: iterate every record of the same files and read every payload. The last
line is one JSON object: pages_per_s, records_per_s, mb_per_s (compressed WARC bytes),
peak_rss_mb (main process), peak_rss_workers_mb, passthrough_s, passthrough_ratio (build time /
pass-through time), stage_seconds and wall_seconds. Run it at two sizes (e.g. --pages 2000 and
--pages 8000) to see memory stay flat as the capture grows.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from warcio.archiveiterator import ArchiveIterator  # noqa: E402

from khabar.pipeline import BuildConfig, build  # noqa: E402
from khabar.config import load_config  # noqa: E402
from web_fixtures import PAGES, Story, Warc, generic_page, stories  # noqa: E402

PER_FILE = 1000


def pool() -> dict[str, list[Story]]:
    return {key: stories(key, 400) for key in PAGES}


def make(out: Path, pages: int, noise: float, seed: int = 5) -> tuple[int, int]:
    """Write the WARC files; returns (records, bytes)."""
    rng = random.Random(seed)
    stories_ = pool()
    paragraphs = [p for group in stories_.values() for s in group for p in s.paragraphs if len(p) > 60]
    keys = sorted(PAGES)
    records, written, warc, n_in_file, files = 0, 0, Warc(), 0, 0

    def flush() -> None:
        nonlocal warc, n_in_file, files, written
        if n_in_file:
            data = warc.bytes()
            (out / f"capture-{files:05d}.warc.gz").write_bytes(data)
            written += len(data)
            files += 1
        warc, n_in_file = Warc(), 0

    noise_every = 1 / noise if noise > 0 else 0
    carry = 0.0
    for n in range(pages):
        key = keys[n % len(keys)]
        base = rng.choice(stories_[key])
        body = [rng.choice(paragraphs) for _ in range(rng.randint(4, 12))]
        story = Story(f"b{n}", key, f"{base.title} ({n})", base.lead, body)
        article_id = {"tasnimnews": str(3_000_000 + n), "farsnews": f"1404{n:010d}", "mehrnews": str(6_000_000 + n),
                      "mojnews": str(500_000 + n)}[key]
        url, markup = PAGES[key](story, article_id=article_id)
        warc.response(url, markup)
        records += 1
        n_in_file += 1
        carry += noise
        while carry >= 1:
            carry -= 1
            kind = rng.random()
            if kind < 0.4:
                warc.request(url)
            elif kind < 0.6:
                warc.record(url, "metadata", b'{"fetchTimeMs": 412}')
            else:
                warc.response(f"https://site{rng.randint(1, 500)}.example/story/{n}", generic_page(base)[1])
            records += 1
            n_in_file += 1
        if n_in_file >= PER_FILE:
            flush()
    flush()
    return records, written


def _made(out: Path, pages: int, noise: float) -> tuple[int, int]:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=lambda: queue.put(make(out, pages, noise)))
    child.start()
    result = queue.get()
    child.join()
    return result


def passthrough(folder: Path) -> float:
    t0 = time.perf_counter()
    for path in sorted(folder.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                record.content_stream().read()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=4000)
    parser.add_argument("--noise", type=float, default=0.5, help="records with no article per page (default 0.5)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = ROOT / "benchmarks" / "out" / f"warc-{args.pages}"
    shutil.rmtree(work, ignore_errors=True)
    (work / "captures").mkdir(parents=True)
    records, size = _made(work / "captures", args.pages, args.noise)   # in a child: its memory is not the build's
    (work / "b.toml").write_text('[build]\ncorpus = false\n[[inputs]]\npath = "captures"\nformat = "warc"\n', "utf-8")
    (work / "README.md").write_text((ROOT / "README.md").read_text("utf-8"), "utf-8")
    through = passthrough(work / "captures")
    cfg = BuildConfig(root=work, progress=False, workers=args.workers, config=load_config(work / "b.toml", work))
    t0 = time.perf_counter()
    result = build(cfg)
    wall = time.perf_counter() - t0
    published = sum(result.report.published.values())
    skipped = sum(result.report.skipped.values())
    print(f"{records} records ({args.pages} pages), {size / 1e6:.1f} MB of WARC.gz: {published} published, "
          f"{len(result.report.rejections)} rejected, {skipped} skipped in {wall:.1f} s; warcio pass-through "
          f"{through:.2f} s", file=sys.stderr)
    summary = {
        "pages": args.pages, "records": records, "published": published, "skipped": skipped,
        "rejected": len(result.report.rejections), "warc_mb": round(size / 1e6, 2),
        "pages_per_s": round(args.pages / wall, 1), "records_per_s": round(records / wall, 1),
        "mb_per_s": round(size / 1e6 / wall, 2), "wall_seconds": round(wall, 2),
        "passthrough_s": round(through, 2), "passthrough_ratio": round(wall / through, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_workers_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "stage_seconds": {k: round(v, 2) for k, v in cfg.seconds.items()},
    }
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
