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
from typing import Any, NamedTuple

import yaml

from khabar.paths import schema_dir

QUOTES = "\"'“”„‘’«»"
_Q = f"[{re.escape(QUOTES)}]"
_END = r"(?![\w\u200c])"                 # a name ends at the end of a word (a ZWNJ continues it)
_LEAD_JUNK = r"[\s\W\u200b-\u200f\ufeff]*?"
SEPARATOR = "\n\n"
NEUTRAL = "این رسانه"                   # "this outlet": what the outlet's bare name becomes


class Piece(NamedTuple):
    """A piece of the output: ``[start, end)`` of the input as it is (``text`` None), or that
    span replaced by ``text`` (an empty span: ``text`` inserted there).  (A named tuple: an
    article makes two for each paragraph, and a frozen dataclass took four times as long to make.)"""

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
        own = (f"(?:{_Q}*\\s*{names}\\s*{_Q}*{_END}"
               f"|(?:{media})\\s+(?:[^\\s،,]+\\s+){{0,2}}?{_Q}*{after}{_Q}*{_END})")
        self.own = re.compile(own)
        self.after_alone = re.compile(f"\\s*{_Q}*{after}{_Q}*\\s*$")
        self.own_tail = re.compile(data["own_tail"])
        self.newsroom = re.compile(data["newsroom"])
        place = r"(?:\s+(?:از|به استان|به شهر)\s+[^\s،,:؛.]+)?"
        own_head = (f"(?:(?:خبرنگار|گروه|حوزه|سرویس)(?:\\s+[^\\s،,]+){{0,3}}?\\s+)?(?:خبرگزاری|باشگاه خبری)\\s+(?:{after}|{names})"
                    f"|خبرنگار(?:\\s+[^\\s،,]+ی){{0,2}}\\s+{after}|{names}|{after}")    # "به گزارش فارس ..."
        self.head = re.compile(f"\\s*{_Q}*(?:{_alternation_raw(data.get('heads', []))}|{own_head}){_Q}*{_END}"
                               f"(?:\\s*«[^»\\n]{{1,20}}»)?{place}\\s+")
        self.lead_in = re.compile(f"^{_LEAD_JUNK}({_alternation(data['lead_ins'])})\\s*")
        self.delimiter = re.compile(r"\s*(?:[،,؛:]\s*)+")          # a run of them too: "تسنیم،، ادواردو"
        self.quoted_own = re.compile(f"\\s*{_Q}+\\s*{names}\\s*{_Q}+\\s*(?:و\\s+)?")
        self.byline = re.compile(
            f"^{_LEAD_JUNK}(?:خبرگزاری\\s+)?(?:{after}|{names}){_END}"
            r"(?:\s*[-–_،,]\s*(?:گروه|سرویس|حوزه|دفتر|خبرنگار)[^:_\n]{0,60}[:_]|\s*[:_\-–]+)\s*")
        self.paragraph = [(name, re.compile(p)) for name, p in data.get("paragraphs", {}).items()]
        self.paragraph_any = _combined(data.get("paragraphs", {}))   # one scan for all of them, or None
        self.paragraph_max = int(data.get("paragraph_max_chars", 250))   # longer paragraphs are never furniture
        self.tails = [(name, re.compile(f"(?:{p})$")) for name, p in data.get("tails", {}).items()]
        self.footers = [(name, re.compile(p)) for name, p in data.get("footers", {}).items()]
        self.footer_max = int(data.get("footer_max_chars", 60))
        desk = r"(?:\s+(?!خبرگزاری)[^\s،,:؛.«»\"]+ی){0,2}"      # "خبرنگار اقتصادی" (خبرگزاری is no desk)
        bare = f"(?:{_Q}*{names}{_Q}*{_END}|{_Q}*{after}{_Q}*{_END})"
        self.mentions = [
            ("reporter", re.compile(f"(?<![\\w\u200c])(خبرنگار(?:ان)?{desk})\\s+(?:خبرگزاری\\s+)?{bare}")),
            ("outlet", re.compile(f"(?<![\\w\u200c])(خبرگزاری|روزنامه|سایت|پایگاه خبری|باشگاه خبرنگاران)\\s+{bare}")),
            ("name", re.compile(f"{_Q}*{names}{_Q}*{_END}")),
        ]
        self.named = re.compile(f"{names}|{after}")             # one scan: does the text name the outlet at all
        self.lead_dateline = bool(outlet.get("lead_dateline", False))


