"""From the bytes of a saved page to text, or a catalogued rejection.

Checks, in order: empty, blank, binary, not UTF-8 (with a guess at the legacy
code page), mojibake (UTF-8 decoded as Latin-1/Windows-1252 and encoded again),
HTML markup, and language (Persian is written in the Arabic script and uses
letters that Arabic does not: پ چ ژ گ).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from khabar.errors import KhabarError
from khabar.native import native

_BOM = "\ufeff"
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive",
    b"\x1f\x8b": "a gzip archive",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}
_CONTROL_BYTES = bytes(sorted(set(range(0x20)) - {0x09, 0x0A, 0x0D, 0x0C} | {0x7F}))
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]")
# Function words of one language and not the other (Persian ones in normalized letters).
_PERSIAN_WORDS = frozenset("است را که این می های برای شد کرد اند ها آن خود یک نیز باید شده کند گفت".split())
_ARABIC_WORDS = frozenset(w.replace("\u064a", "\u06cc").replace("\u0643", "\u06a9")
                          for w in "في على إلى التي الذي هذا هذه أن عن كان ذلك حيث قد الى وفي إن لم".split())
_WORD = re.compile("[\u0600-\u06ff]+")
_MOJIBAKE = re.compile("[ØÙÚÛ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")
_HTML_START = re.compile(r"\A\s*<(?:!doctype\s+html|html|head|body|\?xml)\b", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?(?:p|div|span|a|br|script|style|meta|h[1-6]|ul|li|img|article|section)\b[^>]*>", re.IGNORECASE)


def _controls(sample: bytes) -> int:
    """How many control bytes (not tab, line feed, form feed or carriage return) ``sample`` holds."""
    return len(sample) - len(sample.translate(None, _CONTROL_BYTES))


def _check_binary(raw: bytes) -> None:
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            raise KhabarError("encoding.binary", detail=f"it starts like {what}")
    if b"\x00" in raw:
        stripped = raw.replace(b"\x00", b"")
        try:
            stripped.decode("utf-8")
            textlike = _controls(stripped[:65536]) <= max(2, len(stripped[:65536]) // 100)
        except UnicodeDecodeError:
            textlike = False
        if textlike and raw.count(0) <= len(raw) // 100 + 1:
            raise KhabarError("encoding.nul", count=raw.count(0), offset=raw.index(0))
        raise KhabarError("encoding.binary", detail=f"NUL byte at offset {raw.index(0)}")
    sample = raw[:65536]
    control = _controls(sample)
    if control > max(2, len(sample) // 100):
        raise KhabarError("encoding.binary", detail=f"{control} control bytes in the first {len(sample)} bytes")


def _decode_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KhabarError("encoding.not-utf8", offset=exc.start, guess=_encoding_guess(raw)) from None


def _encoding_guess(raw: bytes) -> str:
    """What the bytes are, when they are not UTF-8: damaged UTF-8 (a few bad bytes: converting
    the file would garble it) or Windows-1256 (convert it); empty when neither fits."""
    damaged = raw.decode("utf-8", errors="replace").count("\ufffd")
    utf8_letters = len(_ARABIC_SCRIPT.findall(raw.decode("utf-8", errors="ignore")[:65536]))
    if utf8_letters and damaged <= max(3, len(raw) // 1000):
        return (f"; the rest is UTF-8 Persian with {damaged} damaged byte sequence(s): do not convert the file "
                "(that would garble it); re-scrape it, or remove the damaged bytes")
    try:
        legacy = raw.decode("cp1256")
    except UnicodeDecodeError:
        return ""
    letters = [c for c in legacy[:65536] if c.isalpha()]
    if letters and sum(1 for c in letters if _ARABIC_SCRIPT.match(c)) > len(letters) / 2:
        return ("; it reads as Arabic-script text in Windows-1256 (the legacy Windows Arabic code page): "
                "convert it with iconv -f WINDOWS-1256 -t UTF-8")
    return ""


# UTF-8 Persian read as Windows-1256: each letter's lead byte (0xD8-0xDB) becomes ط ظ ع غ,
# followed by the character of a continuation byte (0x80-0xBF) in that code page.
_CP1256_TAIL = bytes(range(0x80, 0xC0)).decode("cp1256", errors="ignore")
_MOJIBAKE_1256 = re.compile(f"[\u0637\u0638\u0639\u063a][{re.escape(_CP1256_TAIL)}]")


def check_mojibake(text: str, least: int = 3) -> None:
    """Reject double-encoded text: UTF-8 decoded as Windows-1256 (``ط¯غŒط¯ط§ط±``) or as
    Latin-1/Windows-1252 (``Ø¯ÛŒØ¯Ø§Ø±``) and encoded again.  Measured rule: in real Persian
    such pairs are under 2% of the Arabic-script letters; in mojibake they are about half."""
    sample = text[:20000]
    if native is not None:                      # both counts in one scan
        pairs, arabic = native.mojibake_counts(sample, _CP1256_TAIL)
    else:
        pairs = len(_MOJIBAKE_1256.findall(sample))
        arabic = len(_ARABIC_SCRIPT.findall(sample)) if pairs >= least else 0
    if pairs >= least and 4 * pairs >= arabic:
        raise KhabarError("encoding.mojibake", codec="cp1256", sample="".join(_MOJIBAKE_1256.findall(sample)[:4]) + "…")
    _check_mojibake(sample, least)


def _check_mojibake(text: str, least: int = 3) -> None:
    if "Ø" not in text and "Ù" not in text and "Ú" not in text and "Û" not in text:
        return                        # every _MOJIBAKE pair starts with one of them (four scans in C)
    hits = _MOJIBAKE.findall(text)
    if len(hits) < least:
        return
    arabic = sum(1 for _ in itertools.islice(_ARABIC_SCRIPT.finditer(text), len(hits) + 1))   # counted up to hits+1
    if len(hits) < arabic:
        return
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if _ARABIC_SCRIPT.search(repaired):
            raise KhabarError("encoding.mojibake", codec=codec, sample=hits[0] + "…")
    raise KhabarError("encoding.mojibake", codec="cp1252", sample="".join(hits[:3]))


_LINE_END = re.compile(r"\r\n|\r|\n")


def lines(text: str) -> list[str]:
    """The text's lines, cut at \\n, \\r\\n and \\r only: ``str.splitlines`` also cuts at
    U+2028, U+2029, U+0085, VT and FF, which are characters of a line in a page or a JSON string."""
    parts = text.split("\n") if "\r" not in text else _LINE_END.split(text)    # (the plain split: 2.4x faster)
    return parts[:-1] if parts and parts[-1] == "" else parts


def iter_lines(text: str) -> Iterator[str]:
    """:func:`lines`, one at a time: an export's lines are never all held at once (with the text,
    that held an export's size three times over)."""
    if "\r" in text:
        yield from lines(text)
        return
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        if stop < 0:
            yield text[start:]
            return
        yield text[start:stop]
        start = stop + 1


