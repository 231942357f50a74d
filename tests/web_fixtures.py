"""Real-shaped article pages of each open outlet, and WARC files made of them with warcio.

The markup follows what public scrapers of the sites record (schema/pages.yaml, learnt_from);
each page's text is a real article of the shipped corpus (its raw title, lead and paragraphs),
so the Persian is real, ZWNJs included.  Used by tests/test_web_pages.py, tests/test_warc.py
and benchmarks/warc_throughput.py.
"""

from __future__ import annotations

import dataclasses
import html
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REPO = Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class Story:
    id: str
    source: str
    title: str
    lead: str
    paragraphs: list[str]


def stories(source: str, n: int = 1, skip: int = 0) -> list[Story]:
    """``n`` articles of ``source`` from the shipped corpus with a title, a lead, 3+ paragraphs and
    ZWNJs (in id order, so the same ones each time)."""
    rows = []
    for split in ("train", "validation", "test"):
        table = pq.read_table(REPO / f"corpus/data/{split}-00000-of-00001.parquet",
                              columns=["id", "source", "title_raw", "lead_raw", "text_raw"],
                              filters=[("source", "=", source)])
        rows += table.to_pylist()
    good = sorted((r for r in rows if r["title_raw"] and r["lead_raw"] and r["text_raw"]
                   and r["text_raw"].count("\n\n") >= 2 and "\u200c" in r["text_raw"]), key=lambda r: r["id"])
    return [Story(r["id"], source, r["title_raw"], r["lead_raw"], r["text_raw"].split("\n\n"))
            for r in good[skip:skip + n]]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _p(paragraphs: list[str]) -> str:
    return "".join(f"<p>{_e(p)}</p>" for p in paragraphs)


NAV = ('<header><nav class="menu"><ul><li><a href="/">صفحه اصلی</a></li><li><a href="/politics">سیاسی</a></li>'
       '<li><a href="/economy">اقتصادی</a></li><li><a href="/sports">ورزشی</a></li></ul></nav></header>')
FOOTER = ('<footer><p>کلیه حقوق این سایت محفوظ است. نقل مطالب با ذکر منبع آزاد است.</p>'
          '<ul><li><a href="/about">درباره ما</a></li><li><a href="/contact">تماس با ما</a></li></ul></footer>')


def tasnim_page(s: Story, article_id: str = "3392524") -> tuple[str, str]:
    """Tasnim: JSON-LD NewsArticle with its section and keywords, article.single-news, div.story."""
    url = f"https://www.tasnimnews.com/fa/news/1404/06/14/{article_id}/slug"
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": s.title, "description": s.lead,
          "datePublished": "2025-09-05T10:12:00+03:30", "dateModified": "2025-09-05T11:00:00+03:30",
          "articleSection": "اقتصادی", "keywords": "بودجه,مجلس شورای اسلامی", "url": url}
    page = f"""<!DOCTYPE html><html lang="fa" dir="rtl"><head><meta charset="utf-8">
<title>{_e(s.title)} - خبرگزاری تسنیم | Tasnim</title>
<link rel="canonical" href="{url}"><meta property="og:title" content="{_e(s.title)}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head>
<body>{NAV}<ul class="breadcrumb"><li><a href="/">صفحه اصلی</a></li><li class="service"><a href="/fa/service/7">اقتصادی</a></li></ul>
<main><article class="single-news"><h3 class="kicker">بودجه ۱۴۰۵</h3><h1 class="title">{_e(s.title)}</h1>
<h3 class="lead">{_e(s.lead)}</h3><div class="story">{_p(s.paragraphs[:2])}<div class="jwplayer">پخش ویدئو</div>{_p(s.paragraphs[2:])}</div>
<ul class="tags"><li><a href="/fa/tag/1">بودجه</a></li><li><a href="/fa/tag/2">مجلس شورای اسلامی</a></li></ul></article>
<aside><h4>پربازدیدترین</h4><ul><li><a href="/fa/news/1">خبری دیگر درباره بازار</a></li></ul></aside></main>{FOOTER}</body></html>"""
    return url, page


def fars_page(s: Story, article_id: str = "14040614000123") -> tuple[str, str]:
    """Fars: OpenGraph and article: meta tags only (no JSON-LD), .news-box, .nt-body."""
    url = f"https://www.farsnews.ir/news/{article_id}/slug"
    page = f"""<!DOCTYPE html><html lang="fa" dir="rtl"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>خبرگزاری فارس - {_e(s.title)}</title><meta property="og:url" content="{url}">
<meta property="og:title" content="{_e(s.title)}"><meta property="og:description" content="{_e(s.lead)}">
<meta property="article:published_time" content="2025-09-05T08:30:00+03:30"><meta property="article:section" content="سیاسی">
<meta property="article:tag" content="دولت"><meta property="article:tag" content="مجلس"></head>
<body>{NAV}<div class="container"><div class="news-box"><span class="category-name">سیاسی</span>
<h1 class="title">{_e(s.title)}</h1><p class="lead">{_e(s.lead)}</p>
<div class="nt-body">{_p(s.paragraphs)}<div class="related-news"><a href="/news/1">بیشتر بخوانید: خبری دیگر</a></div></div>
<ul class="tags"><li><a>دولت</a></li><li><a>مجلس</a></li></ul></div></div>{FOOTER}</body></html>"""
    return url, page


