"""Brute force over every pair of a built dataset's rows: near-copies across splits.

Independent of the build's dedup (MinHash and LSH, ``khabar.dedup``) and of the sampled check
(``scripts/audit_near_duplicates.py``): every row's set of word 3-grams and word 5-grams of
title + lead + text (white-space words, ZWNJs and Arabic letters folded), and for **every**
pair of rows the exact Jaccard similarity |A∩B| / |A∪B| and the containment
|A∩B| / min(|A|, |B|) (how much of the shorter row is in the longer one), as one sparse
matrix product (scipy). A pair counts when either measure reaches its threshold (0.8 by
default) for either shingle size and its two rows are in different splits.

    python scripts/audit_near_copies.py [DATASET_DIR] [--jaccard 0.8] [--containment 0.8] [--json]

Exit status 1 when a cross-split pair is found. Rows with fewer than ``MIN_SHINGLES`` shingles
(a headline alone) are left out of containment: three words are in many texts.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from scipy import sparse

SIZES = (3, 5)
MIN_SHINGLES = 8
_FOLD = str.maketrans({"\u200c": " ", "ي": "ی", "ى": "ی", "ك": "ک"})


def rows(root: Path) -> list[tuple[str, str, str]]:
    """(id, split, content) of every published row of the default configuration."""
    out = []
    for path in sorted((root / "corpus" / "data").glob("*.parquet")):
        split = path.name.split("-", 1)[0]
        for r in pq.read_table(path, columns=["id", "title", "lead", "text"]).to_pylist():
            out.append((r["id"], split, " ".join(x for x in (r["title"], r["lead"], r["text"]) if x)))
    return out


def shingle_matrix(texts: list[str], size: int) -> sparse.csr_matrix:
    """Rows x hashed shingles, 1 where the row has the shingle."""
    indptr, indices = [0], []
    for text in texts:
        words = text.translate(_FOLD).split()
        grams = {zlib.crc32(" ".join(words[i:i + size]).encode("utf-8"))
                 for i in range(max(1, len(words) - size + 1))} if words else set()
        indices.extend(sorted(grams))
        indptr.append(len(indices))
    cols = np.asarray(indices, dtype=np.int64)
    _, cols = np.unique(cols, return_inverse=True)
    data = np.ones(len(cols), dtype=np.float32)
    return sparse.csr_matrix((data, cols, np.asarray(indptr)), shape=(len(texts), int(cols.max(initial=-1)) + 1))


def pairs(root: Path, jaccard: float = 0.8, containment: float = 0.8) -> tuple[int, list[dict]]:
    """(rows, cross-split pairs at or above either threshold, worst first)."""
    data = rows(root)
    splits = np.array([s for _, s, _ in data])
    found: dict[tuple[int, int], dict] = {}
    for size in SIZES:
        x = shingle_matrix([c for _, _, c in data], size)
        sizes = np.asarray(x.sum(axis=1)).ravel()
        inter = (x @ x.T).tocoo()
        i, j, n = inter.row, inter.col, inter.data
        keep = (i < j) & (splits[i] != splits[j])
        i, j, n = i[keep], j[keep], n[keep]
        jac = n / (sizes[i] + sizes[j] - n)
        small = np.minimum(sizes[i], sizes[j])
        con = np.where(small >= MIN_SHINGLES, n / np.maximum(small, 1), 0.0)
        for a, b, jv, cv in zip(i, j, jac, con):
            if jv >= jaccard or cv >= containment:
                key = (int(a), int(b))
                old = found.get(key, {"jaccard": 0.0, "containment": 0.0})
                found[key] = {"a": data[a][0], "b": data[b][0], "splits": [data[a][1], data[b][1]],
                              "jaccard": round(max(old["jaccard"], float(jv)), 3),
                              "containment": round(max(old["containment"], float(cv)), 3)}
    out = sorted(found.values(), key=lambda p: (-max(p["jaccard"], p["containment"]), p["a"], p["b"]))
    return len(data), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--jaccard", type=float, default=0.8)
    ap.add_argument("--containment", type=float, default=0.8)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    n, found = pairs(Path(args.root), args.jaccard, args.containment)
    if args.json:
        print(json.dumps({"rows": n, "cross_split_pairs": found}, ensure_ascii=False, indent=1))
    else:
        print(f"{n} rows, {n * (n - 1) // 2} pairs compared; cross-split pairs at Jaccard >= {args.jaccard} "
              f"or containment >= {args.containment}: {len(found)}")
        for p in found:
            print(f"  {p['a']} ({p['splits'][0]}) ~ {p['b']} ({p['splits'][1]}): "
                  f"Jaccard {p['jaccard']}, containment {p['containment']}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
