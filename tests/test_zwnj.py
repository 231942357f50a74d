"""ZWNJ restoration on real words: the first article's ten, the traps, and text that is already right."""

from __future__ import annotations

import csv
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, SHARED_NEWS, needs_shared
from khabar.text.normalize import normalize, normalize_line
from khabar.text.offsets import align, to_raw
from khabar.text.segment import sentences, tokens
from khabar.text.zwnj import NON_JOINING, ZWNJ, restore

SEED_BROKEN = {
    "رئیسجمهور": "رئیس‌جمهور", "گفتوگو": "گفت‌وگو", "همکاریهای": "همکاری‌های", "میتواند": "می‌تواند",
    "نمیپذیرد": "نمی‌پذیرد", "بینالمللی": "بین‌المللی", "منطقهای": "منطقه‌ای", "بهویژه": "به‌ویژه",
    "تصمیمگیری": "تصمیم‌گیری", "رسانهای": "رسانه‌ای",
}


def test_first_article_broken_words(seed_bytes):
    text = seed_bytes.decode("utf-8")
    for broken in SEED_BROKEN:
        assert broken in text                       # the words really are in the raw page
    restored = {w: restore(w) for w in SEED_BROKEN}
    assert sum(restored[w] == right for w, right in SEED_BROKEN.items()) >= 9
    assert restored == SEED_BROKEN
    assert restore("بهروز") == "بهروز"              # a name (and the page's cut label): left alone


def test_seed_text_gets_its_zwnjs_back(seed_bytes):
    out = normalize(seed_bytes.decode("utf-8"))
    for right in SEED_BROKEN.values():
        assert right in out


@pytest.mark.parametrize("text,expected", [
    ("بندر ها", "بندرها"),          # never a ZWNJ after a letter that does not join
    ("بندرها", "بندرها"),
    ("کتاب ها", "کتاب‌ها"),
    ("می شود", "می‌شود"),
    ("نمی توانند", "نمی‌توانند"),
    ("کرده اند", "کرده‌اند"),
    ("شهرهای", "شهرهای"),           # شهر + های needs no ZWNJ: not شهره‌ای
    ("بهترین", "بهترین"),           # a known word is never split
    ("میزان", "میزان"),
    ("تنها", "تنها"),
])
def test_traps(text, expected):
    assert normalize_line(text) == expected


def test_no_zwnj_ever_follows_a_non_joining_letter(seed_bytes):
    text = normalize(seed_bytes.decode("utf-8") + "\nدرها دیوار ها آرزو ها بندر ها کردار ها")
    for i, ch in enumerate(text):
        if ch == ZWNJ:
            assert text[i - 1] not in NON_JOINING, text[i - 5:i + 5]


def test_marks_used_as_half_spaces_become_zwnj():
    assert normalize_line("می\u200fشود") == "می‌شود"
    assert normalize_line("همکاری\u200eها") == "همکاری‌ها"


def test_correct_zwnj_words_in_the_fixture_are_kept():
    text = (FIXTURES / "aa_fa" / "tehran_topics.txt").read_text("utf-8")
    words = {w for w in re.findall(f"[\\w{ZWNJ}]+", text) if ZWNJ in w}
    assert {"می‌گویند", "همکاری‌های", "سال‌های"} <= words
    out = normalize(text)
    for w in words:
        assert w in out


@needs_shared
def test_correct_zwnj_words_in_real_news_are_never_changed():
    with (SHARED_NEWS / "hamshahri-archive" / "news_data.csv").open(encoding="utf-8", newline="") as fh:
        docs = [r["news_text"] for r in csv.DictReader(fh)][:1500]
    changed = 0
    checked = 0
    for doc in docs:
        base = normalize_line(doc, restore=False)
        out = normalize_line(doc)
        base_words, out_words = base.split(" "), out.split(" ")
        if len(base_words) != len(out_words):
            continue                       # an affix written apart was joined: compared elsewhere
        for b, o in zip(base_words, out_words):
            if ZWNJ in b:
                checked += 1
                changed += b != o
    assert checked > 4000
    assert changed == 0


# --- properties: what must never change ------------------------------------------------------

PERSIAN = ["خبر", "میتواند", "همکاریهای", "کتاب", "ها", "بندر", "رئیسجمهور", "در", "با", "می", "شود", "منطقهای",
           "تهران", "ي", "ك", "گفتوگو", "\u0640", "و"]
