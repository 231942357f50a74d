"""From what a reader extracted to a publishable record: normalize, classify, identify.

This is the pipeline's normalize-and-annotate step: raw text stays in the
``*_raw`` fields, the normalized form goes beside it, the source's labels are
mapped to the taxonomy, and the registry supplies publisher and rights.
"""

from __future__ import annotations

import re

from khabar.errors import KhabarError
from khabar.record import Article, RawArticle, record_id
from khabar.sources.decode import check_mojibake
from khabar.registry import Source, Taxonomy
from khabar.text.normalize import Changes, normalize, normalize_line
from khabar.text.offsets import align
from khabar.text.segment import sentences, token_count


def _optional(text: str | None, changes: Changes) -> str | None:
    if text is None:
        return None
    return normalize(text, changes=changes).strip() or None


_CONTROL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_OVERRIDE_CHARS = "\u202d\u202e"
_NOT_TEXT_CHARS = "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"    # lone surrogates and noncharacters
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
_OVERRIDE = re.compile(f"[{_OVERRIDE_CHARS}]")
_NOT_TEXT = re.compile(f"[{_NOT_TEXT_CHARS}]")
_EITHER = re.compile(f"[{_CONTROL_CHARS}{_OVERRIDE_CHARS}{_NOT_TEXT_CHARS}]")


def check_characters(raw: RawArticle) -> None:
    """Reject control characters and bidirectional overrides in any text field."""
    fields = {"title": raw.title, "lead": raw.lead, "dateline": raw.dateline}
    fields.update({f"paragraph {i}": p for i, p in enumerate(raw.paragraphs, start=1)})
    for name, text in (("title", raw.title), ("lead", raw.lead), ("body", "\n".join(raw.paragraphs))):
        if text:
            try:
                check_mojibake(text, least=2)
            except KhabarError as err:
                err.params["sample"] = f"{name}: {err.params['sample']}"
                raise
    for name, text in fields.items():
        if not text or not _EITHER.search(text):     # one scan for the clean majority
            continue
        for pattern, code in ((_NOT_TEXT, "text.not-unicode"), (_CONTROL, "text.control-chars"),
                              (_OVERRIDE, "text.bidi-override")):
            found = pattern.findall(text)
            if found:
                names = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
                raise KhabarError(code, field=name, count=len(found), names=names,
                                  offset=pattern.search(text).start())


def assemble(raw: RawArticle, source: Source, taxonomy: Taxonomy) -> Article:
    """Raises ``layout.empty-record`` when nothing of the record has text, ``text.*`` on bad characters."""
    check_characters(raw)
    changes = Changes()
    raw_paragraphs = [p for p in raw.paragraphs if p.strip()]
    pairs = [(r, normalize(r, changes=changes).strip()) for r in raw_paragraphs]
    raw_paragraphs = [r for r, n in pairs if n]
    paragraphs = [n for _, n in pairs if n]
    category, category_origin, unmapped = taxonomy.classify_with_origin(source.key, raw.categories, raw.label_order)
    notice = raw.license_notice if raw.license_notice is not None else source.license_notice
    title = _optional(raw.title, changes)
    lead = _optional(raw.lead[len(raw.lead_prefix):] if raw.lead and raw.lead_prefix else raw.lead, changes)
    if not (title or lead or paragraphs):
        raise KhabarError("layout.empty-record")
    dateline = normalize_line(raw.dateline_city, changes=changes) if raw.dateline_city else None
    text = "\n\n".join(paragraphs) or None
    text_raw = "\n\n".join(raw_paragraphs) if paragraphs else None
    date = raw.date
    url = raw.url or (source.url_for(raw.article_id) if raw.article_id else None)
    key = record_id(source.key, url, raw.raw_sha256, raw.article_id)
    return Article(
        id=key,
        cluster_id=key,
        source=source.key,
        publisher=source.publisher,
        url=url,
        article_id=raw.article_id,
        title=title,
        title_raw=raw.title if title else None,
        lead=lead,
        lead_raw=raw.lead if lead else None,
        text=text,
        text_raw=text_raw,
        paragraphs=paragraphs,
        sentence_count=len(sentences(text)) if text else 0,
        token_count=token_count(text) if text else 0,
        published=date.published if date else None,
        published_at=date.published_at if date else None,
        published_offset=date.offset if date else None,
        updated=date.updated if date else None,
        date_raw=date.raw if date else None,
        date_origin=date.origin if date else None,
        dateline=dateline,
        dateline_raw=raw.dateline,
        categories=list(raw.categories),
        category=category,
        category_origin=category_origin,
        topics=list(raw.topics),
        license_notice=notice,
        license=source.license,
        attribution=source.attribution(url),
        raw_sha256=raw.raw_sha256,
        origin=raw.origin,
        normalization={
            "letters": changes.letters,
            "zwnj_removed": changes.zwnj_removed,
            "zwnj_restored": changes.zwnj_restored,
            "text_offsets": align(text_raw, text) if text and text_raw else [],
        },
        unmapped_labels=unmapped,
    )
