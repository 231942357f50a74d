"""The build: deterministic, loadable offline, atomic, and consistent with its manifest and card."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import BUILD_DATE, FIXTURES, REPO, make_root
from khabar.pipeline import BuildConfig, BuildError, build
from khabar.publish import card, commit


def _pages(seed: bytes) -> dict[str, bytes]:
    return {
        "aa-fa/000_4212da3186e38a21.txt": seed,
        "aa-fa/tehran.txt": (FIXTURES / "aa_fa" / "tehran_topics.txt").read_bytes(),
        "aa-fa/ankara.txt": (FIXTURES / "aa_fa" / "ankara_arabic_letters.txt").read_bytes(),
    }


def _digest_tree(root) -> dict[str, str]:
    out = {}
    for path in sorted((root / "corpus").rglob("*")):
        if path.is_file() and "raw" not in path.relative_to(root / "corpus").parts:
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    out["README.md"] = hashlib.sha256((root / "README.md").read_bytes()).hexdigest()
    return out


def _build(root):
    return build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False))


def test_two_builds_are_byte_identical(tmp_path, seed_bytes):
    a = make_root(tmp_path / "a", _pages(seed_bytes))
    b = make_root(tmp_path / "b", _pages(seed_bytes))
    _build(a)
    first = _digest_tree(a)
    _build(a)                        # rebuild in place
    _build(b)                        # and in another folder
    assert _digest_tree(a) == first
    assert _digest_tree(b) == first
    assert any(k.endswith(".parquet") for k in first) and "corpus/manifest.json" in first


def test_manifest_matches_files(tmp_path, seed_bytes):
    root = make_root(tmp_path, _pages(seed_bytes))
    result = _build(root)
    manifest = json.loads((root / "corpus/manifest.json").read_text("utf-8"))
    on_disk = sorted(p.relative_to(root).as_posix() for p in (root / "corpus/data").glob("*.parquet"))
    assert sorted(f["path"] for f in manifest["files"]) == on_disk
    for entry in manifest["files"]:
        assert hashlib.sha256((root / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert sum(f["rows"] for f in manifest["files"]) == 3 == sum(result.split_rows.values())


def test_card_front_matter_lists_only_nonempty_splits(tmp_path, seed_bytes):
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    result = _build(root)
    front = card.read_front_matter((root / "README.md").read_text("utf-8"))
    nonempty = [s for s, n in result.split_rows.items() if n]
    assert [f["split"] for f in front["configs"][0]["data_files"]] == nonempty
    [info] = front["dataset_info"]                    # one config: no temporal cutoff configured
    assert info["config_name"] == "default"
    assert [s["name"] for s in info["splits"]] == nonempty
    assert front["language"] == ["fa"] and front["size_categories"] == ["n<1K"]
    assert front["license"] and front["task_categories"] and front["pretty_name"]
    readme = (root / "README.md").read_text("utf-8")
    assert "| **total** | 1 |" in readme
    assert "<!-- khabar:example -->\nLong text fields" in readme


def _load(root):
    code = ("import datasets, json, sys; d = datasets.load_dataset(sys.argv[1]); "
            "s = list(d)[0]; r = d[s][0]; f = d[s].features; "
            "print(json.dumps({'splits': {k: len(v) for k, v in d.items()}, 'categories': r['categories'], "
            "'category': f['category'].int2str(r['category']), 'published': str(r['published']), "
            "'updated': str(r['updated']), 'dateline': r['dateline'], 'publisher': r['publisher'], "
            "'paragraphs': len(r['paragraphs']), 'notice': r['license_notice'], 'text': r['text'], "
            "'feature_types': {k: type(v).__name__ for k, v in f.items()}}, ensure_ascii=False))")
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(root.parent / "hf-cache"), "HF_HOME": str(root.parent / "hf-home")}
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_load_dataset_offline_gives_the_seed_article(tmp_path, seed_bytes):
    root = make_root(tmp_path, {"aa-fa/000_4212da3186e38a21.txt": seed_bytes})
    _build(root)
    got = _load(root)
    assert sum(got["splits"].values()) == 1
    assert got["categories"] == ["جهان", "خاورمیانه"] and got["category"] == "world"
    assert got["published"] == "2025-12-24" and got["updated"] == "2025-12-24"
    assert got["dateline"] == "استانبول" and got["publisher"] == "Anadolu Agency"
    assert got["paragraphs"] == 9
    notice = seed_bytes.decode("utf-8").split("\n")[29]
    assert got["notice"] == notice and notice not in got["text"]
    assert got["feature_types"]["category"] == "ClassLabel"
    assert got["feature_types"]["paragraphs"] == "List"


def test_failed_build_leaves_previous_dataset_intact(tmp_path, seed_bytes, monkeypatch):
    root = make_root(tmp_path, _pages(seed_bytes))
    _build(root)
    before = _digest_tree(root)
    (root / "corpus/raw/aa-fa/new.txt").write_bytes(seed_bytes.replace(b"2025", b"2024"))

    import khabar.publish.documents as documents

    def explode(*args, **kwargs):
        raise RuntimeError("disk full (simulated)")
    monkeypatch.setattr(documents.card, "render", explode)
    with pytest.raises(RuntimeError):
        _build(root)
    assert _digest_tree(root) == before
    assert not (root / "corpus" / commit.STAGING).exists()


def test_build_with_nothing_publishable_keeps_previous(tmp_path, seed_bytes):
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    _build(root)
    before = _digest_tree(root)
    (root / "corpus/raw/aa-fa/seed.txt").write_bytes(b"")
    with pytest.raises(BuildError, match="no article could be published"):
        _build(root)
    after = _digest_tree(root)
    failed = {k for k in after if k.startswith("corpus/reports/last-failed/")}   # what went wrong, for the user
    assert failed == {"corpus/reports/last-failed/rejects.jsonl", "corpus/reports/last-failed/summary.txt"}
    assert {k: v for k, v in after.items() if k not in failed} == before
    from khabar.verify import verify
    assert verify(root, audit=False).ok


def test_interrupted_commit_is_finished_by_the_next_run(tmp_path, seed_bytes, monkeypatch):
    root = make_root(tmp_path, _pages(seed_bytes))
    _build(root)
    (root / "corpus/raw/aa-fa/ankara.txt").unlink()
    real_replace = os.replace
    calls = {"n": 0}

    def dying_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:          # after the journal and the data/ move: die mid-commit
            raise KeyboardInterrupt("killed")
        return real_replace(src, dst)
    monkeypatch.setattr(commit.os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        _build(root)
    monkeypatch.setattr(commit.os, "replace", real_replace)
    assert (root / "corpus" / commit.JOURNAL).exists()
    assert commit.recover(root / "corpus")
    manifest = json.loads((root / "corpus/manifest.json").read_text("utf-8"))
    assert sum(f["rows"] for f in manifest["files"]) == 2      # the new build, whole
    assert not (root / "corpus" / commit.JOURNAL).exists()


def test_repository_build_is_current():
    """The committed corpus/ is whole: every published file has its manifest sha256, and every raw
    file under corpus/raw/ was read by the build that made it (with the sha256 it has now)."""
    manifest = json.loads((REPO / "corpus/manifest.json").read_text("utf-8"))
    for entry in manifest["files"]:
        assert hashlib.sha256((REPO / entry["path"]).read_bytes()).hexdigest() == entry["sha256"], entry["path"]
    raw = {p.relative_to(REPO).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
           for p in (REPO / "corpus/raw").rglob("*") if p.is_file()}
    read = {f["path"]: f["sha256"] for f in manifest["provenance"]["input_files"]}
    assert read == raw
    assert manifest["publication"] == "open"


def test_a_fresh_build_of_the_committed_raw_gives_the_committed_dataset(tmp_path):
    """Rule 2: rebuild the repository's raw (in a copy) and compare every published byte; on
    another day than the committed build's (the build date bounds plausible dates, and must
    not leak into what is published)."""
    clone = tmp_path / "clone"
    for rel in ("corpus/raw", "corpus/rights", "corpus/audits", "configs"):
        shutil.copytree(REPO / rel, clone / rel)
    for rel in ("corpus/inputs.toml", "corpus/splits.tsv", "README.md", "CHANGELOG.md", "DATASHEET.md"):
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, clone / rel)
    manifest = json.loads((REPO / "corpus/manifest.json").read_text("utf-8"))
    build(BuildConfig(root=clone, build_date=dt.date.today() + dt.timedelta(days=400), progress=False, workers=2))
    rebuilt = json.loads((clone / "corpus/manifest.json").read_text("utf-8"))
    assert rebuilt == manifest
    for rel in ("README.md", "DATASHEET.md", "CHANGELOG.md", "croissant.json", "corpus/reports/rejects.jsonl",
                "corpus/reports/build.json", "corpus/reports/duplicates.jsonl", "corpus/reports/furniture.json",
                "corpus/reports/label-conflicts.jsonl", "corpus/reports/label-audit.json", "corpus/splits.tsv"):
        assert (clone / rel).read_bytes() == (REPO / rel).read_bytes(), rel


def test_output_is_the_same_whatever_the_number_of_workers(tmp_path, seed_bytes):
    pages = _pages(seed_bytes)
    for k in range(12):                                     # enough pages to spread over workers
        pages[f"aa-fa/copy-{k:02d}.txt"] = seed_bytes.replace(b"24.12.2025 -", f"{k + 1:02d}.11.2025 -".encode(), 1) \
            .replace("پوتین".encode(), f"پوتین {k}".encode(), 1)
    one = make_root(tmp_path / "one", pages)
    two = make_root(tmp_path / "two", pages)
    build(BuildConfig(root=one, build_date=BUILD_DATE, progress=False, workers=1))
    build(BuildConfig(root=two, build_date=BUILD_DATE, progress=False, workers=2))
    assert _digest_tree(one) == _digest_tree(two)


def test_saved_pages_go_to_the_workers_in_groups_and_publish_what_one_a_unit_did(tmp_path, seed_bytes, monkeypatch):
    """Pages travel in units of up to read.PAGES (one spool file a group, not a page): the
    files, the rejects (a bad page among good ones, at its place) and the counts are what a
    page a unit gives, with one worker or two."""
    from khabar.pipeline import discover, read, units

    pages = _pages(seed_bytes)
    for k in range(9):
        pages[f"aa-fa/copy-{k:02d}.txt"] = seed_bytes.replace(b"24.12.2025 -", f"{k + 1:02d}.11.2025 -".encode(), 1) \
            .replace("پوتین".encode(), f"پوتین {k}".encode(), 1)
    pages["aa-fa/copy-04b.txt"] = b"\x00\x01 not a page"            # a rejection between two good pages
    roots = {name: make_root(tmp_path / name, pages) for name in ("single", "grouped1", "grouped2")}
    monkeypatch.setattr(read, "PAGES", 1)
    build(BuildConfig(root=roots["single"], build_date=BUILD_DATE, progress=False, workers=2))
    monkeypatch.setattr(read, "PAGES", 4)
    cfg = BuildConfig(root=roots["grouped1"], build_date=BUILD_DATE, progress=False, workers=1)
    made = list(units(discover(cfg), cfg, dict.fromkeys(("read",), 0.0)))
    assert [(u.kind, len(u.records)) for u in made] == [("pages", 4), ("pages", 4), ("pages", 4), ("pages", 1)]
    assert [p.origin for u in made for p in u.records] == [i.origin for i in discover(cfg)]    # in input order
    build(cfg)
    build(BuildConfig(root=roots["grouped2"], build_date=BUILD_DATE, progress=False, workers=2))
    trees = {name: _digest_tree(root) for name, root in roots.items()}
    assert trees["single"] == trees["grouped1"] == trees["grouped2"]
    rejects = (roots["grouped2"] / "corpus/reports/rejects.jsonl").read_text("utf-8")
    assert "copy-04b.txt" in rejects and rejects.count("\n") == 1


def test_units_are_read_ahead_in_order_and_an_error_reading_them_reaches_the_build():
    """work.ReadAhead: a thread takes the units ahead of the loop that hands them out, in order;
    what the reading raises is raised in that loop, and closing it ends the thread."""
    from khabar.work import ReadAhead

    def numbers(fail_at=None):
        for n in range(50):
            if n == fail_at:
                raise OSError(5, "Input/output error")
            yield n

    ahead = ReadAhead(numbers(), depth=3)
    assert list(ahead) == list(range(50))
    ahead.close()
    ahead = ReadAhead(numbers(fail_at=20), depth=3)
    got = []
    with pytest.raises(OSError, match="Input/output"):
        for n in ahead:
            got.append(n)
    assert got == list(range(20))
    ahead.close()
    ahead = ReadAhead(numbers(), depth=2)                # stopped early: the thread ends, nothing hangs
    assert next(iter(ahead)) == 0
    ahead.close()
    assert not ahead._thread.is_alive()


def test_output_is_the_same_whatever_the_rows_routed_at_a_time(tmp_path, seed_bytes, monkeypatch):
    """Pass 2 routes rows in batches (a page's spool file holds one row): the files must not depend on it."""
    import sys as _sys

    import khabar.pipeline.route  # noqa: F401  (the module: the package's name `route` is the function)

    route_module = _sys.modules["khabar.pipeline.route"]
    pages = _pages(seed_bytes)
    for k in range(9):
        pages[f"aa-fa/copy-{k:02d}.txt"] = seed_bytes.replace(b"24.12.2025 -", f"{k + 1:02d}.11.2025 -".encode(), 1) \
            .replace("پوتین".encode(), f"پوتین {k}".encode(), 1)
    digests = []
    for batch in (1, 4, 256):
        monkeypatch.setattr(route_module, "BATCH", batch)
        root = make_root(tmp_path / f"batch-{batch}", pages)
        build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
        digests.append(_digest_tree(root))
    assert digests[0] == digests[1] == digests[2]
    assert sum(1 for name in digests[0] if name.endswith(".parquet")) >= 2


def _copies(seed_bytes: bytes, n: int) -> dict[str, bytes]:
    pages = _pages(seed_bytes)
    for k in range(n):
        pages[f"aa-fa/copy-{k:02d}.txt"] = seed_bytes.replace(b"24.12.2025 -", f"{k + 1:02d}.11.2025 -".encode(), 1) \
            .replace("پوتین".encode(), f"پوتین {k}".encode(), 1)
    return pages


def test_pass_2_knows_its_numbers_before_its_files_are_written(tmp_path, seed_bytes, monkeypatch):
    """The pictures are drawn while the Parquet files are written: every row must be decided and
    counted while no row is written yet (a writer held until then would wait forever if deciding
    waited for writing)."""
    import threading

    import khabar.publish.parquet as parquet
    from khabar import stats

    route_module = sys.modules["khabar.pipeline.route"]
    monkeypatch.setattr(route_module, "BATCH", 1)             # a batch a row: many decisions queued
    decided = threading.Event()
    waited: list[bool] = []
    real_write = parquet.SplitWriter.write_table

    def held_write(self, table):
        waited.append(decided.wait(timeout=60))
        return real_write(self, table)

    real_draw = stats.Painter.draw

    def draw(self, numbers):
        decided.set()
        return real_draw(self, numbers)

    monkeypatch.setattr(parquet.SplitWriter, "write_table", held_write)
    monkeypatch.setattr(stats.Painter, "draw", draw)
    root = make_root(tmp_path, _copies(seed_bytes, 6))
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=2))
    assert waited and all(waited)
    numbers = json.loads((root / "corpus/reports/stats.json").read_text("utf-8"))
    assert numbers["articles"] == sum(result.split_rows.values()) >= 3 and sorted((root / "corpus/figures").iterdir())


