"""Stable split assignment.

A record's split is a pure function of a key (its cluster's key) and the ratios:
the first 8 bytes of sha256("khabar-split-v1\\n" + key) read as a fraction of
2**64, compared with the cumulative ratios.  So the same key always lands in the
same split, whatever else is in the corpus, and adding articles never moves one.
"""

from __future__ import annotations

import hashlib

SPLITS = ("train", "validation", "test")
DEFAULT_RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}
_SALT = b"khabar-split-v1\n"


def fraction(key: str) -> float:
    digest = hashlib.sha256(_SALT + key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign(key: str, ratios: dict[str, float] = DEFAULT_RATIOS) -> str:
    x = fraction(key)
    total = 0.0
    names = [s for s in SPLITS if ratios.get(s, 0) > 0]
    for name in names:
        total += ratios[name]
        if x < total:
            return name
    return names[-1]
