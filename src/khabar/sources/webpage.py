"""An outlet's article page (its HTML, as a web capture holds it) to a :class:`RawArticle`.

Read in the order publishers and archives make reliable (docs/WEB.md, schema/pages.yaml):

1. **Charset**: the HTTP header's, then the page's ``<meta charset>``, then detection
   (charset-normalizer); bytes that none of them reads are ``page.charset``; text that was
   decoded wrongly once already is ``encoding.mojibake``.
2. **Structured data**: JSON-LD ``NewsArticle`` (``headline``, ``description``,
   ``datePublished``, ``dateModified``, ``articleSection``, ``keywords``), OpenGraph and
   ``article:`` meta tags, ``<link rel="canonical">``, a JSON-LD ``BreadcrumbList``.
3. **The outlet's rules** (schema/pages.yaml) for the title, lead and, above all, the body
   with its paragraphs; when they find no body, the **generic reader**: the paragraphs of
   the ``<article>`` (or ``<main>``) element, else readability-lxml's main content (which
   keeps U+200C, unlike trafilatura 2.3.1's control-character filter).

Nothing is repaired here: the text is what the page shows (HTML's white space folded, as a
browser does); :func:`khabar.assemble.assemble` normalizes it beside the raw form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import yaml
from lxml import etree
from lxml.cssselect import CSSSelector

from khabar.dates import DateLimits, ascii_digits, instant
from khabar.errors import KhabarError
from khabar.paths import schema_dir
from khabar.record import PublicationDate, RawArticle, sha256_hex
from khabar.registry import RegistryError, Source
from khabar.sources import html
from khabar.sources.decode import LANGUAGE_SAMPLE, check_mojibake, check_persian
from khabar.sources.mapping import iri_safe

RULE_KEYS = ("scope", "title", "lead", "body", "drop", "section", "tags", "date")
ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
                           "OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting",
                           "LiveBlogPosting"})
GENERIC_LEAST = 80        # characters the generic reader must find to call it an article's body


@dataclasses.dataclass(frozen=True)
class PageRules:
    """One outlet's page rules (schema/pages.yaml): compiled selectors, in order of preference."""

    source: str
    article_url: re.Pattern[str] | None
    selectors: dict[str, tuple[CSSSelector, ...]]

    def _match(self, url: str) -> re.Match[str] | None:
        """``article_url`` searched in the URL's path and query."""
        assert self.article_url is not None
        parts = urlsplit(url)
        return self.article_url.search(parts.path + (f"?{parts.query}" if parts.query else ""))

    def article_id(self, url: str | None) -> str | None:
        """The outlet's article id in ``url`` (its path and query), or None."""
        if not url or self.article_url is None:
            return None
        m = self._match(url)
        return ascii_digits(m.group("id")) if m and m.groupdict().get("id") else None

    def is_article(self, url: str) -> bool:
        """Does ``url`` look like one of the outlet's article pages (true when no pattern is given)?"""
        return self.article_url is None or self._match(url) is not None


@functools.cache
def page_rules() -> dict[str, PageRules]:
    """Every outlet's page rules (schema/pages.yaml), checked and compiled."""
    path = schema_dir() / "pages.yaml"
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    outlets = data.get("outlets")
    if not isinstance(outlets, dict):
        raise RegistryError(f"{path}: 'outlets' must map source keys to page rules")
    rules = {}
    for key, entry in outlets.items():
        where = f"{path}: outlets.{key}"
        unknown = set(entry) - {"article_url", "learnt_from", *RULE_KEYS}
        if unknown:
            raise RegistryError(f"{where}: unknown key(s) {sorted(unknown)}")
        selectors = {}
        for name in RULE_KEYS:
            value = entry.get(name) or []
            value = [value] if isinstance(value, str) else value
            try:
                selectors[name] = tuple(CSSSelector(s) for s in value)
            except Exception as exc:          # cssselect's SelectorSyntaxError and ExpressionError
                raise RegistryError(f"{where}.{name}: not a CSS selector: {exc}") from None
        try:
            pattern = re.compile(entry["article_url"]) if entry.get("article_url") else None
        except re.error as exc:
            raise RegistryError(f"{where}.article_url: {exc}") from None
        rules[key] = PageRules(key, pattern, selectors)
    return rules


# --- 1. charset ---------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def charset_of(content_type: str | None) -> str | None:
    m = _HEADER_CHARSET.search(content_type or "")
    return m.group(1) if m else None


