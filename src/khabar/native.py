"""The optional compiled text loops (``native/khabar_native.c``), or None.

The per-character loops of a build have C twins: cleaning a line and counting what it
changed (:mod:`khabar.text.letters`, :mod:`khabar.text.normalize`), the ZWNJ restorer's chunk
memo, its Arabic-clause test and spaced-affix matches (:mod:`khabar.text.zwnj`), and all of them
at once for a line whose chunks and spaced matches the memos know (``normalize_memo``: a line in
one call, which names what the memos lack for Python to work out), counting tokens and
sentences (:mod:`khabar.text.segment`), the language and mojibake counts
(:mod:`khabar.sources.decode`), the character checks (:func:`khabar.assemble.odd_characters`),
hashing the words of the dedup content, its shingles, MinHash signature and digest
(:mod:`khabar.dedup`), aligning normalized with raw text (:mod:`khabar.text.offsets`), an
imported record's canonical JSON (:func:`khabar.record.raw_json`), the UTF-8 buffers of a
unit's text columns (:func:`khabar.shards.column`) and whether an export's bytes are UTF-8
(:mod:`khabar.sources.exports`, which then sends its lines' bytes, not their text).
The Python code is the reference: the twins give the same results (``tests/test_native.py``
feeds both real and generated text), and a twin returns None where it would need what only
Python has (presentation forms' NFKC expansion, a lone surrogate, a text its quick test
cannot settle), so the Python code runs then; the alignment instead calls back into Python
for the one character it cannot settle (``offsets._expand``) and carries on.  Output is
byte-identical with or without them; they only make a build faster (see the README's
performance section).

``scripts/venv.sh`` builds them (a C compiler is needed; without one, Khabar runs in
pure Python).  ``KHABAR_PURE_PYTHON=1`` turns them off.
"""

from __future__ import annotations

import os
from types import ModuleType

API = 18


def _load() -> ModuleType | None:
    if os.environ.get("KHABAR_PURE_PYTHON"):
        return None
    try:
        import khabar_native
    except ImportError:
        return None
    return khabar_native if getattr(khabar_native, "API", None) == API else None


native = _load()
