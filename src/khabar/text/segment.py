"""Sentences and tokens of normalized Persian text.

Tokens: URLs, e-mail addresses, numbers with their separators (24.12.2025, 4.2,
۱۴۰۴/۰۴/۲۱, 1,200), words whose parts a ZWNJ joins (می‌شود stays one token), Latin
words, and each punctuation mark.  Sentences end at . ! ? ؟ … (and runs of them)
followed by white space or the end, never inside a number, a URL or an abbreviation
of one Latin letter (U.S.).
"""

from __future__ import annotations

import re

from khabar.native import native

_DIGIT = r"[0-9\u06f0-\u06f9\u0660-\u0669]"
TOKEN = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"                           # URL
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"                            # e-mail
    rf"|{_DIGIT}+(?:[.,/:٫٬\-]{_DIGIT}+)*"                      # numbers, dates, times
    r"|[^\W\d_]+(?:[\u200c'][^\W\d_]+)*"                         # words (ZWNJ-joined parts kept whole)
    r"|[^\s\w]",                                                 # a punctuation mark
    re.UNICODE,
)
# The same tokens for a text with no URL and no e-mail address (most paragraphs): words
# first, as they are most tokens; the three branches start on disjoint characters.
_PLAIN_TOKEN = re.compile(
    r"[^\W\d_]+(?:[\u200c'][^\W\d_]+)*"
    rf"|{_DIGIT}+(?:[.,/:٫٬\-]{_DIGIT}+)*"
    r"|[^\s\w]",
    re.UNICODE,
)
# A run of end marks, not right after a lone Latin letter (U.S.).  The look-behind sits after
# the first mark, so the pattern starts with a character set and the search can skip ahead.
_SENTENCE_END = re.compile(r"[.!?؟…](?<!\b[A-Za-z][.!?؟…])[.!?؟…]*[»\"')\]]*(?=\s|$)")


def _may_hold_link(text: str) -> bool:
    """Whether TOKEN's URL or e-mail branches could match (else _PLAIN_TOKEN gives its tokens)."""
    return "@" in text or "www." in text or "http" in text


def tokens(text: str) -> list[str]:
    return (TOKEN if _may_hold_link(text) else _PLAIN_TOKEN).findall(text)


def token_count(text: str) -> int:
    if native is not None and not _may_hold_link(text):
        return native.token_count(text)
    return len(tokens(text))


def sentence_count(text: str) -> int:
    """``len(sentences(text))``, without making the list: every sentence end closes one sentence
    (its piece holds the end's marks), and a paragraph's rest after its last end is one more
    (``native.sentence_count`` is the compiled twin)."""
    if native is not None:
        return native.sentence_count(text)
    return sentence_count_py(text)


def sentence_count_py(text: str) -> int:
    n = 0
    for paragraph in text.split("\n"):
        end = 0
        for m in _SENTENCE_END.finditer(paragraph):
            n += 1
            end = m.end()
        rest = paragraph[end:]
        if rest and not rest.isspace():
            n += 1
    return n


def sentences(text: str) -> list[str]:
    out = []
    for paragraph in text.split("\n"):
        start = 0
        for m in _SENTENCE_END.finditer(paragraph):
            piece = paragraph[start:m.end()].strip()
            if piece:
                out.append(piece)
            start = m.end()
        rest = paragraph[start:].strip()
        if rest:
            out.append(rest)
    return out
