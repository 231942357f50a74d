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