def test_a_compressed_spool_publishes_the_same_bytes(tmp_path, seed_bytes):
    """Pass 2 reads the spool twice (mapped to decide, whole to write): a spool of zstd-compressed
    Arrow files, which a map cannot serve in place, must give the same files."""
    import dataclasses

    from khabar.config import Config

    plain = make_root(tmp_path / "plain", _copies(seed_bytes, 5))
    packed = make_root(tmp_path / "packed", _copies(seed_bytes, 5))
    build(BuildConfig(root=plain, build_date=BUILD_DATE, progress=False, workers=2))
    build(BuildConfig(root=packed, build_date=BUILD_DATE, progress=False, workers=2,
                      config=dataclasses.replace(Config(path=None), spool_compression="zstd")))
    assert _digest_tree(plain) == _digest_tree(packed)


def test_pictures_drawn_by_a_child_are_the_bytes_drawn_here_and_its_failure_is_raised_here(tmp_path):
    import multiprocessing

    import numpy as np

    from khabar import stats

    numbers = {"categories_by_split": {"train": {"culture": 3, "world": 4}, "test": {"world": 1}},
               "per_source": {"aa-fa": 8}, "per_month": {"2025-11": 5, "2025-12": 3},
               "_chars": np.array([900, 1200, 0, 3000, 450, 800, 640, 2000]), "_zwnj": np.array([0, 1, 2, 0, 5, 1, 0, 3])}
    here = stats.draw(numbers, tmp_path / "here")
    painter = stats.Painter(tmp_path / "child", background=True)
    assert painter._process is not None and painter._process.is_alive()
    painter.draw(numbers)
    assert painter.result() == here
    assert all((tmp_path / "child" / n).read_bytes() == (tmp_path / "here" / n).read_bytes() for n in here)
    broken = stats.Painter(tmp_path / "broken", background=True)
    broken.draw({"per_source": {}})                           # no categories: draw() fails in the child...
    with pytest.raises(KeyError):
        broken.result()                                      # ...and again here, where the build sees it
    unused = stats.Painter(tmp_path / "unused", background=True)
    unused.close()                                           # a build that failed before its numbers
    assert not [p for p in multiprocessing.active_children() if p.name == "khabar-pictures"]


