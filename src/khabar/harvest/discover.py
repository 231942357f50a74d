"""Where the articles are listed: RSS/Atom feeds (feedparser) and XML sitemaps (a sitemap index
and its children), each entry with the date it gives, for --since/--until."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib

import feedparser
from lxml import etree

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclasses.dataclass
class Listed:
    url: str
    date: dt.date | None          # lastmod or the feed item's date, when given


@dataclasses.dataclass
class Sitemap:
    pages: list[Listed]
    children: list[Listed]        # a sitemap index's sitemaps


def feed_entries(body: bytes) -> list[Listed]:
    """The article links of an RSS or Atom feed, with each item's date."""
    parsed = feedparser.parse(body)
    out = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        out.append(Listed(link, dt.date(*stamp[:3]) if stamp else None))
    return out


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def sitemap(body: bytes, limit: int) -> Sitemap:
    """A sitemap or sitemap index (gzipped or not); no entity, DTD or network access."""
    if body[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(47)
        body = inflater.decompress(body, limit + 1)
        if len(body) > limit:
            raise ValueError(f"the gzipped sitemap expands past {limit} bytes")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(body, parser)
    def entries(tag: str) -> list[Listed]:
        found = []
        for node in root.iter(f"{SITEMAP_NS}{tag}", tag):
            loc = node.findtext(f"{SITEMAP_NS}loc") or node.findtext("loc")
            if loc and loc.strip():
                found.append(Listed(loc.strip(), _date(node.findtext(f"{SITEMAP_NS}lastmod") or node.findtext("lastmod"))))
        return found
    return Sitemap(pages=entries("url"), children=entries("sitemap"))


def in_period(day: dt.date | None, since: dt.date | None, until: dt.date | None) -> bool:
    """An entry without a date is kept (the page's own date decides later)."""
    if day is None:
        return True
    return (since is None or day >= since) and (until is None or day <= until)


__all__ = ["Listed", "Sitemap", "feed_entries", "in_period", "sitemap"]
