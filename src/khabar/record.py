"""The one record type: an article moving through the pipeline.

:class:`Article` holds the published fields (those of ``schema/article.schema.json``,
in its order) plus pipeline-only provenance that is not published.  ``to_json``
gives the published record (the form the schema validates and ``khabar parse``
prints); :mod:`khabar.features` turns it into an Arrow row.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from khabar.native import native


@dataclasses.dataclass
class PublicationDate:
    """The publication date as read: the calendar day, the time when known, and where it was read."""

    published: str                  # ISO date, publisher's calendar day
    raw: str                        # as the source wrote it
    origin: str                     # 'page line 7', 'url id', 'field date'
    published_at: str | None = None  # UTC instant, ISO 8601 with Z
    offset: str | None = None       # '+03:30'
    updated: str | None = None


@dataclasses.dataclass
class RawArticle:
    """What a reader (page parser or export importer) extracts, before normalization.

    Text fields hold the text as received (less the white space around lines)."""

    source: str
    origin: str
    raw_sha256: str
    url: str | None
    title: str | None
    lead: str | None
    paragraphs: list[str]
    date: PublicationDate | None       # None: the source gives no date
    dateline: str | None = None        # the whole dateline as written
    dateline_city: str | None = None   # the filing city as written
    categories: list[str] = dataclasses.field(default_factory=list)
    topics: list[str] = dataclasses.field(default_factory=list)
    license_notice: str | None = None  # as printed on the page; None: the registry's default
    label_order: str = "breadcrumb"    # 'breadcrumb': the last label is the most specific; 'priority': the first
    lead_prefix: str | None = None     # a dateline prefix the lead opens with (kept in lead_raw, cut from lead)
    article_id: str | None = None      # the outlet's own id of the article, where the export gives it
    reader: str = "export"             # how the text reached Khabar: 'export' (a third party's), 'page', 'web'


@dataclasses.dataclass
class Article:
    id: str
    cluster_id: str                 # = id until deduplication groups the article into a story
    source: str
    publisher: str
    url: str | None
    article_id: str | None
    title: str | None
    title_raw: str | None
    lead: str | None
    lead_raw: str | None
    text: str | None
    text_raw: str | None
    paragraphs: list[str]
    reported_by: str | None
    sentence_count: int | None
    token_count: int | None
    lead_sentence_count: int | None
    lead_token_count: int | None
    characters_lost: bool
    published: str | None
    published_at: str | None
    published_offset: str | None
    updated: str | None
    date_raw: str | None
    date_origin: str | None
    dateline: str | None
    dateline_raw: str | None
    categories: list[str]
    category: str | None
    category_origin: str | None
    category_withheld: str | None
    regional: bool
    topics: list[str]
    license_notice: str
    license: str
    attribution: str
    raw_sha256: str
    origin: str
    normalization: dict[str, object]
    language: str = "fa"
    # pipeline-only, never published
    unmapped_labels: list[str] = dataclasses.field(default_factory=list, repr=False)

    PUBLISHED_EXCLUDE = frozenset({"unmapped_labels"})

    def to_json(self, order: list[str]) -> dict[str, Any]:
        """The published record, keys in ``order`` (the schema's property order)."""
        return {name: getattr(self, name) for name in order}


def record_id(source: str, url: str | None, raw_sha256: str, article_id: str | None = None) -> str:
    """Stable id: from the outlet's own article id when known (the same article from two exports,
    under any URL form, is one record), else from the URL (a re-scrape keeps its id), else from
    the raw content's hash."""
    if article_id:
        key = f"{source}\narticle:{article_id}"
    else:
        key = f"{source}\nurl:{url}" if url else f"{source}\nsha256:{raw_sha256}"
    return f"{source}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


def id_parts(record_id: str) -> tuple[str, int]:
    """A record id ``source-<16 hex>`` as (source, 64-bit key)."""
    source, _, digits = record_id.rpartition("-")
    return source, int(digits, 16)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def raw_json(record: Any) -> bytes:
    """An imported record as canonical JSON (keys sorted, text as written), the bytes its
    ``raw_sha256`` is the hash of (``native.raw_json`` is the compiled twin; it leaves what it
    does not write, a tuple or a non-str key, to Python's json)."""
    if native is not None:
        data = native.raw_json(record)
        if data is not None:
            return data
    return raw_json_py(record)


def raw_json_py(record: Any) -> bytes:
    return json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass")
