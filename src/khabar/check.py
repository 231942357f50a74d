"""Checking published or hand-made records against the schema (``khabar validate``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from khabar import validate
from khabar.features import from_arrow_row

Finding = tuple[str, "str | None", "str | None", "str | None"]   # where, record id, JSON path, message


_NOT_TEXT = re.compile("[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def _strings(value: object, path: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def _check(where: str, record: object, seen: dict[str, str] | None = None) -> Iterator[Finding]:
    """Every finding of one record (a record with none yields one ``(where, id, None, None)``):
    the schema, characters that are not text (lone surrogates, noncharacters), an id seen before."""
    if not isinstance(record, dict):
        yield where, None, "$", f"expected a JSON object, got {type(record).__name__}"
        return
    record_id = record.get("id") if isinstance(record.get("id"), str) else None
    found = False
    for path, text in _strings(record):
        bad = _NOT_TEXT.search(text)
        if bad:
            found = True
            yield where, record_id, path, f"U+{ord(bad.group()):04X} at offset {bad.start()} is not text (a lone surrogate or a noncharacter)"
    if not found:                         # (the validator cannot read a lone surrogate)
        for path, message in validate.errors(record):
            found = True
            yield where, record_id, path, message
    if seen is not None and record_id is not None:
        if record_id in seen:
            found = True
            yield where, record_id, "$.id", f"id {record_id} was already given at {seen[record_id]}"
        seen.setdefault(record_id, where)
    if not found:
        yield where, record_id, None, None


def _jsonl(path: Path) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            where = f"{path}:{n}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield where, None, "$", f"not UTF-8: a bad byte at offset {exc.start} of the line"
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield where, None, "$", f"not JSON: {exc.msg} at column {exc.colno}"
                continue
            except RecursionError:
                yield where, None, "$", "not a record: JSON nested too deep to read"
                continue
            yield from _check(where, record, seen)


def _parquet(path: Path, seen: dict[str, str]) -> Iterator[Finding]:
    import pyarrow as pa

    n = 0
    try:
        pf = pq.ParquetFile(path)
        for batch in pf.iter_batches(batch_size=1000):
            for row in batch.to_pylist():
                n += 1
                yield from _check(f"{path}#{n}", from_arrow_row(row), seen)
    except (pa.ArrowException, OSError, ValueError) as exc:
        yield f"{path}#{n + 1}" if n else str(path), None, "$", f"not a readable Parquet file ({type(exc).__name__}: " \
            f"{str(exc)[:200]})"


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
    seen: dict[str, str] = {}
    for f in files:
        yield from _parquet(f, seen)


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
