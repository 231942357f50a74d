"""The compiled text loops (native/khabar_native.c) give exactly what their Python twins give.

The Python code is the reference.  Each twin is fed real paragraphs of the shared exports
and generated strings of the characters that make Persian text hard; a whole build with
the twins turned off (KHABAR_PURE_PYTHON=1) must publish the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, SHARED_NEWS, needs_shared
from khabar import assemble, dedup
from khabar.native import native
from khabar.sources import decode
from khabar.text import normalize as N
from khabar.text import zwnj
from khabar.text import segment
from khabar.text import offsets
from khabar.text.offsets import align_py
from test_fast_paths import HARD, _real_paragraphs

pytestmark = pytest.mark.skipif(native is None, reason="the C speedups are not built here (scripts/venv.sh builds "
                                                       "them where a C compiler is present) or KHABAR_PURE_PYTHON "
                                                       "turns them off")


def check_twins(line: str) -> None:
    cleaned = native.clean_line(line)
    if cleaned is None:                                   # only presentation forms are left to Python
        assert any(0xFB50 <= ord(c) <= 0xFDFF or 0xFE70 <= ord(c) <= 0xFEFC for c in line)
    else:
        assert cleaned == N._clean_line_py(line)
    if not ("@" in line or "www." in line or "http" in line):
        assert native.token_count(line) == len(segment.tokens(line))
    assert native.sentence_count(line) == segment.sentence_count_py(line) == len(segment.sentences(line))
    packed = native.word_hashes(line)
    if packed is None:
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in line)
    else:
        assert np.array_equal(np.frombuffer(packed, dtype=np.uint32).astype(np.uint64), dedup.word_hashes_py(line))
        sig, grams = dedup.fingerprint(line)                 # native.minhash on those hashes
        sig_py, grams_py = dedup.fingerprint_py(line)
        assert np.array_equal(sig, sig_py) and np.array_equal(grams, grams_py) and grams.dtype == grams_py.dtype
    norm = N.normalize_line(line)
    anchors = native.align(line, norm)
    if anchors is not None:                               # None: a character only the expander settles
        assert anchors == align_py(line, norm)
    assert native.align(line, norm, offsets._expand) == align_py(line, norm)
    check_restorer_twins(N._clean_line(line))
    check_one_call_normalize(line)
    from khabar.text import language
    for end in (0, 5, 2000):
        assert native.has_any(line, language.OTHER_LETTER_CHARS, end) == \
            (language.OTHER_LETTERS.search(line, 0, end) is not None)
    collapsed = native.collapse_utf8(line)              # dedup.content_digest's bytes
    if collapsed is None:
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in line)
    else:
        assert collapsed == " ".join(line.split()).encode("utf-8")
    assert native.odd_characters([line, "x"]) == (assemble._EITHER.search(line) is not None) \
        + 2 * (assemble._MARK_FLOOD.search(line) is not None)
    assert native.mojibake_counts(line, decode._CP1256_TAIL) == (len(decode._MOJIBAKE_1256.findall(line)),
                                                                 len(decode._ARABIC_SCRIPT.findall(line)))
    assert native.collapse_space(line) == " ".join(line.split())
    assert native.letter_counts(line) == decode.letter_counts_py(line)
    if cleaned is not None and cleaned != line:
        assert native.line_counts(line) == N.line_counts_py(line)
    assert native.function_words(line, 3000, decode._ARABIC_WORDS, decode._PERSIAN_WORDS) == decode.function_words_py(line)


_MEMO_C, _MEMO_PY = {}, {}


def spans_py(text: str) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """What native.spaced_spans finds, from the patterns themselves: (start, end of group 1, end)."""
    return tuple([(m.start(), m.end(1), m.end()) for m in pattern.finditer(text)]
                 for pattern in (zwnj._SPACED_PREFIX, zwnj._SPACED_SUFFIX))


def check_restorer_twins(cleaned: str) -> None:
    """The restorer's memo in C (restore_memo) and in Python give the same text, each with a
    memo of its own, for both document kinds; the C test for an Arabic clause is the pattern's."""
    for compounds in (True, False):
        c = _MEMO_C.setdefault(compounds, zwnj.Restorer(compounds=compounds))
        py = _MEMO_PY.setdefault(compounds, zwnj.Restorer(compounds=compounds))
        assert c._text(cleaned) == py._text_py(cleaned)
        assert c._memo is not None and py._memo is None       # the C memo was used, and only by c
    assert native.spaced_spans(cleaned, zwnj._SPACED_SET) == spans_py(cleaned)
    r = _MEMO_C[True]
    assert r._spaced(cleaned) == r._spaced_py(cleaned)
    assert native.arabic_hint(cleaned, zwnj.ARABIC_WORDS) == (zwnj._ARABIC_HINT.search(cleaned) is not None)


