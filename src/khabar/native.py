"""The optional compiled text loops (``native/khabar_native.c``), or None.

Five per-character loops of a build have a C twin: cleaning a line
(:func:`khabar.text.normalize._clean_line`), counting tokens
(:func:`khabar.text.segment.token_count`), hashing the words of the dedup content
(:func:`khabar.dedup.shingles`), the shingles and MinHash signature made from those hashes
(:func:`khabar.dedup.fingerprint`) and aligning normalized text with raw text
(:func:`khabar.text.offsets.align`).  The Python code is the reference: the twins
give the same results (tests feed both real and generated text), and a twin returns
None where it would need what only Python has (presentation forms' NFKC expansion, a
lone surrogate), so the Python code runs then.  Output is byte-identical with or
without them; they only make a build faster (see the README's performance section).

``scripts/venv.sh`` builds them (a C compiler is needed; without one, Khabar runs in
pure Python).  ``KHABAR_PURE_PYTHON=1`` turns them off.
"""

from __future__ import annotations

import os
from types import ModuleType

API = 8


def _load() -> ModuleType | None:
    if os.environ.get("KHABAR_PURE_PYTHON"):
        return None
    try:
        import khabar_native
    except ImportError:
        return None
    return khabar_native if getattr(khabar_native, "API", None) == API else None


native = _load()