def test_pictures_are_drawn_here_when_no_process_can_be_started(tmp_path, monkeypatch):
    import errno
    import multiprocessing.context

    import numpy as np

    from khabar import stats

    def refuse(self):
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", refuse)
    painter = stats.Painter(tmp_path / "here", background=True)
    assert painter._process is None
    painter.draw({"categories_by_split": {"train": {"world": 2}}, "per_source": {"aa-fa": 2},
                  "per_month": {"2025-12": 2}, "_chars": np.array([500, 900]), "_zwnj": np.array([0, 1])})
    assert painter.result() == ["categories.png", "sources.png", "months.png", "lengths-normalization.png"]
    assert all((tmp_path / "here" / name).stat().st_size > 1000 for name in painter.result())


def test_a_failure_in_the_writing_thread_stops_the_build_and_keeps_the_dataset(tmp_path, seed_bytes, monkeypatch):
    import errno
    import multiprocessing

    root = make_root(tmp_path, _copies(seed_bytes, 4))
    _build(root)
    before = _digest_tree(root)
    route_module = sys.modules["khabar.pipeline.route"]

    def full(self, table, decision):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "corpus/.staging/data")

    monkeypatch.setattr(route_module.Router, "write", full)
    (root / "corpus/raw/aa-fa/new.txt").write_bytes(seed_bytes.replace("پوتین".encode(), "پوتین تازه".encode(), 1))
    with pytest.raises(BuildError) as err:
        build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=2))
    assert err.value.code == "build.disk-full"
    assert _digest_tree(root) == before and not (root / "corpus/.staging").exists()
    assert not [p for p in multiprocessing.active_children() if p.name == "khabar-pictures"]


