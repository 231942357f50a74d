"""The allowed values kept as data: the source registry and the category taxonomy."""

from __future__ import annotations

import dataclasses
import re
import datetime as dt
import functools
import zoneinfo
from pathlib import Path
from typing import Any

import yaml

from khabar.paths import schema_dir

REDISTRIBUTION = ("yes", "research-only", "unknown")


class RegistryError(Exception):
    """A registry or taxonomy file is malformed; names the file and key at fault."""


@dataclasses.dataclass(frozen=True)
class Source:
    key: str
    publisher: str
    homepage: str
    language: str
    timezone: str
    parser: str | None
    license: str
    redistribution: str
    terms_url: str | None
    contact: str | None
    license_notice: str
    founded: dt.date | None = None
    license_url: str | None = None
    evidence: str | None = None
    article_url: str | None = None     # the outlet's article address, with {id}
    hosts: tuple[str, ...] = ()        # the outlet's web hosts (lower case, no www.): its pages and URLs
    feeds: tuple[str, ...] = ()        # its RSS/Atom feeds, where khabar harvest looks for new articles
    inline: bool = False               # declared in a mapping's [outlet], not in schema/sources.yaml

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def open(self) -> bool:
        """May its articles be redistributed (published in the repository's own dataset)?  Only a
        registry entry with its evidence can say so: an outlet a mapping declares inline never
        opens the gate, whatever it declares (its rows go only into a build's --output folder)."""
        return self.redistribution == "yes" and not self.inline

    @property
    def rights(self) -> str:
        """Its redistribution status in words, as the card and the rejects report say it."""
        if self.inline and self.redistribution == "yes":
            return "declared 'yes' by a mapping's inline [outlet]: not checked, so not redistributed by Khabar"
        return "redistributable" if self.open else self.redistribution

    def owns(self, host: str) -> bool:
        """Is ``host`` (lower case) one of the outlet's hosts or a subdomain of one?"""
        host = host.lower().rstrip(".").removeprefix("www.")
        return any(host == h or host.endswith("." + h) for h in self.hosts)

    def url_for(self, article_id: str) -> str | None:
        """The canonical URL of the outlet's article ``article_id``, where its URL pattern is known."""
        return self.article_url.replace("{id}", article_id) if self.article_url else None

    def attribution(self, url: str | None, changes: str = "text extracted from the page and normalized by Khabar") -> str:
        """The credit line a re-user can paste: outlet, article URL where known, licence, and the
        changes made to this row (:func:`khabar.assemble.changes_made`)."""
        where = url or f"{self.homepage} (article URL unknown)"
        if self.license_url:
            licence = f"{LICENSE_NAMES.get(self.license, self.license)} ({self.license_url})"
        else:
            licence = f"{self.license} ({'research use only, not for redistribution' if not self.open else self.redistribution})"
        return f"Source: {self.publisher}, {where}. Licence: {licence}. Changes: {changes}."


# Short names of the SPDX licences the registry uses, as their deeds write them.
LICENSE_NAMES = {"CC-BY-4.0": "CC BY 4.0", "CC-BY-SA-4.0": "CC BY-SA 4.0", "CC0-1.0": "CC0 1.0"}


def _load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise RegistryError(f"{path}: expected a mapping at the top level")
    return data


REQUIRED = ("publisher", "homepage", "language", "timezone", "license", "redistribution", "license_notice")


