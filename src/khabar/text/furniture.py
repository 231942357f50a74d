"""Agency furniture out of the text: the rules of ``schema/furniture.yaml`` applied to a record.

An outlet wraps its articles in furniture: an attribution formula the body opens with
(``به گزارش خبرگزاری فارس از تهران،``), a dateline of its own name, end-of-message marks,
photo credits, section kickers, download buttons, its name in running text.  None of it
is the article, and an outlet's name in the text is a perfect shortcut for a classifier.

:func:`strip_body` and :func:`strip_lead` work on normalized text and say which
*pieces* of the input the output is made of (spans kept, spans replaced), so
:func:`khabar.text.offsets.piece_anchors` can carry the offset map from ``text`` back to
``text_raw`` across the cuts.  The opening formula is returned too: it becomes the
record's ``reported_by``.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import re
from pathlib import Path
from typing import Any

import yaml

from khabar.paths import schema_dir

QUOTES = "\"'“”„‘’«»"
_Q = f"[{re.escape(QUOTES)}]"
_END = r"(?![\w\u200c])"                 # a name ends at the end of a word (a ZWNJ continues it)
_LEAD_JUNK = r"[\s\W\u200b-\u200f\ufeff]*?"
SEPARATOR = "\n\n"
NEUTRAL = "این رسانه"                   # "this outlet": what the outlet's bare name becomes


@dataclasses.dataclass(frozen=True)
class Piece:
    """A piece of the output: ``[start, end)`` of the input as it is (``text`` None), or that
    span replaced by ``text`` (an empty span: ``text`` inserted there)."""

    start: int
    end: int
    text: str | None = None


@dataclasses.dataclass
class Stripped:
    """The text without its furniture, the pieces of the input it is made of, and what was cut."""

    paragraphs: list[str]
    pieces: list[Piece]                      # of SEPARATOR.join(input paragraphs), in order
    reported_by: str | None = None
    cuts: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)


def _alternation_raw(patterns: list[str]) -> str:
    """An alternation of regular expressions (kept as written)."""
    return "|".join(f"(?:{p})" for p in patterns) or "(?!)"


def _alternation(words: list[str]) -> str:
    """A regex alternation of words, longest first, a space matching any run of spaces or a ZWNJ."""
    parts = sorted({w for w in words if w}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"[\s\u200c]*") for w in parts) + ")" if parts else "(?!)"


class Rules:
    """One source's compiled rules."""

    def __init__(self, data: dict[str, Any], source: str):
        outlet = data.get("outlets", {}).get(source, {})
        media = _alternation(data["media"])
        names = _alternation(outlet.get("names", []))
        after = _alternation(outlet.get("after_media", []))
        self.max_words = int(data["max_words"])
        self.max_source_words = int(data["max_source_words"])
        own = (f"(?:{_Q}*\\s*{names}\\s*{_Q}*{_END}"
               f"|(?:{media})\\s+(?:[^\\s،,]+\\s+){{0,2}}?{_Q}*{after}{_Q}*{_END})")
        self.own = re.compile(own)
        self.after_alone = re.compile(f"\\s*{_Q}*{after}{_Q}*\\s*$")
        place = r"(?:\s+(?:از|به استان|به شهر)\s+[^\s،,:؛.]+)?"
        own_head = f"(?:خبرگزاری|باشگاه خبری|خبرنگار(?:\\s+[^\\s،,]+ی){{0,2}})\\s+{after}|{names}"
        self.head = re.compile(f"\\s*{_Q}*(?:{_alternation_raw(data.get('heads', []))}|{own_head}){_Q}*{_END}"
                               f"(?:\\s*«[^»\\n]{{1,20}}»)?{place}\\s+")
        self.media_or_own = re.compile(f"(?:{media}|{own})")
        self.lead_in = re.compile(f"^{_LEAD_JUNK}({_alternation(data['lead_ins'])})\\s*")
        self.delimiter = re.compile(r"\s*(?:[،,؛:]\s*)+")          # a run of them too: "تسنیم،، ادواردو"
        self.quoted_own = re.compile(f"\\s*{_Q}+\\s*{names}\\s*{_Q}+\\s*(?:و\\s+)?")
        self.byline = re.compile(
            f"^{_LEAD_JUNK}(?:خبرگزاری\\s+)?(?:{after}|{names}){_END}"
            r"(?:\s*[-–_،,]\s*(?:گروه|سرویس|حوزه|دفتر|خبرنگار)[^:_\n]{0,60}[:_]|\s*[:_\-–]+)\s*")
        self.paragraph = [(name, re.compile(p)) for name, p in data.get("paragraphs", {}).items()]
        self.paragraph_max = int(data.get("paragraph_max_chars", 250))   # longer paragraphs are never furniture
        self.tails = [(name, re.compile(f"(?:{p})$")) for name, p in data.get("tails", {}).items()]
        desk = r"(?:\s+[^\s،,:؛.«»\"]+ی){0,2}"
        bare = f"(?:{_Q}*{names}{_Q}*{_END}|{_Q}*{after}{_Q}*{_END})"
        self.mentions = [
            ("reporter", re.compile(f"(خبرنگار(?:ان)?{desk})\\s+(?:خبرگزاری\\s+)?{bare}")),
            ("outlet", re.compile(f"(خبرگزاری|روزنامه|سایت|پایگاه خبری|باشگاه خبرنگاران)\\s+{bare}")),
            ("name", re.compile(f"{_Q}*{names}{_Q}*{_END}")),
        ]
        self.named = re.compile(f"{names}|{after}")             # one scan: does the text name the outlet at all
        self.lead_dateline = bool(outlet.get("lead_dateline", False))