def decode(payload: bytes, header_charset: str | None) -> tuple[str, str]:
    """The page's text and where its charset came from: ``header``, ``meta``, ``detected``
    (or ``utf-8`` when nothing names one and the bytes are UTF-8)."""
    meta = _META_CHARSET.search(payload[:4096])
    tried: list[str] = []
    for where, name in (("header", header_charset), ("meta", meta.group(1).decode("ascii") if meta else None)):
        if not name:
            continue
        tried.append(f"{name} ({where})")
        try:
            return payload.decode(_codec(name)), where
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return payload.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(payload[:200_000]).best()
    if best is not None:
        try:
            return payload.decode(best.encoding), "detected"
        except (LookupError, UnicodeDecodeError):
            pass
    raise KhabarError("page.charset", tried=", ".join(tried) or "none declared")


def _codec(name: str) -> str:
    """Names pages give their charset (``windows-1256``, ``utf8``) as Python codecs."""
    name = name.strip().lower()
    return {"utf8": "utf-8", "windows-1256": "cp1256", "x-user-defined": "cp1252"}.get(name, name)


# --- 2. structured data -------------------------------------------------------------------------

@dataclasses.dataclass
class Structured:
    """What the page declares about itself."""

    headline: str | None = None
    description: str | None = None
    published: str | None = None
    published_where: str | None = None
    modified: str | None = None
    sections: list[str] = dataclasses.field(default_factory=list)
    keywords: list[str] = dataclasses.field(default_factory=list)
    canonical: list[str] = dataclasses.field(default_factory=list)     # candidate URLs, best first
    breadcrumbs: list[str] = dataclasses.field(default_factory=list)
    body: str | None = None                                             # JSON-LD articleBody


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object in a script's value (lists and @graph opened)."""
    if isinstance(value, list):
        for item in value:
            yield from _objects(item)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _objects(value["@graph"])


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    return {str(k) for k in (kind if isinstance(kind, list) else [kind])}


