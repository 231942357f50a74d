"""Exact and near-duplicate clustering.

* **Exact duplicates**: the same normalized content (title, lead and body, with white
  space folded) — so different white space and Arabic/Persian letter forms still match.
* **Near duplicates**: MinHash over word 5-gram shingles of that content (each word hashed
  with CRC32, memoized, the 5-grams combined in numpy), with ``datasketch``'s permutations
  and scheme (drawn the same way, without importing it), computed in one numpy expression
  per article (a test holds it equal to ``datasketch.MinHash.update_batch``),
  ``NUM_PERM`` = 64 permutations, banded LSH (32 bands of 2 rows: a pair at Jaccard 0.3 is a
  candidate with probability 0.95, at 0.5 with 0.9999) to find candidate pairs; a candidate
  whose estimated similarity is at least ``CANDIDATE`` (0.2) is confirmed on the two
  articles' **exact** shingle sets (kept on disk beside the signatures): a near duplicate
  when the exact Jaccard similarity is at least ``THRESHOLD`` (0.7: one changed word or an
  added paragraph stays above it; two different stories about the same event stay below),
  or when at least ``CONTAINMENT`` (0.7) of the shorter article's shingles are in the longer
  one (an early version of a story that a later one grew from). A containment pair whose
  lengths differ more than about fourfold (Jaccard under 0.2) is not sought.
* **Clusters**: connected components of exact and confirmed pairs (union-find).
* **Representative** (the one published): the member with the most content
  (characters of title + lead + text), then the earliest publication date (undated last),
  then the smallest id.  Every other member is listed in the duplicates report with the
  representative and the similarity.

Memory: per article, in numpy blocks of 65,536 rows (appends never copy, so there is no
transient doubling), a 64 x uint32 signature (256 bytes), an 8-byte content digest, the
content length and date (4 bytes each) and the id as an 8-byte key and a 2-byte source
number: 278 bytes.  While pairs are sought, one band's keys (16 bytes per article) and
their sort order (8 bytes) are held at a time, and 32 bytes per candidate pair.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import re
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np

from khabar.native import native
from khabar.record import id_parts

NUM_PERM = 64
BANDS = 32
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.7
CONTAINMENT = 0.7
CANDIDATE = 0.2
MIN_SHINGLES = 8         # containment needs this many shingles in the shorter article
SHINGLE = 5
SEED = 20251224
NO_DATE = 99999999
SCHEME = "affine32"      # datasketch >= 2.0's permutation scheme, fixed so signatures stay comparable


def content(record: dict[str, Any]) -> str:
    return " ".join(x for x in (record.get("title"), record.get("lead"), record.get("text")) if x)


def content_digest(text: str) -> bytes:
    """The first 16 bytes of the SHA-256 of ``text`` with its white space collapsed, in UTF-8
    (``native.collapse_utf8`` writes those bytes in one pass)."""
    data = native.collapse_utf8(text) if native is not None else None
    if data is None:
        data = " ".join(text.split()).encode("utf-8")
    return hashlib.sha256(data).digest()[:16]


_WORDISH = re.compile(r"[^\W_][\w\u200c.,/:٫٬'-]*")


class _WordHashes(dict):
    """CRC32 of each word, memoized (words repeat: a few hundred thousand cover a corpus)."""

    def __missing__(self, word: str) -> int:
        value = zlib.crc32(word.encode("utf-8"))
        if len(self) < 1_000_000:
            self[word] = value
        return value


_WORD_HASHES = _WordHashes()


def word_hashes(text: str) -> np.ndarray:
    """CRC32 of the UTF-8 bytes of every word (``_WORDISH``), as uint64 (``native.word_hashes``
    is the compiled twin of the Python here)."""
    if native is not None:
        packed = native.word_hashes(text)
        if packed is not None:
            return np.frombuffer(packed, dtype=np.uint32).astype(np.uint64)
    return word_hashes_py(text)


def word_hashes_py(text: str) -> np.ndarray:
    words = _WORDISH.findall(text)
    return np.fromiter(map(_WORD_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))


def shingles(text: str) -> np.ndarray:
    """The distinct 32-bit hashes of a text's word 5-grams (vectorized: one CRC32 per word)."""
    h = word_hashes(text)
    if not len(h):
        return np.zeros(1, dtype=np.uint64)
    if len(h) >= SHINGLE:
        n = len(h) - SHINGLE + 1
        g = h[:n].copy()
        for k in range(1, SHINGLE):
            g = (g * np.uint64(0x9E3779B1) + h[k:k + n]) & np.uint64(0xFFFFFFFF)
        h = g
    return np.unique(h)


