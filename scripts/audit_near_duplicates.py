"""An independent near-duplicate check of a built dataset, made apart from the build's own dedup.

The build finds copies with its own MinHash (word 5-grams, 64 permutations, banded LSH,
see ``khabar.dedup``).  This check uses a different recipe straight from ``datasketch``:
word 3-gram shingles of title + lead + text (white-space words), 128 permutations,
``MinHashLSH`` for candidates, and a pair counts when its estimated Jaccard similarity is
at least 0.8.  It reports the pairs whose two rows sit in different splits: a leak from
train into test that a model would be rewarded for memorizing.

    python scripts/audit_near_duplicates.py [DATASET_DIR] [--threshold 0.8] [--json]

Exit status 1 when a cross-split pair is found.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
from datasketch import MinHash, MinHashLSH

from khabar.dedup import content      # title, lead and text, as the build's dedup joins them

NUM_PERM = 128
SHINGLE = 3


def shingles(text: str) -> set[bytes]:
    words = text.split()
    if len(words) < SHINGLE:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}


def rows(root: Path):
    """(id, split, content) of every published row, split by split in file-name order."""
    for path in sorted((root / "corpus" / "data").glob("*.parquet")):
        split = path.name.split("-", 1)[0]
        table = pq.read_table(path, columns=["id", "title", "lead", "text"])
        for r in table.to_pylist():
            yield r["id"], split, content(r)


def cross_split_pairs(root: Path, threshold: float = 0.8) -> tuple[int, list[dict]]:
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes: dict[str, tuple[str, MinHash]] = {}
    for key, split, content in rows(root):
        grams = shingles(content)
        if not grams:
            continue
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch(sorted(grams))
        hashes[key] = (split, m)
        lsh.insert(key, m)
    pairs = []
    for key, (split, m) in hashes.items():
        for other in lsh.query(m):
            if other <= key:
                continue
            other_split, m2 = hashes[other]
            j = m.jaccard(m2)
            if other_split != split and j >= threshold:
                pairs.append({"a": key, "a_split": split, "b": other, "b_split": other_split, "jaccard": round(j, 4)})
    pairs.sort(key=lambda p: (p["a"], p["b"]))
    return len(hashes), pairs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?", default=".", type=Path, help="a dataset folder (the repository, or an --output)")
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--json", action="store_true", help="print the pairs as JSON lines")
    args = ap.parse_args(argv)
    n, pairs = cross_split_pairs(args.root, args.threshold)
    if args.json:
        for p in pairs:
            print(json.dumps(p, ensure_ascii=False))
    print(f"{n} rows; {len(pairs)} near-duplicate pairs across splits "
          f"(word {SHINGLE}-grams, {NUM_PERM} permutations, Jaccard >= {args.threshold})", file=sys.stderr)
    return 1 if pairs else 0


if __name__ == "__main__":
    sys.exit(main())