def decode_page(raw: bytes, *, markup_check: bool = True) -> str:
    """The page's text (BOM removed, line ends kept as written), or a KhabarError.

    ``markup_check=False`` for exports, whose records may quote HTML in their text."""
    if not raw:
        raise KhabarError("input.empty")
    if raw.isspace():                           # (not a stripped copy: an export may be 100 MB)
        raise KhabarError("input.blank", size=len(raw))
    _check_binary(raw)
    text = _decode_utf8(raw)
    if text.startswith(_BOM):
        text = text[1:]
    if not text or text.isspace():
        raise KhabarError("input.blank", size=len(raw))
    check_mojibake(text)
    if markup_check and (_HTML_START.search(text) or len(_HTML_TAG.findall(text[:65536])) >= 3):
        what = "it opens with an HTML tag" if _HTML_START.search(text) else "it holds HTML tags"
        raise KhabarError("layout.html", detail=what)
    return text


# Letters counted by their UTF-8 lead bytes (fast, in C): Arabic script is U+0600-U+06FF
# (leads 0xD8-0xDB); other letters are ASCII letters and the leads of other scripts
# (Latin extensions, Greek, Cyrillic, Hebrew; 3- and 4-byte scripts), leaving out the
# leads of Latin-1 punctuation (0xC2) and of general punctuation and marks (0xE2: ZWNJ).
_ALL = bytes(range(256))
_KEEP_ARABIC = bytes(b for b in range(256) if not 0xD8 <= b <= 0xDB)
_OTHER = set(range(ord("A"), ord("Z") + 1)) | set(range(ord("a"), ord("z") + 1)) | set(range(0xC3, 0xD8)) \
    | {0xE0, 0xE1} | set(range(0xE3, 0xEF)) | set(range(0xF0, 0xF5))