def test_shards_are_cut_by_rows_and_by_size(tmp_path):
    import pyarrow.parquet as pq

    from khabar.features import arrow_schema, to_arrow_row
    from khabar.pipeline import parse_page
    from khabar.dates import DateLimits
    from khabar.registry import sources
    from khabar.publish.parquet import SplitWriter
    from conftest import SEED
    record = parse_page(SEED.read_bytes(), "x", sources()["aa-fa"], DateLimits(latest=BUILD_DATE)).to_json(
        list(arrow_schema().names))
    row = to_arrow_row(record)
    by_rows = SplitWriter(tmp_path, "train", arrow_schema(), max_rows_per_shard=7, batch_rows=3)
    by_size = SplitWriter(tmp_path, "test", arrow_schema(), max_shard_bytes=20_000, batch_rows=5, row_group_rows=5)
    for _ in range(20):
        by_rows.write(row)
        by_size.write(row)
    rows = by_rows.close()
    assert [n for _, n in rows] == [7, 7, 6]
    assert [p.name for p, _ in rows] == [f"train-0000{i}-of-00003.parquet" for i in range(3)]
    sized = by_size.close()
    assert len(sized) > 1 and sum(n for _, n in sized) == 20
    assert all(pq.read_metadata(p).num_rows == n for p, n in rows + sized)


