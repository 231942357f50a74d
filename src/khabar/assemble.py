"""From what a reader extracted to a publishable record: normalize, classify, identify.

This is the pipeline's normalize-and-annotate step: raw text stays in the
``*_raw`` fields, the normalized form goes beside it, the source's labels are
mapped to the taxonomy, and the registry supplies publisher and rights.
"""

from __future__ import annotations

import re
from typing import Any

from khabar.errors import KhabarError
from khabar.native import native
from khabar.record import Article, RawArticle, record_id
from khabar.sources.decode import check_mojibake
from khabar.registry import Source, Taxonomy
from khabar.text.normalize import ZWNJ, Changes, normalize, normalize_line
from khabar.text.furniture import has_words, lead_dateline, strip_body, strip_lead, summary
from khabar.text.offsets import align, piece_anchors
from khabar.text.segment import sentence_count, token_count


def _optional(text: str | None, changes: Changes, compounds: bool) -> str | None:
    if text is None:
        return None
    return normalize(text, changes=changes, compounds=compounds).strip() or None


def lost_zwnjs(raw: RawArticle) -> bool:
    """Whether the record lost its ZWNJs (none anywhere): then joined words may be split in two
    (khabar.text.zwnj); a record that kept ZWNJs elsewhere joined its words on purpose."""
    return not any(ZWNJ in x for x in (raw.title, raw.lead, *raw.paragraphs) if x)


_CONTROL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_OVERRIDE_CHARS = "\u202d\u202e"
_NOT_TEXT_CHARS = "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"    # lone surrogates and noncharacters
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
_OVERRIDE = re.compile(f"[{_OVERRIDE_CHARS}]")
_NOT_TEXT = re.compile(f"[{_NOT_TEXT_CHARS}]")
_EITHER = re.compile(f"[{_CONTROL_CHARS}{_OVERRIDE_CHARS}{_NOT_TEXT_CHARS}]")


_MARK_FLOOD = re.compile(r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff"
                         r"\u20d0-\u20ff\ufe20-\ufe2f]{6,}")


def odd_characters(texts: list[str]) -> int:
    """Whether any of ``texts`` holds a control character, bidi override or noncharacter (bit 1)
    or a flood of combining marks (bit 2) (``native.odd_characters`` is the compiled twin)."""
    if native is not None:
        return native.odd_characters(texts)
    joined = "\n".join(texts)
    return (_EITHER.search(joined) is not None) | 2 * (_MARK_FLOOD.search(joined) is not None)


def _text_fields(raw: RawArticle) -> dict[str, str | None]:
    """The record's text fields by the names a rejection gives them."""
    fields = {"title": raw.title, "lead": raw.lead, "dateline": raw.dateline}
    fields.update({f"paragraph {i}": p for i, p in enumerate(raw.paragraphs, start=1)})
    return fields


def check_characters(raw: RawArticle) -> None:
    """Reject control characters and bidirectional overrides in any text field, labels and the
    URL included, and floods of combining marks (more than five on one letter) in the text
    (a label of marks alone, as one Fars tag is, stays as the outlet wrote it)."""
    found = odd_characters([x for x in (raw.title, raw.lead, raw.dateline, *raw.paragraphs) if x])   # one scan
    if found & 2:                                                   # a hit is named here
        for name, text in _text_fields(raw).items():
            flood = _MARK_FLOOD.search(text) if text else None
            if flood:
                raise KhabarError("text.mark-flood", field=name, count=len(flood.group()), offset=flood.start())
    for name, text in (("title", raw.title), ("lead", raw.lead), ("body", "\n".join(raw.paragraphs))):
        if text:
            try:
                check_mojibake(text, least=2)
            except KhabarError as err:
                err.params["sample"] = f"{name}: {err.params['sample']}"
                raise
    if not found & 1 and not odd_characters([x for x in (raw.url, *raw.categories, *raw.topics) if x]) & 1:
        return                                                      # the clean majority
    fields = _text_fields(raw)
    fields["url"] = raw.url
    fields.update({f"label {i}": c for i, c in enumerate(raw.categories, start=1)})
    fields.update({f"topic {i}": t for i, t in enumerate(raw.topics, start=1)})
    for name, text in fields.items():
        if not text or not _EITHER.search(text):
            continue
        for pattern, code in ((_NOT_TEXT, "text.not-unicode"), (_CONTROL, "text.control-chars"),
                              (_OVERRIDE, "text.bidi-override")):
            found = pattern.findall(text)
            if found:
                names = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
                raise KhabarError(code, field=name, count=len(found), names=names,
                                  offset=pattern.search(text).start())


def _body(raw: RawArticle, source: Source, changes: Changes, compounds: bool) -> tuple[Any, str | None, list[list[int]]]:
    """The body normalized and without furniture, the raw body, and the offsets from one to the other."""
    raw_paragraphs = [p for p in raw.paragraphs if p.strip()]
    pairs = [(r, normalize(r, changes=changes, compounds=compounds).strip()) for r in raw_paragraphs]
    normalized = [n for _, n in pairs if n]
    stripped = strip_body(normalized, source.key)
    text_raw = "\n\n".join(r for r, n in pairs if n) or None
    offsets: list[list[int]] = []
    if stripped.paragraphs and text_raw:
        offsets = piece_anchors(align(text_raw, "\n\n".join(normalized)), stripped.pieces)
    return stripped, text_raw, offsets