PROTECTED = st.one_of(
    st.from_regex(r"https?://[a-z]{2,8}\.(ir|com)/[a-z0-9_/-]{0,12}", fullmatch=True),
    st.from_regex(r"[a-z]{2,8}@[a-z]{2,8}\.(ir|com)", fullmatch=True),
    st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}", fullmatch=True),
    st.from_regex(r"[۰-۹]{1,4}([/٫][۰-۹]{1,3})?", fullmatch=True),
    st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,3})?", fullmatch=True),
    st.from_regex(r"[A-Za-z]{2,10}", fullmatch=True),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PERSIAN), PROTECTED), min_size=1, max_size=30))
def test_urls_emails_latin_numbers_and_dates_are_never_altered(parts):
    text = " ".join(parts)
    out = normalize_line(text)
    for part in parts:
        if part not in PERSIAN:
            assert part in out, (part, out)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PERSIAN + ["  ", "\u200c", "ﻻ", "\u200f"]), PROTECTED), min_size=1, max_size=25))
def test_offsets_map_every_token_back_to_its_raw_span(parts):
    raw = " ".join(parts)
    norm = normalize_line(raw)
    anchors = align(raw, norm)
    for m in re.finditer(r"\S+", norm):
        start, end = to_raw(anchors, m.start()), to_raw(anchors, m.end())
        assert 0 <= start <= end <= len(raw)
        assert normalize_line(raw[start:end]) == m.group(), (m.group(), raw[start:end], raw)


def test_segmenter_keeps_dates_decimals_and_zwnj_words_whole():
    text = "در تاریخ 24.12.2025 رئیس‌جمهور گفت ارزش صادرات به 4.2 میلیارد دلار می‌رسد. آیا ۱۴۰۴/۰۴/۲۱ درست است؟ بله!"
    toks = tokens(text)
    for whole in ("24.12.2025", "4.2", "رئیس‌جمهور", "می‌رسد", "۱۴۰۴/۰۴/۲۱"):
        assert whole in toks
    assert sentences(text) == ["در تاریخ 24.12.2025 رئیس‌جمهور گفت ارزش صادرات به 4.2 میلیارد دلار می‌رسد.",
                               "آیا ۱۴۰۴/۰۴/۲۱ درست است؟", "بله!"]


# Names and documents that kept their ZWNJs (issue 14). The sentences are real: Tasnim and
# Fars texts of the shipped corpus (CC BY 4.0), Varzesh3 texts read from ../shared.

def test_given_names_are_never_split():
    from khabar.text.zwnj import given_names
    assert {"بهنام", "بهروز", "پریچهر"} <= given_names()
    for text in ("به گزارش خبرگزاری تسنیم، بهنام شیری نایب رئیس هیئت گفت", "ورزشگاه شهید بهنام محمدی مسجدسلیمان"):
        for compounds in (True, False):
            assert "بهنام" in normalize_line(text, compounds=compounds)
    # the phrase "in the name of" is written apart and stays so
    assert normalize_line("به نام خدا") == "به نام خدا"


def test_a_document_that_kept_its_zwnjs_keeps_its_joined_words():
    """Two words the writer joined are left joined (rules 1 and 2 are off); affixes still get theirs."""
    kept = {"کیروش": "کیروش", "سیتیزن": "سیتیزن", "جانفزا": "جانفزا", "پنجشنبه": "پنجشنبه"}
    for word, right in kept.items():
        assert restore(word, compounds=False) == right
    affixes = {"میکند": "می‌کند", "آنها": "آن‌ها", "شرکتهای": "شرکت‌های", "مهمترین": "مهم‌ترین",
               "حرفهای": "حرف‌های"}
    for word, right in affixes.items():
        assert restore(word, compounds=False) == right
    # a document stripped of every ZWNJ gets every rule (the web writes کی‌روش as often as کیروش)
    assert restore("پنجشنبه") == "پنج‌شنبه" and restore("رئیسجمهور") == "رئیس‌جمهور"


def test_a_compound_base_keeps_its_suffix_after_a_non_joining_letter():
    assert restore("گفتوگوهای") == "گفت‌وگوهای"
    assert ZWNJ + "های" not in restore("گفتوگوهای")


def test_the_record_decides_by_its_own_zwnjs():
    from khabar.assemble import assemble
    from khabar.record import RawArticle
    from khabar.registry import sources, taxonomy

    def text(paragraph: str) -> str:
        raw = RawArticle(source="tasnimnews", origin="t.jsonl#1", raw_sha256="0" * 64, url=None, title="عنوان",
                         lead=None, paragraphs=[paragraph], date=None)
        return assemble(raw, sources()["tasnimnews"], taxonomy()).text

    # a real sentence with its ZWNJs (سیتیزن‌ها) and a joined name: the name stays joined
    assert "کیروش" in text("این گل سیتیزن‌ها به رکورد رسید و کیروش از آن گفت")
    # the same words with no ZWNJ anywhere: the record lost them, every rule applies, and the
    # name is still a name (data/joined.txt) that takes its plural
    assert "سیتیزن‌ها" in text("این گل سیتیزنها به رکورد رسید")


