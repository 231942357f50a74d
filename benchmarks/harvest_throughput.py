"""The harvester's own speed and CPU, on loopback: is the crawler ever the bottleneck?

    python benchmarks/harvest_throughput.py --pages 2000

Starts the tests' HTTP server (tests/harvest_server.py) in a child process on 127.0.0.1 with
``--pages`` more article pages (Tasnim's markup, real articles of the shipped corpus, 20-60 KB
each) and no Crawl-delay, then harvests them with ``--rate 0`` (no limit of ours) into a
temporary folder. The last line is one JSON object: pages_per_s, cpu_ms_per_page (the
harvester's own process time: HTTP, state, WARC writing), mb_per_s and wall_seconds. With the
default --rate 1, a harvest spends ~1000 ms per page waiting; what it needs of the CPU is
cpu_ms_per_page.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))


def serve(pages: int, port_out: "multiprocessing.Queue[int]", stop: "multiprocessing.Event") -> None:
    from harvest_server import Server

    with Server(crawl_delay=0, slow_seconds=0, many=pages) as server:
        port_out.put(server.port)
        stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    from khabar.harvest import Options, harvest
    from khabar.harvest.fetch import LOOPBACK_ONLY

    os.environ[LOOPBACK_ONLY] = "1"
    ctx = multiprocessing.get_context("fork")
    ports, stop = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=serve, args=(args.pages, ports, stop))
    child.start()
    out = Path(tempfile.mkdtemp(prefix="khabar-harvest-bench-"))
    try:
        base = f"http://127.0.0.1:{ports.get(timeout=120)}"
        opts = Options(outlet="tasnimnews", out=out, sitemaps=[f"{base}/sitemap-index.xml"], rate=0.0, timeout=5,
                       retries=0, max_bytes=2 * 2**20, progress=False)
        cpu0, t0 = time.process_time(), time.perf_counter()
        summary = harvest(opts)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        stop.set()
        child.join(timeout=30)
        shutil.rmtree(out, ignore_errors=True)
    print(summary.text(), file=sys.stderr)
    print(json.dumps({"pages": summary.fetched, "wall_seconds": round(wall, 2),
                      "pages_per_s": round(summary.fetched / wall, 1),
                      "cpu_ms_per_page": round(1000 * cpu / max(1, summary.fetched), 2),
                      "mb_per_s": round(summary.bytes / 1e6 / wall, 2)}))


if __name__ == "__main__":
    main()
