"""Normalization: Arabic to Persian letters, stray ZWNJs, spacing; raw text never touched."""

from __future__ import annotations

import pytest

from khabar.text.normalize import ZWNJ, normalize, normalize_line


def test_arabic_letters_become_persian_in_the_real_rights_notice(seed_bytes):
    notice = seed_bytes.decode("utf-8").split("\n")[29]
    assert "\u064a" in notice and "\u0643" in notice                # ي and ك as scraped
    out = normalize_line(notice)
    assert "\u064a" not in out and "\u0643" not in out
    assert out.startswith("خبرگزاری آناتولی اخبار خود از طریق سامانه")
    assert "(HAS)" in out and "مشترک شوید!" in out


def test_presentation_forms_and_tatweel():
    assert normalize_line("\ufeb3\ufefc\ufee1") == "سلام"          # isolated/ligature presentation forms
    assert normalize_line("خــــبر") == "خبر"


def test_spaces_and_paragraph_breaks():
    assert normalize_line("  سلام \u00a0 دنیا\t ") == "سلام دنیا"
    assert normalize("بند اول\n\nبند دوم") == "بند اول\n\nبند دوم"


def test_zwnj_cleanup():
    assert normalize_line(f"می{ZWNJ}{ZWNJ}شود") == f"می{ZWNJ}شود"
    assert normalize_line(f"{ZWNJ}کتاب {ZWNJ}ها{ZWNJ}", restore=False) == "کتاب ها"
    assert normalize_line(f"{ZWNJ}کتاب {ZWNJ}ها{ZWNJ}") == f"کتاب{ZWNJ}ها"      # then restored
    # a ZWNJ after a letter that does not join is stray: never بندر‌ها
    assert normalize_line(f"بندر{ZWNJ}ها") == "بندرها"
    # a right-to-left or left-to-right mark used as a half-space inside a word becomes a ZWNJ
    assert normalize_line("می\u200fشود") == f"می{ZWNJ}شود"
    assert normalize_line("کتاب\u200eها") == f"کتاب{ZWNJ}ها"


def test_correct_zwnj_words_are_kept():
    for word in ("می‌شود", "همکاری‌های", "بین‌المللی", "رئیس‌جمهور", "گفت‌وگو"):
        assert normalize_line(word) == word


def test_digits_dates_latin_and_urls_untouched():
    for text in ("24.12.2025", "۱۵.۰۸.۲۰۲۴", "۳٫۱۴", "Bu haberi paylaşın", "https://www.aa.com.tr/fa/a-b?x=1",
                 "info@example.com", "(HAS)", "1404-04-21 11:30:16+0330"):
        assert normalize_line(text) == text


# Real lines (corpus/raw, Mehr and Tasnim, CC BY 4.0).
@pytest.mark.parametrize("raw, expected", [
    # Arabic-Indic digits typed beside Persian ones become Persian (٢٠ -> ۲۰); Latin digits stay
    ("ز این تعداد ۵۳ واحد چاپ افست، ٢٠ واحد چاپ سیلک، ۵۸ واحد چاپ", "ز این تعداد ۵۳ واحد چاپ افست، ۲۰ واحد چاپ سیلک، ۵۸ واحد چاپ"),
    ("سبدنفتی اوپک شامل ١٤ نوع نفت\u200cخام در سال 2024", "سبدنفتی اوپک شامل ۱۴ نوع نفت\u200cخام در سال 2024"),
    # direction marks: a half-space inside a word, else nothing; a ZWNJ beside punctuation or a space goes
    ("ه فقط اختصاص به قدس داشته\u200f\u200e \u200e\u200fباشد. روز", "ه فقط اختصاص به قدس داشته باشد. روز"),
    ("پای صحبت\u200eهای رزمندگان و خانواده\u200eها", "پای صحبت\u200cهای رزمندگان و خانواده\u200cها"),
    ("لا تُظْلَمُون\u200f؛ نه ستم", "لا تُظْلَمُون؛ نه ستم"),
    ("کلمه\u200f\xa0«نزغ» به معنای", "کلمه «نزغ» به معنای"),
    ("«\u200cنزغ\u200c» و ۲۰\u200cساله", "«نزغ» و ۲۰ساله"),
])
def test_digit_scripts_direction_marks_and_stray_zwnjs(raw, expected):
    line = normalize_line(raw, restore=False)
    assert line == expected
    assert not set(line) & set("\u200e\u200f\u061c\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u200d")
