"""Stage 2's global step at scale: deduplication and the plan over N articles, time and memory.

    python benchmarks/stage2_scale.py --n 1000000 [--spill benchmarks/out/stage2]

Stage 2 of a build (``khabar.pipeline``: plan, then route) holds one entry per article for
deduplication: its MinHash signature and its distinct shingles go to spill files on disk,
26 bytes of ids, dates, digests and lengths plus 8 of shingle offsets stay in memory.
Route then streams the spooled rows shard by shard (its memory does not grow with N; see
``build_throughput.py --n 100000``). This script measures the part that does grow: it feeds
a ``Deduplicator`` N synthetic entries shaped like the benchmark's articles (300 to 900
distinct 5-gram shingles each, so 2.4 GB of shingles at a million; 2% of them near-copies of
an earlier article with 5% of their shingles changed, 0.5% exact copies), then runs what
stage 2 runs on them: ``repeated_ids``, ``groups`` (the banded LSH and the exact check of
each candidate pair) and ``make_plan``. It reports the seconds and the peak resident memory
(this process) after each step; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from khabar import dedup  # noqa: E402
from khabar.pipeline.plan import make_plan  # noqa: E402
from khabar.split import Ledger  # noqa: E402

RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def feed(index: dedup.Deduplicator, n: int, seed: int = 1) -> tuple[int, float]:
    """N synthetic entries; returns how many were planted copies and the seconds spent in ``add``
    (the rest is making them up: in a build, workers send each entry ready-made)."""
    rng = np.random.default_rng(seed)
    adding = 0.0
    recent: list[np.ndarray] = []
    planted = 0
    for i in range(n):
        roll = rng.random()
        if recent and roll < 0.025:
            base = recent[rng.integers(len(recent))]
            grams = base.copy()
            if roll >= 0.005:                                     # a near copy: 5% of its shingles new
                k = max(1, len(grams) // 20)
                grams[rng.choice(len(grams), k, replace=False)] = rng.integers(0, 2**32, k, dtype=np.uint32)
            planted += 1
        else:
            grams = rng.integers(0, 2**32, int(rng.integers(300, 900)), dtype=np.uint32)
        grams = np.unique(grams)
        digest = grams[:4].tobytes()[:16].ljust(16, b"\0") if roll >= 0.005 or not recent else None
        if digest is None:                                        # an exact copy: the same digest as its base
            digest = grams[:4].tobytes()[:16].ljust(16, b"\0")
        record = {"id": f"farsnews-{i:016x}", "published": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"}
        sig = dedup.minhash(grams)
        t0 = time.perf_counter()
        index.add(record, sig, digest, int(len(grams) * 6), grams)
        adding += time.perf_counter() - t0
        if len(recent) < 2000:
            recent.append(grams)
        elif rng.random() < 0.01:
            recent[rng.integers(len(recent))] = grams
    return planted, adding


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--spill", default=str(ROOT / "benchmarks" / "out" / "stage2"))
    args = ap.parse_args()
    spill = Path(args.spill)
    shutil.rmtree(spill, ignore_errors=True)
    spill.mkdir(parents=True)
    steps: dict[str, dict[str, float]] = {}
    index = dedup.Deduplicator(spill=spill / ".signatures.u32")
    planted, adding = feed(index, args.n)
    steps["add"] = {"seconds": round(adding, 1), "peak_rss_mb": round(rss_mb(), 1)}
    disk = sum(p.stat().st_size for p in spill.iterdir())
    t0 = time.perf_counter()
    repeated = index.repeated_ids()
    groups = index.groups(exclude=repeated)
    steps["groups"] = {"seconds": round(time.perf_counter() - t0, 1), "peak_rss_mb": round(rss_mb(), 1)}
    t0 = time.perf_counter()
    plan = make_plan(groups, index, {}, Ledger(), RATIOS, None, repeated)
    steps["plan"] = {"seconds": round(time.perf_counter() - t0, 1), "peak_rss_mb": round(rss_mb(), 1)}
    index.close()
    shutil.rmtree(spill, ignore_errors=True)
    print(json.dumps({"n": args.n, "planted_copies": planted, "clusters": len(groups), "dropped": len(plan.dropped),
                      "spill_mb": round(disk / 1e6), "steps": steps,
                      "seconds": round(sum(s["seconds"] for s in steps.values()), 1),
                      "peak_rss_mb": round(rss_mb(), 1)}))


if __name__ == "__main__":
    main()
