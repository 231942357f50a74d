"""A dated release of the shipped corpus from a harvest of the open outlets (docs/HARVEST.md).

    python scripts/snapshot.py --since 2026-11-01 --until 2026-11-30 [--outlets tasnimnews mehrnews]
                               [--version 0.4.0] [--rate 1] [--max-pages N]

Harvests each outlet's pages listed in the period into corpus/raw/harvest/<outlet>/ (politely:
robots.txt, one request per second per host), makes corpus/inputs.toml read them, rebuilds the
repository and writes the CHANGELOG entry (version, period, pages fetched and rows published per
outlet). Earlier splits never move. Then: review `git status`, run the tests, commit, tag.
(--feed/--sitemap OUTLET=URL point an outlet at other listings: the tests' server.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from khabar.harvest import HarvestError  # noqa: E402
from khabar.harvest.snapshot import snapshot  # noqa: E402


def pairs(values: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for value in values:
        outlet, _, url = value.partition("=")
        out.setdefault(outlet, []).append(url)
    return out


def main() -> int:
    from khabar.registry import sources
    from khabar.sources.webpage import page_rules

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--since", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--until", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--outlets", nargs="+", default=[k for k, s in sorted(sources().items())
                                                         if s.open and k in page_rules()])
    parser.add_argument("--version")
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--max-pages", type=int)
    parser.add_argument("--feed", action="append", default=[], metavar="OUTLET=URL")
    parser.add_argument("--sitemap", action="append", default=[], metavar="OUTLET=URL")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args()
    try:
        done = snapshot(args.root, args.since, args.until, args.outlets, version=args.version, feeds=pairs(args.feed),
                        sitemaps=pairs(args.sitemap), rate=args.rate, max_pages=args.max_pages)
    except HarvestError as err:
        print(f"snapshot: {err}", file=sys.stderr)
        return 2
    for outlet, summary in done.harvests.items():
        print(summary.text(), file=sys.stderr)
    print(f"release {done.version}: " + ", ".join(f"{k} {v} (+{v - done.before.get(k, 0)})"
                                                 for k, v in sorted(done.published.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
