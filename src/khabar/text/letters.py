"""Letters, marks and spaces of one line: the part of normalization that needs no lexicon.

Arabic letters to their Persian forms (ي ى → ی, ك → ک) and Arabic-Indic digits to Persian
ones (٤ → ۴), presentation forms to base letters, tatweel dropped, a direction mark (LRM,
RLM, ALM) used as a half-space inside a word turned into a ZWNJ and dropped elsewhere,
directional embeddings and isolates dropped, stray and doubled ZWNJs dropped (a ZWNJ stays
only between two letters that join), runs of white space folded into one space.
:func:`clean_line` is what :mod:`khabar.text.normalize` does before ZWNJ restoration, and
what :mod:`khabar.text.zwnj` does to the words of its lexicon, so both import it from here.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from khabar.native import native

ZWNJ = "\u200c"
TATWEEL = "\u0640"

_LETTERS = {
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> KEHEH
    # Arabic-Indic digits (٠١٢٣٤٥٦٧٨٩, an Arabic keyboard's) -> Persian digits (۰۱۲۳۴۵۶۷۸۹); Latin
    # digits are left as written (the one rule for digit scripts: see the dataset card)
    **{chr(0x0660 + d): chr(0x06F0 + d) for d in range(10)},
}
_TABLE = str.maketrans({**_LETTERS, TATWEEL: None})

# Character classes, each written once; the patterns below are built from them.
PRESENTATION_CHARS = "\ufb50-\ufdff\ufe70-\ufefc"      # Arabic presentation forms
EMBEDDING_CHARS = "\u202a-\u202c\u2066-\u2069"          # directional embeddings and isolates
DIRECTION_MARKS = "\u200e\u200f\u061c"                    # LRM, RLM, ALM
OTHER_SPACES = "\t\u00a0\u2000-\u200a\u202f\u205f\u3000"   # white space folded into one space
_PRESENTATION = re.compile(f"[{PRESENTATION_CHARS}]")
_EMBEDDINGS = re.compile(f"[{EMBEDDING_CHARS}]")
_SPACES = re.compile(f"[ {OTHER_SPACES}]+")
# Letters of the Arabic script that never join the next letter: a ZWNJ after them is stray.
NON_JOINING = frozenset("اآأإدذرزژوؤۀة" + "ء")
_ARABIC_LETTER = r"[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff]"
_DIRECTION = re.compile(f"[{DIRECTION_MARKS}]")
_MARK_IN_WORD = re.compile(f"(?<={_ARABIC_LETTER})[{DIRECTION_MARKS}]+(?={_ARABIC_LETTER})")


def _fix_presentation(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group())


_MARKS = re.compile(f"[{DIRECTION_MARKS}{EMBEDDING_CHARS}{PRESENTATION_CHARS}]")
_ZWNJ_RUN = re.compile(f"{ZWNJ}+")


def _keep_zwnj(run: re.Match[str]) -> str:
    """One ZWNJ for a run between two letters that join (the first may carry vowel marks:
    ``مطلقِ‌``); none at either end of a word, next to white space, a digit or punctuation,
    before a vowel mark, or after a letter that does not join (the run is stray)."""
    start, end = run.span()
    text = run.string
    before = start - 1
    while before >= 0 and _vowel_mark(text[before]):      # a letter's own vowel marks: look past them
        before -= 1
    if before < 0 or end == len(text):
        return ""
    letter, after = text[before], text[end]
    if not (letter.isalpha() and after.isalpha()) or letter in NON_JOINING:
        return ""
    return ZWNJ


def _vowel_mark(c: str) -> bool:
    """An Arabic vowel mark (fatha, kasra, tanwin, shadda, sukun, superscript alef)."""
    return "\u064b" <= c <= "\u065f" or c == "\u0670"


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


# Characters that carry nothing a reader sees and that no Persian word needs: the zero-width
# space, the word joiner, the BOM (U+FEFF inside text), the zero-width joiner (which some
# writers put after a final heh). Dropped before anything else, in both the Python and the C path.
INVISIBLE_CHARS = "\u200b\u200d\u2060\ufeff"
_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE_CHARS))
_INVISIBLE_RE = re.compile(f"[{INVISIBLE_CHARS}]")


def _clean_line(line: str) -> str:
    if native is not None:
        cleaned = native.clean_line(line)         # drops the invisible characters itself
        if cleaned is not None:
            return cleaned
    return _clean_line_py(line)


def _clean_line_py(line: str) -> str:
    """Letters, marks, ZWNJs and spaces of one line (``native.clean_line`` is its compiled twin)."""
    if _INVISIBLE_RE.search(line):
        line = line.translate(_INVISIBLE)
    text = _letters(line)
    if _RARE.search(text):               # most lines hold no mark, ZWNJ or presentation form
        if _MARKS.search(text):
            text = _EMBEDDINGS.sub("", text)   # directional embeddings and isolates carry no text
            if _PRESENTATION.search(text):
                text = _PRESENTATION.sub(_fix_presentation, text).translate(_TABLE)
            text = _MARK_IN_WORD.sub(ZWNJ, text)
            if _DIRECTION.search(text):
                text = _DIRECTION.sub("", text)     # elsewhere a direction mark carries no text
        if ZWNJ in text:
            text = _ZWNJ_RUN.sub(_keep_zwnj, text)
    if _ODD_SPACE.search(text):          # most lines are single-spaced already
        text = _SPACES.sub(" ", text).strip()
    return text


clean_line = _clean_line


def clean_counted(line: str, changes: Any = None) -> str:
    """:func:`clean_line`, what it changed added to ``changes`` (a normalize.Changes): the
    letters replaced, and the ZWNJs and direction marks dropped (marks that became ZWNJs count)."""
    text = _clean_line(line)
    if changes is not None and text != line:     # an unchanged line has nothing to count
        letters, zwnjs = line_counts(line)
        changes.letters += letters
        changes.zwnj_removed += max(0, zwnjs - text.count(ZWNJ))
    return text


def line_counts(line: str) -> tuple[int, int]:
    """What a changed line had to change: its Arabic letters, Arabic-Indic digits, tatweels and
    presentation forms; its ZWNJs and direction marks (none is left after cleaning)
    (``native.line_counts`` is the compiled twin)."""
    if native is not None:
        return native.line_counts(line)
    return line_counts_py(line)


def line_counts_py(line: str) -> tuple[int, int]:
    letters = sum(line.count(c) for c in _LETTER_KEYS)
    if _RARE.search(line):
        letters += len(_PRESENTATION.findall(line))
    return letters, line.count(ZWNJ) + sum(line.count(c) for c in DIRECTION_MARKS)
