"""From what a reader extracted to a publishable record: normalize, classify, identify.

This is the pipeline's normalize-and-annotate step: raw text stays in the
``*_raw`` fields, the normalized form goes beside it, the source's labels are
mapped to the taxonomy, and the registry supplies publisher and rights.
"""

from __future__ import annotations

from khabar.record import Article, RawArticle, record_id
from khabar.registry import Source, Taxonomy
from khabar.text.normalize import normalize, normalize_line


def _optional(text: str | None) -> str | None:
    if text is None:
        return None
    return normalize(text) or None


def assemble(raw: RawArticle, source: Source, taxonomy: Taxonomy) -> Article:
    paragraphs = [p for p in (normalize(p).strip() for p in raw.paragraphs) if p]
    category, unmapped = taxonomy.classify(source.key, raw.categories)
    notice = raw.license_notice if raw.license_notice is not None else source.license_notice
    return Article(
        id=record_id(source.key, raw.url, raw.raw_sha256),
        source=source.key,
        publisher=source.publisher,
        url=raw.url,
        title=normalize(raw.title),
        title_raw=raw.title,
        lead=_optional(raw.lead),
        lead_raw=raw.lead,
        text="\n\n".join(paragraphs),
        text_raw="\n\n".join(raw.paragraphs),
        paragraphs=paragraphs,
        published=raw.date.published,
        published_at=raw.date.published_at,
        published_offset=raw.date.offset,
        updated=raw.date.updated,
        date_raw=raw.date.raw,
        date_origin=raw.date.origin,
        dateline=normalize_line(raw.dateline_city) if raw.dateline_city else None,
        dateline_raw=raw.dateline,
        categories=list(raw.categories),
        category=category,
        topics=list(raw.topics),
        license_notice=notice,
        license=source.license,
        raw_sha256=raw.raw_sha256,
        origin=raw.origin,
        unmapped_labels=unmapped,
    )