_PERMUTATIONS: tuple[np.ndarray, np.ndarray] | None = None


def permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``NUM_PERM`` affine permutations for ``SEED`` (``a``, ``b`` as uint32 columns).

    Drawn here the way datasketch's affine32 scheme draws them (odd ``a``, any ``b``, from
    ``RandomState(SEED)``), without importing datasketch, whose LSH module imports scipy: half
    a second in every worker process.  A test holds them equal to ``MinHash(...).permutations``."""
    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        gen = np.random.RandomState(SEED)
        a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
        _PERMUTATIONS = (a.reshape(-1, 1), b.reshape(-1, 1))
    return _PERMUTATIONS


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, the pre-mix of datasketch's affine32 scheme."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signature(text: str) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` uint32) of a text's shingles.

    The same values as datasketch's ``MinHash(num_perm=NUM_PERM, seed=SEED,
    scheme="affine32").update_batch(shingles)`` (a test holds the two equal), computed
    in one numpy expression instead of a Python loop over the shingles."""
    return fingerprint(text)[0]


def fingerprint(text: str) -> tuple[np.ndarray, np.ndarray]:
    """A text's MinHash signature and its distinct shingles (sorted uint32), for exact checks
    (``native.minhash`` computes both from the words' hashes; :func:`fingerprint_py` is its twin)."""
    if native is not None:
        packed = native.word_hashes(text)
        if packed is not None:
            a, b = _permutation_bytes()
            sig, grams = native.minhash(packed, a, b, SHINGLE)
            return np.frombuffer(sig, dtype=np.uint32), np.frombuffer(grams, dtype=np.uint32)
    return fingerprint_py(text)


@functools.cache
def _permutation_bytes() -> tuple[bytes, bytes]:
    a, b = permutations()
    return a.ravel().tobytes(), b.ravel().tobytes()