def _combined(rules: dict[str, str]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """The rules as one alternation, each its own named group in catalogue order: its
    ``fullmatch`` names the first rule whose ``fullmatch`` succeeds (an alternation tries its
    branches in order), in one call instead of one a rule.  None where a rule's own groups
    would not survive the wrapping (a backreference, a named group): the rules are then tried
    one by one."""
    if not rules or any(re.search(r"\\[1-9]|\(\?P[<=]", p) for p in rules.values()):
        return None
    groups = {f"rule{i}": name for i, name in enumerate(rules)}
    try:
        return re.compile("|".join(f"(?P<rule{i}>{p})" for i, p in enumerate(rules.values()))), groups
    except re.error:                    # (a flag a rule sets for itself: "(?i)" only opens a pattern)
        return None


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
    """The outlet's attribution formula ``text`` opens with: (where the text after it starts, the
    formula), or None.  Only the outlet's own part is furniture: a source it cites (``به نقل از
    سی‌ان‌ان``) stays in the text, and a formula naming only a third party (``به گزارش خبرگزاری
    فرانسه از مسکو،``) is content.  With ``own_only`` the formula must name the outlet (an unnamed
    newsroom, ``به گزارش خبرنگار اقتصادی،``, counts only where a body or lead starts)."""
    m = r.lead_in.match(text)
    if m is None or (m.group(1).startswith("به نقل") and not r.own.match(text, m.end())):
        return None                          # "به نقل از رویترز" is a source; "به نقل از خبرگزاری فارس" is not
    start, after = m.start(1), m.end()
    quoted = r.quoted_own.match(text, after)
    if quoted:
        cite = CITE.match(text, quoted.end())
        d = r.delimiter.match(text, quoted.end())
        end = cite.end() if cite else (d.end() if d else quoted.end())
        return end, text[start:cite.start() if cite else end].rstrip(" ،,؛:")
    d = r.delimiter.search(text, after)
    if d is not None and "\n" not in text[after:d.start()]:
        cite = CITE.search(text, after, d.start())
        own = text[after:cite.start() if cite else d.start()]
        if _own_formula(own, r, own_only) and _words(own) <= r.max_words and not _FINITE.search(own):
            return (cite.end() if cite else d.end()), text[start:after + len(own)].rstrip()
    head = r.head.match(text, after)        # a known head only ("به گزارش این خبرگزاری ..."): the rest stays
    if head is not None:
        return head.end(), text[start:head.end()].strip()
    return None


# where a formula goes on to cite a source, "(و) به نقل از": the text resumes at "به"
CITE = re.compile(r"\s*(?:و\s*)?(?=به\s*نقل\s*از)")


def _own_formula(own: str, r: Rules, named_only: bool) -> bool:
    """Whether ``own`` (a formula after its lead-in, up to a cited source or the comma) is the
    outlet's: it names the outlet and what follows the name is only a place, a nickname or a desk
    and reporter byline; or (unless ``named_only``) it names only an unnamed newsroom of its own."""
    found = None
    for found in r.own.finditer(own):
        pass
    if found is not None:
        return r.own_tail.fullmatch(own, found.end()) is not None
    if r.after_alone.match(own):
        return True
    return not named_only and r.newsroom.fullmatch(own) is not None


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
    more = opening(text[found[0]:], r, own_only=True)
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
                else:                           # "خبرگزاری فارس", "ورزش سه" -> "این رسانه"
                    edits.append(Piece(m.start(), m.end(), NEUTRAL))
    return sorted(edits, key=lambda e: e.start)


# Plain-text markup an export kept: a list or subhead mark opening a paragraph ("* افزایش ...",
# "• ..."), and runs of asterisks anywhere (emphasis "**...**", separators "***"), with the space
# after them. A single asterisk inside a line (a footnote, "مهرداد حمزه*") is left.
_LEADING_MARK = re.compile(r"[*•▪●■◾]+\s*")
_STARS = re.compile(r"\*{2,}\s*")
_ANY_MARK = re.compile("[*•▪●■◾]")
_NEWLINE = re.compile("\n")


def marks(text: str, lo: int, hi: int, cuts: collections.Counter[str]) -> list[Piece]:
    """The marks of ``text[lo:hi]`` to remove (empty replacements): a list mark opening it or any
    of its lines, and runs of asterisks."""
    edits: list[Piece] = []
    if _ANY_MARK.search(text, lo, hi) is None:         # most paragraphs have none: one scan
        return edits
    for start in (lo, *(m.end() for m in _NEWLINE.finditer(text, lo, hi))):
        m = _LEADING_MARK.match(text, start, hi)
        if m:
            edits.append(Piece(start, m.end(), ""))
            cuts["marks"] += 1
    if "**" in text[lo:hi]:
        for m in _STARS.finditer(text, lo, hi):
            own_word = m.start() == lo or text[m.start() - 1].isspace()      # "*** سوره": the space goes too
            end = m.end() if own_word else m.start() + len(m.group().rstrip())
            edits.append(Piece(m.start(), min(end, hi), ""))
            cuts["marks"] += 1
    return _merge([], edits)


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit (text that is only punctuation is no text):
    a character ``str.isalnum`` takes, which is what ``\\w`` matches but the underscore."""
    return _WORDY.search(text) is not None


_WORDY = re.compile(r"[^\W_]")


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
    for e in _merge(mentions(lead, r, cuts), marks(lead, 0, len(lead), cuts)):
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
    kept = _footer(kept, paragraphs, r, cuts)
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
        inner = _merge(mentions(p[:hi], r, cuts, lo), marks(p, lo, hi, cuts))
        if not inner:                           # most paragraphs: one piece, as it stands
            own, text = ([Piece(base + lo, base + hi)] if hi > lo else []), p[lo:hi]
        else:
            own, text = _edited(p, base, lo, hi, inner)
        if not has_words(text):
            cuts["no-words"] += 1
            continue
        if out:
            pieces.append(Piece(base, base, SEPARATOR))
        out.append(text)
        pieces.extend(own)
    return Stripped(out, pieces, reported_by, cuts)


def _edited(p: str, base: int, lo: int, hi: int, inner: list[Piece]) -> tuple[list[Piece], str]:
    """The pieces of ``p[lo:hi]`` with the edits ``inner`` made (offsets from ``base``), and its text."""
    own: list[Piece] = []
    at = lo
    for e in inner:
        if e.start > at:
            own.append(Piece(base + at, base + e.start))
        own.append(Piece(base + e.start, base + e.end, e.text))
        at = e.end
    if hi > at:
        own.append(Piece(base + at, base + hi))
    return own, "".join(p[x.start - base:x.end - base] if x.text is None else x.text for x in own)


def _merge(edits: list[Piece], more: list[Piece]) -> list[Piece]:
    """Two sorted lists of edits as one, an edit overlapping an earlier one left out."""
    if not more:
        return edits
    out: list[Piece] = []
    for e in sorted(edits + more, key=lambda e: (e.start, e.end)):
        if not out or e.start >= out[-1].end:
            out.append(e)
    return out


def _footer(kept: list[int], paragraphs: list[str], r: Rules, cuts: collections.Counter[str]) -> list[int]:
    """Without a page's footer: a paragraph that is a footer mark ("کد خبر 5731919") and the short
    paragraphs after it to the end (the reporter's name); a long paragraph after it keeps it all."""
    for n, i in enumerate(kept):
        p = paragraphs[i]
        if len(p) > r.footer_max:
            continue
        for name, pattern in r.footers:
            if pattern.fullmatch(p) and all(len(paragraphs[j]) <= r.footer_max for j in kept[n + 1:]):
                cuts[name] += len(kept) - n
                return kept[:n]
    return kept


def _furniture_paragraph(p: str, r: Rules, cuts: collections.Counter[str]) -> bool:
    """Whether a paragraph is furniture: it, or each of its lines, matches a paragraph rule."""
    if len(p) > r.paragraph_max:
        return False
    found = [_furniture_line(line, r) for line in p.split("\n")]
    if not all(found):
        return False
    cuts.update(found)
    return True


def _furniture_line(line: str, r: Rules) -> str | None:
    """The name of the first paragraph rule ``line`` is, or None."""
    if r.paragraph_any is not None:
        pattern, names = r.paragraph_any
        m = pattern.fullmatch(line)
        return names[m.lastgroup] if m is not None and m.lastgroup is not None else None
    return _furniture_line_by_rule(line, r)


def _furniture_line_by_rule(line: str, r: Rules) -> str | None:
    """:func:`_furniture_line` a rule at a time (the reference)."""
    for name, pattern in r.paragraph:
        if pattern.fullmatch(line):
            return name
    return None


KINDS = ("opening", "lead_opening", "formulas", "paragraphs", "tails", "mentions", "marks", "no_words")


def summary(cuts: collections.Counter[str]) -> dict[str, int]:
    """A record's cuts by kind (the ``normalization.furniture`` object)."""
    out = dict.fromkeys(KINDS, 0)
    for name, n in cuts.items():
        if name in ("opening", "no-words", "marks"):
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
