"""Stable split assignment.

A record's split is a pure function of a key (its cluster's key) and the ratios:
the first 8 bytes of sha256("khabar-split-v1\\n" + key) read as a fraction of
2**64, compared with the cumulative ratios.  So the same key always lands in the
same split, whatever else is in the corpus, and adding articles never moves one.
"""

from __future__ import annotations

import hashlib

from khabar.record import id_parts

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
_CODE = {name: i for i, name in enumerate(SPLITS)}


class Ledger:
    """id -> split, for every article builds have seen; kept as sorted numpy keys (11 bytes an entry)."""

    def __init__(self, ids: list[str] | None = None, splits: list[str] | None = None):
        import numpy as np

        self.sources: list[str] = []
        self._src_ix: dict[str, int] = {}
        keys, srcs, codes = [], [], []
        for record_id, split in zip(ids or [], splits or []):
            source, key = id_parts(record_id)
            keys.append(key)
            srcs.append(self._source(source))
            codes.append(_CODE[split])
        self._keys = np.array(keys, dtype=np.uint64)
        self._srcs = np.array(srcs, dtype=np.uint16)
        self._codes = np.array(codes, dtype=np.uint8)
        self._sort()
        from khabar.dedup import Column

        self._new_keys, self._new_srcs, self._new_codes = Column(np.uint64), Column(np.uint16), Column(np.uint8)
        self._forgotten: set[tuple[int, int]] = set()

    def forget(self, record_id: str) -> None:
        """Leave ``record_id`` out of the ledger written (a taken-down article's id is not published)."""
        source, key = id_parts(record_id)
        self._forgotten.add((self._source(source), key))

    def _source(self, source: str) -> int:
        if source not in self._src_ix:
            self._src_ix[source] = len(self.sources)
            self.sources.append(source)
        return self._src_ix[source]

    def _sort(self) -> None:
        import numpy as np

        order = np.lexsort((self._srcs, self._keys))
        self._keys, self._srcs, self._codes = self._keys[order], self._srcs[order], self._codes[order]

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, record_id: str) -> str | None:
        return self.get_many([record_id])[0]

    def get_many(self, ids: list[str]) -> list[str | None]:
        """:meth:`get` of every id, with one sorted search for all of them."""
        import numpy as np

        out: list[str | None] = [None] * len(ids)
        if not len(self._keys) or not ids:
            return out
        parts = [id_parts(record_id) for record_id in ids]
        keys = np.fromiter((key for _, key in parts), dtype=np.uint64, count=len(parts))
        lo = np.searchsorted(self._keys, keys, side="left")
        hi = np.searchsorted(self._keys, keys, side="right")
        for n in np.nonzero(hi > lo)[0]:
            src = self._src_ix.get(parts[n][0])
            if src is None:
                continue                          # a source no ledger entry has
            for j in range(int(lo[n]), int(hi[n])):
                if self._srcs[j] == src:
                    out[n] = SPLITS[self._codes[j]]
                    break
        return out

    def set_many(self, ids: list[str], splits: list[str]) -> None:
        """Record a split for each id, in order (applied by :meth:`write`; earlier entries are kept)."""
        import numpy as np

        parts = [id_parts(record_id) for record_id in ids]
        self._new_keys.extend(np.fromiter((key for _, key in parts), dtype=np.uint64, count=len(parts)))
        self._new_srcs.extend(np.array([self._source(source) for source, _ in parts], dtype=np.uint16))
        self._new_codes.extend(np.array([_CODE[split] for split in splits], dtype=np.uint8))

    def set(self, record_id: str, split: str) -> None:
        """Record a split for this build (applied by :meth:`write`; earlier entries are kept)."""
        self.set_many([record_id], [split])

    def write(self, path) -> None:
        """The ledger file: earlier entries and this build's (this build's winning), sorted by id, streamed."""
        import numpy as np

        keys = np.concatenate([self._keys, self._new_keys.view()])
        srcs = np.concatenate([self._srcs, self._new_srcs.view()])
        codes = np.concatenate([self._codes, self._new_codes.view()])
        age = np.arange(len(keys))
        rank = np.argsort(np.argsort(np.array(self.sources, dtype=object)))   # source names in string order
        order = np.lexsort((-age, keys, rank[srcs] if len(srcs) else srcs))
        last = None
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("id\tsplit\n")
            lines: list[str] = []
            for j in order:
                ident = (int(srcs[j]), int(keys[j]))
                if ident == last or ident in self._forgotten:
                    continue                      # an older entry for the same id, or one taken down
                last = ident
                lines.append(f"{self.sources[ident[0]]}-{ident[1]:016x}\t{SPLITS[codes[j]]}\n")
                if len(lines) >= 10_000:
                    fh.write("".join(lines))
                    lines = []
            fh.write("".join(lines))


def load_ledger(path) -> Ledger:
    ids, splits = [], []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return Ledger()
    for line in text.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) == 2 and parts[1] in SPLITS and "-" in parts[0]:
            try:
                id_parts(parts[0])
            except ValueError:
                continue
            ids.append(parts[0])
            splits.append(parts[1])
    return Ledger(ids, splits)


def cluster_split(members: list[str], key: str, ledger: Ledger, ratios: dict[str, float] = DEFAULT_RATIOS) -> str:
    """The split of a cluster: its ledger split if a member has one (the smallest such id), else by hash."""
    for member in sorted(members):
        split = ledger.get(member)
        if split is not None:
            return split
    return assign(key, ratios)


def temporal_split(dates: list[str | None], key: str, cutoff: str,
                   ratios: dict[str, float] = DEFAULT_RATIOS) -> str:
    """Temporal configuration: a cluster with any member published on or after ``cutoff`` is test
    (a story straddling the cutoff stays whole on the later side); the rest, undated included,
    is train or validation by hash, in the ratio of train to validation."""
    if any(d is not None and d >= cutoff for d in dates):
        return "test"
    train, validation = ratios.get("train", 0.8), ratios.get("validation", 0.1)
    return assign(key, {"train": train / (train + validation), "validation": validation / (train + validation)})