_FUSED, _STEPS = {}, {}


def check_one_call_normalize(line: str) -> None:
    """normalize_line in one C call (native.normalize_memo, learning what its memos lack) gives
    the text and counts of the steps one at a time (each restorer with memos of its own)."""
    for compounds in (True, False):
        fused = _FUSED.setdefault(compounds, zwnj.Restorer(compounds=compounds))
        steps = _STEPS.setdefault(compounds, zwnj.Restorer(compounds=compounds))
        steps.fused = False
        a, b = N.Changes(), N.Changes()
        assert fused.normalize_line(line, a) == steps.normalize_line(line, b), line
        assert a == b, line


@needs_shared
def test_twins_agree_on_real_news():
    paragraphs = _real_paragraphs()
    for p in paragraphs:
        check_twins(p)
    texts = ["\n\n".join(paragraphs[i:i + 10]) for i in range(0, 2000, 10)]
    aligned = 0
    for text in texts:
        norm = N.normalize(text)
        anchors = native.align(text, norm)
        if anchors is not None:
            aligned += 1
            assert anchors == align_py(text, norm)
        assert native.align(text, norm, offsets._expand) == align_py(text, norm)
        assert segment.token_count(norm) == len(segment.TOKEN.findall(norm))
        assert native.sentence_count(norm) == segment.sentence_count_py(norm)
        if not ("@" in norm or "www." in norm or "http" in norm):
            assert native.token_count(norm) == len(segment.TOKEN.findall(norm))
    assert aligned > 150


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(HARD + ["_", "²", "Ⅻ", "\x00", "𝐀", "١٢", "\u06f1.\u06f2", "x'y", "ب'ه", "\ud800",
                                        "گفت", "و", "گوهای", "فی", "الذي", "است", "ة", "\u064e", "نمی", "تر", "هایشان",
                                        "اند", "\u200b", "\ufeff", "ط", "پ", "ع", "\u200c", "\x85", "\x1f", "\u202e",
                                        "\ufdd0", "\u064b\u064b\u064b", "\u0300\u0301\u0302", "\u3000", "Ω", "ж", "ש",
                                        "\uffff", "\ufffe", "\u061c", "\u2060", "\u0649", "\u200c\u064e\u200c", "\u0679", "\u06d5",
                                        "中", "\u0710", "ÿ", "\u00c0", "\u07ff", "\u0800"]),
                max_size=30))
def test_twins_agree_on_generated_text(parts):
    check_twins("".join(parts))


def test_word_hashes_are_zlibs_crc32_of_utf8():
    import zlib

    text = "رئیس‌جمهور 1,200 U.S. گفت: «می‌شود» 𝐀𝐁 ۱۴۰۴/۰۴/۲۱ _x"
    words = dedup._WORDISH.findall(text)
    assert [int(h) for h in dedup.word_hashes(text)] == [zlib.crc32(w.encode("utf-8")) for w in words]
    assert len(words) == 8 and words[-1] == "x"           # '_' starts no word


def _build(tmp, name: str, pure: bool) -> dict[str, str]:
    env = {**os.environ, "KHABAR_PURE_PYTHON": "1" if pure else ""}
    out = tmp / name
    subprocess.run([sys.executable, "-m", "khabar.cli", "build", "--config", "configs/shared-news.toml",
                    "--output", str(out), "--no-progress", "--build-date", "2026-11-29"],
                   cwd=REPO, env=env, check=True, capture_output=True)
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


@needs_shared
def test_a_build_publishes_the_same_bytes_with_and_without_the_twins(tmp_path):
    assert SHARED_NEWS.is_dir()
    fast, pure = _build(tmp_path, "fast", False), _build(tmp_path, "pure", True)
    assert fast == pure
    assert sum(1 for name in fast if name.endswith(".parquet")) >= 3