def fingerprint_py(text: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`fingerprint` in numpy."""
    grams = shingles(text).astype(np.uint32)
    return minhash(grams), grams


def minhash(grams: np.ndarray) -> np.ndarray:
    """The MinHash signature of distinct uint32 shingles (in numpy)."""
    a, b = permutations()
    permuted = a * _fmix32(grams)      # NUM_PERM x shingles, wrapping uint32
    permuted += b
    return permuted.min(axis=1)


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact (Jaccard similarity, containment of the smaller in the larger) of two sorted
    distinct shingle arrays; containment is 0 when the smaller has under ``MIN_SHINGLES``."""
    common = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - common
    small = min(len(a), len(b))
    return (common / union if union else 1.0), (common / small if small >= MIN_SHINGLES else 0.0)


@dataclasses.dataclass(frozen=True)
class Duplicate:
    """A dropped article: which published article it duplicates, and how closely."""

    index: int
    representative: int
    kind: str            # 'exact' | 'near'
    similarity: float    # exact Jaccard similarity of the two articles' shingles
    containment: float   # share of the shorter article's shingles in the other


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
    """A growable numpy column kept in fixed blocks of ``BLOCK`` rows: appending never copies
    what is stored (no doubling), so memory grows by the row size and nothing more."""

    BLOCK = 1 << 16

    def __init__(self, dtype: Any, width: int = 0):
        self.dtype = np.dtype(dtype)
        self.width = width
        self.blocks: list[np.ndarray] = []
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def _room(self) -> np.ndarray:
        if self.n == len(self.blocks) * self.BLOCK:
            self.blocks.append(np.zeros((self.BLOCK, self.width) if self.width else self.BLOCK, dtype=self.dtype))
        return self.blocks[-1]

    def append(self, value: Any) -> None:
        self._room()[self.n % self.BLOCK] = value
        self.n += 1

    def extend(self, values: np.ndarray) -> None:
        while len(values):
            block = self._room()
            at = self.n % self.BLOCK
            take = min(self.BLOCK - at, len(values))
            block[at:at + take] = values[:take]
            self.n += take
            values = values[take:]

    def __getitem__(self, i: int) -> Any:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.blocks[i // self.BLOCK][i % self.BLOCK]

    def view(self, lo: int | None = None, hi: int | None = None) -> np.ndarray:
        """The rows as one array (a copy; for a wide column, only its columns ``lo:hi``)."""
        parts = [b if not self.width or lo is None else b[:, lo:hi] for b in self.blocks]
        if not parts:
            shape = (0, (hi or self.width) - (lo or 0)) if self.width else (0,)
            return np.zeros(shape, dtype=self.dtype)
        return np.concatenate(parts)[: self.n]


class SignatureFile:
    """Signatures on disk, in arrival order, for builds too large to hold them: a column of
    ``width`` uint32 per row, written a block at a time with plain writes (a memory map's
    pages would count as resident).  Reading is by band (:meth:`view`: the ``lo:hi`` columns
    of every row, read block by block) and by row (:meth:`__getitem__`)."""

    def __init__(self, path: Path, width: int = NUM_PERM):
        self.path = path
        self.width = width
        self.block = Column(np.uint32, width)     # rows not yet written
        self.written = 0
        self._fh = path.open("wb")

    def __len__(self) -> int:
        return self.written + self.block.n

    def append(self, row: np.ndarray) -> None:
        self.block.append(row)
        if self.block.n == Column.BLOCK:
            self._spill()

    def _spill(self) -> None:
        if self.block.n:
            self._fh.write(self.block.view().tobytes())
            self._fh.flush()
            self.written += self.block.n
            self.block = Column(np.uint32, self.width)

    def _rows(self, start: int, count: int) -> np.ndarray:
        row_bytes = self.width * 4
        data = np.fromfile(self.path, dtype=np.uint32, count=count * self.width, offset=start * row_bytes)
        return data.reshape(-1, self.width)

    def __getitem__(self, i: int) -> np.ndarray:
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i >= self.written:
            return self.block[i - self.written]
        return self._rows(i, 1)[0]

    def view(self, lo: int = 0, hi: int | None = None) -> np.ndarray:
        hi = self.width if hi is None else hi
        parts = [self._rows(start, min(Column.BLOCK, self.written - start))[:, lo:hi].copy()
                 for start in range(0, self.written, Column.BLOCK)]
        parts.append(self.block.view(lo, hi))
        return np.concatenate(parts)

    def close(self) -> None:
        self._fh.close()
        self.path.unlink(missing_ok=True)


class ShingleStore:
    """Every article's distinct shingles (sorted uint32), in arrival order: in memory, or with
    ``path`` appended to a file (8 bytes of offset per article stay in memory), read back only
    for the candidate pairs the LSH finds."""

    BUFFER = 1 << 20             # bytes of shingles gathered before one write (not a write per article)

    def __init__(self, path: Path | None = None):
        self.path = path
        self.ends = Column(np.uint64)
        self._end = 0
        self._rows: list[np.ndarray] = []
        self._fh = path.open("w+b") if path else None
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._flushed = True

    def __len__(self) -> int:
        return self.ends.n

    def append(self, grams: np.ndarray) -> None:
        grams = np.ascontiguousarray(grams, dtype=np.uint32)
        self._end += len(grams)
        if self._fh is not None:
            data = grams.tobytes()
            self._pending.append(data)
            self._pending_bytes += len(data)
            if self._pending_bytes >= self.BUFFER:
                self._write()
        else:
            self._rows.append(grams)
        self.ends.append(self._end)

    def _write(self) -> None:
        assert self._fh is not None
        self._fh.write(b"".join(self._pending))
        self._pending, self._pending_bytes, self._flushed = [], 0, False

    def __getitem__(self, i: int) -> np.ndarray:
        if self._fh is None:
            return self._rows[i]
        if self._pending:
            self._write()
        if not self._flushed:
            self._fh.flush()
            self._flushed = True
        start = int(self.ends[i - 1]) if i else 0
        # a plain read of the row (a memory map's pages would stay resident: gigabytes at scale)
        data = os.pread(self._fh.fileno(), 4 * (int(self.ends[i]) - start), 4 * start)
        return np.frombuffer(data, dtype=np.uint32)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self.path.unlink(missing_ok=True)


class Deduplicator:
    """Collects one compact entry per article (in build order), then clusters them.

    Per article it keeps a signature (``NUM_PERM`` x 4 bytes), an 8-byte content digest,
    the content length and date (4 bytes each) and the id as an 8-byte key and a 2-byte
    source number: 278 bytes with 64 permutations, in numpy arrays.  With ``spill`` (a file
    path; the build passes one), signatures go to that file instead and 26 bytes per article
    stay in memory."""

    def __init__(self, spill: Path | None = None) -> None:
        self._sig: Column | SignatureFile = SignatureFile(spill) if spill else Column(np.uint32, NUM_PERM)
        self._grams = ShingleStore(spill.with_suffix(".shingles") if spill else None)
        self._digest = Column(np.uint64)
        self._length = Column(np.uint32)
        self._date = Column(np.uint32)
        self._key = Column(np.uint64)
        self._src = Column(np.uint16)
        self.sources: list[str] = []
        self._src_ix: dict[str, int] = {}

    def __len__(self) -> int:
        return self._key.n

    def add(self, record: dict[str, Any], sig: np.ndarray | None = None, digest: bytes | None = None,
            length: int | None = None, grams: np.ndarray | None = None) -> int:
        """Register a record (its signature, shingles, digest and content length may come
        precomputed from a worker; then only its ``id`` and ``published`` are read)."""
        index = len(self)
        text = content(record) if sig is None or grams is None or digest is None or length is None else ""
        if sig is None or grams is None:
            sig, grams = fingerprint(text)
        digest = digest if digest is not None else content_digest(text)
        source, key = id_parts(record["id"])
        if source not in self._src_ix:
            self._src_ix[source] = len(self.sources)
            self.sources.append(source)
        self._sig.append(sig)
        self._grams.append(grams)
        self._digest.append(int.from_bytes(digest[:8], "big"))
        self._length.append(length if length is not None else len(text))
        published = record.get("published")
        self._date.append(int(published.replace("-", "")) if published else NO_DATE)
        self._key.append(key)
        self._src.append(self._src_ix[source])
        return index

    def id_of(self, i: int) -> str:
        return f"{self.sources[int(self._src[i])]}-{int(self._key[i]):016x}"

    def date_of(self, i: int) -> str | None:
        d = int(self._date[i])
        return None if d == NO_DATE else f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}"

    def signatures(self) -> "Column | SignatureFile":
        return self._sig

    def close(self) -> None:
        """Remove the spilled signatures and shingles (after clustering; ids, dates and digests stay)."""
        if isinstance(self._sig, SignatureFile):
            self._sig.close()
        self._grams.close()

    def overlap(self, a: int, b: int) -> tuple[float, float]:
        """Exact (Jaccard, containment) of two articles' shingles."""
        return overlap(self._grams[a], self._grams[b])

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
        for a, b, _ in near_pairs(self.signatures(), self.overlap):
            if not (skip[a] or skip[b]):
                uf.union(a, b)
        members: dict[int, list[int]] = {}
        for i in np.nonzero(uf.parent != np.arange(n))[0]:
            members.setdefault(uf.find(int(i)), []).append(int(i))
        return sorted(([root, *rest] for root, rest in members.items()), key=lambda g: g[0])

    def representative(self, group: list[int]) -> int:
        """The member published: most content, then earliest date (undated last), then smallest id."""
        return min(group, key=lambda i: (-int(self._length[i]), int(self._date[i]), self.id_of(i)))

    def duplicate(self, i: int, rep: int) -> Duplicate:
        exact = self._digest[i] == self._digest[rep]
        jaccard, contained = (1.0, 1.0) if exact else self.overlap(i, rep)
        return Duplicate(index=i, representative=rep, kind="exact" if exact else "near",
                         similarity=round(jaccard, 4), containment=round(contained, 4))


def near_pairs(sigs: "np.ndarray | Column | SignatureFile",
               exact: "Callable[[int, int], tuple[float, float]] | None" = None) -> list[tuple[int, int, float]]:
    """Pairs of rows (a, b, similarity), a < b, that share a band and are near duplicates: with
    ``exact`` (a row pair's exact Jaccard and containment), a candidate whose signatures agree
    on at least ``CANDIDATE`` and whose exact Jaccard is at least ``THRESHOLD`` or containment
    at least ``CONTAINMENT``; without it, signatures that agree on at least ``THRESHOLD``.

    In numpy, a band at a time (one band's keys, 8 bytes a row, are held at a time): the
    candidates (every member of a run of equal keys with the run's first member and with its
    neighbour), then, a band at a time again, how many signature values each candidate's two
    rows share.  No row is read alone: at 100,000 articles a row read per candidate took
    9 of the build's 70 seconds."""
    n = len(sigs)
    if n < 2:
        return []
    codes = np.unique(np.concatenate([_band_pairs(_band(sigs, band)) for band in range(BANDS)]))
    first, second = np.divmod(codes, n)
    agree = np.zeros(len(codes), dtype=np.int64)
    for band in range(BANDS):
        block = _band(sigs, band)
        agree += np.count_nonzero(block[first] == block[second], axis=1)
    out = []
    for a, b, same in zip(first.tolist(), second.tolist(), agree.tolist()):
        s = same / NUM_PERM
        if exact is None:
            if s >= THRESHOLD:
                out.append((a, b, s))
        elif s >= CANDIDATE:
            jaccard, contained = exact(a, b)
            if jaccard >= THRESHOLD or contained >= CONTAINMENT:
                out.append((a, b, jaccard))
    return out


def _band(sigs: "np.ndarray | Column | SignatureFile", band: int) -> np.ndarray:
    lo, hi = band * ROWS, (band + 1) * ROWS
    return np.ascontiguousarray(sigs[:, lo:hi] if isinstance(sigs, np.ndarray) else sigs.view(lo, hi))


def _band_pairs(block: np.ndarray) -> np.ndarray:
    """The candidate pairs of one band, as codes ``a * n + b`` (a < b): rows whose band keys are
    equal, each paired with the first row of its run of equal keys and with the row after it."""
    n = len(block)
    width = block.dtype.itemsize * ROWS
    # a band's key as one number where it fits in 8 bytes (a sort of integers, several times quicker
    # than of bytes): only which keys are equal matters, and the sort is stable, so the pairs are the same
    keys = block.view(np.uint64 if width == 8 else np.dtype((np.void, width))).ravel()
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    equal = sorted_keys[1:] == sorted_keys[:-1]
    same = np.nonzero(equal)[0]
    if not len(same):
        return np.zeros(0, dtype=np.int64)
    starts = np.zeros(n, dtype=np.int64)                  # each sorted position's run start
    starts[1:][~equal] = np.nonzero(~equal)[0] + 1
    np.maximum.accumulate(starts, out=starts)
    left = np.concatenate([order[starts[same]], order[same]]).astype(np.int64)
    right = np.concatenate([order[same + 1], order[same + 1]]).astype(np.int64)
    return np.minimum(left, right) * n + np.maximum(left, right)
