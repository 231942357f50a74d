"""Build throughput: generate N realistic articles, build them, report speed, memory and stage shares.

    python benchmarks/build_throughput.py --n 10000 [--workers 2] [--keep]

Input: N articles of 3-5 KB composed with a fixed seed from real paragraphs, headlines
and leads of the shared exports (../shared/data/news, read where they lie), as JSON Lines
exports of 10,000 articles each, plus 1% of them as Anadolu-layout pages under
corpus/raw/aa-fa/ (the seed article's layout); 2% of the articles are near-copies of
another (one word changed), so deduplication has real work. Everything is generated
under benchmarks/out/ (ignored by git) and removed afterwards unless --keep.

The input is made in a child process, so this process's memory is the build's. It then
runs `khabar build` (in this process, with --workers worker processes) and, on the same
bytes, a plain pass-through (read every input file, write it out again) for the I/O floor.
The last line is one JSON object: articles_per_s, mb_per_s, peak_rss_mb (the build's main
process), peak_rss_workers_mb, passthrough_ratio (build time / pass-through time),
stage_seconds (read, parse, normalize, validate, dedup, split, write; worker stages are
summed over workers) and wall_seconds.

    --src OTHER/src      measure another commit's code (a git worktree of it), same input
    --profile FILE       a cProfile table of the build in one process (workers=1) to FILE
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SHARED = ROOT.parent / "shared" / "data" / "news"
PER_FILE = 10_000


def pools() -> tuple[list[str], list[str]]:
    paragraphs, titles = [], []
    for path in sorted(glob.glob(str(SHARED / "farsnews" / "*.json"))) + sorted(glob.glob(str(SHARED / "varzesh3" / "*.json"))):
        for item in json.loads(Path(path).read_text("utf-8")):
            titles.append(item["title"])
            body = item["paragraphs"] if isinstance(item["paragraphs"], list) else []
            paragraphs.extend(p for p in body if isinstance(p, str) and 80 <= len(p) <= 900)
    with (SHARED / "hamshahri-archive" / "news_data.csv").open(encoding="utf-8", newline="") as fh:
        paragraphs.extend(r["news_text"] for r in csv.DictReader(fh) if 80 <= len(r["news_text"]) <= 900)
    return paragraphs, titles


def article(rng: random.Random, n: int, paragraphs: list[str], titles: list[str]) -> dict:
    body, size = [], 0
    target = rng.randint(3000, 5000)
    while size < target:
        p = rng.choice(paragraphs)
        body.append(p)
        size += len(p.encode("utf-8"))
    day = 1 + n % 28
    return {"title": rng.choice(titles), "lead": body[0][:200], "paragraphs": body,
            "link": f"https://www.farsnews.ir/news/{n}", "date": f"2024-{1 + n % 12:02d}-{day:02d} 10:{n % 60:02d}",
            "section": rng.choice(["politics", "world", "economy", "sports", "culture", "social"])}


MAPPING = """
source = "farsnews"
format = "jsonl"
[fields]
title = "title"
lead = "lead"
body = "paragraphs"
url = "link"
categories = "section"
[date]
field = "date"
calendar = "gregorian"
formats = ["%Y-%m-%d %H:%M"]
"""

PAGE = """{cats}

{title}

{lead}

{date} - بهروز رسان : {date}
{title}

استانبول/خبرگزاری آنادولو

{body}