def make_source(key: str, entry: Any, where: str) -> Source:
    """One registry entry, checked; ``where`` names it in errors (file and key)."""
    fields = {f.name for f in dataclasses.fields(Source)} - {"key", "inline"}
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected a mapping")
    unknown = set(entry) - fields
    missing = set(REQUIRED) - set(entry)
    if unknown:
        raise RegistryError(f"{where}: unknown key(s) {sorted(unknown)}")
    if missing:
        raise RegistryError(f"{where}: missing key(s) {sorted(missing)}")
    if not all(isinstance(entry[k], str) and entry[k].strip() for k in REQUIRED):
        raise RegistryError(f"{where}: {', '.join(REQUIRED)} must be non-empty text")
    if entry["redistribution"] not in REDISTRIBUTION:
        raise RegistryError(f"{where}.redistribution: must be one of {REDISTRIBUTION}")
    try:
        zoneinfo.ZoneInfo(entry["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise RegistryError(f"{where}.timezone: unknown IANA zone {entry['timezone']!r}") from exc
    if entry.get("founded") is not None and not isinstance(entry["founded"], dt.date):
        raise RegistryError(f"{where}.founded: expected a date (YYYY-MM-DD)")
    if entry["redistribution"] == "yes" and (not entry.get("evidence") or str(entry["license"]).startswith("LicenseRef-all")):
        raise RegistryError(f"{where}: redistribution: yes needs an open licence and its evidence "
                            "(where the outlet's licence statement is recorded)")
    if entry.get("article_url") is not None and "{id}" not in str(entry["article_url"]):
        raise RegistryError(f"{where}.article_url: must hold {{id}}, where the outlet's article id goes")
    hosts = entry.get("hosts") or []
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
        raise RegistryError(f"{where}.hosts: a list of host names (e.g. [\"www.farsnews.ir\"])")
    values = {name: entry.get(name) for name in fields}
    values["hosts"] = tuple(sorted({h.strip().lower().rstrip(".").removeprefix("www.") for h in hosts}))
    feeds = entry.get("feeds") or []
    if not isinstance(feeds, list) or not all(isinstance(f, str) and f.startswith(("http://", "https://")) for f in feeds):
        raise RegistryError(f"{where}.feeds: a list of feed URLs (http or https)")
    values["feeds"] = tuple(feeds)
    values["license_notice"] = " ".join(str(entry["license_notice"]).split())
    values.setdefault("parser", None)
    return Source(key=key, **values)


@functools.cache
def sources(path: Path | None = None) -> dict[str, Source]:
    path = path or schema_dir() / "sources.yaml"
    data = _load_yaml(path).get("sources")
    if not isinstance(data, dict) or not data:
        raise RegistryError(f"{path}: 'sources' must map source keys to entries")
    return {key: make_source(key, entry, f"{path}: sources.{key}") for key, entry in data.items()}


def _paths(labels: list[str]) -> list[str]:
    """Each label and each breadcrumb path ``a > b`` of a record's labels."""
    return list(labels) + [" > ".join(labels[:i]) for i in range(2, len(labels) + 1)]


def register(source: Source) -> None:
    """Add an outlet a mapping declares inline (``[outlet]``) to this process's registry (the
    cached :func:`sources` dict, so the card, reports and forked workers see it too)."""
    known = sources()
    if source.key in known and known[source.key] != source:
        raise RegistryError(f"source {source.key!r} is already in schema/sources.yaml with other values; "
                            f"name it with source = {source.key!r} instead of declaring it")
    known[source.key] = source


def entry_template(key: str) -> str:
    """The YAML entry a new outlet needs in schema/sources.yaml, to fill in."""
    return "\n".join([
        f"  {key}:",
        "    publisher: <the outlet's name>",
        "    homepage: https://<its home page>",
        "    language: fa",
        "    timezone: Asia/Tehran",
        "    parser: null",
        "    license: LicenseRef-all-rights-reserved     # or an SPDX id such as CC-BY-4.0",
        "    redistribution: research-only             # yes only with an open licence and its evidence",
        "    license_notice: >-",
        "      All rights reserved by <the outlet>; research use only.",
    ])


@dataclasses.dataclass(frozen=True)
class Taxonomy:
    classes: tuple[str, ...]
    descriptions: dict[str, str]
    mapping: dict[str, dict[str, str]]
    non_topical: dict[str, frozenset[str]]
    source_defaults: dict[str, str]
    desks: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)      # source -> regional desk labels
    withhold: tuple[tuple[str, Any, frozenset[str], str], ...] = ()   # (source, article id pattern, labels, reason)

    def regional(self, source: str, labels: list[str]) -> bool:
        """Whether the source filed the article under a regional desk (a province's news)."""
        desks = self.desks.get(source, frozenset()) | self.desks.get("*", frozenset())
        return any(label in desks for label in labels)

    def withheld(self, source: str, article_id: str | None, labels: list[str]) -> str | None:
        """The reason a source's labels are withheld for this article (``withhold`` rules: an article
        id pattern, or labels, or both), or None."""
        for src, pattern, only, reason in self.withhold:
            if src != source:
                continue
            if pattern is not None and (article_id is None or not pattern.search(article_id)):
                continue
            if only and not any(label in only for label in _paths(labels)):
                continue
            return reason
        return None

    def classify(self, source: str, labels: list[str], order: str = "breadcrumb") -> tuple[str | None, list[str]]:
        """The class the labels map to, and the labels that are unmapped (see :meth:`classify_with_origin`)."""
        category, _, unmapped = self.classify_with_origin(source, labels, order)
        return category, unmapped

    def classify_with_origin(self, source: str, labels: list[str],
                             order: str = "breadcrumb") -> tuple[str | None, str | None, list[str]]:
        """The class the labels map to, where it comes from, and the labels that are unmapped.

        The origin is ``label`` (a mapping of the source's own labels), ``source-default``
        (the source's default class, when no label maps) or None (no class).

        ``order='breadcrumb'``: labels run from general to specific; the candidates are,
        from the most specific, each breadcrumb path ``a > b`` and then its last label
        alone, so ``sports > world`` can mean sports where ``world`` alone means world.
        ``'priority'``: the first label that maps wins.  The source's own table comes
        before the shared ``"*"`` table; a source with a default class (a sports-only
        outlet) gets it when nothing maps."""
        own, shared = self.mapping.get(source, {}), self.mapping.get("*", {})
        skip = (self.non_topical.get(source, frozenset()) | self.non_topical.get("*", frozenset())
                | self.desks.get(source, frozenset()) | self.desks.get("*", frozenset()))
        if order == "breadcrumb":
            candidates = []
            for i in range(len(labels), 0, -1):
                candidates += [" > ".join(labels[:i]), labels[i - 1]]
        else:
            candidates = list(labels)
        def known(i: int) -> bool:
            label = labels[i]
            return label in own or label in shared or label in skip or (
                order == "breadcrumb" and " > ".join(labels[:i + 1]) in own)

        # in a breadcrumb, a label under a known parent is covered by the parent's class
        unmapped = [label for i, label in enumerate(labels)
                    if not known(i) and not (order == "breadcrumb" and any(known(j) for j in range(i)))]
        category, origin = self._pick(candidates, own, shared, source)
        return category, origin, unmapped

    def _pick(self, candidates: list[str], own: dict[str, str], shared: dict[str, str],
              source: str) -> tuple[str | None, str | None]:
        for key in candidates:
            if key in own:
                return own[key], "label"
            if key in shared:
                return shared[key], "label"
        default = self.source_defaults.get(source)
        return default, ("source-default" if default else None)


@functools.cache
def taxonomy(path: Path | None = None) -> Taxonomy:
    path = path or schema_dir() / "categories.yaml"
    data = _load_yaml(path)
    classes = data.get("classes")
    if not isinstance(classes, list) or not classes:
        raise RegistryError(f"{path}: 'classes' must be a non-empty list")
    names = tuple(c["name"] for c in classes)
    if len(set(names)) != len(names):
        raise RegistryError(f"{path}: classes: duplicate class names")
    mapping = data.get("map") or {}
    for src, table in mapping.items():
        for label, cls in (table or {}).items():
            if cls not in names:
                raise RegistryError(f"{path}: map.{src}.{label}: {cls!r} is not a class")
    defaults = data.get("source_defaults") or {}
    for src, cls in defaults.items():
        if cls not in names:
            raise RegistryError(f"{path}: source_defaults.{src}: {cls!r} is not a class")
    return Taxonomy(
        source_defaults=dict(defaults),
        classes=names,
        descriptions={c["name"]: c.get("description", "") for c in classes},
        mapping={src: dict(table or {}) for src, table in mapping.items()},
        non_topical={src: frozenset(labels or ()) for src, labels in (data.get("non_topical") or {}).items()},
        desks={src: frozenset((table or {}).get("regional") or ()) for src, table in (data.get("desks") or {}).items()},
        withhold=tuple((rule["source"], re.compile(rule["article_id"]) if rule.get("article_id") else None,
                        frozenset(rule.get("labels") or ()), rule["reason"]) for rule in data.get("withhold") or ()),
    )
