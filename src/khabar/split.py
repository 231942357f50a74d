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


# --- stability across versions: the split ledger ------------------------------------------
#
# Hashing a cluster's key already keeps a story's split when unrelated articles are added.
# What hashing alone cannot do is keep it when a new article *joins* a story (the
# representative or the cluster key may change).  The ledger (corpus/splits.tsv: id,
# split) records the split of every article a build saw, published or dropped as a
# duplicate; a cluster with a member in the ledger keeps that split.  Entries of earlier
# builds are carried over, so an article removed and added back keeps its split too.

LEDGER = "splits.tsv"


def load_ledger(path) -> dict[str, str]:
    ledger: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ledger
    for line in text.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) == 2 and parts[1] in SPLITS:
            ledger[parts[0]] = parts[1]
    return ledger


def ledger_text(ledger: dict[str, str]) -> str:
    return "id\tsplit\n" + "".join(f"{i}\t{s}\n" for i, s in sorted(ledger.items()))


def cluster_split(members: list[str], key: str, ledger: dict[str, str],
                  ratios: dict[str, float] = DEFAULT_RATIOS) -> str:
    """The split of a cluster: its ledger split if a member has one (the smallest such id), else by hash."""
    known = sorted(m for m in members if m in ledger)
    return ledger[known[0]] if known else assign(key, ratios)


def temporal_split(dates: list[str | None], key: str, cutoff: str,
                   ratios: dict[str, float] = DEFAULT_RATIOS) -> str:
    """Temporal configuration: a cluster with any member published on or after ``cutoff`` is test
    (a story straddling the cutoff stays whole on the later side); the rest, undated included,
    is train or validation by hash, in the ratio of train to validation."""
    if any(d is not None and d >= cutoff for d in dates):
        return "test"
    train, validation = ratios.get("train", 0.8), ratios.get("validation", 0.1)
    return assign(key, {"train": train / (train + validation), "validation": validation / (train + validation)})