_KEEP_OTHER = bytes(b for b in range(256) if b not in _OTHER)


# Persian function words (``_PERSIAN_WORDS``) that settle it without the model: a long Persian
# text has dozens; the model, asked anyway, once called a Persian sports report with an Arabic
# club name (ثامن الحجج) Arabic, and costs a third of a millisecond a record.
PERSIAN_EVIDENCE = 8
LANGUAGE_SAMPLE = 4000      # characters of a record the language check reads: enough to tell, cheap on long articles


def letter_counts(text: str) -> tuple[int, int]:
    """(Arabic-script letters, other letters) of ``text`` (``native.letter_counts`` is the twin)."""
    if native is not None:
        return native.letter_counts(text)
    return letter_counts_py(text)


def letter_counts_py(text: str) -> tuple[int, int]:
    data = text.encode("utf-8", "surrogatepass")
    return len(data.translate(None, _KEEP_ARABIC)), len(data.translate(None, _KEEP_OTHER))


def function_words(text: str, limit: int = 3000) -> tuple[int, int]:
    """How many of the words of ``text[:limit]`` are Arabic's function words, and how many Persian's
    (``native.function_words`` is the compiled twin)."""
    if native is not None:
        return native.function_words(text, limit, _ARABIC_WORDS, _PERSIAN_WORDS)
    return function_words_py(text, limit)


def function_words_py(text: str, limit: int = 3000) -> tuple[int, int]:
    words = _WORD.findall(text[:limit].replace("\u064a", "\u06cc").replace("\u0643", "\u06a9"))
    return sum(map(_ARABIC_WORDS.__contains__, words)), sum(map(_PERSIAN_WORDS.__contains__, words))


def check_persian(text: str) -> None:
    """Reject text whose letters are mostly not Arabic script, or that is Arabic rather than Persian."""
    arabic, other = letter_counts(text)
    letters = arabic + other
    if not letters:
        raise KhabarError("language.not-persian", detail="the text has no letters")
    share = arabic / letters
    if share < 0.5:
        raise KhabarError("language.not-persian", detail=f"only {share:.0%} of the letters are Arabic script")
    arabic_hits, persian_hits = function_words(text)
    if arabic_hits >= 3 and arabic_hits > persian_hits:
        raise KhabarError("language.not-persian",
                          detail=f"Arabic function words ({arabic_hits}) outnumber Persian ones ({persian_hits}): Arabic, not Persian")
    from khabar.text.language import NAMES, SAMPLE, not_persian, other_letters

    if persian_hits >= PERSIAN_EVIDENCE and persian_hits >= 4 * arabic_hits and not other_letters(text, SAMPLE):
        return        # Persian's own function words, and no letter only Urdu, Pashto, Sorani or Sindhi write
    other = not_persian(text)
    if other is not None:
        lang, score = other
        raise KhabarError("language.not-persian", detail=f"identified as {NAMES.get(lang, lang)} ({lang}, {score:.2f}) "
                                                         "by fastText's lid.176 language identifier")
