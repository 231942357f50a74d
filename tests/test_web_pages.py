"""An outlet's page read alone: charsets, structured data, URLs checked against the outlet's hosts,
and the rules of schema/pages.yaml, each with its test page (tests/web_fixtures.py)."""

from __future__ import annotations

import pytest

from conftest import BUILD_DATE
from web_fixtures import PAGES, generic_page, stories

from khabar.dates import DateLimits
from khabar.errors import KhabarError
from khabar.registry import sources
from khabar.sources import webpage

LIMITS = DateLimits(latest=BUILD_DATE)


def read(markup: str | bytes, url: str, source: str = "farsnews", content_type: str = "text/html; charset=utf-8"):
    data = markup.encode("utf-8") if isinstance(markup, str) else markup
    return webpage.read(data, url=url, content_type=content_type, source=sources()[source], origin="t", limits=LIMITS)


@pytest.mark.parametrize("key", sorted(PAGES))
def test_each_outlets_rules_read_its_test_page(key):
    story = stories(key)[0]
    url, markup = PAGES[key](story)
    page = read(markup, url, key)
    assert page.path == "rules"
    a = page.article
    assert (a.title, a.lead) == (story.title, story.lead) and len(a.paragraphs) == len(story.paragraphs)
    assert a.url == url and a.article_id and a.article_id in url and a.categories and a.topics and a.date.published_at
    assert "پخش ویدئو" not in a.paragraphs and not any("بیشتر بخوانید" in p or "اشتراک" in p for p in a.paragraphs)


def test_the_registry_article_url_and_the_rules_agree():
    """Every outlet with page rules has hosts, and its registry article URL is an article page to its rules."""
    for key, rules in webpage.page_rules().items():
        src = sources()[key]
        assert src.hosts, key
        if src.article_url:
            url = src.url_for("14040614000123" if key == "farsnews" else "3392524")
            assert rules.is_article(url) and rules.article_id(url), (key, url)
        assert not rules.is_article(f"https://www.{src.hosts[0]}/"), key       # the home page is no article


def test_the_charset_comes_from_the_header_then_meta_then_detection():
    story = stories("mehrnews")[0]
    url, markup = PAGES["mehrnews"](story)
    old = str.maketrans("یک۰۱۲۳۴۵۶۷۸۹", "يك0123456789")      # Windows-1256 has no Persian yeh, keheh, digits
    legacy = markup.translate(old)
    cp1256 = legacy.replace('<meta charset="UTF-8">', '<meta charset="windows-1256">').encode("cp1256")
    assert read(cp1256, url, "mehrnews", "text/html; charset=utf-8").article.title == story.title.translate(old)
    # (a wrong header: <meta> reads it)
    assert webpage.decode(cp1256, "windows-1256")[1] == "header"
    plain = legacy.replace('<meta charset="UTF-8">', "").encode("cp1256")
    text, where = webpage.decode(plain, None)
    assert where == "detected" and story.lead.translate(old)[:30] in text
    assert webpage.decode(markup.encode("utf-8"), None)[1] == "meta"              # it says UTF-8 and is
    assert webpage.decode(markup.replace('<meta charset="UTF-8">', "").encode(), None)[1] == "utf-8"


def test_a_declared_url_off_the_outlets_hosts_is_never_the_rows_url():
    story = stories("farsnews")[0]
    url, markup = PAGES["farsnews"](story)
    for evil in ("https://www.farsnews.ir@evil.example/news/1", "http://evil.example/phish",
                 "https://www.farsnеws.ir/news/1",                  # a Cyrillic е
                 "https://evilfarsnews.ir/news/14040614000123", "javascript:alert(1)"):
        page = read(markup.replace(f'content="{url}"', f'content="{evil}"'), url)
        assert page.article.url == url, evil
    mirror = read(markup.replace(f'content="{url}"', 'content="http://127.0.0.1:8000/news/14040614000123/slug"'),
                  "http://127.0.0.1:8000/news/14040614000123/slug")
    assert mirror.article.url is None and mirror.article.article_id == "14040614000123"   # the id builds the URL


def test_broken_structured_data_is_ignored_and_persian_digits_read():
    story = stories("tasnimnews")[0]
    url, markup = PAGES["tasnimnews"](story)
    broken = markup.replace('<script type="application/ld+json">{', '<script type="application/ld+json">{{{', 1)
    page = read(broken, url, "tasnimnews")
    assert page.article.title == story.title and page.article.paragraphs   # the rules still read the page
    assert page.article.date is None          # its only date was in the broken block: none, never a guess
    persian = markup.replace("2025-09-05T10:12:00+03:30", "۲۰۲۵-۰۹-۰۵T۱۰:۱۲:۰۰+۰۳:۳۰")
    assert read(persian, url, "tasnimnews").article.date.published_at == "2025-09-05T06:42:00Z"


def test_a_page_with_no_body_is_a_coded_reject_and_the_generic_reader_takes_a_plain_article():
    with pytest.raises(KhabarError) as err:
        read("<html><head><title>ویدئو</title></head><body><nav>خانه</nav><video></video></body></html>",
             "https://www.farsnews.ir/news/14040614000123")
    assert err.value.code == "page.no-article"
    story = stories("farsnews", 1, skip=5)[0]
    url, markup = generic_page(story)
    hamshahri = sources()["hamshahri"]
    page = webpage.read(markup.encode(), url=url.replace("news.example.ir", "www.hamshahrionline.ir"),
                        content_type="text/html", source=hamshahri, origin="t", limits=LIMITS)
    assert page.path == "generic" and page.article.title == story.title and page.article.categories == ["فرهنگی"]
    assert "آخرین اخبار" not in " ".join(page.article.paragraphs)         # the aside is not the article


def test_a_modified_date_without_a_time_beside_a_published_time():
    """datePublished with its time, dateModified a calendar day: both read (the day of each)."""
    story = stories("tasnimnews")[0]
    url, markup = PAGES["tasnimnews"](story)
    page = read(markup.replace('"dateModified": "2025-09-05T11:00:00+03:30"', '"dateModified": "2025-09-06"'), url,
                "tasnimnews")
    assert page.article.date.updated == "2025-09-06" and page.article.date.published_at == "2025-09-05T06:42:00Z"