def test_pictures_do_not_depend_on_the_hash_seed(tmp_path):
    """Categories with equal counts (a tie) must be drawn in the same order in every process."""
    import os
    import subprocess
    import sys

    numbers = {"categories_by_split": {"train": {"culture": 3, "health": 3, "world": 3, "sports": 5}},
               "per_source": {"aa-fa": 14}, "per_month": {"2025-12": 14}, "_chars": [100] * 14, "_zwnj": [1] * 14}
    code = ("import json, sys, numpy as np; from pathlib import Path; from khabar import stats; "
            "n = json.loads(sys.argv[1]); n['_chars'] = np.array(n['_chars']); n['_zwnj'] = np.array(n['_zwnj']); "
            "stats.draw(n, Path(sys.argv[2]))")
    digests = set()
    for seed in range(6):
        out = tmp_path / f"seed{seed}"
        import json
        subprocess.run([sys.executable, "-c", code, json.dumps(numbers), str(out)], check=True, timeout=300,
                       env={**os.environ, "PYTHONHASHSEED": str(seed)})
        digests.add(hashlib.sha256((out / "categories.png").read_bytes()).hexdigest())
    assert len(digests) == 1


def test_a_background_writer_returns_freed_memory_from_its_own_thread(tmp_path, monkeypatch):
    """Arrow's allocator collects only the calling thread's freed pages: the writer thread must
    return its own, or a build's resident size grows with the rows written (see benchmarks/)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.parquet as pq

    import khabar.publish.parquet as parquet
    from khabar.features import arrow_schema, to_arrow_row
    from khabar.pipeline import parse_page
    from khabar.dates import DateLimits
    from khabar.registry import sources
    from conftest import SEED

    calls = []
    monkeypatch.setattr(parquet, "release_memory", lambda: calls.append(threading.current_thread().name))
    record = parse_page(SEED.read_bytes(), "x", sources()["aa-fa"], DateLimits(latest=BUILD_DATE)).to_json(
        list(arrow_schema().names))
    table = pa.Table.from_pylist([to_arrow_row(record)] * 7, schema=arrow_schema())
    pool = ThreadPoolExecutor(1, thread_name_prefix="khabar-write")
    writer = parquet.InBackground(parquet.SplitWriter(tmp_path, "train", arrow_schema(), row_group_rows=3), pool)
    for _ in range(3):
        writer.write_table(table)
    [(path, rows)] = writer.close()
    pool.shutdown()
    assert rows == 21 and pq.read_metadata(path).num_row_groups == 7
    assert len(calls) == 7 and all(name.startswith("khabar-write") for name in calls)


def test_the_build_collects_garbage_less_often_and_leaves_the_process_as_it_found_it(tmp_path, seed_bytes, monkeypatch):
    import gc

    from khabar import work

    seen = []
    real = work.Worker.run
    monkeypatch.setattr(work.Worker, "run", lambda self, unit: (seen.append((gc.get_threshold()[0], gc.get_freeze_count())),
                                                                real(self, unit))[1])
    root = make_root(tmp_path, {"aa-fa/a.txt": seed_bytes})
    gc.set_threshold(700, 10, 10)
    frozen = gc.get_freeze_count()
    build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=1))
    assert seen and all(threshold == work.GC_THRESHOLD and count > frozen for threshold, count in seen)
    assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == frozen