def test_align_expands_presentation_forms_in_c_as_python_does():
    """A presentation form (ﻻ, ﷲ, ﷺ) is expanded through offsets._expand from the C loop: the same
    anchors as the Python twin, where the C loop alone would give up (None)."""
    raws = ["ﷲ اکبر و ﻻ اله", "بسم ﷲ الرحمن", "کتاب‌ﻫﺎ ﻻــ ی", "ﷺ x ﻻ", "ﻻﻻﻻ"]
    for raw in raws:
        norm = N.normalize(raw)
        assert native.align(raw, norm) is None
        anchors = native.align(raw, norm, offsets._expand)
        assert anchors == align_py(raw, norm) and len(anchors) > 1
        assert offsets.align(raw, norm) == anchors
    with pytest.raises(TypeError):
        native.align("ﻻ", "لا", lambda c: 1)
    with pytest.raises(ZeroDivisionError):
        native.align("ﻻ", "لا", lambda c: 1 / 0)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["U.S.", "a.", "ab.", "_a.", "۲a.", "x", " ", "\n", "\t", "\u3000", ".", "..", "!?",
                                 "؟", "…", "»", '"', "'", ")", "]", "(", "«", "پایان", "است.", "e.g.", "A", "\u200c",
                                 "\x85", "\u2028", "۱۴۰۴.", "3.5", "\n\n"]), max_size=30))
def test_sentence_count_twin_on_generated_text(parts):
    text = "".join(parts)
    assert native.sentence_count(text) == segment.sentence_count_py(text) == len(segment.sentences(text))


def test_sentence_count_twin_on_hand_cases():
    cases = {"": 0, "\n": 0, "سلام.": 1, "سلام. خداحافظ": 2, "U.S. و ایران.": 1, "ایالات متحده U.S. است.": 1,
             "گفت: «بله.» و رفت.": 2, "a.b": 1, "نه...!؟ بله": 2, "خط یک.\nخط دو": 2, "  \n  ": 0,
             "(ص.) است.": 2, "x.\u3000y": 1, "ب.\u3000y": 2, "_a. b": 2}
    for text, n in cases.items():
        assert native.sentence_count(text) == segment.sentence_count_py(text) == n, text


def test_spaced_spans_are_the_patterns_matches_and_join_as_sub_does():
    """Overlapping candidates (می می رود, کتاب ها ها), ZWNJ inside the base, a suffix run on
    (هاها), a prefix word of one letter: the spans are finditer's, and the restorer's two paths
    (C spans, Python patterns) join the same text."""
    texts = ["می می رود", "کتاب ها ها و میز های بزرگ", "نمی شود نمی", "او می رود و کتاب هایشان را برد",
             "کتاب‌خانه ها", "کتاب هاها", "می ر", "ب ها", "میز ها‌", "ها ها ها ها", "x می شود؛ کتاب ها."]
    c = zwnj.Restorer()
    for text in texts:
        assert native.spaced_spans(text, zwnj._SPACED_SET) == spans_py(text), text
        assert c._spaced(text) == c._spaced_py(text), text
    assert c._text("او می رود و کتاب ها را برد") == "او می‌رود و کتاب‌ها را برد"


def test_word_sets_too_large_to_keep_are_asked_directly():
    """A frozenset of more words than the C side keeps as code points (64) is asked itself:
    the counts are the same either way."""
    text = "این کتاب را او در خانه خواند و گفت که فی الواقع است " * 3
    words = decode._WORD.findall(text)
    small = frozenset(["است", "را", "که"])
    large = small | frozenset(f"واژه{k}" for k in range(100))
    expected = sum(w in small for w in words)
    assert native.function_words(text, 3000, small, frozenset()) == (expected, 0)
    assert native.function_words(text, 3000, large, small) == (expected, expected)
    big_arabic = zwnj.ARABIC_WORDS | frozenset(f"الف{k}" for k in range(100))
    assert native.arabic_hint("او فی الواقع", big_arabic) is True
    assert native.arabic_hint("او در خانه", big_arabic) is False
    letters_only = zwnj.ARABIC_WORDS | frozenset("الف" + "ب" * k for k in range(1, 100))
    assert native.arabic_hint("او الفبب گفت", letters_only) is True
    assert native.arabic_hint("او الفبب گفت", zwnj.ARABIC_WORDS) is False