def _string(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _labels(value: Any) -> list[str]:
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[,،]", value) if p.strip()]
    if isinstance(value, list):
        return [p for v in value for p in _labels(v)]
    return []


def structured(doc: Any) -> Structured:
    found = Structured()
    for script in doc.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue                           # a broken block is ignored, the page's markup still reads
        for obj in _objects(data):
            types = _types(obj)
            if types & ARTICLE_TYPES and found.headline is None:
                found.headline = _string(obj.get("headline")) or _string(obj.get("name"))
                found.description = _string(obj.get("description"))
                if _string(obj.get("datePublished")):
                    found.published, found.published_where = _string(obj.get("datePublished")), "json-ld datePublished"
                found.modified = _string(obj.get("dateModified"))
                found.sections = _labels(obj.get("articleSection"))
                found.keywords = _labels(obj.get("keywords"))
                found.body = _string(obj.get("articleBody"))
                for key in ("url", "mainEntityOfPage"):
                    if _string(obj.get(key)):
                        found.canonical.append(_string(obj.get(key)) or "")
            elif "BreadcrumbList" in types and not found.breadcrumbs:
                items = obj.get("itemListElement") or []
                items = sorted((i for i in items if isinstance(i, dict)), key=lambda i: _position(i.get("position")))
                found.breadcrumbs = [n for n in (_string(i.get("name")) or _string(i.get("item")) for i in items) if n]
    meta = _meta(doc)
    found.headline = found.headline or meta.get("og:title")
    found.description = found.description or meta.get("og:description") or meta.get("description")
    if found.published is None and meta.get("article:published_time"):
        found.published, found.published_where = meta["article:published_time"], "meta article:published_time"
    found.modified = found.modified or meta.get("article:modified_time")
    found.sections = found.sections or [s for s in [meta.get("article:section")] if s]
    found.keywords = found.keywords or list(meta.get("article:tag[]", []))
    canonical = doc.find(".//link[@rel='canonical']")
    if canonical is not None and canonical.get("href"):
        found.canonical.insert(0, canonical.get("href").strip())
    if meta.get("og:url"):
        found.canonical.append(meta["og:url"])
    return found


def _position(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _meta(doc: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for el in doc.iterfind(".//meta"):
        name = (el.get("property") or el.get("name") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if not name or not content:
            continue
        if name == "article:tag":
            out.setdefault("article:tag[]", []).append(content)
        out.setdefault(name, content)
    return out


# --- 3. the outlet's rules, then the generic reader ---------------------------------------------

_SPACE = re.compile(r"[ \t\n\r\f]+")


def _text(el: Any) -> str | None:
    text = _SPACE.sub(" ", el.text_content()).strip()
    return text or None


def _first(scope: Any, selectors: tuple[CSSSelector, ...]) -> Any:
    for sel in selectors:
        found = sel(scope)
        if found:
            return found[0]
    return None


def _all_texts(scope: Any, selectors: tuple[CSSSelector, ...]) -> list[str]:
    for sel in selectors:
        texts = [t for t in (_text(el) for el in sel(scope)) if t]
        if texts:
            return texts
    return []


def _paragraphs(el: Any, drop: tuple[CSSSelector, ...] = ()) -> list[str]:
    for sel in drop:
        for gone in sel(el):
            if gone is not el and gone.getparent() is not None:
                gone.drop_tree()                        # its tail text stays
    markup = lxml.html.tostring(el, encoding="unicode", with_tail=False)
    return [p for p in html.paragraphs(markup) if p.strip()]


def _by_rules(doc: Any, rules: PageRules) -> tuple[str | None, str | None, list[str], list[str], list[str], Any]:
    """(title, lead, paragraphs, sections, tags, date element) by the outlet's selectors."""
    sel = rules.selectors
    scope = _first(doc, sel["scope"]) if sel["scope"] else None
    scope = doc if scope is None else scope
    title = _first(scope, sel["title"]) if sel["title"] else None
    lead = _first(scope, sel["lead"]) if sel["lead"] else None
    sections = _all_texts(doc, sel["section"])
    tags = _all_texts(doc, sel["tags"])
    date = _first(scope, sel["date"]) if sel["date"] else None
    body = _first(scope, sel["body"]) if sel["body"] else None
    paragraphs = _paragraphs(body, sel["drop"]) if body is not None else []
    return (_text(title) if title is not None else None, _text(lead) if lead is not None else None,
            paragraphs, sections, tags, date)


_GENERIC_DROP = tuple(CSSSelector(s) for s in ("script", "style", "nav", "aside", "footer", "form", "figure",
                                                 "figcaption", "header", "noscript", "iframe"))


_CONTENT_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "pre", "table"})


def _generic(doc: Any, markup: str) -> list[str]:
    """The main content of a page no rule knows: in the <article> (or <main>) element, the
    element holding the most paragraphs, read as its content blocks (paragraphs, subheads, quotes,
    lists: not the players, share buttons and kickers around them); else readability-lxml's choice."""
    for tag in ("article", "main"):
        for el in doc.iterfind(f".//{tag}"):
            for gone in [g for sel in _GENERIC_DROP for g in sel(el)]:
                if gone.getparent() is not None:
                    gone.drop_tree()
            holders: dict[Any, int] = {}
            for para in el.iterfind(".//p"):
                parent = para.getparent()
                holders[parent] = holders.get(parent, 0) + len(para.text_content())
            if not holders:
                continue
            best = max(holders, key=lambda h: holders[h])
            blocks = [child for child in best if isinstance(child.tag, str) and child.tag.lower() in _CONTENT_BLOCKS]
            out = [p for child in blocks for p in _paragraphs(child)]
            if out:
                return out
    try:
        from readability import Document

        summary = Document(markup).summary(html_partial=True)
    except Exception:                              # readability gives up on a page with no content
        return []
    return [p for p in html.paragraphs(summary) if p.strip()]


# --- the page -------------------------------------------------------------------------------------

_HOME = frozenset({"صفحه اصلی", "صفحه نخست", "خانه", "خبرگزاری", "home", "Home"})
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


@dataclasses.dataclass
class Page:
    """A page read: the article as extracted and the path that found its body (``rules`` or ``generic``)."""

    article: RawArticle
    path: str


def read(payload: bytes, *, url: str, content_type: str | None, source: Source, origin: str,
         limits: DateLimits) -> Page:
    """One page of ``source`` captured at ``url``: its article, or a KhabarError with a code."""
    if not payload.strip():
        raise KhabarError("input.blank", size=len(payload))
    text, _ = decode(payload, charset_of(content_type))
    check_mojibake(text, least=2)
    try:
        doc = lxml.html.document_fromstring(_XML_DECL.sub("", text, count=1))
    except (etree.ParserError, ValueError) as exc:
        raise KhabarError("page.no-article", detail=f"the HTML cannot be parsed ({exc})") from None
    meta = structured(doc)
    rules = page_rules().get(source.key)
    title = lead = date_el = None
    paragraphs: list[str] = []
    sections: list[str] = []
    tags: list[str] = []
    path = "generic"
    if rules is not None:
        title, lead, paragraphs, sections, tags, date_el = _by_rules(doc, rules)
        path = "rules" if paragraphs else "generic"
    if not paragraphs:
        paragraphs = _generic(doc, text)
        if sum(len(p) for p in paragraphs) < GENERIC_LEAST:
            paragraphs = []                          # a menu or a caption is no article
    if not paragraphs:
        raise KhabarError("page.no-article", detail="neither the outlet's rules nor the generic reader found "
                                                    "the article's body")
    title = title or meta.headline or _h1(doc)
    if title and paragraphs and _same(title, paragraphs[0]):
        paragraphs = paragraphs[1:]                  # the headline inside the body element is not a paragraph
    lead = lead or meta.description
    if lead and paragraphs and _same(lead, paragraphs[0]):
        lead = None                 # a description that repeats the body's opening is no lead (the text keeps it)
    check_persian("\n".join(x for x in [title, lead, *paragraphs] if x)[:LANGUAGE_SAMPLE])
    canonical = _canonical(url, meta.canonical, source)
    article_id = (rules.article_id(canonical) or rules.article_id(url)) if rules else None
    return Page(RawArticle(
        source=source.key,
        origin=origin,
        raw_sha256=sha256_hex(payload),
        url=canonical,
        title=title,
        lead=lead,
        paragraphs=paragraphs,
        date=_date(meta, date_el, source, limits),
        categories=[s for s in (meta.sections or sections or meta.breadcrumbs) if s not in _HOME],
        topics=list(dict.fromkeys(meta.keywords or tags)),
        article_id=article_id,
        reader="web",
    ), path)


def _h1(doc: Any) -> str | None:
    el = doc.find(".//h1")
    return _text(el) if el is not None else None


def _same(a: str, b: str) -> bool:
    return " ".join(a.split())[:200] == " ".join(b.split())[:200]


def _canonical(url: str, candidates: list[str], source: Source) -> str | None:
    """The page's own URL: the first canonical or declared URL on the outlet's hosts, else the
    captured URL when it is on them (a capture made through a mirror has neither: None, and the
    outlet's article URL is built from the article id where the registry knows its pattern)."""
    for candidate in [*candidates, url]:
        absolute = urljoin(url, candidate.strip())
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and parts.hostname and source.owns(parts.hostname) \
                and not parts.username and not parts.password:
            return iri_safe(absolute)
    return None


def _date(meta: Structured, date_el: Any, source: Source, limits: DateLimits) -> PublicationDate | None:
    raw, where = meta.published, meta.published_where
    if raw is None and date_el is not None and date_el.get("datetime"):
        raw, where = date_el.get("datetime").strip(), "page <time datetime>"
    if raw is None:
        return None
    moment = _iso(raw)
    if moment is None:
        raise KhabarError("date.impossible", raw=raw, reason=f"the page's {where} is not an ISO 8601 date")
    limits.for_source(source.founded).check(_day(moment), raw)
    modified = _iso(meta.modified) if meta.modified else None
    updated = _day(modified).isoformat() if modified is not None else None
    if isinstance(moment, dt.datetime):
        at = instant(moment.replace(tzinfo=None), zone=source.timezone, offset=moment.utcoffset())
        return PublicationDate(published=_day(moment).isoformat(), raw=raw, origin=where or "page",
                               published_at=at.utc, offset=at.offset, updated=updated)
    return PublicationDate(published=moment.isoformat(), raw=raw, origin=where or "page", updated=updated)


def _day(moment: dt.datetime | dt.date) -> dt.date:
    """The calendar day of a date, or of a time as written (its own offset's day)."""
    return moment.date() if isinstance(moment, dt.datetime) else moment


def _iso(raw: str) -> dt.datetime | dt.date | None:
    value = ascii_digits(raw.strip())
    if "T" not in value:
        value = value.replace(" ", "T", 1)             # '2025-09-05 10:12:00' as ISO writes it
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None
