"""The Anadolu Agency Persian page parser reads the layout, not one file."""

from __future__ import annotations

import pytest

from conftest import BUILD_DATE, FIXTURES
from khabar.dates import DateLimits
from khabar.errors import KhabarError
from khabar.sources import aa_fa
from khabar.registry import sources

SOURCE = sources()["aa-fa"]
LIMITS = DateLimits(latest=BUILD_DATE)
NOTICE_START = "خبرگزاري آناتولي اخبار خود"


def parse(data: bytes, origin: str = "page.txt"):
    return aa_fa.parse(data, origin, SOURCE, LIMITS)


def test_seed_article_fields(seed_bytes):
    page = parse(seed_bytes)
    assert page.categories == ["جهان", "خاورمیانه"]
    assert page.title == "دیدار پوتین با وزرای خارجه و دفاع سوریه در مسکو"
    assert page.lead.startswith("رئیسجمهور روسیه با وزیر امور خارجه و م وزیر دفاع")
    assert page.date.published == "2025-12-24" and page.date.updated == "2025-12-24"
    assert page.date.raw == "24.12.2025 - بهروز رسان : 24.12.2025"
    assert page.date.origin == "page line 7"
    assert page.dateline == "استانبول/خبرگزاری آنادولو" and page.dateline_city == "استانبول"
    assert len(page.paragraphs) == 9
    assert page.paragraphs[0].startswith("ولادیمیر پوتین")
    assert page.license_notice.startswith(NOTICE_START) and page.license_notice.endswith("مشترك شويد!")
    body = "\n".join(page.paragraphs)
    assert NOTICE_START not in body
    assert "Bu haberi" not in body and "موضوعات مرتبط" not in body
    assert page.title not in page.paragraphs            # the photo caption is furniture
    assert page.topics == []


@pytest.mark.parametrize("variant", ["crlf_bom", "no_blank_lines", "trailing_spaces", "cr_only", "extra_blank_lines"])
def test_layout_variants_parse_the_same(seed_bytes, variant):
    text = seed_bytes.decode("utf-8")
    lines = text.split("\n")
    if variant == "crlf_bom":
        data = ("\ufeff" + "\r\n".join(lines)).encode("utf-8")
    elif variant == "no_blank_lines":
        data = "\n".join(line for line in lines if line.strip()).encode("utf-8")
    elif variant == "trailing_spaces":
        data = "\n".join(line + "  \t" for line in lines).encode("utf-8")
    elif variant == "cr_only":
        data = "\r".join(lines).encode("utf-8")
    else:
        data = "\n\n\n".join(lines).encode("utf-8")
    base, other = parse(seed_bytes), parse(data)
    assert other.categories == base.categories
    assert other.title == base.title and other.lead == base.lead
    assert other.paragraphs == base.paragraphs
    assert (other.date.published, other.date.updated) == (base.date.published, base.date.updated)
    assert other.dateline_city == base.dateline_city
    assert other.license_notice == base.license_notice
    assert other.raw_sha256 != base.raw_sha256      # different bytes, different evidence


def test_tehran_page_with_topics_persian_digits_and_no_update():
    page = parse((FIXTURES / "aa_fa" / "tehran_topics.txt").read_bytes())
    assert page.categories == ["ایران", "اقتصاد"]             # Persian comma ، separates labels
    assert page.dateline_city == "تهران"
    assert page.date.published == "2024-08-15" and page.date.updated is None
    assert page.date.raw == "۱۵.۰۸.۲۰۲۴"                    # kept as written
    assert page.topics == ["ایران", "ترکیه", "تجارت"]
    assert len(page.paragraphs) == 2
    assert "4.2 میلیارد" in page.paragraphs[0]
    assert page.license_notice is None                        # none on the page: the registry's default applies


def test_ankara_page_one_category_no_lead_time_and_arabic_letters():
    page = parse((FIXTURES / "aa_fa" / "ankara_arabic_letters.txt").read_bytes())
    assert page.categories == ["ورزش"]
    assert page.lead is None
    assert page.title == "پیروزی تیم ملی والیبال ترکیه در آنکارا"    # trailing spaces are not part of it
    assert page.dateline_city == "آنکارا" and page.dateline == "آنکارا/خبرگزاري آناتولي"
    assert page.date.published == "2025-02-03" and page.date.updated == "2025-02-04"
    # 14:30 in Istanbul (UTC+3 all year since 2016) is 11:30 UTC
    assert page.date.published_at == "2025-02-03T11:30:00Z" and page.date.offset == "+03:00"
    assert page.paragraphs[0].startswith("تيم ملي واليبال تركيه")  # raw keeps its Arabic letters
    assert len(page.paragraphs) == 2


def _seed_with(seed_bytes: bytes, old: str, new: str) -> bytes:
    text = seed_bytes.decode("utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


@pytest.mark.parametrize("city", ["آنکارا", "تهران", "آنکارا ", "بیروت"])
def test_other_datelines(seed_bytes, city):
    page = parse(_seed_with(seed_bytes, "استانبول/", f"{city}/"))
    assert page.dateline_city == city.strip()
    assert len(page.paragraphs) == 9


def test_page_without_dateline_drops_caption_only(seed_bytes):
    page = parse(_seed_with(seed_bytes, "استانبول/خبرگزاری آنادولو\n", ""))
    assert page.dateline is None
    assert len(page.paragraphs) == 9 and page.paragraphs[0].startswith("ولادیمیر پوتین")


def test_related_topics_after_notice(seed_bytes):
    page = parse(_seed_with(seed_bytes, "موضوعات مرتبط\n", "موضوعات مرتبط\nسوریه\nروسیه، ولادیمیر پوتین\n"))
    assert page.topics == ["سوریه", "روسیه", "ولادیمیر پوتین"]


def test_body_text_after_footer_is_rejected_not_dropped(seed_bytes):
    long_sentence = "این جمله بلندی است که پس از دکمه اشتراک آمده و نباید بی‌صدا کنار گذاشته شود."
    with pytest.raises(KhabarError) as exc:
        parse(seed_bytes + ("\n" + long_sentence).encode("utf-8"))
    assert exc.value.code == "layout.after-footer"
    assert exc.value.line == 33


def test_header_without_breadcrumb_is_rejected(seed_bytes):
    text = seed_bytes.decode("utf-8").split("\n")
    data = "\n".join(text[2:]).encode("utf-8")       # headline, lead, date: no breadcrumb
    with pytest.raises(KhabarError) as exc:
        parse(data)
    assert exc.value.code == "layout.header"
