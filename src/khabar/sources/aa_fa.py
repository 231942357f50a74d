"""Anadolu Agency Persian pages saved as plain text (source ``aa-fa``).

The layout (see ``docs/SOURCES.md``), read block by block, not line by line:

    breadcrumb            جهان, خاورمیانه            (labels separated by , or ،)
    headline
    lead                  (optional)
    date line             24.12.2025 - بهروز رسان : 24.12.2025   (updated part optional,
                          label free: the site cuts it; an HH:MM time may follow a date)
    photo caption(s)      page furniture, usually the headline again
    dateline              استانبول/خبرگزاری آنادولو   (optional)
    body paragraphs
    footer, in any order: rights notice (-> license_notice), the heading
                          «موضوعات مرتبط» followed by topic labels, the Turkish
                          share button «Bu haberi paylaşın»

Blank lines, CR/LF line ends, a BOM and white space around lines do not matter.
A page that does not fit is rejected with a code; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import re

from khabar.dates import DateLimits, ascii_digits, gregorian, instant
from khabar.errors import KhabarError
from khabar.record import PublicationDate, RawArticle, sha256_hex
from khabar.registry import Source
from khabar.sources.decode import check_persian, decode_page, lines
from khabar.text.normalize import normalize_line

_DATE = r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2}))?"
DATE_LINE = re.compile(rf"^{_DATE}(?:\s*[-–—]\s*(?P<label>[^\d:]*?)\s*:\s*{_DATE})?$")
DATELINE = re.compile(r"^(?P<city>[^/]{1,40}?)\s*/\s*(?P<agency>خبرگزار[یي]\s*آنا(?:دولو|تول[یي]))$")
_SENTENCE_END = re.compile(r"[.!?؟…]$")
_LABEL_SPLIT = re.compile(r"[,،]")
RELATED_HEADING = "موضوعات مرتبط"
SHARE_BUTTON = re.compile(r"^bu haberi paylaş", re.IGNORECASE)


def _is_notice(norm: str) -> bool:
    return norm.startswith("خبرگزاری آناتولی اخبار خود") or ("(HAS)" in norm and "مشترک" in norm)


def _footer_kind(norm: str) -> str | None:
    if _is_notice(norm):
        return "rights notice"
    if norm == RELATED_HEADING:
        return "related topics"
    if SHARE_BUTTON.match(norm):
        return "share button"
    return None


def _labels(block: str) -> list[str]:
    return [label.strip() for label in _LABEL_SPLIT.split(block) if label.strip()]


def _is_breadcrumb(block: str) -> bool:
    labels = _labels(block)
    return bool(labels) and not _SENTENCE_END.search(block) and all(
        len(label) <= 40 and len(label.split()) <= 4 for label in labels)


def _parse_date_line(line: str, lineno: int, source: Source, limits: DateLimits) -> PublicationDate:
    m = DATE_LINE.match(ascii_digits(line))
    assert m is not None
    g = m.groups()

    def day(offset: int) -> dt.date:
        d, mo, y = (int(x) for x in g[offset:offset + 3])
        return limits.check(gregorian(y, mo, d, line), line)

    published = day(0)
    published_at = offset = None
    if g[3] is not None:
        hour, minute = int(g[3]), int(g[4])
        if hour > 23 or minute > 59:
            raise KhabarError("date.impossible", raw=line, reason=f"no time {hour}:{minute:02d}")
        moment = instant(dt.datetime.combine(published, dt.time(hour, minute)), zone=source.timezone)
        published_at, offset = moment.utc, moment.offset
    updated = day(6).isoformat() if g[6] is not None else None
    return PublicationDate(published=published.isoformat(), raw=line, origin=f"page line {lineno}",
                           published_at=published_at, offset=offset, updated=updated)


def parse(raw: bytes, origin: str, source: Source, limits: DateLimits) -> RawArticle:
    text = decode_page(raw)
    check_persian(text)
    blocks = [(n, line.strip()) for n, line in enumerate(lines(text), start=1) if line.strip()]

    date_at = next((i for i, (_, b) in enumerate(blocks) if DATE_LINE.match(ascii_digits(b))), None)
    if date_at is None:
        code = "layout.truncated" if len(blocks) <= 3 else "layout.no-date-line"
        raise KhabarError(code, blocks=len(blocks))
    date_lineno, date_block = blocks[date_at]

    header = [b for _, b in blocks[:date_at]]
    if len(header) not in (2, 3) or not _is_breadcrumb(header[0]) or (
            len(header) == 2 and _SENTENCE_END.search(header[1])):
        raise KhabarError("layout.header", count=len(header), line=date_lineno)
    categories = _labels(header[0])
    title = header[1]
    lead = header[2] if len(header) == 3 else None
    try:
        date = _parse_date_line(date_block, date_lineno, source, limits)
    except KhabarError as err:      # the file, line and code, as every page reject
        err.line = err.line or date_lineno
        raise

    rest = blocks[date_at + 1:]
    dateline = city = None
    body_from = 0
    for k, (_, b) in enumerate(rest[:3]):
        m = DATELINE.match(b)
        if m:
            dateline, city, body_from = b, m.group("city").strip(), k + 1
            break
    else:
        if rest and normalize_line(rest[0][1]) == normalize_line(title):
            body_from = 1   # the photo caption; no dateline on this page

    paragraphs: list[str] = []
    topics: list[str] = []
    notice = None
    footer: str | None = None
    for n, b in rest[body_from:]:
        norm = normalize_line(b)
        kind = _footer_kind(norm)
        if kind == "rights notice":
            notice = b
        if kind:
            footer = kind
            continue
        if footer is None:
            paragraphs.append(b)
        elif footer == "related topics" and len(b) <= 80 and not _SENTENCE_END.search(b):
            topics.extend(_labels(b))
        else:
            raise KhabarError("layout.after-footer", line=n, footer=footer, sample=b[:60])
    if not paragraphs:
        raise KhabarError("layout.no-body", line=date_lineno)

    return RawArticle(
        source=source.key, origin=origin, raw_sha256=sha256_hex(raw), url=None,
        title=title, lead=lead, paragraphs=paragraphs, date=date,
        dateline=dateline, dateline_city=city, categories=categories, topics=topics,
        license_notice=notice, reader="page",
    )