def _classify(raw: RawArticle, source: Source, taxonomy: Taxonomy) -> tuple[str | None, str | None, str | None, bool, list[str]]:
    """(category, category_origin, category_withheld, regional, unmapped labels)."""
    category, origin, unmapped = taxonomy.classify_with_origin(source.key, raw.categories, raw.label_order)
    regional = taxonomy.regional(source.key, raw.categories)
    withheld = taxonomy.withheld(source.key, raw.article_id, raw.categories) if origin == "label" else None
    if withheld:
        category = origin = None
    elif category is None and regional:
        withheld = "desk"
    return category, origin, withheld, regional, unmapped


_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x85\u2028\u2029]+")      # a title is one line
URL_LIMIT = 2048
# The usual address: http(s), then a host of ASCII letters, digits, dots and hyphens up to the path,
# query or fragment (no user name, port, brackets, white space or other character urlsplit would
# read otherwise): its host is that text, lower-cased, as urlsplit's hostname is.
_PLAIN_URL = re.compile(r"https?://([a-z0-9.-]+)(?=[/?#]|\Z)", re.IGNORECASE | re.ASCII)


def check_url(url: str | None, source: Source) -> None:
    """A row's URL is a web address of its outlet: http(s), a host, no user name (``outlet.ir@evil``),
    at most 2,048 characters, and on the outlet's hosts where the registry lists them (a Cyrillic
    look-alike host is another host). Its ``attribution``, the credit line users paste, carries it."""
    if url is None:
        return
    plain = _PLAIN_URL.match(url)
    if plain is not None and len(url) <= URL_LIMIT:       # (what urlsplit makes of it, at a tenth of the cost)
        host = plain.group(1).lower()
        if source.hosts and not source.owns(host):
            raise KhabarError("url.off-outlet", url=url[:200], source=source.key, hosts=", ".join(source.hosts))
        return
    check_url_parsed(url, source)


def check_url_parsed(url: str, source: Source) -> None:
    """:func:`check_url` by ``urllib.parse.urlsplit`` (the reference of its fast path)."""
    from urllib.parse import urlsplit

    reason = None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        user = parts.username or parts.password
    except ValueError as exc:
        parts, host, user, reason = None, "", None, f"it cannot be parsed ({exc})"
    if reason is None and len(url) > URL_LIMIT:
        reason = f"it is {len(url)} characters long, over {URL_LIMIT}"
    elif reason is None and (parts.scheme.lower() not in ("http", "https") or not host):
        reason = "it is not an http(s) address with a host"
    elif reason is None and user:
        reason = "it carries a user name before its host (an address that disguises its host)"
    if reason is not None:
        raise KhabarError("url.invalid", url=url[:200], reason=reason)
    if source.hosts and not source.owns(host):
        raise KhabarError("url.off-outlet", url=url[:200], source=source.key, hosts=", ".join(source.hosts))


_READERS = {
    "export": "text taken from a third party's export of the page",
    "page": "text read from the page saved as text",
    "web": "text extracted from the page's HTML as captured",
}


def changes_made(reader: str, cuts: dict[str, int], changes: Changes) -> str:
    """What Khabar did to this row's text, in words (the credit line's "Changes")."""
    done = [_READERS.get(reader, _READERS["export"])]
    moved = cuts.get("opening", 0) + cuts.get("lead_opening", 0) + cuts.get("formulas", 0)
    if moved:
        done.append("the outlet's attribution formula or dateline moved to reported_by")
    dropped = cuts.get("paragraphs", 0) + cuts.get("tails", 0)
    if dropped:
        done.append("the outlet's page furniture (credits, end marks, links) left out")
    if cuts.get("mentions", 0):
        done.append("the outlet's self-mentions made neutral")
    fixed = [what for n, what in ((changes.letters, "letters"), (changes.zwnj_removed + changes.zwnj_restored,
                                                                      "zero-width non-joiners")) if n]
    done.append("Persian " + " and ".join(fixed) + " normalized" if fixed else "Persian text normalized")
    return "; ".join(done) + " (text_raw keeps the original)"


def _dateline(raw: RawArticle, lead: str | None, source: Source, changes: Changes, compounds: bool,
              lead_cuts: Any) -> tuple[str | None, str | None, str | None]:
    """(lead, dateline, dateline_raw): the page's own dateline, or one the lead opens with where the
    outlet writes it there (``lead_dateline``: «شیراز- ...», the filing city), moved out of the lead."""
    dateline = normalize_line(raw.dateline_city, changes=changes, compounds=compounds) if raw.dateline_city else None
    dated = lead_dateline(lead, source.key)
    if dated is None:
        return lead, dateline, raw.dateline
    lead_cuts["lead-opening"] += 1
    if dateline is not None:
        return dated[2], dateline, raw.dateline
    return dated[2], dated[0], _raw_dateline(raw.lead, dated[1])