def _raw_json_cases() -> list:
    deep: list = []
    for _ in range(100):
        deep = [deep]
    return [
        {"title": "خبر\u200cها", "body": ["پاراگراف", "دوم"], "n": 3, "x": None, "ok": True, "no": False},
        {"z": 1, "a": {"c": [], "b": {}}, "": "", "\u06cc": "ي"},
        {"ctl": "\x00\x01\x1f\x7f\b\f\n\r\t\"\\/ \u2028\u2029 \ud800 \udfff 𝐀 \uffff"},
        {"ctl2": "ی\x00\x01\x1f\x7f\b\f\n\r\t\"\\/ \u2028\u2029 \ud800 \udfff \u07ff\u0800 \uffff\u200c"},   # two-byte str
        {"f": [1.5, -0.0, 1e100, 1e-7, float("nan"), float("inf"), float("-inf"), 0.1 + 0.2], "i": [10 ** 40, -1, 0]},
        [], {}, "text", 7, None, deep,
    ]


def test_raw_json_twin_writes_what_jsons_dumps_writes():
    from khabar.record import raw_json_py

    for case in _raw_json_cases():
        data = native.raw_json(case)
        if data is None:                      # only nesting deeper than the twin goes is left to Python
            assert case and isinstance(case, list)
            continue
        assert data == raw_json_py(case), case
    for left in ({1: "a"}, {"a": (1, 2)}, {"a": {None: 1}}, collections_ordered()):
        assert native.raw_json(left) is None      # what only Python's json writes (or refuses)


def collections_ordered():
    import collections

    return collections.OrderedDict(b=1, a=2)


@needs_shared
def test_raw_json_twin_on_every_shared_json_record():
    import json

    from khabar.record import raw_json_py

    checked = 0
    for path in sorted((SHARED_NEWS.parent).rglob("*.json*")):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        try:
            items = json.loads(text) if path.suffix == ".json" else [json.loads(x) for x in text.splitlines() if x.strip()]
        except ValueError:
            continue
        for item in (items if isinstance(items, list) else [items])[:3000]:
            assert native.raw_json(item) == raw_json_py(item)
            checked += 1
    assert checked > 1000


@needs_shared
def test_text_columns_built_by_the_twin_are_pyarrows():
    import pyarrow as pa

    from khabar.shards import column

    paragraphs = _real_paragraphs()[:3000]
    lists = [paragraphs[i:i + 7] for i in range(0, len(paragraphs), 7)]
    cases = [
        (paragraphs, pa.string()), (paragraphs[:50] + [None, ""] + paragraphs[50:60], pa.string()),
        (lists, pa.list_(pa.string())), ([None, [], [""], *lists[:20], None], pa.list_(pa.string())),
        ([None, None], pa.string()), ([], pa.string()), ([[]], pa.list_(pa.string())),
        (["é", "𝐀", "\x00", "ascii"], pa.string()),
    ]
    for values, type_ in cases:
        got = column(values, type_)
        got.validate(full=True)
        assert got.equals(pa.array(values, type=type_))
        assert native.utf8_column(values, type_ != pa.string()) is not None
    for values, lists_ in ((["\ud800"], False), ([1], False), ([["a", None]], True), ([("a",)], True), (["a"], True)):
        assert native.utf8_column(values, lists_) is None        # left to pyarrow, which decides (or refuses)


# code points at the edges of UTF-8's one-, two- and three-byte forms, with Persian letters,
# a ZWNJ and a lone surrogate: the text columns' loop for two-byte strings writes each as Python does
EDGES = ["a", "\x7f", "\x80", "\xe9", "\u07ff", "\u0800", "\u06cc", "\u200c", "\ud7ff", "\ue000", "\ufeff", "\uffff",
         "\ud800", "\udfff", " ", "\n"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(EDGES), max_size=12).map("".join), max_size=6))
def test_text_column_twin_writes_every_utf8_length(values):
    import pyarrow as pa

    from khabar.shards import column

    values = [v + "\u06cc" for v in values]            # two-byte strings: their own loop
    got = native.utf8_column(values, False)
    if any("\ud800" <= c <= "\udfff" for v in values for c in v):
        assert got is None                              # left to pyarrow, which refuses a lone surrogate
        return
    assert got is not None
    built = column(values, pa.string())
    built.validate(full=True)
    assert built.to_pylist() == values
    assert b"".join(v.encode("utf-8") for v in values) == bytes(got[2])


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"{", b"\n", b"\x80", b"\xbf", b"\xc0", b"\xc1", b"\xc2", b"\xdf", b"\xd8\xb3",
                                 b"\xe0", b"\xa0", b"\xe0\xa0\x80", b"\xed", b"\x9f", b"\xed\xa0\x80", b"\xee", b"\xef\xbb\xbf",
                                 b"\xf0", b"\x90", b"\xf0\x90\x80\x80", b"\xf4", b"\x8f", b"\xf4\x90\x80\x80", b"\xf5",
                                 b"\xff", b"12345678", b"\xe2\x80\x8c"]), max_size=24))
