"""Persian text normalization: the derived form of every text field.

Raw text is never changed in place; this module only computes the normalized
form that sits beside it.  What it does, in order:

* Arabic letters to their Persian forms (ي ى → ی, ك → ک) and Arabic
  presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFC) to base letters;
* removes tatweel (U+0640);
* turns a right-to-left or left-to-right mark used as a half-space inside a
  word into a ZWNJ, collapses doubled ZWNJs, and drops stray ones (next to a
  space, at either end of a word, or after a letter that does not join);
* folds runs of spaces (including no-break and other Unicode spaces) into one
  and trims each line; line and paragraph breaks are kept.

* restores stripped ZWNJs (:mod:`khabar.text.zwnj`): inside joined words
  (``میتواند`` -> ``می‌تواند``) and between a word and an affix written with a space
  (``می شود`` -> ``می‌شود``, ``کتاب ها`` -> ``کتاب‌ها``, ``بندر ها`` -> ``بندرها``).

Digits, Latin text, URLs, numbers and dates are left exactly as written.
:func:`normalize_text` also counts what it did (:class:`Changes`).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from khabar.native import native

ZWNJ = "\u200c"
TATWEEL = "\u0640"

_LETTERS = {
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> KEHEH
}
_TABLE = str.maketrans({**_LETTERS, TATWEEL: None})

# Character classes, each written once; the patterns below are built from them.
PRESENTATION_CHARS = "\ufb50-\ufdff\ufe70-\ufefc"      # Arabic presentation forms
EMBEDDING_CHARS = "\u202a-\u202c\u2066-\u2069"          # directional embeddings and isolates
DIRECTION_MARKS = "\u200e\u200f"                          # LRM, RLM
OTHER_SPACES = "\t\u00a0\u2000-\u200a\u202f\u205f\u3000"   # white space folded into one space
_PRESENTATION = re.compile(f"[{PRESENTATION_CHARS}]")
_EMBEDDINGS = re.compile(f"[{EMBEDDING_CHARS}]")
_SPACES = re.compile(f"[ {OTHER_SPACES}]+")
# Letters of the Arabic script that never join the next letter: a ZWNJ after them is stray.
NON_JOINING = frozenset("اآأإدذرزژوؤۀة" + "ء")
_ARABIC_LETTER = r"[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff]"
_MARK_IN_WORD = re.compile(f"(?<={_ARABIC_LETTER})[{DIRECTION_MARKS}]+(?={_ARABIC_LETTER})")


def _fix_presentation(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group())


_MARKS = re.compile(f"[{DIRECTION_MARKS}{EMBEDDING_CHARS}{PRESENTATION_CHARS}]")
_ZWNJ_RUN = re.compile(f"{ZWNJ}+")


def _keep_zwnj(run: re.Match[str]) -> str:
    """One ZWNJ for a run between two letters that join; none at either end of a word,
    next to white space, or after a letter that does not join (the run is stray)."""
    start, end = run.span()
    text = run.string
    if start == 0 or end == len(text):
        return ""
    before, after = text[start - 1], text[end]
    if before.isspace() or after.isspace() or before in NON_JOINING:
        return ""
    return ZWNJ


@dataclasses.dataclass
class Changes:
    """What normalization did to a text, counted."""

    letters: int = 0          # Arabic letters and presentation forms replaced, tatweels removed
    zwnj_removed: int = 0     # stray or doubled ZWNJs dropped
    zwnj_restored: int = 0    # ZWNJs put back (inside joined words or in place of a space)

    def add(self, other: "Changes") -> None:
        self.letters += other.letters
        self.zwnj_removed += other.zwnj_removed
        self.zwnj_restored += other.zwnj_restored


_LETTER_KEYS = tuple(_LETTERS) + (TATWEEL,)


_RARE = re.compile(f"[{ZWNJ}{DIRECTION_MARKS}{EMBEDDING_CHARS}{PRESENTATION_CHARS}]")   # _MARKS or a ZWNJ


# Any white space other than one plain space between two words: what _SPACES has to fold.
_ODD_SPACE = re.compile(f"[{OTHER_SPACES}]|  |^\\s|\\s$")


def _letters(text: str) -> str:
    """Arabic letters to Persian, tatweel dropped (``str.translate``, only when one is there)."""
    for c in _LETTER_KEYS:
        if c in text:
            return text.translate(_TABLE)
    return text


def _clean_line(line: str) -> str:
    if native is not None:
        cleaned = native.clean_line(line)
        if cleaned is not None:
            return cleaned
    return _clean_line_py(line)


def _clean_line_py(line: str) -> str:
    """Letters, marks, ZWNJs and spaces of one line (``native.clean_line`` is its compiled twin)."""
    text = _letters(line)
    if _RARE.search(text):               # most lines hold no mark, ZWNJ or presentation form
        if _MARKS.search(text):
            text = _EMBEDDINGS.sub("", text)   # directional embeddings and isolates carry no text
            if _PRESENTATION.search(text):
                text = _PRESENTATION.sub(_fix_presentation, text).translate(_TABLE)
            text = _MARK_IN_WORD.sub(ZWNJ, text)
        if ZWNJ in text:
            text = _ZWNJ_RUN.sub(_keep_zwnj, text)
    if _ODD_SPACE.search(text):          # most lines are single-spaced already
        text = _SPACES.sub(" ", text).strip()
    return text


def normalize_line(line: str, restore: bool = True, changes: Changes | None = None) -> str:
    """Normalize one line of text (no line breaks inside)."""
    text = _clean_line(line)
    if changes is not None and text != line:     # an unchanged line has nothing to count
        changes.letters += sum(line.count(c) for c in _LETTER_KEYS)
        if _RARE.search(line):
            changes.letters += len(_PRESENTATION.findall(line))
        marks = line.count("\u200e") + line.count("\u200f") - text.count("\u200e") - text.count("\u200f")
        changes.zwnj_removed += max(0, line.count(ZWNJ) + marks - text.count(ZWNJ))   # marks that became ZWNJs count
    if restore and text:
        from khabar.text.zwnj import default_restorer

        cleaned = text
        text = default_restorer().text(text)
        if changes is not None:
            changes.zwnj_restored += text.count(ZWNJ) - cleaned.count(ZWNJ)
    return text


def normalize(text: str, restore: bool = True, changes: Changes | None = None) -> str:
    """Normalize a text that may span lines; line breaks and blank lines are kept."""
    return "\n".join(normalize_line(line, restore, changes) for line in text.split("\n"))