@functools.cache
def catalogue(path: Path | None = None) -> dict[str, Any]:
    """The furniture catalogue (``schema/furniture.yaml``)."""
    with open(path or schema_dir() / "furniture.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@functools.cache
def rules(source: str) -> Rules:
    return Rules(catalogue(), source)


def _words(text: str) -> int:
    return len(text.split())


def opening(text: str, r: Rules, own_only: bool = False) -> tuple[int, str] | None:
    """The attribution formula ``text`` opens with: (where the text after it starts, the formula),
    or None.  With ``own_only`` only a formula naming the outlet itself counts."""
    m = r.lead_in.match(text)
    if m is None:
        return None
    start, after = m.start(1), m.end()
    quoted = r.quoted_own.match(text, after)
    if quoted and not text.startswith("به نقل از", quoted.end()):
        d = r.delimiter.match(text, quoted.end())
        end = d.end() if d else quoted.end()
        return end, text[start:end].rstrip(" ،,؛:")
    d = r.delimiter.search(text, after)
    if d is not None and "\n" not in text[after:d.start()] and _short(text[after:d.start()], r):
        formula = text[start:d.start()]
        named = r.own.search(formula) or r.after_alone.match(formula, after - start)
        if (named or (not own_only and r.media_or_own.search(formula))) and not _FINITE.search(formula):
            return d.end(), formula
    head = r.head.match(text, after)        # no comma: a known head only ("به گزارش این خبرگزاری ...")
    if head is not None:
        return head.end(), text[start:head.end()].strip()
    return None


def _short(rest: str, r: Rules) -> bool:
    """Whether what follows the lead-in is short enough for a formula: at most ``max_words`` words
    naming the newsroom (and place), then at most ``max_source_words`` after "به نقل از"."""
    own, _, quoted = rest.partition("به نقل از")
    return _words(own) <= r.max_words and _words(quoted) <= r.max_source_words


# a formula has no sentence end and no finite verb: past them it is the article's first sentence
_FINITE = re.compile("[.!?؟]|(?:^|\\s)(?:ن?می\u200c\\S+|کرد|کردند|اظهارکرد|افزود|افزودند|گفت|گفتند|داشت|داشتند|نمود|نمودند"
                     "|است|بود|شد|شده|شود|شدند|دارد|دارند|کند|کنند)(?=\\s|$)")


def byline(text: str, r: Rules) -> tuple[int, str] | None:
    m = r.byline.match(text)
    return (m.end(), text[:m.end()].strip(" :_-–\u200b")) if m else None


def formulas(text: str, r: Rules) -> tuple[int, str] | None:
    """The furniture a text opens with: an attribution formula or the outlet's dateline, and a
    second formula chained to it ("به گزارش فارس، به نقل از سایت لیگ،"): (where the text after
    them starts, the formulas), or None."""
    found = opening(text, r) or byline(text, r)
    if found is None:
        return None
    more = opening(text[found[0]:], r)
    return (found[0] + more[0], f"{found[1]}، {more[1]}") if more else found


def _outside_quotes(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` outside «...» quotes."""
    spans, pos = [], 0
    for m in re.finditer(r"«[^«»\n]*»", text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return spans


def mentions(text: str, r: Rules, cuts: collections.Counter[str], start: int = 0) -> list[Piece]:
    """The outlet naming itself outside quotes (from ``start`` on), made neutral: the spans of
    ``text`` to replace (an empty span: text inserted), in order."""
    edits: list[Piece] = []
    if not r.named.search(text, start):
        return edits
    for lo, hi in _outside_quotes(text):
        lo = max(lo, start)
        if lo >= hi:
            continue
        taken: list[tuple[int, int]] = []
        for name, pattern in r.mentions:
            for m in pattern.finditer(text, lo, hi):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                cuts[f"mention-{name}"] += 1
                if name == "reporter":          # "خبرنگار اقتصادی خبرگزاری فارس" -> "خبرنگار اقتصادی"
                    edits.append(Piece(m.end(1), m.end(), ""))
                elif name == "outlet":          # "خبرگزاری فارس" -> "این خبرگزاری"
                    edits += [Piece(m.start(), m.start(), "این "), Piece(m.end(1), m.end(), "")]
                else:                           # "ورزش سه" -> "این رسانه"
                    edits.append(Piece(m.start(), m.end(), NEUTRAL))
    return sorted(edits, key=lambda e: e.start)


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit (text that is only punctuation is no text)."""
    return any(c.isalnum() for c in text)


def strip_lead(lead: str | None, source: str) -> tuple[str | None, str | None, collections.Counter[str]]:
    """A lead without an opening formula or byline: (lead, the formula, cuts)."""
    cuts: collections.Counter[str] = collections.Counter()
    if not lead:
        return lead, None, cuts
    r = rules(source)
    found = formulas(lead, r)
    formula = None
    if found:
        cuts["lead-opening"] += 1
        end, formula = found
        lead = lead[end:]
    out, pos = [], 0
    for e in mentions(lead, r, cuts):
        out.append(lead[pos:e.start] + e.text)
        pos = e.end
    lead = "".join(out) + lead[pos:]
    return (lead.strip() if has_words(lead) else None), formula, cuts


_DATELINE = re.compile(r"^([\u0600-\u06ff\u200c]+(?: [\u0600-\u06ff\u200c]+){0,2})\s*[-–—]\s*(?=\S)")


def lead_dateline(lead: str | None, source: str) -> tuple[str, str, str] | None:
    """For an outlet whose leads open with a dateline (``lead_dateline`` in the catalogue): the
    dateline's place, the dateline as written (place and dash) and the lead after it; else None."""
    if not lead or not rules(source).lead_dateline:
        return None
    m = _DATELINE.match(lead)
    if m is None or not has_words(lead[m.end():]):
        return None
    return m.group(1), m.group(0).strip(), lead[m.end():]


def strip_body(paragraphs: list[str], source: str) -> Stripped:
    """``paragraphs`` (normalized) without furniture, and the pieces of their joined text it is made of."""
    r = rules(source)
    cuts: collections.Counter[str] = collections.Counter()
    starts, pos = [], 0
    for p in paragraphs:
        starts.append(pos)
        pos += len(p) + len(SEPARATOR)
    kept = [i for i, p in enumerate(paragraphs) if not _furniture_paragraph(p, r, cuts)]
    spans = {i: [0, len(paragraphs[i])] for i in kept}      # the part of each paragraph kept
    if kept:
        for name, pattern in r.tails:
            m = pattern.search(paragraphs[kept[-1]])
            if m:
                spans[kept[-1]][1] = m.start()
                cuts[f"tail-{name}"] += 1
    reported_by = None
    for n, i in enumerate(kept):
        text = paragraphs[i][:spans[i][1]]
        found = formulas(text, r) if n == 0 else opening(text, r, own_only=True)
        if found:
            spans[i][0] = found[0]
            cuts["opening" if n == 0 else "formula"] += 1
            if n == 0:
                reported_by = found[1]
    out: list[str] = []
    pieces: list[Piece] = []
    for i in kept:
        p, base = paragraphs[i], starts[i]
        lo, hi = spans[i]
        while lo < hi and p[lo].isspace():
            lo += 1
        while hi > lo and p[hi - 1].isspace():
            hi -= 1
        inner = mentions(p[:hi], r, cuts, lo)
        own: list[Piece] = []
        at = lo
        for e in inner:
            if e.start > at:
                own.append(Piece(base + at, base + e.start))
            own.append(Piece(base + e.start, base + e.end, e.text))
            at = e.end
        if hi > at:
            own.append(Piece(base + at, base + hi))
        text = "".join(p[x.start - base:x.end - base] if x.text is None else x.text for x in own)
        if not has_words(text):
            cuts["no-words"] += 1
            continue
        if out:
            pieces.append(Piece(base, base, SEPARATOR))
        out.append(text)
        pieces.extend(own)
    return Stripped(out, pieces, reported_by, cuts)


def _furniture_paragraph(p: str, r: Rules, cuts: collections.Counter[str]) -> bool:
    if len(p) > r.paragraph_max:
        return False
    for name, pattern in r.paragraph:
        if pattern.fullmatch(p):
            cuts[name] += 1
            return True
    return False


KINDS = ("opening", "lead_opening", "formulas", "paragraphs", "tails", "mentions", "no_words")


def summary(cuts: collections.Counter[str]) -> dict[str, int]:
    """A record's cuts by kind (the ``normalization.furniture`` object)."""
    out = dict.fromkeys(KINDS, 0)
    for name, n in cuts.items():
        if name in ("opening", "no-words"):
            kind = name.replace("-", "_")
        elif name == "lead-opening":
            kind = "lead_opening"
        elif name == "formula":
            kind = "formulas"
        elif name.startswith("tail-"):
            kind = "tails"
        elif name.startswith("mention-"):
            kind = "mentions"
        else:
            kind = "paragraphs"
        out[kind] += n
    return out