def test_utf8_valid_is_strict_decoding(parts):
    data = b"".join(parts)
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert native.utf8_valid(data) is expected


def _lazy_records(raw: bytes, fast: bool) -> list:
    """read_jsonl(lazy=True)'s records, a line's bytes as its text, a rejection as (code, params)."""
    from khabar.errors import KhabarError
    from khabar.sources import exports

    saved = exports._byte_lines
    if not fast:
        exports._byte_lines = lambda raw, encoding: None
    try:
        out = []
        for n, line, item in exports.read_jsonl(raw, lazy=True):
            if isinstance(item, KhabarError):
                out.append((n, line, item.code, item.params))
            else:
                assert isinstance(item, bytes) if fast and exports._byte_lines(raw, "utf-8") is not None else True
                out.append((n, line, item.decode("utf-8") if isinstance(item, bytes) else str(item)))
        return out
    except KhabarError as err:
        return [("file", err.code, err.params)]
    finally:
        exports._byte_lines = saved


JSONL_CASES = [
    b'{"a": 1}\n{"b": "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85"}\n',
    b'{"a": 1}\n\n   \n{"b": 2}',                               # blank lines, no newline at the end
    b'\xef\xbb\xbf{"a": 1}\n{"b": 2}\n',                            # a BOM
    b'{"a": 1}\n\xc2\xa0\xc2\xa0\n\xe2\x80\x83\n\x1c\x1d\n{"b": 2}\n',  # lines blank only as Unicode sees it
    b'{"a": 1}\r\n{"b": 2}\r\n',                                    # CR: the long way
    b'{"a": 1}\n{"b": "\xff"}\n',                                   # a bad byte: the long way, line by line
    b'{"a": 1}\n{"b": "\x00"}\n',                                   # a NUL
    b'\n\n\n', b'', b'   ', b'\xc2\xa0\n\xc2\xa0',                   # nothing, blank
    b'not json\n[1, 2]\n{"a": NaN}\n{"a": 1, "a": 2}\n{"ok": true}', # rejections, parsed in the worker
    ("{\"t\": \"" + "\u0637\u00af\u063a\u0152" * 40 + "\"}\n").encode("utf-8"),   # mojibake
    b'\n{"a": 1}\n',
]


def test_a_jsonl_export_read_as_bytes_gives_the_records_the_text_gives():
    from khabar.sources import exports
    from khabar.sources.exports import line_record

    taken = [raw for raw in JSONL_CASES if exports._byte_lines(raw, "utf-8") is not None]
    assert taken == JSONL_CASES[:4] + JSONL_CASES[11:12] + JSONL_CASES[-1:]     # not CR, bad bytes, NUL, blank, mojibake
    for raw in JSONL_CASES:
        assert _lazy_records(raw, fast=True) == _lazy_records(raw, fast=False), raw[:60]
    # the worker parses a line's bytes as it parses its text
    for line in (b'{"a": "\xd8\xb3"}', b'[1]', b'nope', b'{"a": 1, "a": 2}'):
        try:
            got = line_record(line, 3)
        except Exception as exc:           # noqa: BLE001
            got = (type(exc).__name__, getattr(exc, "code", None), getattr(exc, "params", None))
        try:
            want = line_record(line.decode("utf-8"), 3)
        except Exception as exc:           # noqa: BLE001
            want = (type(exc).__name__, getattr(exc, "code", None), getattr(exc, "params", None))
        assert got == want


@needs_shared
def test_real_jsonl_exports_read_as_bytes_give_the_same_records():
    paths = sorted(SHARED_NEWS.parent.rglob("*.jsonl"))
    assert paths
    for path in paths:
        raw = path.read_bytes()
        assert _lazy_records(raw, fast=True) == _lazy_records(raw, fast=False), path