def _raw_dateline(lead_raw: str | None, normalized: str) -> str:
    """The dateline as the raw lead writes it (its first words up to the dash), else the normalized one."""
    from khabar.text.furniture import _DATELINE

    m = _DATELINE.match((lead_raw or "").lstrip())
    return m.group(0).strip() if m else normalized


# characters an export could not hold: U+FFFD, or a run of "?" not after a letter (a question
# ends a word: "چرا??"; "سال ????" and "(حدود ??درصد)" are digits lost)
_LOST = re.compile(r"\ufffd|(?<![^\W\d_])(?<!\?)\?{2,}")


def lost_characters(text: str | None) -> bool:
    """Whether ``text`` lost characters before it reached us (the ``characters_lost`` flag)."""
    return bool(text) and ("\ufffd" in text or "??" in text) and _LOST.search(text) is not None


def _check_article(text_raw: str | None, lead: str | None, paragraphs: list[str]) -> None:
    """A row is an article: it has a text or a lead, and a body the page had is not only credits
    and furniture (a video item's "گفت‌وگو: ... تهیه شده در ..."). Raises ``layout.no-article``."""
    if paragraphs:
        return
    if text_raw and has_words(text_raw):
        raise KhabarError("layout.no-article", detail="its body is only credits and the outlet's furniture "
                                                      f"({text_raw[:80]!r}), so the page's article is not in it")
    if not lead:
        raise KhabarError("layout.no-article", detail="it has a headline but neither a body nor a lead "
                                                      "(a photo or video item, or a page whose text was not captured)")


MAX_LABELS = 64          # category labels a record may have (real ones have under 10)


def assemble(raw: RawArticle, source: Source, taxonomy: Taxonomy) -> Article:
    """Raises ``layout.empty-record`` when nothing of the record has text, ``text.*`` on bad characters."""
    if len(raw.categories) > MAX_LABELS or len(raw.topics) > 16 * MAX_LABELS:
        raise KhabarError("layout.bad-record", detail=f"the record has {len(raw.categories)} category labels and "
                                                      f"{len(raw.topics)} topics, over the {MAX_LABELS} labels "
                                                      f"(and {16 * MAX_LABELS} topics) a record may have")
    check_characters(raw)
    changes = Changes()
    compounds = lost_zwnjs(raw)
    stripped, text_raw, offsets = _body(raw, source, changes, compounds)
    paragraphs = stripped.paragraphs
    category, category_origin, withheld, regional, unmapped = _classify(raw, source, taxonomy)
    notice = raw.license_notice if raw.license_notice is not None else source.license_notice
    title = _optional(_LINE_BREAKS.sub(" ", raw.title) if raw.title else raw.title, changes, compounds)   # one line
    lead, lead_formula, lead_cuts = strip_lead(
        _optional(raw.lead[len(raw.lead_prefix):] if raw.lead and raw.lead_prefix else raw.lead, changes, compounds),
        source.key)
    lead, dateline, dateline_raw = _dateline(raw, lead, source, changes, compounds, lead_cuts)
    cuts = stripped.cuts + lead_cuts
    if not (title or lead or paragraphs):
        raise KhabarError("layout.empty-record")
    _check_article(text_raw, lead, paragraphs)
    text = "\n\n".join(paragraphs) or None
    date = raw.date
    url = raw.url or (source.url_for(raw.article_id) if raw.article_id else None)
    check_url(url, source)
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
        lead_raw=raw.lead or None,
        text=text,
        text_raw=text_raw,
        paragraphs=paragraphs,
        reported_by=stripped.reported_by or lead_formula,
        sentence_count=sentence_count(text) if text else None,
        token_count=token_count(text) if text else None,
        lead_sentence_count=sentence_count(lead) if lead else None,
        lead_token_count=token_count(lead) if lead else None,
        characters_lost=any(lost_characters(x) for x in (title, lead, text)),
        published=date.published if date else None,
        published_at=date.published_at if date else None,
        published_offset=date.offset if date else None,
        updated=date.updated if date else None,
        date_raw=date.raw if date else None,
        date_origin=date.origin if date else None,
        dateline=dateline,
        dateline_raw=dateline_raw,
        categories=list(raw.categories),
        category=category,
        category_origin=category_origin,
        category_withheld=withheld,
        regional=regional,
        topics=list(raw.topics),
        license_notice=notice,
        license=source.license,
        attribution=source.attribution(url, changes_made(raw.reader, summary(cuts), changes)),
        raw_sha256=raw.raw_sha256,
        origin=raw.origin,
        normalization={
            "letters": changes.letters,
            "zwnj_removed": changes.zwnj_removed,
            "zwnj_restored": changes.zwnj_restored,
            "text_offsets": offsets,
            "furniture": summary(cuts),
        },
        unmapped_labels=unmapped,
    )
