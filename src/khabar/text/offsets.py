"""The offset map from a normalized text back to its raw text.

Normalization only substitutes characters one for one (letters, marks), expands
presentation forms, drops characters (tatweel, stray ZWNJs, extra spaces) and
inserts ZWNJs; so the two texts align greedily in one pass.  The map is a list of
anchors ``[norm, raw]``, one wherever the offset between the texts changes:
a normalized position ``n`` maps to ``raw_a + (n - norm_a)`` for the last anchor
``(norm_a, raw_a)`` at or before ``n``.  A span ``[s, e)`` of the normalized text
is ``[to_raw(s), to_raw(e))`` of the raw text.
"""

from __future__ import annotations

import bisect
import unicodedata
from typing import Any

from khabar.native import native

from khabar.text.normalize import _LETTERS, TATWEEL, ZWNJ

_DROPPABLE = frozenset(" \t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
                       + TATWEEL + ZWNJ + "\u200e\u200f\u061c\r\u202a\u202b\u202c\u2066\u2067\u2068\u2069")
_SAME = {**_LETTERS, "\u200e": ZWNJ, "\u200f": ZWNJ, "\u061c": ZWNJ}
CHUNK = 16


def _common(raw: str, i: int, norm: str, j: int) -> int:
    """The length of the common prefix of ``raw[i:]`` and ``norm[j:]`` (their first characters
    agree): galloping, then bisecting, with slice compares at C speed."""
    limit = min(len(raw) - i, len(norm) - j)
    lo, hi = 1, CHUNK                           # raw and norm agree on [0, lo)
    while hi < limit and raw[i + lo:i + hi] == norm[j + lo:j + hi]:
        lo, hi = hi, hi * 2
    hi = min(hi, limit)
    if raw[i + lo:i + hi] == norm[j + lo:j + hi]:
        return hi
    while hi - lo > 1:                          # the first difference is in [lo, hi)
        mid = (lo + hi) // 2
        if raw[i + lo:i + mid] == norm[j + lo:j + mid]:
            lo = mid
        else:
            hi = mid
    return lo


def align(raw: str, norm: str) -> list[list[int]]:
    """Anchors ``[norm_offset, raw_offset]`` mapping ``norm`` back onto ``raw``."""
    if native is not None:
        return native.align(raw, norm, _expand)
    return align_py(raw, norm)


_TO_PERSIAN = str.maketrans(_LETTERS)


def _expand(char: str) -> str:
    """A compatibility character (a presentation form) as normalization writes it: NFKC, in Persian letters."""
    return unicodedata.normalize("NFKC", char).translate(_TO_PERSIAN)


def align_py(raw: str, norm: str) -> list[list[int]]:
    """:func:`align` in Python (``native.align`` is its compiled twin)."""
    anchors = [[0, 0]]
    i = j = 0
    delta = 0                       # raw - norm on the current run
    n_raw, n_norm = len(raw), len(norm)
    while j < n_norm and i < n_raw:
        r, c = raw[i], norm[j]
        if r == c:
            step = _common(raw, i, norm, j)
            i += step
            j += step
            continue
        if _SAME.get(r) == c or (r in _DROPPABLE and c in (" ", ZWNJ) and r != ZWNJ and c == " "):
            i += 1
            j += 1
        elif c == ZWNJ and r == " ":            # a space became a ZWNJ (می شود -> می‌شود)
            i += 1
            j += 1
        elif c == ZWNJ:                          # inserted
            j += 1
        elif r in _DROPPABLE or r not in norm[j:j + 1]:
            expanded = _expand(r)
            if len(expanded) > 1 and norm.startswith(expanded, j):
                i += 1
                j += len(expanded)
            else:
                i += 1                           # dropped
        else:
            i += 1
            j += 1
        if i - j != delta:
            delta = i - j
            if anchors[-1][0] == j:
                anchors[-1][1] = i
            else:
                anchors.append([j, i])
    return anchors


def to_raw(anchors: list[list[int]], offset: int) -> int:
    """The raw offset of a normalized offset."""
    return _raw_at(anchors, bisect.bisect_right(anchors, [offset, float("inf")]), offset)


def _raw_at(anchors: list[list[int]], k: int, offset: int) -> int:
    """The raw offset of a normalized offset whose following anchors begin at ``k``."""
    norm_a, raw_a = anchors[max(k - 1, 0)]
    return raw_a + (offset - norm_a)


def piece_anchors(anchors: list[list[int]], pieces: list[Any]) -> list[list[int]]:
    """The anchors of a text made of ``pieces`` of a normalized text whose anchors are ``anchors``.

    A piece (:class:`khabar.text.furniture.Piece`) is a span ``[start, end)`` kept as it is
    (its anchors carried over, shifted) or replaced by new text (which maps onto the raw text
    where the span began).  Used when furniture is cut from a text already aligned."""
    out: list[list[int]] = []

    def add(n: int, r: int) -> None:
        if out and out[-1][0] == n:
            out[-1][1] = r
        elif not out or out[-1][1] - out[-1][0] != r - n:
            out.append([n, r])

    norms = [a[0] for a in anchors]          # (strictly increasing: bisect them, as to_raw does)
    last = len(anchors)
    o = 0
    for piece in pieces:
        start = piece.start
        k = bisect.bisect_right(norms, start)      # the anchors after the piece's start begin at k
        add(o, _raw_at(anchors, k, start))
        if piece.text is None:
            end = piece.end
            while k < last and norms[k] < end:
                add(o + norms[k] - start, anchors[k][1])
                k += 1
            o += end - start
        else:
            o += len(piece.text)
    return out