def test_the_memo_keeps_short_and_long_chunks_alike():
    memo = native.memo_new(1000)
    chunks = ["و", "کتاب\u200cها", "a" * 12, "b" * 13, "𝐀", "x𝐀y" * 5, "\u0628" * 40, "", "ميشود"]
    restored = {c: (c + "!" if i % 2 else None) for i, c in enumerate(chunks)}
    text = " ".join(chunks)
    assert native.restore_memo(text, memo) == list(dict.fromkeys(chunks))      # none known yet
    for c, r in restored.items():
        native.memo_put(memo, c, r)
    native.memo_put(memo, "a" * 12, "ignored: known already")
    assert native.memo_len(memo) == len(restored)
    out, pairs = native.restore_memo(text, memo)
    assert out == " ".join(r or c for c, r in restored.items()) and pairs is False
    assert native.restore_memo("a" * 11 + " " + "b" * 12, memo) == ["a" * 11, "b" * 12]   # near misses are not hits
    small = native.memo_new(2)
    for c in ("یک", "دو", "سه"):
        native.memo_put(small, c, None)
    assert native.memo_len(small) == 1                                           # full: forgotten, then relearnt


def test_arabic_hint_is_the_patterns_search_with_marks_between_letters():
    """An Arabic function word with vowel marks between its letters (الّا, فِی), marks after it or
    before it, inside a longer word (no), a short vowel alone, tanwin and shadda alone (not a hint:
    Persian writes حتماً and اوّل), ة: the C test says what zwnj._ARABIC_HINT's search says."""
    cases = ["او گفت الّا این", "فِی البیت", "حتماً اوّل", "فیلم خوب", "بًالا", "الاًب", "ثمّ", "کتابة", "رفتَ",
             "الا", "xالا", "الاx", "۱الا", "الا۱", "ال\u200cا", "عنعن عن", "لایکلف اللّه", "مُن", "\u064b\u064bالا"]
    for text in cases:
        assert native.arabic_hint(text, zwnj.ARABIC_WORDS) == (zwnj._ARABIC_HINT.search(text) is not None), text
    assert native.arabic_hint("حتماً اوّل", zwnj.ARABIC_WORDS) is False and native.arabic_hint("الّا", zwnj.ARABIC_WORDS)


def test_one_call_normalize_learns_what_its_memos_lack_and_then_needs_no_python():
    """A new line: the C call names its unknown chunks and spaced matches (prefix and suffix
    alike); once they are learnt, the same line is one call, with the steps' text and counts."""
    line = "او كتاب ها را می خواند و گفت كه آنها میتوانند"
    r, steps = zwnj.Restorer(), zwnj.Restorer()
    steps.fused = False
    memos = r._memos()
    asked = native.normalize_memo(line, *memos, zwnj.ARABIC_WORDS, zwnj._SPACED_SET)
    assert isinstance(asked, list) and "میتوانند" in asked and all(isinstance(x, str) for x in asked)
    r._learn_missing(asked, memos)
    asked = native.normalize_memo(line, *memos, zwnj.ARABIC_WORDS, zwnj._SPACED_SET)
    assert isinstance(asked, list) and (0, "می", "خواند", "می خواند") in asked
    r._learn_missing(asked, memos)
    asked = native.normalize_memo(line, *memos, zwnj.ARABIC_WORDS, zwnj._SPACED_SET)
    assert (1, "کتاب", "ها", "کتاب ها") in asked
    r._learn_missing(asked, memos)
    text, letters, removed, restored = native.normalize_memo(line, *memos, zwnj.ARABIC_WORDS, zwnj._SPACED_SET)
    changes = N.Changes()
    assert text == steps.normalize_line(line, changes) == "او کتاب‌ها را می‌خواند و گفت که آن‌ها می‌توانند"
    assert (letters, removed, restored) == (changes.letters, changes.zwnj_removed, changes.zwnj_restored) == (2, 0, 4)
    # what the C call leaves to Python's steps: an Arabic clause, a changed word after "و"
    for left in ("قال الحکومة", "گفت و گوهای بسیار"):
        while isinstance(asked := native.normalize_memo(left, *memos, zwnj.ARABIC_WORDS, zwnj._SPACED_SET), list):
            r._learn_missing(asked, memos)
        assert asked is None
        assert r.normalize_line(left) == steps.normalize_line(left)