def mehr_page(s: Story, article_id: str = "6612001") -> tuple[str, str]:
    """Mehr (Nastooh CMS): JSON-LD in an @graph with a BreadcrumbList and no articleSection;
    article, p.summary, .item-body .item-text; the canonical URL relative."""
    url = f"https://www.mehrnews.com/news/{article_id}/slug"
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "NewsArticle", "headline": s.title, "datePublished": "2025-09-04T21:45:00+03:30",
         "keywords": ["فوتبال", "لیگ برتر"]},
        {"@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 2, "name": "ورزش"},
            {"@type": "ListItem", "position": 1, "name": "صفحه اصلی"}]}]}
    page = f"""<!DOCTYPE html><html lang="fa" dir="rtl"><head><meta charset="UTF-8"><title>{_e(s.title)}</title>
<link rel="canonical" href="/news/{article_id}/slug"><script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head>
<body>{NAV}<article id="item"><div class="item-header"><div class="item-title"><h1 class="title">{_e(s.title)}</h1></div>
<p class="summary introtext">{_e(s.lead)}</p></div><div class="item-body"><div class="item-text">{_p(s.paragraphs)}</div></div>
<section class="tags"><ul><li><a>فوتبال</a></li><li><a>لیگ برتر</a></li></ul></section>
<div class="item-footer"><div class="item-date"><time datetime="2025-09-04T21:45:00+03:30">۱۳ شهریور ۱۴۰۴</time></div></div></article>
{FOOTER}</body></html>"""
    return url, page


def moj_page(s: Story, article_id: str = "501234") -> tuple[str, str]:
    """MojNews (Asam CMS): no structured data at all but <time datetime>; rules for every field."""
    url = f"https://www.mojnews.com/fa/news/{article_id}/slug"
    page = f"""<!DOCTYPE html><html lang="fa" dir="rtl"><head><meta charset="utf-8"><title>{_e(s.title)}</title></head>
<body>{NAV}<div class="news_content"><ul class="breadcrumb"><li><a href="/">خانه</a></li><li><a href="/fa/service/social">اجتماعی</a></li></ul>
<h2 class="uptitle">گزارش</h2><h1 class="title">{_e(s.title)}</h1><p class="lead">{_e(s.lead)}</p>
<time datetime="2025-09-03T14:05:00+03:30">۱۲ شهریور ۱۴۰۴</time>
<div class="article_body"><div class="echo_detail">{_p(s.paragraphs)}<div class="share_news">اشتراک گذاری</div></div></div>
<ul class="article_tags"><li><a>جامعه</a></li></ul></div>{FOOTER}</body></html>"""
    return url, page


def generic_page(s: Story) -> tuple[str, str]:
    """A page of a host no rule knows: only JSON-LD and a plain <article><p> body."""
    url = "https://news.example.ir/story/77"
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": s.title, "description": s.lead,
          "datePublished": "2025-09-02T09:00:00+03:30", "articleSection": "فرهنگی"}
    page = f"""<html><head><meta charset="utf-8"><script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head>
<body><nav><a href="/">خانه</a> | <a href="/c">فرهنگی</a></nav><article><h1>{_e(s.title)}</h1>{_p(s.paragraphs)}</article>
<aside><p>آخرین اخبار را در کانال ما دنبال کنید.</p></aside></body></html>"""
    return url, page


PAGES = {"tasnimnews": tasnim_page, "farsnews": fars_page, "mehrnews": mehr_page, "mojnews": moj_page}


class Warc:
    """A WARC file being written with warcio (gzip per record by default)."""

    def __init__(self, gzip: bool = True):
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=gzip)
        self.offsets: list[int] = []

    def _write(self, record) -> None:
        self.offsets.append(self.buffer.tell())
        self.writer.write_record(record)

    def response(self, url: str, body: bytes | str, *, status: str = "200 OK", content_type: str = "text/html; charset=utf-8",
                 headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        http = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))],
                                protocol="HTTP/1.1")
        self._write(self.writer.create_warc_record(url, "response", payload=io.BytesIO(data), length=len(data),
                                                   http_headers=http, warc_headers_dict=headers or {}))

    def request(self, url: str) -> None:
        http = StatusAndHeaders(f"GET {url} HTTP/1.1", [("User-Agent", "test")], is_http_request=True)
        self._write(self.writer.create_warc_record(url, "request", payload=io.BytesIO(b""), length=0, http_headers=http))

    def record(self, url: str, kind: str, body: bytes = b"", content_type: str = "application/json",
               headers: dict[str, str] | None = None) -> None:
        self._write(self.writer.create_warc_record(url, kind, payload=io.BytesIO(body), length=len(body),
                                                   warc_content_type=content_type, warc_headers_dict=headers or {}))

    def raw(self, data: bytes) -> None:
        self.offsets.append(self.buffer.tell())
        self.buffer.write(data)

    def bytes(self) -> bytes:
        return self.buffer.getvalue()
