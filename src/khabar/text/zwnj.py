"""Restoring zero-width non-joiners (U+200C) that scraping stripped.

Scraped Persian loses its ZWNJs: ``میتواند`` for ``می‌تواند``, ``همکاریهای`` for
``همکاری‌های``, ``رئیسجمهور`` for ``رئیس‌جمهور``.  This module puts them back,
conservatively, word by word, from data that ships with Khabar
(``data/lexicon.tsv.gz`` and ``data/verbs.tsv``, derived from hazm's MIT-licensed
word lists; see ``data/NOTICE.md``):

1. **web frequencies decide whole words** — ``wordfreq``'s Persian list (CC-BY-SA 4.0
   data, read at run time from the installed package): a joined word whose ZWNJ form is
   written there at least a fifth as often as the joined form is restored (``به‌عنوان``,
   ``می‌کنم``); a word it knows as written otherwise is left (``قالیباف``, ``بهترین``);
2. **compounds** — a joined word whose ZWNJ form is in hazm's lexicon and more frequent
   there than the joined form (``رئیسجمهور``, ``بینالمللی``, ``گفتوگو``); a word the
   lexicon knows as written, with a part of speech, is never split (``تنها``, ``میزان``,
   the name ``بهروز``);
3. **verb prefix** — ``می``/``نمی`` (after an optional preverb such as ``بر``/``در``)
   before a verb form built from the lexicon's verb stems and person endings
   (``میتواند``, ``نمیپذیرد``, ``برمیگردد``);
4. **suffixes** — ``ها``/``های``/``هایی``/… after a known noun or adjective,
   ``تر``/``ترین`` after a known adjective, ``ای``/``ام``/``اش``/``اند``/… after a word
   ending in ``ه`` (``منطقهای``, ``کردهاند``), recursively (``تصمیمگیریهای``).  All
   readings of a word compete, those that need no ZWNJ included (``شهر+های`` beats
   ``شهره+ای``; ``بها+ی`` beats ``به+ای``): the reading whose base is most frequent wins,
   and if it needs no ZWNJ the word stays as written.

A ZWNJ is only ever put after a letter that joins the next one (never ``بندر‌ها``),
and a word that already holds a ZWNJ is left exactly as it is.  Anything else is left
alone: ambiguity keeps the text as written.

**Names** are never split: Persian given names from the ``persian-names`` package
(MIT, read at run time from the installed package) are left as written (``بهنام``
the name, not ``به‌نام``; ``پریچهر``), and so are the words of ``data/joined.txt``:
transliterated names found split (``کیروش``, ``سیتیزن``) and the compounds that the
shipped corpus's careful writers (documents that keep their ZWNJs) always write joined
(``حقوقدان``, ``یکجانبه``, ``مهدیشهر``; ``scripts/make_joined.py``).  **The document decides** whether joined words
were joined by the writer: a document that holds ZWNJs elsewhere kept its ZWNJs, so its
joined words are written so on purpose (``کیروش``, ``سیتیزن``, ``جانفزا``, ``کردهای``) and
rules 1 and 2, which split a word in two, are not applied to it (``compounds=False``);
the prefix and suffix rules still are, since writers who use ZWNJs still often type
``میشود`` or ``کتابها``.  A document with no ZWNJ at all lost them, and gets every rule.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Callable
from typing import Any
from importlib import resources
from pathlib import Path

from khabar.native import native
from khabar.text.letters import NON_JOINING, ZWNJ, clean_counted, clean_line

# Arabic-script letters a Persian word is made of (no digits, no marks, no ZWNJ).
LETTERS = "\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06c0\u06cc"
_WORD = re.compile(f"[{LETTERS}{ZWNJ}]+")

PREFIXES = ("نمی", "می")
PREVERBS = ("بر", "در", "فرا", "فرو", "باز", "وا")
PRESENT_ENDINGS = ("م", "ی", "د", "یم", "ید", "ند")
PAST_ENDINGS = ("م", "ی", "", "یم", "ید", "ند")
# suffix -> which bases take it: 'nominal' (a known non-verb word), 'adjective', 'heh' (a word ending in ه)
SUFFIXES = {
    "هایشان": "nominal", "هایمان": "nominal", "هایتان": "nominal", "هایی": "nominal", "هایم": "nominal",
    "هایت": "nominal", "هایش": "nominal", "های": "nominal", "ها": "nominal",
    "ترین": "adjective", "تری": "adjective", "تر": "adjective",
    "ایی": "heh", "ای": "heh", "اید": "heh", "ایم": "heh", "اند": "heh", "ام": "heh", "ات": "heh", "اش": "heh",
    "اشان": "heh", "امان": "heh", "اتان": "heh", "است": "participle",
}
# readings that need no ZWNJ: ی/یی after a vowel (بهای, تنهایی)
NO_ZWNJ_SUFFIXES = {"یشان": "او", "یمان": "او", "یتان": "او", "یش": "او", "یم": "او", "یت": "او",
                    "یی": "اوی", "ی": "او"}          # تنها+یش, صدا+یم
_SUFFIX_ORDER = sorted(SUFFIXES, key=len, reverse=True)
MIN_BASE = 2
MIN_HEH_BASE = 3
# a ZWNJ form the web writes at least this often relative to the joined form is restored
# (آن‌ها 0.4 of آنها: restored; بزرگ‌ترین 0.16 of بزرگترین, این‌که 0.04 of اینکه: left)
WEB_RATIO = 0.2
CACHE_LIMIT = 500_000     # chunks remembered per process (either way), then forgotten and relearnt
LEARN_TRIES = 4           # asks of the C memos for a line (learning what they lacked between), then Python's steps


class Lexicon:
    """Word frequencies and tags, the joined -> ZWNJ map of compounds, and verb forms."""

    def __init__(self, freq: dict[str, int], tags: dict[str, frozenset[str]], verbs: list[tuple[str, str]],
                 web: dict[str, float] | None = None):
        self.web = web or {}
        self.web_compounds: dict[str, str] = {}
        for word in [w for w in self.web if ZWNJ in w]:
            if ZWNJ in word.strip(ZWNJ):
                joined = word.replace(ZWNJ, "")
                current = self.web_compounds.get(joined)
                f = self.web[word]
                if f >= WEB_RATIO * self.web.get(joined, 0.0) and (current is None or f > self.web[current]):
                    self.web_compounds[joined] = word
        self.freq = freq
        self.tags = tags
        self.compounds: dict[str, str] = {}
        best: dict[str, int] = {}
        for word in [w for w in freq if ZWNJ in w]:      # (in the order of the lexicon's rows)
            joined = word.replace(ZWNJ, "")
            if freq[word] > best.get(joined, -1):
                best[joined] = freq[word]
                self.compounds[joined] = word
        self.verb_forms = self._verb_forms(verbs)
        # "X و Y" compounds (گفت‌وگو, رفت‌وآمد): after "X و", a word is Y and a suffix (گفت و گوهای)
        self.pairs: set[tuple[str, str]] = set()
        for word in (*self.compounds.values(), *self.web_compounds.values()):
            x, _, rest = word.partition(ZWNJ)
            rest = rest.replace(ZWNJ, "")
            if rest.startswith("و") and len(x) >= 2 and len(rest) >= 3:
                self.pairs.add((x, rest[1:]))

    @staticmethod
    def _verb_forms(verbs: list[tuple[str, str]]) -> frozenset[str]:
        forms: set[str] = set()
        for past, present in verbs:
            if present:
                for ending in PRESENT_ENDINGS:
                    forms.add(present + ending)
                    if present[-1] in "اآو" and ending and not ending.startswith("ی"):
                        forms.add(present + "ی" + ending)          # گوید، آید
            if past:
                for ending in PAST_ENDINGS:
                    forms.add(past + ending)
                forms.add(past + "ه")                             # participle, for می‌کرده‌اند
        return frozenset(f for f in forms if len(f) >= 2)

    def known(self, word: str) -> bool:
        """Known as written, with a part of speech (hazm lists many unattested joined forms with tag 0)."""
        tags = self.tags.get(word)
        return tags is not None and tags != {"0"}

    def strong_nominal(self, word: str) -> bool:
        """A known noun-like word (not only a verb); wordfreq-known words count too."""
        tags = self.tags.get(word)
        if tags is not None and tags != {"0"}:
            return not tags <= {"V"}
        return word in self.web

    def adjective(self, word: str) -> bool:
        return "AJ" in self.tags.get(word, ())


@functools.cache
def lexicon() -> Lexicon:
    data = resources.files("khabar.text") / "data"
    freq, tags = read_lexicon(gzip.decompress(data.joinpath("lexicon.tsv.gz").read_bytes()).decode("utf-8"))
    verbs = []
    for line in data.joinpath("verbs.tsv").read_text(encoding="utf-8").splitlines():
        past, _, present = line.partition("\t")
        verbs.append((past, present))
    return Lexicon(freq, tags, verbs, web_frequencies())


def read_lexicon(text: str) -> tuple[dict[str, int], dict[str, frozenset[str]]]:
    """``lexicon.tsv``'s rows (word, count, tags; a later row of a word wins) as two maps: counts
    and tag sets (a few hundred distinct sets, one object each).  Read a column at a time (its
    191,586 rows were a sixth of a second row by row, the most of a build's start)."""
    cells = text.rstrip("\n").replace("\n", "\t").split("\t")
    if len(cells) % 3 or "" in cells[0::3]:          # not three cells a row: row by row, blank lines skipped
        rows = [line.split("\t") for line in text.split("\n") if line]
        cells = [cell for row in rows for cell in row]
        if any(len(row) != 3 for row in rows):
            raise ValueError("lexicon.tsv: every row is a word, its count and its tags, tab-separated")
    words, counts, tag_names = cells[0::3], cells[1::3], cells[2::3]
    sets = {name: frozenset(name.split(",")) for name in set(tag_names)}
    freq = dict(zip(words, map(int, counts)))
    if len(freq) < len(words):              # a word given twice: its last row's tags, whatever they are
        return freq, dict(zip(words, map(sets.__getitem__, tag_names)))
    # tags "0" (no part of speech, four rows in five) are as good as none to every rule (Lexicon.known)
    return freq, {word: sets[name] for word, name in zip(words, tag_names) if name != "0"}


def web_frequencies() -> dict[str, float]:
    """wordfreq's Persian word frequencies, letters normalized as Khabar normalizes them."""
    out: dict[str, float] = {}
    for word, f in _wordfreq_fa().items():
        key = clean_line(word)
        if key:
            out[key] = out.get(key, 0.0) + f
    return out


def _wordfreq_fa() -> dict[str, float]:
    """``wordfreq.get_frequency_dict("fa")``: read from the installed package's data file as
    wordfreq reads it (its cBpack format: a gzipped msgpack list, a header and then one list of
    words per centibel, the i-th at frequency 10 ** (-i / 100)), without importing wordfreq,
    whose import (langcodes, its regular expressions) took a tenth of a second of every build's
    start; anything unexpected, and wordfreq itself is asked (a test holds the two equal)."""
    import importlib.util

    spec = importlib.util.find_spec("wordfreq")
    folder = next(iter(spec.submodule_search_locations or ()), None) if spec is not None else None
    try:
        import msgpack

        path = next(p for p in (Path(folder) / "data" / f"{size}_fa.msgpack.gz" for size in ("large", "small"))
                    if p.is_file())
        pack = msgpack.unpackb(gzip.decompress(path.read_bytes()), raw=False)
        header = pack[0]
        if not (isinstance(header, dict) and header.get("format") == "cB" and header.get("version") == 1):
            raise ValueError(f"unexpected header {header!r}")
        freqs: dict[str, float] = {}
        for index, bucket in enumerate(pack[1:]):
            freq = 10 ** (-index / 100)
            for word in bucket:
                freqs[word] = freq
        return freqs
    except (ImportError, StopIteration, TypeError, ValueError, OSError, IndexError):
        import wordfreq

        return wordfreq.get_frequency_dict("fa")


def _affixal(word: str) -> bool:
    """Whether a ZWNJ form is a word and its affix (می‌کند, آن‌ها, کرده‌ای), not two words."""
    parts = word.split(ZWNJ)
    first = parts[0]
    return parts[-1] in SUFFIXES or any(first in (pv + p for p in PREFIXES) for pv in ("",) + PREVERBS)


def _join(left: str, right: str) -> str:
    return left + right if left[-1] in NON_JOINING else left + ZWNJ + right


class Restorer:
    """Decides, word by word (memoized), where ZWNJs go.  ``rule_of`` says which rule fired."""

    def __init__(self, lex: Lexicon | None = None, names: frozenset[str] | None = None, compounds: bool = True):
        self.lex = lex or lexicon()
        self.names = given_names() | kept_joined() if names is None else names
        self.compounds = compounds          # False: never split a joined word in two (rules 1 and 2)
        self.cache: dict[str, str] = {}
        self.chunks: dict[str, str] = {}      # chunks that change -> their restored form
        self.same: set[str] = set()           # chunks that stay as written
        self._memo = None                      # the C memos (native.memo_new) of chunks and spaced matches,
        self._spaced_memos = None              # made on first use
        self.fused = True                      # normalize_line in one C call where it can (normalize_line)
        self.rule_of: dict[str, str] = {}
        self.arabic_words: dict[str, bool] = {}   # word -> whether it is Arabic's own (_arabic_word)

    def word(self, token: str) -> str:
        hit = self.cache.get(token)
        if hit is None:
            hit = self.cache[token] = self._decide(token)
        return hit

    def _decide(self, t: str) -> str:
        if ZWNJ in t or len(t) < 3:
            return t
        if t in self.names or t in HOMOGRAPHS:
            self.rule_of[t] = "name" if t in self.names else "homograph"
            return t
        lex = self.lex
        web_compound = lex.web_compounds.get(t)
        if web_compound is not None:
            if self.compounds:
                self.rule_of[t] = "compound"
                return web_compound
            if _affixal(web_compound):        # an affix the writer did not separate: the affix rules decide
                return self._prefix(t) or self._suffix(t) or t
            return t                          # two words the writer joined (کیروش, بهنام)
        if t in lex.web:
            return t
        compound = lex.compounds.get(t) if self.compounds else None
        if compound is not None and lex.freq[compound] > lex.freq.get(t, -1):
            self.rule_of[t] = "compound"
            return compound
        if lex.known(t):
            return t
        restored = self._prefix(t) or self._suffix(t)
        return restored or t

    def _verb(self, rest: str) -> str | None:
        """``rest`` as a verb form after می, possibly with a suffix of its own (کرده‌اند)."""
        lex = self.lex
        if rest in lex.verb_forms:
            return rest
        for suffix in ("اند", "ام", "ای", "ایم", "اید"):
            if rest.endswith(suffix) and rest[:-len(suffix)] in lex.verb_forms and rest[:-len(suffix)].endswith("ه"):
                return _join(rest[:-len(suffix)], suffix)
        return None

    def _prefix(self, t: str) -> str | None:
        for preverb in ("",) + PREVERBS:
            if preverb and not t.startswith(preverb):
                continue
            body = t[len(preverb):]
            for prefix in PREFIXES:
                if body.startswith(prefix) and len(body) - len(prefix) >= 2:
                    verb = self._verb(body[len(prefix):])
                    if verb is not None:
                        self.rule_of[t] = "prefix"
                        return preverb + prefix + ZWNJ + verb
        return None

    def _suffix(self, t: str) -> str | None:
        """The best split into base + suffix: the base the lexicon knows best wins (رسانه‌ای, not رسان‌های)."""
        lex = self.lex
        best: tuple[float, int, str | None] | None = None

        def consider(score: float, suffix: str, result: str | None) -> None:
            nonlocal best
            candidate = (score, len(suffix), result)
            if best is None or candidate[:2] > best[:2]:
                best = candidate

        for suffix, vowels in NO_ZWNJ_SUFFIXES.items():
            base = t[:-len(suffix)]
            if t.endswith(suffix) and len(base) >= MIN_BASE and base[-1] in vowels and lex.known(base):
                consider(self._score(base), suffix, None)
        for suffix in _SUFFIX_ORDER:
            if not t.endswith(suffix):
                continue
            base = t[:-len(suffix)]
            kind = SUFFIXES[suffix]
            if len(base) < (MIN_HEH_BASE if kind in ("heh", "participle") else MIN_BASE):
                continue
            if base[-1] in NON_JOINING:
                if lex.known(base):           # a reading that needs no ZWNJ (شهر+های)
                    consider(self._score(base), suffix, None)
                elif kind == "nominal" and len(base) >= MIN_HEH_BASE:
                    restored_base = self.word(base)       # a compound base: گفت‌وگو+های
                    if restored_base != base:
                        consider(self._score(restored_base), suffix, restored_base + suffix)
                continue
            if kind in ("heh", "participle") and (base[-1] != "ه" or base.endswith("اه")):
                continue                  # ای after a silent heh only: "راهی", not "راه‌ای"
            restored_base = self.word(base)
            if kind == "adjective":
                ok = lex.adjective(restored_base) or lex.adjective(base)
            elif kind == "participle":
                ok = base in lex.verb_forms
            else:
                ok = (lex.strong_nominal(restored_base) or lex.strong_nominal(base) or restored_base != base
                      or base in self.names)             # a name takes a plural too: سیتیزن‌ها
                if kind == "heh":
                    ok = ok or base in lex.verb_forms
            if ok:
                consider(max(self._score(restored_base), self._score(base)), suffix, restored_base + ZWNJ + suffix)
        if best is None or best[2] is None:
            return None
        self.rule_of[t] = "suffix"
        return best[2]

    def _score(self, word: str) -> float:
        """How well attested a base is: hazm's count, or wordfreq's frequency scaled to a count."""
        return max(float(self.lex.freq.get(word, 0)), self.lex.web.get(word, 0.0) * 1e9)

    def _chunk(self, chunk: str) -> str:
        """One white-space-separated chunk (a word with its punctuation)."""
        return _WORD.sub(self._in_chunk, chunk)

    def _in_chunk(self, m: re.Match[str]) -> str:
        word = m.group()
        reading = HOMOGRAPHS.get(word)
        if reading is None:
            return self.word(word)
        end = m.end()                           # a verb ends its clause: "چه کرده‌ای؟", not "کردهای عراق"
        return reading if end < len(m.string) and m.string[end] in CLAUSE_END else word

    def text(self, text: str) -> str:
        """``text`` with ZWNJs restored inside joined words and between affixes written apart; an
        Arabic clause (a Quranic verse, a quotation: ``الا وسعها``) is left as written."""
        if not _may_be_arabic(text):
            return self._text(text)
        return "".join(m.group() if self._arabic(m.group(1)) else self._text(m.group())
                       for m in _CLAUSE.finditer(text) if m.group())

    def _arabic(self, clause: str) -> bool:
        """Whether a clause is Arabic: at least a fifth of its words (and one) are Arabic's own
        (vowel marks, ة, function words, an ال-word no Persian list knows)."""
        words = clause.split()
        if not words:
            return False
        known = self.arabic_words
        if len(known) > CACHE_LIMIT:
            known.clear()
        marked = 0
        for w in words:
            hit = known.get(w)
            if hit is None:
                hit = known[w] = self._arabic_word(w)
            marked += hit
        return marked >= max(1, 0.2 * len(words))

    def _arabic_word(self, w: str) -> bool:
        """Whether a word (as split at white space) is Arabic's own: a vowel mark or ة, a function
        word, or an ال-word no Persian list knows (remembered: a long line's clauses repeat words)."""
        core = _UNMARKED.sub("", w)
        return bool(_ARABIC_MARKS.search(w) or core in ARABIC_WORDS
                    or (core.startswith("ال") and len(core) >= 5 and not self.lex.known(core) and core not in self.lex.web))

    def _memos(self) -> tuple:
        """The C memos: chunks (restore_memo), and what _prefix_join and _suffix_join made of each
        spaced match (keyed by the match as written)."""
        if self._memo is None:
            self._memo = native.memo_new(CACHE_LIMIT)
        return (self._memo, *self._joins())

    def _joins(self) -> tuple:
        """The C memos of what _prefix_join and _suffix_join made of each spaced match."""
        if self._spaced_memos is None:
            self._spaced_memos = (native.memo_new(CACHE_LIMIT), native.memo_new(CACHE_LIMIT))
        return self._spaced_memos

    def normalize_line(self, line: str, changes: Any = None) -> str:
        """:func:`khabar.text.normalize.normalize_line` with this restorer: in one C call
        (``native.normalize_memo``) for a line whose chunks and spaced matches the memos know
        (most lines once a few hundred articles are read), else step by step in Python, which
        learns what the memos lacked."""
        if native is not None and self.fused:
            memos = self._memos()
            for _ in range(LEARN_TRIES):
                fast = native.normalize_memo(line, *memos, ARABIC_WORDS, _SPACED_SET)
                if fast is None:
                    break
                if type(fast) is list:            # what the memos lack: worked out here, then asked again
                    self._learn_missing(fast, memos)
                    continue
                text, letters, removed, restored = fast
                if changes is not None:
                    changes.letters += letters
                    changes.zwnj_removed += removed
                    changes.zwnj_restored += restored
                return text
        text = clean_counted(line, changes)
        if text:
            cleaned = text
            text = self.text(text)
            if changes is not None:
                changes.zwnj_restored += text.count(ZWNJ) - cleaned.count(ZWNJ)
        return text

    def _learn_missing(self, missing: list, memos: tuple) -> None:
        """Remember what ``native.normalize_memo`` found the memos lack: chunks, as :meth:`_text`
        learns them, and spaced matches ((0 or 1, group 1, group 2, the match): what
        :meth:`_prefix_join` or :meth:`_suffix_join` makes of it, as :meth:`_spaced` does)."""
        for item in dict.fromkeys(missing):
            if type(item) is str:
                self._learn_chunk(item)
            else:
                which, left, right, written = item
                join = self._suffix_join if which else self._prefix_join
                _remember(memos[1 + which], written, join(left, right, written))

    def _learn_chunk(self, chunk: str) -> None:
        """Work out one chunk and put it in the C memo."""
        _remember(self._memo, chunk, self._chunk(chunk))

    def _text(self, text: str) -> str:
        if native is not None:              # the memo in C (the twin of the lines below)
            if self._memo is None:
                self._memo = native.memo_new(CACHE_LIMIT)
            result = native.restore_memo(text, self._memo)
            if isinstance(result, list):
                for chunk in dict.fromkeys(result):
                    self._learn_chunk(chunk)
                result = native.restore_memo(text, self._memo)
            if isinstance(result, tuple):     # (a list again: the memo was full and forgot; Python's twin then)
                restored, pairs = result
                return self._text_py(text) if pairs else self._spaced(restored)
        return self._text_py(text)

    def _text_py(self, text: str) -> str:
        parts = text.split(" ")
        seen = set(parts).difference(self.same)    # set operations in C: only new chunks cost Python
        self._learn(seen)
        if seen and not seen.isdisjoint(self.chunks):
            out = list(map(self.chunks.get, parts, parts))
            if " و " in text:
                self._pairs(parts, out)
            text = " ".join(out)
        return self._spaced(text)

    def remembered(self) -> int:
        """How many chunks the memo holds (the C memo's, or the Python memo's)."""
        if self._memo is not None:
            return native.memo_len(self._memo)
        return len(self.same) + len(self.chunks)

    def _learn(self, seen: set[str]) -> None:
        """Work out and remember the chunks of ``seen`` not remembered yet (bounded memory: a memo
        that would outgrow CACHE_LIMIT is forgotten first, and relearnt)."""
        for memo in (self.same, self.chunks):
            if len(memo) + len(seen) > CACHE_LIMIT:
                memo.clear()
        for chunk in seen.difference(self.chunks):
            restored = self._chunk(chunk)
            if restored == chunk:
                self.same.add(chunk)
            else:
                self.chunks[chunk] = restored

    def _spaced(self, text: str) -> str:
        """Affixes written apart (می شود, کتاب ها) joined: the two patterns' matches, each
        replaced as :meth:`_prefix_join` and :meth:`_suffix_join` say (``native.spaced_spans``
        finds the matches the patterns' ``finditer`` would, in one pass for both)."""
        if " " not in text:
            return text
        if native is not None:
            prefix_memo, suffix_memo = self._joins()
            prefixed, suffixed = native.spaced_spans(text, _SPACED_SET)
            if prefixed:
                joined = _replaced(text, prefixed, self._prefix_join, prefix_memo)
                if joined != text:
                    text, suffixed = joined, native.spaced_spans(joined, _SPACED_SET)[1]
            return _replaced(text, suffixed, self._suffix_join, suffix_memo) if suffixed else text
        return self._spaced_py(text)

    def _spaced_py(self, text: str) -> str:
        """:meth:`_spaced` with the patterns themselves (the reference)."""
        if "می " in text:
            text = _SPACED_PREFIX.sub(lambda m: self._prefix_join(m.group(1), m.group(2), m.group()), text)
        if any(start in text for start in _SPACED_STARTS):
            text = _SPACED_SUFFIX.sub(lambda m: self._suffix_join(m.group(1), m.group(2), m.group()), text)
        return text

    def _pairs(self, parts: list[str], out: list[str]) -> None:
        """After "X و", a changed word that is the Y of a compound "X‌وY" and a suffix is that:
        "گفت و گوهای" (گو+های, not گوه+ای), "رفت و آمدهای"."""
        for i in range(2, len(parts)):
            if parts[i - 1] != "و" or out[i] == parts[i]:
                continue
            x, m = _WORD.fullmatch(parts[i - 2]), _WORD.match(parts[i])
            if x is None or m is None:
                continue
            word = m.group()
            for suffix in _SUFFIX_ORDER:
                y = word[:-len(suffix)]
                if word.endswith(suffix) and (x.group(), y) in self.lex.pairs:
                    out[i] = _join(y, suffix) + parts[i][m.end():]
                    break

    def _prefix_join(self, prefix: str, word: str, written: str) -> str:
        """A match of _SPACED_PREFIX (``written``: "می شود") as it is to be: "می‌شود", or as written."""
        verb = self._verb(word)
        return prefix + ZWNJ + verb if verb is not None else written

    def _suffix_join(self, base: str, suffix: str, written: str) -> str:
        """A match of _SPACED_SUFFIX (``written``: "کتاب ها") as it is to be: "کتاب‌ها", or as written."""
        plain = base.replace(ZWNJ, "")
        kind = SUFFIXES[suffix]
        if kind == "adjective":
            ok = self.lex.adjective(plain) or self.lex.adjective(base)
        elif kind == "heh":
            ok = base.endswith("ه") and (plain in self.lex.verb_forms or base in self.lex.verb_forms)
        else:
            ok = len(plain) >= MIN_BASE
        if not ok:
            return written
        self.rule_of[written] = "spaced"
        return _join(base, suffix)


# Homographs: the joined form is a word of its own (کردهای, the Kurds); the affixal reading
# (کرده‌ای, "you have done") is taken only where the clause ends right after it.
HOMOGRAPHS = {"کردهای": "کرده\u200cای"}
CLAUSE_END = "؟?.!،,؛:»)\"'"

# Arabic clauses: a cheap test first (a vowel mark, ة, or a function word), then word by word
ARABIC_WORDS = frozenset("الا إلا إلی عن فی الذی التی الذین کانت ذلک هذا هذه فإن إنه انه إن "
                         "ثم لم لن لکم لهم منه منها عنها عنه فیه فیها یکلف لایکلف".split())
# short vowels and sukun (Persian news writes tanwin and shadda, حتماً and اوّل, but rarely these), ة
_ARABIC_MARKS = re.compile("[\u064e-\u0650\u0652\u0629]")
_UNMARKED = re.compile(f"[^{LETTERS}]")


def _trie(words: frozenset[str]) -> str:
    """A regular expression matching exactly ``words``, factored by common prefixes (Python's
    ``re`` tries an alternation's branches one by one; a trie tries each letter once)."""
    tree: dict = {}
    for w in words:
        node = tree
        for c in w:
            node = node.setdefault(c, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(c) + emit(sub) for c, sub in sorted(node.items()) if c]
        if not branches:
            return ""
        body = "(?:" + "|".join(branches) + ")" if len(branches) > 1 or "" in node else branches[0]
        return body + ("?" if "" in node else "")

    return emit(tree)


# "May hold an Arabic clause" (most lines hold none, and it is asked of every line): a short vowel,
# sukun or ة, or a function word (with or without vowel marks: الّا) standing alone.
_MARKED = "[\u064b-\u0652]*"
_ARABIC_HINT = re.compile(f"[\u064e-\u0650\u0652\u0629]|(?<![{LETTERS}])(?:"
                          + "|".join(_MARKED.join(w) for w in sorted(ARABIC_WORDS, key=len, reverse=True))
                          + f")(?![{LETTERS}])")
# The same answer, fast: a line with no mark at all can only hold an unmarked function word,
# which a prefix tree finds in a third of the time (the full test runs on the 3% with marks).
_ANY_MARK = re.compile("[\u064b-\u0652\u0629]")
_PLAIN_WORD = re.compile(f"(?<![{LETTERS}]){_trie(ARABIC_WORDS)}(?![{LETTERS}])")


def _replaced(text: str, spans: list[tuple[int, int, int]], join: Callable[[str, str, str], str],
              memo: Any = None) -> str:
    """``text`` with each match (start, mid, end: group 1 ``text[start:mid]``, a space, group 2
    ``text[mid + 1:end]``) replaced by what ``join`` says: what ``pattern.sub`` gives (``memo``:
    a C memo that remembers each match's replacement, None where it is as written)."""
    out, pos = [], 0
    for start, mid, end in spans:
        written = text[start:end]
        joined = join(text[start:mid], text[mid + 1:end], written)
        if memo is not None:
            _remember(memo, written, joined)
        out += (text[pos:start], joined)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _remember(memo: Any, written: str, result: str) -> None:
    """Put what ``written`` becomes in a C memo (None: it stays as written)."""
    native.memo_put(memo, written, None if result == written else result)


def _may_be_arabic(text: str) -> bool:
    if native is not None:
        return native.arabic_hint(text, ARABIC_WORDS)
    if _ANY_MARK.search(text) is None:
        return _PLAIN_WORD.search(text) is not None
    return _ARABIC_HINT.search(text) is not None


_CLAUSE = re.compile("([^،؛:.!؟?«»()﴿﴾]*)[،؛:.!؟?«»()﴿﴾]*")

_SPACED_PREFIX = re.compile(f"(?<![{LETTERS}{ZWNJ}])(نمی|می) ([{LETTERS}]{{2,}})(?![{LETTERS}{ZWNJ}])")
SPACED_SUFFIXES = ("هایشان", "هایمان", "هایتان", "هایی", "هایم", "هایت", "هایش", "های", "ها", "ترین", "تر", "اند")
_SPACED_SUFFIX = re.compile(   # anchored at a word's start, so a failed try costs one look behind
    f"(?<![{LETTERS}{ZWNJ}])([{LETTERS}][{LETTERS}{ZWNJ}]*) ({'|'.join(SPACED_SUFFIXES)})(?![{LETTERS}{ZWNJ}])")
_SPACED_SET = frozenset(SPACED_SUFFIXES)
# " " + each shortest suffix (" ها", " تر", " اند"): a line with none of them has no spaced suffix
_SPACED_STARTS = tuple(" " + s for s in SPACED_SUFFIXES
                       if not any(s != t and s.startswith(t) for t in SPACED_SUFFIXES))


def read_joined(path) -> dict[str, list[str]]:
    """The parts of ``data/joined.txt`` (``[careful]``, ``[names]``): their words, in order."""
    parts: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = parts.setdefault(line[1:-1], [])
        elif current is not None:
            current.append(clean_line(line))
    return parts


@functools.cache
def kept_joined() -> frozenset[str]:
    """Words written joined on purpose (``data/joined.txt``: names, compounds careful writers join)."""
    return frozenset(w for words in read_joined(resources.files("khabar.text") / "data" / "joined.txt").values()
                     for w in words)


@functools.cache
def given_names() -> frozenset[str]:
    """Persian given names (``persian-names``' lists), letters normalized, one-word names only."""
    data = resources.files("persian_names") / "data"
    out = set()
    for name in ("male_fa.txt", "female_fa.txt"):
        for line in data.joinpath(name).read_text(encoding="utf-8").splitlines():
            word = clean_line(line.strip())
            if word and " " not in word:
                out.add(word)
    return frozenset(out)


@functools.cache
def default_restorer(compounds: bool = True) -> Restorer:
    """The process's restorer: every rule, or (``compounds=False``) no word split in two."""
    return Restorer(compounds=compounds)


def restore(text: str, compounds: bool = True) -> str:
    return default_restorer(compounds).text(text)
