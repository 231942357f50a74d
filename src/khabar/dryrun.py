"""``khabar import --dry-run MAPPING FILE``: what a mapping makes of an export, in seconds.

Reads the first N records of one export file through a mapping, and shows for each what
every field becomes (title, lead, the body's first words, the date as written and as read,
labels and class), then per-field coverage over those records and the rejects with their
codes and hints, so a mapping can be fixed without running whole builds.  Nothing is written.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import itertools
from pathlib import Path
from typing import Any

from khabar.assemble import assemble
from khabar.dates import DateLimits
from khabar.errors import CATALOGUE, KhabarError
from khabar.config import check_sources
from khabar.registry import sources, taxonomy
from khabar.sources.mapping import Mapping, load_mapping

FIELDS = ("title", "lead", "text", "published", "published_at", "category", "url", "article_id")


@dataclasses.dataclass
class DryRun:
    mapping: Mapping
    records: list[tuple[str, dict[str, Any] | KhabarError]]     # (where, record or rejection)

    def coverage(self) -> dict[str, int]:
        good = [r for _, r in self.records if isinstance(r, dict)]
        return {name: sum(1 for r in good if r.get(name) not in (None, "", [])) for name in FIELDS}

    def rejects(self) -> collections.Counter[str]:
        return collections.Counter(r.code for _, r in self.records if isinstance(r, KhabarError))


def dry_run(mapping_path: Path, file: Path, limit: int = 10, build_date: dt.date | None = None) -> DryRun:
    """The first ``limit`` records of ``file`` as ``mapping_path`` reads them.  Raises
    :class:`khabar.sources.mapping.MappingError` for a bad mapping, :class:`khabar.config.ConfigError`
    (``config.unknown-source``) for an outlet that is not known."""
    mapping = load_mapping(mapping_path)
    check_sources(mapping, str(mapping_path))       # the build's own check: an unknown outlet stops it
    registry, tax = sources(), taxonomy()
    limits = DateLimits(latest=build_date or dt.date.today())
    out: list[tuple[str, dict[str, Any] | KhabarError]] = []
    try:
        items = mapping.read(file.read_bytes(), file.name)
        for n, line, item in itertools.islice(items, limit):
            where = f"{file.name}#{n}" + (f" (line {line})" if line else "")
            if isinstance(item, KhabarError):
                out.append((where, item))
                continue
            try:
                raw = mapping.apply(item, origin=where, registry=registry, limits=limits)
                out.append((where, assemble(raw, registry[raw.source], tax).to_json(list(FIELDS) + [
                    "source", "date_raw", "categories", "topics", "attribution"])))
            except KhabarError as err:
                out.append((where, err))
    except KhabarError as err:             # the file as a whole
        out.append((file.name, err))
    return DryRun(mapping, out)


def _cut(text: Any, n: int = 70) -> str:
    text = "" if text is None else str(text).replace("\n", " ¶ ")
    return text if len(text) <= n else text[:n] + "…"


def render(run: DryRun) -> str:
    lines = []
    for where, rec in run.records:
        if isinstance(rec, KhabarError):
            lines.append(f"{where}: REJECTED {rec.code}: {rec.message}")
            lines.append(f"    what to do: {CATALOGUE[rec.code].hint}")
            continue
        lines.append(f"{where}: source {rec['source']}")
        lines.append(f"    title     {_cut(rec['title'])}")
        lines.append(f"    lead      {_cut(rec['lead'])}")
        lines.append(f"    body      {_cut(' '.join((rec['text'] or '').split()[:12]))}")
        lines.append(f"    date      {rec['date_raw']!r} -> published {rec['published']}, published_at {rec['published_at']}")
        lines.append(f"    labels    {rec['categories']} -> category {rec['category']}; topics {rec['topics'][:5]}")
        lines.append(f"    url       {rec['url']} (article id {rec['article_id']})")
    total = len(run.records)
    good = sum(1 for _, r in run.records if isinstance(r, dict))
    lines.append("")
    lines.append(f"{total} record(s) read: {good} would be published, {total - good} rejected")
    cover = run.coverage()
    lines.append("coverage: " + ", ".join(f"{name} {cover[name]}/{good}" for name in FIELDS))
    for code, n in sorted(run.rejects().items()):
        lines.append(f"rejected {code}: {n} ({CATALOGUE[code].hint})")
    return "\n".join(lines)
