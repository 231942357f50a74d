"""A dated release from a harvest: the open outlets' pages of a period fetched into the shipped
corpus's raw captures (``corpus/raw/harvest/<outlet>/``), the repository rebuilt, and a
CHANGELOG entry written with the new version and the counts per outlet
(``python scripts/snapshot.py --since 2026-11-01 --until 2026-11-30``).

Earlier splits never move: the split ledger (``corpus/splits.tsv``) keeps every published
record's split, so a snapshot only adds rows. The WARC files are raw evidence: committed as
they are, with the rest of the release's files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from pathlib import Path

from khabar.harvest import Options, Summary, harvest

HARVEST_DIR = "corpus/raw/harvest"
INPUT = f'\n[[inputs]]\npath = "{HARVEST_DIR}"\nformat = "warc"\norigin = "khabar harvest (the WARC files\' warcinfo records name the options)"\n'
_ENTRY = re.compile(r"^## (\d+)\.(\d+)\.(\d+) — \d{4}-\d{2}-\d{2}\s*$", re.MULTILINE)
_MARKERS = re.compile(r"<!-- khabar:release -->\n(.*?)<!-- /khabar:release -->\n?", re.DOTALL)


@dataclasses.dataclass
class Snapshot:
    version: str
    harvests: dict[str, Summary]
    published: dict[str, int]            # per outlet, in the rebuilt dataset
    before: dict[str, int]               # per outlet, before


def next_version(changelog: str) -> str:
    m = _ENTRY.search(changelog)
    if not m:
        return "0.1.0"
    return f"{m.group(1)}.{int(m.group(2)) + 1}.0"


_UNRELEASED = re.compile(r"^## Unreleased\s*\n", re.MULTILINE)


def add_entry(changelog: str, version: str, date: dt.date, body: str) -> str:
    """A new newest entry; the build's figures move into it (the older entry keeps its text, without
    markers). An ``## Unreleased`` section becomes the entry, its notes kept above the snapshot's."""
    changelog = _MARKERS.sub(lambda m: m.group(1), changelog, count=1)
    tail = f"{body.strip()}\n\n<!-- khabar:release -->\n<!-- /khabar:release -->\n\n"
    heading = f"## {version} — {date.isoformat()}\n\n"
    unreleased = _UNRELEASED.search(changelog)
    if unreleased:
        following = _ENTRY.search(changelog, unreleased.end())
        end = following.start() if following else len(changelog)
        notes = changelog[unreleased.end():end].strip()
        return changelog[:unreleased.start()] + heading + (notes + "\n\n" if notes else "") + tail + changelog[end:]
    m = _ENTRY.search(changelog)
    at = m.start() if m else len(changelog)
    return changelog[:at] + heading + tail + changelog[at:]


def ensure_input(root: Path) -> bool:
    """corpus/inputs.toml reads the harvest's WARC files; True if the entry was added."""
    path = root / "corpus" / "inputs.toml"
    text = path.read_text("utf-8")
    if any(i.get("path") == HARVEST_DIR for i in tomllib.loads(text).get("inputs", [])):
        return False
    path.write_text(text.rstrip("\n") + "\n" + INPUT, "utf-8")
    return True


def _published(root: Path) -> dict[str, int]:
    import json

    path = root / "corpus" / "manifest.json"
    if not path.is_file():
        return {}
    return {row["source"]: row["published"] for row in json.loads(path.read_text("utf-8")).get("inputs", [])}


def snapshot(root: Path, since: dt.date, until: dt.date, outlets: list[str], *, version: str | None = None,
             feeds: dict[str, list[str]] | None = None, sitemaps: dict[str, list[str]] | None = None,
             rate: float = 1.0, max_pages: int | None = None, today: dt.date | None = None,
             build_date: dt.date | None = None) -> Snapshot:
    """Harvest ``outlets`` for the period, rebuild the repository, write the CHANGELOG entry."""
    from khabar.pipeline import BuildConfig, build

    before = _published(root)
    harvests = {}
    for outlet in outlets:
        opts = Options(outlet=outlet, out=root / HARVEST_DIR / outlet, since=since, until=until, rate=rate,
                       max_pages=max_pages, feeds=(feeds or {}).get(outlet, []),
                       sitemaps=(sitemaps or {}).get(outlet, []), progress=False)
        harvests[outlet] = harvest(opts)
    ensure_input(root)
    changelog_path = root / "CHANGELOG.md"
    changelog = changelog_path.read_text("utf-8")
    version = version or next_version(changelog)
    today = today or dt.date.today()
    lines = [f"Snapshot of the open outlets' pages listed from {since.isoformat()} to {until.isoformat()}, harvested "
             f"with `khabar harvest` into `{HARVEST_DIR}/` and built with the shipped corpus. Earlier splits are "
             "unchanged (the split ledger); new rows only.", ""]
    for outlet, summary in harvests.items():
        lines.append(f"- `{outlet}`: {summary.fetched} page(s) fetched this run ({summary.discovered} new URL(s) "
                     f"listed); failures: {sum(summary.failed.values())}.")
    changelog_path.write_text(add_entry(changelog, version, today, "\n".join(lines)), "utf-8")
    build(BuildConfig(root=root, progress=False, **({"build_date": build_date} if build_date else {})))
    after = _published(root)
    changelog = changelog_path.read_text("utf-8")
    counts = "; ".join(f"`{k}` {after.get(k, 0)} (+{after.get(k, 0) - before.get(k, 0)})" for k in sorted(after))
    changelog_path.write_text(changelog.replace(f"\n\n<!-- khabar:release -->", f"\n- Published per outlet: {counts}."
                                                f"\n\n<!-- khabar:release -->", 1), "utf-8")
    return Snapshot(version, harvests, after, before)
