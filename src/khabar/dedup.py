"""Exact and near-duplicate clustering.

* **Exact duplicates**: the same normalized content (title, lead and body, with white
  space folded) — so different white space and Arabic/Persian letter forms still match.
* **Near duplicates**: MinHash (``datasketch``) over word 5-gram shingles of that content,
  ``NUM_PERM`` = 64 permutations, banded LSH (16 bands of 4 rows) to find candidate pairs,
  each pair confirmed when the estimated Jaccard similarity is at least ``THRESHOLD``
  (0.7: one changed word or an added paragraph stays above it; two different stories
  about the same event stay below).
* **Clusters**: connected components of exact and confirmed pairs (union-find).
* **Representative** (the one published): the member with the most content
  (characters of title + lead + text), then the earliest publication date (undated last),
  then the smallest id.  Every other member is listed in the duplicates report with the
  representative and the similarity.

Memory: per article, a 64 x uint32 signature (256 bytes), a 16-byte content digest and
its rank (content length, date, id): about 400 bytes; the band keys are sorted in numpy
arrays (16 x 8 bytes per article) only while pairs are sought.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import numpy as np

from khabar.text.segment import tokens

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.7
SHINGLE = 5
SEED = 20251224
SCHEME = "affine32"      # datasketch >= 2.0's permutation scheme, fixed so signatures stay comparable


def content(record: dict[str, Any]) -> str:
    return " ".join(x for x in (record.get("title"), record.get("lead"), record.get("text")) if x)


def content_digest(text: str) -> bytes:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).digest()[:16]


def shingles(text: str) -> list[bytes]:
    words = [t for t in tokens(text) if t[0].isalnum()]
    if len(words) < SHINGLE:
        return [" ".join(words).encode("utf-8")] if words else [b""]
    return list({" ".join(words[i:i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)})


_TEMPLATE = None


def signature(text: str) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` uint32) of a text's shingles."""
    global _TEMPLATE
    from datasketch import MinHash

    if _TEMPLATE is None:
        _TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    m = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_TEMPLATE.permutations, scheme=SCHEME)
    m.update_batch(shingles(text))
    return m.hashvalues.astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


@dataclasses.dataclass(frozen=True)
class Duplicate:
    """A dropped article: which published article it duplicates, and how closely."""

    index: int
    representative: int
    kind: str            # 'exact' | 'near'
    similarity: float


class _UnionFind:
    def __init__(self, n: int):
        self.parent = np.arange(n, dtype=np.int64)

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = int(self.parent[root])
        while self.parent[x] != root:
            self.parent[x], x = root, int(self.parent[x])
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class Deduplicator:
    """Collects one entry per article (in build order), then clusters them."""

    def __init__(self) -> None:
        self._sigs: list[np.ndarray] = []
        self._first: dict[bytes, int] = {}
        self.digests: list[bytes] = []
        self.length: list[int] = []
        self.date: list[int] = []
        self.ids: list[str] = []

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, record: dict[str, Any]) -> int:
        index = len(self.ids)
        text = content(record)
        digest = content_digest(text)
        self._first.setdefault(digest, index)
        self.digests.append(digest)
        self._sigs.append(signature(text))
        self.length.append(len(text))
        published = record.get("published")
        self.date.append(int(published.replace("-", "")) if published else 99999999)
        self.ids.append(record["id"])
        return index

    def signatures(self) -> np.ndarray:
        return np.vstack(self._sigs) if self._sigs else np.zeros((0, NUM_PERM), dtype=np.uint32)

    def near_pairs(self, sigs: np.ndarray) -> list[tuple[int, int, float]]:
        """Confirmed near-duplicate pairs (i < j), from band collisions."""
        return near_pairs(sigs)

    def groups(self) -> list[list[int]]:
        """Clusters of exact and near duplicates (every article in exactly one), in order of first member."""
        n = len(self.ids)
        uf = _UnionFind(n)
        for i, digest in enumerate(self.digests):
            uf.union(self._first[digest], i)
        for a, b, _ in near_pairs(self.signatures()):
            uf.union(a, b)
        members: dict[int, list[int]] = {}
        for i in range(n):
            members.setdefault(uf.find(i), []).append(i)
        return list(members.values())

    def representative(self, group: list[int]) -> int:
        """The member published: most content, then earliest date (undated last), then smallest id."""
        return min(group, key=lambda i: (-self.length[i], self.date[i], self.ids[i]))

    def duplicate(self, i: int, rep: int, sigs: np.ndarray) -> Duplicate:
        exact = self.digests[i] == self.digests[rep]
        s = 1.0 if exact else similarity(sigs[i], sigs[rep])
        return Duplicate(index=i, representative=rep, kind="exact" if exact else "near", similarity=round(s, 4))


def near_pairs(sigs: np.ndarray) -> list[tuple[int, int, float]]:
    n = len(sigs)
    if n < 2:
        return []
    pairs: set[tuple[int, int]] = set()
    for band in range(BANDS):
        block = np.ascontiguousarray(sigs[:, band * ROWS:(band + 1) * ROWS])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * ROWS))).ravel()
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        same = np.nonzero(sorted_keys[1:] == sorted_keys[:-1])[0]
        if not len(same):
            continue
        # runs of equal keys: pair every member with the run's first member and its neighbour
        start = None
        for k in same:
            if start is None or sorted_keys[k] != sorted_keys[start]:
                start = k
            for a, b in ((int(order[start]), int(order[k + 1])), (int(order[k]), int(order[k + 1]))):
                if a != b:
                    pairs.add((min(a, b), max(a, b)))
    out = []
    for a, b in sorted(pairs):
        s = similarity(sigs[a], sigs[b])
        if s >= THRESHOLD:
            out.append((a, b, s))
    return out