خبرگزاري آناتولي اخبار خود از طريق سامانه مدیریت خبر (HAS) براي مشترکین رسانهای ارسال و فقط بخشي از آنها را خلاصه و در وبسايت خود منتشر ميكند. بنابراين براي دريافت اخبار كامل ما، لطفا تماس گرفته و مشترك شويد!
موضوعات مرتبط
Bu haberi paylaşın"""


def generate(out: Path, n: int) -> tuple[Path, int]:
    rng = random.Random(20251224)
    paragraphs, titles = pools()
    root = out / "project"
    (root / "exports").mkdir(parents=True)
    (root / "corpus" / "raw" / "aa-fa").mkdir(parents=True)
    (root / "configs").mkdir()
    (root / "configs" / "bench.toml").write_text(MAPPING, "utf-8")
    (root / "configs" / "build.toml").write_text(
        '[[inputs]]\npath = "exports"\nglob = "*.jsonl"\nmapping = "configs/bench.toml"\n', "utf-8")
    shutil.copy(ROOT / "README.md", root / "README.md")
    pages = n // 100
    total_bytes = 0
    fh = None
    previous: list[dict] = []
    for k in range(n - pages):
        if k % PER_FILE == 0:
            if fh:
                fh.close()
            fh = (root / "exports" / f"part-{k // PER_FILE:05d}.jsonl").open("w", encoding="utf-8")
        if previous and rng.random() < 0.02:
            a = dict(rng.choice(previous))
            a["link"] = f"https://www.farsnews.ir/news/{k}"   # a copy under its own address
            a["paragraphs"] = list(a["paragraphs"])
            words = a["paragraphs"][0].split(" ")
            words[len(words) // 2] = "تغییر"
            a["paragraphs"][0] = " ".join(words)
        else:
            a = article(rng, k, paragraphs, titles)
            if len(previous) < 1000:
                previous.append(a)
            else:
                previous[rng.randrange(1000)] = a
        line = json.dumps(a, ensure_ascii=False) + "\n"
        total_bytes += len(line.encode("utf-8"))
        fh.write(line)
    if fh:
        fh.close()
    for k in range(pages):
        a = article(rng, n + k, paragraphs, titles)
        text = PAGE.format(cats="جهان, خاورمیانه", title=a["title"], lead=a["lead"],
                           date=f"{1 + k % 28:02d}.{1 + k % 12:02d}.2024", body="\n\n".join(a["paragraphs"]))
        data = text.encode("utf-8")
        total_bytes += len(data)
        (root / "corpus" / "raw" / "aa-fa" / f"{k:07d}.txt").write_bytes(data)
    return root, total_bytes


def passthrough(root: Path, out: Path) -> float:
    sink = out / "passthrough"
    sink.mkdir()
    files = sorted(p for p in (root / "exports").glob("*.jsonl")) + sorted((root / "corpus" / "raw").rglob("*.txt"))
    t0 = time.perf_counter()
    for i, path in enumerate(files):
        (sink / f"{i:07d}").write_bytes(path.read_bytes())
    elapsed = time.perf_counter() - t0
    shutil.rmtree(sink)
    return elapsed


def _load(src: Path):
    """khabar from the code tree ``src`` (another commit's worktree measures that commit)."""
    sys.path.insert(0, str(src))
    from khabar.config import load_config
    from khabar.pipeline import BuildConfig, build
    return load_config, BuildConfig, build


def _profile(cfg, build, out: Path) -> None:
    """The build in this one process under cProfile: the functions by own time and by total time."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(build, cfg)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("tottime").print_stats(40)
    stats.sort_stats("cumtime").print_stats(60)
    out.write_text(text.getvalue(), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    ap.add_argument("--src", default=str(ROOT / "src"), help="the code to measure (default: this tree's src/)")
    ap.add_argument("--profile", help="write a cProfile table of a one-process build (workers=1) to this file")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    out = Path(args.out) / f"n{args.n}"
    if args.generate_only:                     # the child process: its memory is not the build's
        root, input_bytes = generate(out, args.n)
        print(input_bytes)
        return
    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    child = subprocess.run([sys.executable, __file__, "--generate-only", "--n", str(args.n), "--out", args.out],
                           check=True, capture_output=True, text=True)
    root, input_bytes = out / "project", int(child.stdout.split()[-1])
    print(f"generated {args.n} articles, {input_bytes / 1e6:.0f} MB, in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    os.sync()                    # the generated input on disk first: its write-back would slow what is timed
    io_seconds = passthrough(root, out)
    os.sync()
    load_config, BuildConfig, build = _load(Path(args.src).resolve())
    cfg = BuildConfig(root=root, output=out / "dataset", config=load_config(root / "configs" / "build.toml", root),
                      progress=False, **({"workers": 1} if args.profile else {"workers": args.workers} if args.workers else {}))
    t0 = time.perf_counter()
    if args.profile:
        _profile(cfg, build, Path(args.profile))
    else:
        build(cfg)
    wall = time.perf_counter() - t0
    result = json.loads((out / "dataset" / "corpus" / "reports" / "build.json").read_text("utf-8"))
    published = sum(result["splits"].values()) if "splits" in result else None
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = {
        "n": args.n, "workers": cfg.workers, "src": str(Path(args.src).resolve()), "input_mb": round(input_bytes / 1e6, 1),
        "published": published,
        "wall_seconds": round(wall, 1), "articles_per_s": round(args.n / wall, 1),
        "mb_per_s": round(input_bytes / 1e6 / wall, 2),
        "peak_rss_mb": round(rss_self, 1), "peak_rss_workers_mb": round(rss_children, 1),
        "passthrough_seconds": round(io_seconds, 2), "passthrough_ratio": round(wall / io_seconds, 1),
        "stage_seconds": {k: round(v, 2) for k, v in cfg.seconds.items()},
        "stage_share": {k: round(v / sum(cfg.seconds.values()), 3) for k, v in cfg.seconds.items()},
    }
    if not args.keep:
        shutil.rmtree(out)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