@needs_shared
def test_names_in_varzesh3_running_text_are_left_as_written():
    """Every Varzesh3 text that writes بهنام, کیروش, سیتیزن or جانفزا joined, and kept its ZWNJs
    elsewhere, still writes them so after normalization; بهنام (a listed name) everywhere."""
    import json
    from khabar.assemble import lost_zwnjs
    from khabar.record import RawArticle
    checked = 0
    for path in sorted((SHARED_NEWS / "varzesh3").glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            body = item["paragraphs"] if isinstance(item["paragraphs"], list) else [str(item["paragraphs"])]
            raw = RawArticle(source="varzesh3", origin="x", raw_sha256="0" * 64, url=None, title=item["title"],
                             lead=item["abstract"], paragraphs=body, date=None)
            doc = " ".join([item["title"], item["abstract"] or "", *body])
            for word in ("بهنام", "کیروش", "سیتیزن", "جانفزا"):
                joined = len(re.findall(rf"(?<![\w\u200c]){word}", doc))
                if not joined or (word != "بهنام" and lost_zwnjs(raw)):
                    continue
                out = normalize(doc, compounds=lost_zwnjs(raw))
                assert len(re.findall(rf"(?<![\w\u200c]){word}", out)) == joined, (word, doc[:80])
                checked += 1
    assert checked >= 20


# Lines of the shipped corpus (corpus/raw, CC BY 4.0) that lost their ZWNJs, as the audit found them
# restored wrongly: each is normalized as a line with no ZWNJ anywhere (every rule applies).
@pytest.mark.parametrize("line, expected", [
    # a name, a homograph, a transliteration: as written
    ("کیروش و سیتیزن در جانفزا", "کیروش و سیتیزن در جانفزا"),
    ("بهنام محمدی", "بهنام محمدی"),
    ("استرالیا هفته جاری کردهای عراق را تسلیح میکند", "استرالیا هفته جاری کردهای عراق را تسلیح می‌کند"),
    # ... the homograph's other reading where a clause ends on it
    ("برای روز قیامت چه کاری کردهای؟", "برای روز قیامت چه کاری کرده‌ای؟"),
    # Arabic clauses are Arabic, the Persian around them is restored
    ("آیه شریفه «لایکلف الله نفسا الا وسعها» برای هرکس میتواند",
     "آیه شریفه «لایکلف الله نفسا الا وسعها» برای هرکس می‌تواند"),
    ("لایکلّف اللّه نفساً الّا وسعها، توان خود را", "لایکلّف اللّه نفساً الّا وسعها، توان خود را"),
    ("یلزم التحرز عنها کانت له الولایه علیه من باب", "یلزم التحرز عنها کانت له الولایه علیه من باب"),
    # a consonant heh takes ای joined; "X و Y" compounds keep their Y; تنها+یش
    ("با حضور کاراته کاهای ۴۰ کشور", "با حضور کاراته کاهای ۴۰ کشور"),
    ("جهت انجام گفت و گوهای مسالمت آمیز", "جهت انجام گفت و گوهای مسالمت آمیز"),
    ("برای کنترل رفت و آمدهای مردم", "برای کنترل رفت و آمدهای مردم"),
    ("تنهایش را با او پر میکند", "تنهایش را با او پر می‌کند"),
    # and what should be restored still is
    ("رئیسجمهور در گفتوگو با همکاریهای منطقهای", "رئیس‌جمهور در گفت‌وگو با همکاری‌های منطقه‌ای"),
])
def test_restoration_leaves_names_homographs_and_arabic_as_written(line, expected):
    assert ZWNJ not in line
    assert normalize_line(line) == expected


def test_the_kept_joined_words_come_from_careful_writers():
    """data/joined.txt's [careful] part is what scripts/make_joined.py derives from the shipped corpus."""
    import sys
    from conftest import REPO
    from khabar.text import zwnj

    sys.path.insert(0, str(REPO / "scripts"))
    import make_joined

    parts = zwnj.read_joined(REPO / "src/khabar/text/data/joined.txt")
    assert parts["careful"] == make_joined.careful_words(REPO)
    assert {"کیروش", "سیتیزن", "جانفزا"} <= set(parts["names"])
    assert {"حقوقدان", "یکجانبه"} <= set(parts["careful"])
