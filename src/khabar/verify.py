"""``khabar verify``: is a published dataset exactly what its build said it published?

Checks, in order (each problem is one line naming the file, row or key):

1. an interrupted commit is finished first (and said so);
2. the manifest: every file exists with its sha256, size and row count; no Parquet file
   is published that the manifest does not list;
3. every file's embedded ``datasets`` features equal those derived from the schema;
4. every row: ClassLabel values in range (``datasets`` itself does not check this), and
   the row valid against ``schema/article.schema.json``;
5. the card (README front matter): its features, its configs' splits and their sizes
   equal the files';
6. the leakage audit: no near-duplicate pair across splits;
7. the takedown list: no published row matches an entry;
8. rights: in the repository's own dataset (a folder with ``corpus/inputs.toml``, the shipped
   corpus, or whose manifest says ``"publication": "open"``) every row's source may be
   redistributed (``redistribution: yes`` in ``schema/sources.yaml``) and carries its licence.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from pathlib import Path
from typing import Any

import datasets
import pyarrow.parquet as pq
import yaml

from khabar import validate
from khabar.features import features, from_arrow_row
from khabar.publish import DATA_DIRS, card, commit, manifest


@dataclasses.dataclass
class Verification:
    problems: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    files: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _class_labels() -> dict[str, datasets.ClassLabel]:
    return {name: f for name, f in features().items() if isinstance(f, datasets.ClassLabel)}


def _check_rights(row: dict[str, Any], where: str, out: Verification) -> None:
    from khabar.registry import sources

    src = sources().get(row.get("source"))
    if src is None or not src.open:
        rights = f"{src.license}, {src.redistribution}" if src else "not in schema/sources.yaml"
        out.problems.append(f"{where}: source {row.get('source')!r} may not be redistributed ({rights}); the "
                            "repository's dataset holds only openly licensed rows (publish others with --output)")
    elif row.get("license") != src.license:
        out.problems.append(f"{where}: license {row.get('license')!r} is not {src.license!r}, the licence of "
                            f"{src.key} in schema/sources.yaml")


def _check_rows(path: Path, rel: str, out: Verification, open_only: bool = False, ids: set[str] | None = None) -> None:
    labels = _class_labels()
    n = 0
    ids = set() if ids is None else ids
    for batch in pq.ParquetFile(path).iter_batches(batch_size=2000):
        for row in batch.to_pylist():
            n += 1
            if row.get("id") in ids and "/temporal/" not in rel:
                out.problems.append(f"{rel} row {n}: id {row.get('id')} is published twice")
            ids.add(row.get("id"))
            if open_only:
                _check_rights(row, f"{rel} row {n} ({row.get('id')})", out)
            bad_label = False
            for name, feat in labels.items():
                value = row.get(name)
                if value is not None and not 0 <= value < feat.num_classes:
                    out.problems.append(f"{rel} row {n} ({row.get('id')}): {name} = {value} is out of range "
                                        f"for ClassLabel with {feat.num_classes} classes")
                    bad_label = True
            if bad_label:
                continue
            for json_path, message in validate.errors(from_arrow_row(row)):
                out.problems.append(f"{rel} row {n} ({row.get('id')}): {json_path}: {message}")
    out.rows += n


def _matches(path: str, pattern: str) -> bool:
    """A card data_files pattern as datasets reads it: ``*`` does not cross folders."""
    p, q = Path(path), Path(pattern)
    return p.parent == q.parent and fnmatch.fnmatch(p.name, q.name)


def _check_card(root: Path, files: list[dict[str, Any]], out: Verification) -> None:
    readme = root / "README.md"
    if not readme.is_file():
        out.problems.append("README.md: missing (the dataset card)")
        return
    try:
        front = card.read_front_matter(readme.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        out.problems.append(f"README.md: the card's front matter is not YAML ({str(exc)[:120]})")
        return
    if not isinstance(front, dict):
        front = None
    if not front:
        out.problems.append("README.md: no YAML front matter")
        return
    rows_by_path = {f["path"]: f["rows"] for f in files
                    if f["path"].endswith(".parquet") and (root / f["path"]).is_file()}
    infos = front.get("dataset_info") or []
    infos = infos if isinstance(infos, list) else [infos]
    info_by_config = {i.get("config_name", "default"): i for i in infos}
    expected = features()
    for config in front.get("configs") or []:
        name = config.get("config_name")
        info = info_by_config.get(name)
        if info is None:
            out.problems.append(f"README.md: config {name!r} has no dataset_info")
            continue
        try:
            card_features = datasets.DatasetInfo._from_yaml_dict({"features": info.get("features")}).features
        except Exception as exc:  # noqa: BLE001 - any malformed card is a finding
            out.problems.append(f"README.md: dataset_info of {name!r}: features unreadable ({exc})")
            card_features = None
        if card_features is not None and card_features != expected:
            out.problems.append(f"README.md: dataset_info of {name!r}: features differ from the schema's")
        sizes = {s["name"]: s.get("num_examples") for s in info.get("splits") or []}
        listed = set()
        for entry in config.get("data_files") or []:
            split, pattern = entry.get("split"), entry.get("path")
            listed.add(split)
            matched = [p for p in rows_by_path if _matches(p, pattern)]
            rows = sum(rows_by_path[p] for p in matched)
            if not matched:
                out.problems.append(f"README.md: config {name!r} split {split!r}: no published file matches {pattern}")
            elif sizes.get(split) != rows:
                out.problems.append(f"README.md: config {name!r} split {split!r}: the card says {sizes.get(split)} "
                                    f"rows, the files hold {rows}")
        for split in set(sizes) - listed:
            out.problems.append(f"README.md: config {name!r}: dataset_info lists split {split!r} with no data_files")
    patterns = [e.get("path") for c in front.get("configs") or [] for e in c.get("data_files") or []
                if isinstance(e, dict) and isinstance(e.get("path"), str)]
    for path in sorted(rows_by_path):
        if not any(_matches(path, pattern) for pattern in patterns):
            out.problems.append(f"README.md: {path} ({rows_by_path[path]} rows, in the manifest) is in no config's "
                                "data_files: datasets would not load it")
    _check_card_licence(front, files, root, out)


def _row_licences(root: Path, files: list[dict[str, Any]]) -> set[str]:
    """The rows' licences as a card may claim them: an open licence of an outlet the registry does
    not back with evidence (a mapping's inline outlet) is not claimed as that licence."""
    from khabar.registry import sources

    registry = sources()
    found: set[str] = set()
    for entry in files:
        try:
            table = pq.read_table(root / entry["path"], columns=["source", "license"])
        except Exception:  # noqa: BLE001 - already reported
            continue
        for source, licence in set(zip(table.column("source").to_pylist(), table.column("license").to_pylist())):
            if licence:
                found.add(card.claimed_licence(registry.get(source), licence))
    return found


def _check_card_licence(front: dict[str, Any], files: list[dict[str, Any]], root: Path, out: Verification) -> None:
    """The card's licence keys are what the rows' licences give (card.license_metadata)."""
    expected = card.license_metadata(_row_licences(root, files))
    for key, value in expected.items():
        if front.get(key) != value:
            out.problems.append(f"README.md: the card's {key} is {front.get(key)!r}, the rows' licences give {value!r}")


def is_open_dataset(root: Path, manifest_data: dict[str, Any]) -> bool:
    """Is this the repository's own dataset, where only redistributable rows may be published?"""
    from khabar.config import is_repository

    return is_repository(root) or manifest_data.get("publication") == "open"


def verify(root: Path, *, audit: bool = True, open_only: bool | None = None,
           takedowns_of: tuple[Path, ...] = ()) -> Verification:
    """Every problem of a published dataset, one line each; damaged files are problems, never
    tracebacks, and nothing outside ``root`` is read.  ``open_only``: check that every row may be
    redistributed (default: when ``root`` is the repository's own dataset, :func:`is_open_dataset`).
    ``takedowns_of``: project roots whose takedown lists apply too (a build copies the list it
    applied into an ``--output`` dataset; a later takedown is in the project's list)."""
    out = Verification()
    corpus = root / "corpus"
    try:
        if commit.recover(corpus):
            out.notes.append("an interrupted commit was found and finished before verifying")
    except (OSError, ValueError) as exc:
        out.problems.append(f"corpus/{commit.JOURNAL}: an interrupted commit cannot be finished ({exc})")
    data = _load_manifest(root, out)
    if data is None:
        return out
    files = _manifest_files(root, data, out)
    if open_only is None:
        open_only = is_open_dataset(root, data)
    ids: set[str] = set()
    for entry in files:
        _check_file(root, entry, out, open_only, ids)
    listed = {entry["path"] for entry in files}
    for path in sorted((corpus / "data").rglob("*")) if (corpus / "data").is_dir() else []:
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in listed:
            out.problems.append(f"{rel}: in the published data folder but not in the manifest")
    _check_card(root, files, out)
    _check_croissant(root, files, out)
    _check_ids(root, files, out)
    if audit and not out.problems:
        from khabar.check import audit_leakage

        for data_dir in DATA_DIRS.values():
            if (root / data_dir).is_dir():
                for p in audit_leakage(root, data_dir)[1]:
                    out.problems.append(f"{data_dir}: near-duplicates across splits: {p['a']} ({p['a_split']}) ~ "
                                        f"{p['b']} ({p['b_split']}), similarity {p['similarity']}")
    _check_takedowns(tuple(dict.fromkeys((root, *takedowns_of))), root,
                     [root / e["path"] for e in files if (root / e["path"]).is_file()], out)
    return out


def _load_manifest(root: Path, out: Verification) -> dict[str, Any] | None:
    path = root / "corpus" / manifest.MANIFEST
    if not path.is_file():
        out.problems.append("corpus/manifest.json: missing")
        return None
    try:
        data = manifest.load(path)
    except (ValueError, OSError) as exc:
        out.problems.append(f"corpus/manifest.json: unreadable ({exc})")
        return None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        out.problems.append("corpus/manifest.json: not a manifest (an object with a list of files)")
        return None
    return data


_ENTRY = {"path": str, "sha256": str, "bytes": int, "rows": int}


def _manifest_files(root: Path, data: dict[str, Any], out: Verification) -> list[dict[str, Any]]:
    """The manifest's well-formed entries for files inside the dataset; every other entry is a problem."""
    good = []
    inside = root.resolve()
    for n, entry in enumerate(data["files"], start=1):
        if not isinstance(entry, dict) or any(not isinstance(entry.get(k), t) for k, t in _ENTRY.items()):
            out.problems.append(f"corpus/manifest.json: file entry {n} lacks path, sha256, bytes or rows")
            continue
        rel = entry["path"]
        target = (root / rel).resolve()
        if not target.is_relative_to(inside) or not rel.startswith("corpus/data/"):
            out.problems.append(f"corpus/manifest.json: file entry {n} points outside the dataset's data ({rel!r}); "
                                "not read")
            continue
        good.append(entry)
    return good


def _check_file(root: Path, entry: dict[str, Any], out: Verification, open_only: bool, ids: set[str]) -> None:
    rel = entry["path"]
    path = root / rel
    if not path.is_file():
        out.problems.append(f"{rel}: listed in the manifest but missing")
        return
    out.files += 1
    digest = manifest.sha256_file(path)
    if digest != entry["sha256"]:
        out.problems.append(f"{rel}: sha256 {digest[:16]}… differs from the manifest's {entry['sha256'][:16]}…")
    if path.stat().st_size != entry["bytes"]:
        out.problems.append(f"{rel}: {path.stat().st_size} bytes, the manifest says {entry['bytes']}")
    try:
        meta = pq.read_metadata(path)
        schema = pq.read_schema(path)
    except Exception as exc:  # noqa: BLE001 - a corrupt file is a finding, whatever pyarrow raises
        out.problems.append(f"{rel}: not a readable Parquet file ({exc})")
        return
    if meta.num_rows != entry["rows"]:
        out.problems.append(f"{rel}: {meta.num_rows} rows, the manifest says {entry['rows']}")
    embedded = json.loads((schema.metadata or {}).get(b"huggingface", b"{}")).get("info", {}).get("features")
    if embedded is None or datasets.Features.from_dict(embedded) != features():
        out.problems.append(f"{rel}: embedded datasets features differ from the schema's")
    try:
        _check_rows(path, rel, out, open_only, ids)
    except Exception as exc:  # noqa: BLE001
        out.problems.append(f"{rel}: rows unreadable ({exc})")


def _check_ids(root: Path, files: list[dict[str, Any]], out: Verification) -> None:
    """Every row's id is the one its source, URL, article id and content hash give (a made-up row
    needs a made-up id), and every row of the default splits is in the split ledger
    (corpus/splits.tsv) under the split it is published in."""
    from khabar.record import record_id
    from khabar.split import LEDGER, load_ledger

    ledger_path = root / "corpus" / LEDGER
    ledger = load_ledger(ledger_path) if ledger_path.is_file() else None
    if ledger is None:
        out.problems.append(f"corpus/{LEDGER}: missing (the split ledger every published row is in)")
    for entry in files:
        rel = entry["path"]
        try:
            rows = pq.read_table(root / rel, columns=["id", "source", "url", "raw_sha256", "article_id"]).to_pylist()
        except Exception:  # noqa: BLE001 - already reported
            continue
        split = Path(rel).name.split("-", 1)[0]
        default = rel.startswith("corpus/data/") and "/" not in rel[len("corpus/data/"):]
        known = ledger.get_many([r["id"] for r in rows]) if ledger is not None and default else [split] * len(rows)
        for n, (row, in_ledger) in enumerate(zip(rows, known), start=1):
            try:
                expected = record_id(row["source"], row["url"], row["raw_sha256"], row["article_id"])
            except (TypeError, AttributeError):
                expected = None
            if row["id"] != expected:
                out.problems.append(f"{rel} row {n}: id {row['id']} is not the id its source, url, article_id and "
                                    f"raw_sha256 give ({expected})")
            if in_ledger != split:
                out.problems.append(f"{rel} row {n} ({row['id']}): the split ledger has it in "
                                    f"{in_ledger or 'no split'}, not {split}")


def _check_croissant(root: Path, files: list[dict[str, Any]], out: Verification) -> None:
    """croissant.json, where published, lists every file with the sha256 of the manifest."""
    path = root / "croissant.json"
    if not path.is_file():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        listed = {d["contentUrl"]: d.get("sha256") for d in data.get("distribution", [])
                  if isinstance(d, dict) and "contentUrl" in d}
    except (ValueError, OSError, AttributeError, TypeError) as exc:
        out.problems.append(f"croissant.json: unreadable ({exc})")
        return
    for entry in files:
        if entry["path"] not in listed:
            out.problems.append(f"croissant.json: {entry['path']} (in the manifest) is not among its distribution's "
                                "contentUrls")
        elif listed[entry["path"]] != entry["sha256"]:
            out.problems.append(f"croissant.json: the sha256 of {entry['path']} is not the manifest's")
    for url in sorted(set(listed) - {entry["path"] for entry in files}):
        if "://" in url or url.startswith("/") or ".." in url.split("/"):
            out.problems.append(f"croissant.json: contentUrl {url!r} points outside the dataset")
        elif url.startswith("corpus/data/"):
            out.problems.append(f"croissant.json: contentUrl {url!r} is not in the manifest")
    from khabar.publish.documents import license_text

    licence = data.get("license") if isinstance(data, dict) else None
    expected = license_text(_row_licences(root, files))
    if licence != expected:
        out.problems.append(f"croissant.json: its license {str(licence)[:80]!r} is not what the rows' licences give "
                            f"({expected[:80]!r})")


def _check_takedowns(list_roots: tuple[Path, ...], root: Path, paths: list[Path], out: Verification) -> None:
    """No published row matches an entry of any of the takedown lists (each file read once)."""
    from khabar import takedowns

    listings = []
    for lists_root in list_roots:
        try:
            listings.append(takedowns.load(lists_root))
        except (takedowns.TakedownError, OSError, UnicodeDecodeError) as exc:
            out.problems.append(f"{takedowns.path_of(lists_root)}: unreadable, so takedowns cannot be checked ({exc})")
    listings = [listing for listing in listings if listing.entries]
    if not listings:
        return
    for path in paths:
        try:
            batches = pq.ParquetFile(path).iter_batches(batch_size=2000, columns=["id", "url", "raw_sha256", "cluster_id",
                                                                                 "source", "article_id"])
            rows = [row for batch in batches for row in batch.to_pylist()]
        except Exception:  # noqa: BLE001 - already reported as unreadable
            continue
        for row in rows:
            matched = {entry.key: entry for listing in listings if (entry := listing.match(row)) is not None}
            for entry in matched.values():
                out.problems.append(f"{path.relative_to(root).as_posix()}: row {row['id']} matches takedown "
                                    f"{entry.key} ({entry.reason}, {entry.date}): it must not be published")
