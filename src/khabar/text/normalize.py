"""Persian text normalization: the derived form of every text field.

Raw text is never changed in place; this module only computes the normalized
form that sits beside it.  What it does, in order:

* Arabic letters to their Persian forms (ي ى → ی, ك → ک), Arabic-Indic digits to
  Persian digits (٠–٩ → ۰–۹; Latin digits stay as written) and Arabic presentation forms
  (U+FB50–U+FDFF, U+FE70–U+FEFC) to base letters;
* removes tatweel (U+0640);
* drops the zero-width space, word joiner, zero-width joiner and BOM (nothing a reader
  sees), and directional embeddings and isolates;
* turns a right-to-left, left-to-right or Arabic letter mark used as a half-space
  inside a word into a ZWNJ and drops it elsewhere, collapses doubled ZWNJs, and drops
  stray ones (next to a space, a digit or punctuation, at either end of a word, or after
  a letter that does not join);
* folds runs of spaces (including no-break and other Unicode spaces) into one
  and trims each line; line and paragraph breaks are kept.

* restores stripped ZWNJs (:mod:`khabar.text.zwnj`): inside joined words
  (``میتواند`` -> ``می‌تواند``) and between a word and an affix written with a space
  (``می شود`` -> ``می‌شود``, ``کتاب ها`` -> ``کتاب‌ها``, ``بندر ها`` -> ``بندرها``).

Latin digits and text, URLs, numbers and dates are left as written.
:func:`normalize_text` also counts what it did (:class:`Changes`).
"""

from __future__ import annotations

import dataclasses

from khabar.text.letters import (  # noqa: F401  (re-exported: the tests hold the fast paths to these)
    _EMBEDDINGS, _LETTER_KEYS, _LETTERS, _MARK_IN_WORD, _PRESENTATION, _RARE, _SPACES, _TABLE, DIRECTION_MARKS,
    EMBEDDING_CHARS, NON_JOINING, OTHER_SPACES, PRESENTATION_CHARS, TATWEEL, ZWNJ, _clean_line, _clean_line_py,
    _fix_presentation, _keep_zwnj, _letters, clean_counted, line_counts, line_counts_py,
)
from khabar.text.zwnj import default_restorer


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


def normalize_line(line: str, restore: bool = True, changes: Changes | None = None, compounds: bool = True) -> str:
    """Normalize one line of text (no line breaks inside).  ``compounds=False``: the line's
    document kept its ZWNJs, so no joined word is split in two (see :mod:`khabar.text.zwnj`)."""
    if restore:
        return default_restorer(compounds).normalize_line(line, changes)
    return clean_counted(line, changes)


def normalize(text: str, restore: bool = True, changes: Changes | None = None, compounds: bool = True) -> str:
    """Normalize a text that may span lines; line breaks and blank lines are kept."""
    if "\n" not in text:                      # most paragraphs, titles and leads: one line
        return normalize_line(text, restore, changes, compounds)
    return "\n".join([normalize_line(line, restore, changes, compounds) for line in text.split("\n")])
