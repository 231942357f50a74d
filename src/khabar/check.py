"""Checking published or hand-made records against the schema (``khabar validate``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from khabar import validate
from khabar.features import from_arrow_row

Finding = tuple[str, "str | None", "str | None", "str | None"]   # where, record id, JSON path, message


def _check(where: str, record: object) -> Iterator[Finding]:
    if not isinstance(record, dict):
        yield where, None, "$", f"expected a JSON object, got {type(record).__name__}"
        return
    record_id = record.get("id") if isinstance(record.get("id"), str) else None
    found = False
    for path, message in validate.errors(record):
        found = True
        yield where, record_id, path, message
    if not found:
        yield where, record_id, None, None


def _jsonl(path: Path) -> Iterator[Finding]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield where, None, "$", f"not JSON: {exc.msg} at column {exc.colno}"
                continue
            yield from _check(where, record)


def _parquet(path: Path) -> Iterator[Finding]:
    pf = pq.ParquetFile(path)
    n = 0
    for batch in pf.iter_batches(batch_size=1000):
        for row in batch.to_pylist():
            n += 1
            yield from _check(f"{path}#{n}", from_arrow_row(row))


def parquet_files(path: Path) -> list[Path]:
    """The published shards of a dataset root, a data folder, or one file."""
    if path.is_file():
        return [path]
    data = path / "corpus" / "data" if (path / "corpus" / "data").is_dir() else path
    return sorted(data.glob("*.parquet"))


def validate_path(path: Path) -> Iterator[Finding]:
    if path.is_file() and path.suffix in (".jsonl", ".json", ".ndjson"):
        yield from _jsonl(path)
        return
    files = parquet_files(path)
    if not files:
        yield str(path), None, "$", "no JSON Lines file and no Parquet shard here"
        return
    for f in files:
        yield from _parquet(f)


def audit_leakage(root: Path, data_dir: str = "corpus/data") -> tuple[int, list[dict[str, object]]]:
    """Near-duplicate pairs that straddle splits in a built dataset (the same MinHash test as the build).

    Returns (rows read, pairs): each pair names both ids, their splits and the similarity.
    A split is read off its file name ({split}-*.parquet)."""
    import numpy as np

    from khabar.dedup import content, near_pairs, signature

    ids, splits, sigs = [], [], []
    for path in sorted((root / data_dir).glob("*.parquet")):
        split = path.name.split("-", 1)[0]
        for batch in pq.ParquetFile(path).iter_batches(batch_size=2000, columns=["id", "title", "lead", "text"]):
            for row in batch.to_pylist():
                ids.append(row["id"])
                splits.append(split)
                sigs.append(signature(content(row)))
    if not sigs:
        return 0, []
    pairs = []
    for a, b, s in near_pairs(np.vstack(sigs)):
        if splits[a] != splits[b]:
            pairs.append({"a": ids[a], "a_split": splits[a], "b": ids[b], "b_split": splits[b], "similarity": round(s, 4)})
    return len(ids), pairs
