"""Exact and near-duplicate clustering.

* **Exact duplicates**: the same normalized content (title, lead and body, with white
  space folded) — so different white space and Arabic/Persian letter forms still match.
* **Near duplicates**: MinHash (``datasketch``) over word 5-gram shingles of that content
  (each word hashed with CRC32, the 5-grams combined in numpy, so hashing is vectorized),
  ``NUM_PERM`` = 64 permutations, banded LSH (16 bands of 4 rows) to find candidate pairs,
  each pair confirmed when the estimated Jaccard similarity is at least ``THRESHOLD``
  (0.7: one changed word or an added paragraph stays above it; two different stories
  about the same event stay below).
* **Clusters**: connected components of exact and confirmed pairs (union-find).
* **Representative** (the one published): the member with the most content
  (characters of title + lead + text), then the earliest publication date (undated last),
  then the smallest id.  Every other member is listed in the duplicates report with the
  representative and the similarity.

Memory: per article, in numpy arrays, a 64 x uint32 signature (256 bytes), an 8-byte
content digest, the content length and date (4 bytes each) and the id as an 8-byte key
and a 2-byte source number: 278 bytes.  While pairs are sought, one band's keys
(16 bytes per article) and their sort order (8 bytes) are held at a time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import zlib
from typing import Any

import numpy as np

from khabar.record import id_parts

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.7
SHINGLE = 5
SEED = 20251224
NO_DATE = 99999999
SCHEME = "affine32"      # datasketch >= 2.0's permutation scheme, fixed so signatures stay comparable


def content(record: dict[str, Any]) -> str:
    return " ".join(x for x in (record.get("title"), record.get("lead"), record.get("text")) if x)


def content_digest(text: str) -> bytes:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).digest()[:16]


_WORDISH = re.compile(r"[^\W_][\w\u200c.,/:٫٬'-]*")


def shingles(text: str) -> np.ndarray:
    """The distinct 32-bit hashes of a text's word 5-grams (vectorized: one CRC32 per word)."""
    words = _WORDISH.findall(text)
    if not words:
        return np.zeros(1, dtype=np.uint64)
    h = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64, count=len(words))
    if len(h) >= SHINGLE:
        n = len(h) - SHINGLE + 1
        g = h[:n].copy()
        for k in range(1, SHINGLE):
            g = (g * np.uint64(0x9E3779B1) + h[k:k + n]) & np.uint64(0xFFFFFFFF)
        h = g
    return np.unique(h)


_TEMPLATE = None


def _identity(x: int) -> int:
    return x


def signature(text: str) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` uint32) of a text's shingles (datasketch's MinHash)."""
    global _TEMPLATE
    from datasketch import MinHash

    if _TEMPLATE is None:
        _TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=_identity)
    m = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_TEMPLATE.permutations, scheme=SCHEME,
                hashfunc=_identity)
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


class Column:
    """A growable numpy column: amortized appends, no Python object per row."""

    def __init__(self, dtype: Any, width: int = 0):
        self.width = width
        self.data = np.zeros((1024, width) if width else 1024, dtype=dtype)
        self.n = 0

    def append(self, value: Any) -> None:
        if self.n == len(self.data):
            grown = np.zeros((len(self.data) * 2, *self.data.shape[1:]), dtype=self.data.dtype)
            grown[: self.n] = self.data
            self.data = grown
        self.data[self.n] = value
        self.n += 1

    def extend(self, values: np.ndarray) -> None:
        while self.n + len(values) > len(self.data):
            grown = np.zeros((len(self.data) * 2, *self.data.shape[1:]), dtype=self.data.dtype)
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n: self.n + len(values)] = values
        self.n += len(values)

    def view(self) -> np.ndarray:
        return self.data[: self.n]


class Deduplicator:
    """Collects one compact entry per article (in build order), then clusters them.

    Per article it keeps a signature (``NUM_PERM`` x 4 bytes), an 8-byte content digest,
    the content length and date (4 bytes each) and the id as an 8-byte key and a 2-byte
    source number: 278 bytes with 64 permutations, in numpy arrays."""

    def __init__(self) -> None:
        self._sig = Column(np.uint32, NUM_PERM)
        self._digest = Column(np.uint64)
        self._length = Column(np.uint32)
        self._date = Column(np.uint32)
        self._key = Column(np.uint64)
        self._src = Column(np.uint16)
        self.sources: list[str] = []
        self._src_ix: dict[str, int] = {}

    def __len__(self) -> int:
        return self._key.n

    def add(self, record: dict[str, Any], sig: np.ndarray | None = None, digest: bytes | None = None) -> int:
        """Register a record (its signature and digest may come precomputed from a worker)."""
        index = len(self)
        text = content(record)
        digest = digest if digest is not None else content_digest(text)
        source, key = id_parts(record["id"])
        if source not in self._src_ix:
            self._src_ix[source] = len(self.sources)
            self.sources.append(source)
        self._sig.append(sig if sig is not None else signature(text))
        self._digest.append(int.from_bytes(digest[:8], "big"))
        self._length.append(len(text))
        published = record.get("published")
        self._date.append(int(published.replace("-", "")) if published else NO_DATE)
        self._key.append(key)
        self._src.append(self._src_ix[source])
        return index

    def id_of(self, i: int) -> str:
        return f"{self.sources[int(self._src.data[i])]}-{int(self._key.data[i]):016x}"

    def date_of(self, i: int) -> str | None:
        d = int(self._date.data[i])
        return None if d == NO_DATE else f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}"

    def signatures(self) -> np.ndarray:
        return self._sig.view()

    def repeated_ids(self) -> np.ndarray:
        """Indices whose id an earlier article already has (the same URL, or the same bytes, twice)."""
        keys = self._key.view()
        order = np.lexsort((np.arange(len(keys)), self._src.view(), keys))
        same = np.zeros(len(keys), dtype=bool)
        if len(keys) > 1:
            k, s = keys[order], self._src.view()[order]
            same[order[1:]] = (k[1:] == k[:-1]) & (s[1:] == s[:-1])
        return np.nonzero(same)[0]

    def groups(self, exclude: np.ndarray | None = None) -> list[list[int]]:
        """Clusters of two or more exact or near duplicates, each sorted, in order of first member."""
        n = len(self)
        skip = np.zeros(n, dtype=bool)
        if exclude is not None and len(exclude):
            skip[exclude] = True
        uf = _UnionFind(n)
        digests = self._digest.view()
        order = np.argsort(digests, kind="stable")
        sd = digests[order]
        for k in np.nonzero(sd[1:] == sd[:-1])[0]:
            a, b = int(order[k]), int(order[k + 1])
            if not (skip[a] or skip[b]):
                uf.union(a, b)
        for a, b, _ in near_pairs(self.signatures()):
            if not (skip[a] or skip[b]):
                uf.union(a, b)
        members: dict[int, list[int]] = {}
        for i in np.nonzero(uf.parent != np.arange(n))[0]:
            members.setdefault(uf.find(int(i)), []).append(int(i))
        return sorted(([root, *rest] for root, rest in members.items()), key=lambda g: g[0])

    def representative(self, group: list[int]) -> int:
        """The member published: most content, then earliest date (undated last), then smallest id."""
        return min(group, key=lambda i: (-int(self._length.data[i]), int(self._date.data[i]), self.id_of(i)))

    def duplicate(self, i: int, rep: int) -> Duplicate:
        sigs = self._sig.data
        exact = self._digest.data[i] == self._digest.data[rep]
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
