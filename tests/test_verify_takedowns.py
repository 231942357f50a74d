"""khabar verify catches tampering; takedowns stay taken down."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import BUILD_DATE, DATED, FIXTURES, JSONL_MAPPING, make_root, random_article, write_export_project
from khabar import takedowns
from khabar.config import load_config
from khabar.features import features
from khabar.pipeline import BuildConfig, build
from khabar.publish import manifest
from khabar.verify import verify


def _root(tmp_path, seed_bytes):
    root = make_root(tmp_path, {
        "aa-fa/seed.txt": seed_bytes,
        "aa-fa/tehran.txt": (FIXTURES / "aa_fa" / "tehran_topics.txt").read_bytes(),
        "aa-fa/ankara.txt": (FIXTURES / "aa_fa" / "ankara_arabic_letters.txt").read_bytes(),
    })
    build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False))
    return root


def _khabar(*args):
    return subprocess.run([sys.executable, "-m", "khabar.cli", *args], capture_output=True, text=True, timeout=300)


def test_a_fresh_build_verifies(tmp_path, seed_bytes):
    root = _root(tmp_path, seed_bytes)
    result = verify(root)
    assert result.ok, result.problems
    assert result.rows == 3
    out = _khabar("verify", str(root))
    assert out.returncode == 0 and "verified" in out.stderr


def test_a_flipped_byte_is_caught(tmp_path, seed_bytes):
    root = _root(tmp_path, seed_bytes)
    shard = next((root / "corpus/data").glob("*.parquet"))
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01
    shard.write_bytes(bytes(data))
    out = _khabar("verify", str(root))
    assert out.returncode == 1
    assert f"{shard.relative_to(root).as_posix()}: sha256" in out.stdout


def test_an_edited_card_is_caught(tmp_path, seed_bytes):
    root = _root(tmp_path, seed_bytes)
    readme = root / "README.md"
    text = readme.read_text("utf-8")
    readme.write_text(text.replace("num_examples: ", "num_examples: 1", 1), "utf-8")
    result = verify(root)
    assert any("README.md: config 'default' split" in p and "the files hold" in p for p in result.problems)


def test_a_deleted_split_is_caught(tmp_path, seed_bytes):
    root = _root(tmp_path, seed_bytes)
    shard = next((root / "corpus/data").glob("*.parquet"))
    shard.unlink()
    result = verify(root)
    assert any(p.startswith(shard.relative_to(root).as_posix()) and "missing" in p for p in result.problems)
    assert any("no published file matches" in p for p in result.problems)


def _rewrite(root, shard, change):
    """Rewrite a shard with a changed row and update the manifest, so only the row check can object."""
    table = pq.read_table(shard)
    rows = table.to_pylist()
    change(rows[0])
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), shard)
    path = root / "corpus/manifest.json"
    data = manifest.load(path)
    rel = shard.relative_to(root).as_posix()
    for entry in data["files"]:
        if entry["path"] == rel:
            entry.update(manifest.file_entry(shard, rel, len(rows)))
    path.write_text(manifest.dumps(data), "utf-8")


def test_a_classlabel_out_of_range_is_caught(tmp_path, seed_bytes):
    root = _root(tmp_path, seed_bytes)
    shard = next((root / "corpus/data").glob("*.parquet"))
    _rewrite(root, shard, lambda row: row.update(category=42))
    result = verify(root)
    classes = len(features()["category"].names)
    assert any(f"category = 42 is out of range for ClassLabel with {classes} classes" in p for p in result.problems)


def test_a_row_breaking_the_schema_is_caught(tmp_path, seed_bytes):
    root = _root(tmp_path, seed_bytes)
    shard = next((root / "corpus/data").glob("*.parquet"))
    _rewrite(root, shard, lambda row: row.update(published_offset="0330", language="ar"))
    problems = verify(root).problems
    assert any("$.published_offset" in p for p in problems) and any("$.language" in p for p in problems)


def test_an_unlisted_file_is_caught(tmp_path, seed_bytes):
    root = _root(tmp_path, seed_bytes)
    shard = next((root / "corpus/data").glob("*.parquet"))
    (shard.parent / "test-00000-of-00001.parquet").write_bytes(shard.read_bytes())
    assert any("in the published data folder but not in the manifest" in p for p in verify(root).problems)


# --- takedowns -----------------------------------------------------------------------------

def _export_project(tmp_path, seed_bytes):
    rng = random.Random(11)
    stories = [random_article(rng, n, sentences=8, tarikh="2020-05-05") for n in range(30)]
    copy = dict(stories[5], permalink="https://mirror.farsnews.ir/5")       # a near copy of story 5
    copy["content"] += "\n\nیک بند تازه که نسخه دیگری از همان خبر است."
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    write_export_project(root, "items.jsonl", mapping=JSONL_MAPPING + DATED)
    (root / "items.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in stories + [copy]), "utf-8")
    return root, stories, copy


def _build(root):
    return build(BuildConfig(root=root, build_date=BUILD_DATE, config=load_config(root / "configs/b.toml", root),
                             progress=False))


def _all_rows(root):
    rows = []
    for path in sorted((root / "corpus/data").rglob("*.parquet")):
        rows += pq.read_table(path, columns=["id", "url", "raw_sha256", "cluster_id"]).to_pylist()
    return rows


def test_takedowns_by_url_id_and_hash_remove_records_from_every_split(tmp_path, seed_bytes):
    root, stories, _ = _export_project(tmp_path, seed_bytes)
    _build(root)
    rows = _all_rows(root)
    assert len(rows) == 31                                      # 30 stories (one with its copy) + the seed
    by_url = {r["url"]: r for r in rows}
    target_id = by_url[stories[1]["permalink"]]["id"]
    target_hash = by_url[stories[2]["permalink"]]["raw_sha256"]
    for args in (["--url", stories[0]["permalink"], "--reason", "publisher-request", "--requested-by", "publisher"],
                 ["--id", target_id, "--reason", "personal-data", "--requested-by", "person"],
                 ["--sha256", target_hash, "--reason", "other", "--requested-by", "maintainers"],
                 ["--url", "https://www.farsnews.ir/never-published", "--reason", "other", "--requested-by", "other"]):
        out = _khabar("takedown", "add", "--root", str(root), "--date", "2026-11-29", *args)
        assert out.returncode == 0, out.stderr
    result = _build(root)
    rows = _all_rows(root)
    assert len(rows) == 28
    assert not {stories[0]["permalink"], stories[1]["permalink"], stories[2]["permalink"]} & {r["url"] for r in rows}
    assert sum(result.report.taken_down.values()) == 3 and result.report.balanced()
    report = json.loads((root / "corpus/reports/takedowns.json").read_text("utf-8"))
    assert [e["removed"] for e in report["entries"]] == [1, 1, 1, 0]
    never = takedowns.Entry("url", "https://www.farsnews.ir/never-published", "2026-11-29", "other", "other")
    assert report["unmatched"] == [never.ref]
    published = (root / "corpus/reports/takedowns.json").read_text("utf-8")
    assert "farsnews.ir/never" not in published and target_id not in published and target_hash not in published
    ledger = (root / "corpus/splits.tsv").read_text("utf-8")
    assert target_id not in ledger and by_url[stories[0]["permalink"]]["id"] not in ledger     # the ids leave
    assert verify(root).ok

    # a row put back by hand is caught
    shard = next((root / "corpus/data").glob("train-*.parquet"))
    table = pq.read_table(shard)
    rows = table.to_pylist()
    rows[0]["url"] = stories[0]["permalink"]
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), shard)
    problems = verify(root, audit=False).problems
    assert any(f"matches takedown url:{stories[0]['permalink']}" in p for p in problems)


@pytest.mark.parametrize("scope,published_copies", [("record", 1), ("cluster", 0)])
def test_takedown_of_a_story_with_near_duplicates(tmp_path, seed_bytes, scope, published_copies):
    root, stories, copy = _export_project(tmp_path, seed_bytes)
    _build(root)
    rows = _all_rows(root)
    [rep] = [r for r in rows if r["url"] in (stories[5]["permalink"], copy["permalink"])]
    assert rep["url"] == copy["permalink"]                   # the longer copy was published
    takedowns.add(root, takedowns.check_entry({"by": "url", "value": copy["permalink"], "date": "2026-11-29",
                                               "reason": "publisher-request", "requested_by": "publisher",
                                               "scope": scope}, "test"))
    result = _build(root)
    left = [r for r in _all_rows(root) if r["url"] in (stories[5]["permalink"], copy["permalink"])]
    assert len(left) == published_copies
    if scope == "record":
        assert left[0]["url"] == stories[5]["permalink"]      # the other copy takes its place
    assert sum(result.report.taken_down.values()) == (1 if scope == "record" else 2)
    assert result.report.balanced() and verify(root).ok


def test_malformed_takedown_entries_are_refused(tmp_path):
    with pytest.raises(takedowns.TakedownError, match="reason"):
        takedowns.check_entry({"by": "url", "value": "x", "date": "2026-11-29", "reason": "because",
                               "requested_by": "publisher"}, "t")
    with pytest.raises(takedowns.TakedownError, match="sha256"):
        takedowns.check_entry({"by": "sha256", "value": "abc", "date": "2026-11-29", "reason": "other",
                               "requested_by": "other"}, "t")
    out = _khabar("takedown", "add", "--root", str(tmp_path), "--url", "u", "--reason", "other",
                  "--requested-by", "Mr Smith")
    assert out.returncode == 2


def test_a_takedown_by_url_matches_every_form_of_the_address(tmp_path, seed_bytes):
    """http for https, a trailing slash, an upper-case host, tracking parameters, the host without
    www. and percent-encoding are the same page; a Fars URL with another slug is the same article."""
    root, stories, _ = _export_project(tmp_path, seed_bytes)
    _build(root)
    url = stories[3]["permalink"]                                  # https://www.farsnews.ir/news/N
    forms = [url.replace("https://", "http://"), url + "/", url.replace("farsnews.ir", "FARSNEWS.IR"),
             url + "?utm_source=telegram", url.replace("://www.", "://")]
    listing = takedowns.Takedowns([takedowns.Entry("url", form, "2026-11-29", "other", "other") for form in forms])
    row = next(r for r in _all_rows(root) if r["url"] == url)
    for form in forms:
        assert takedowns.Takedowns([takedowns.Entry("url", form, "2026-11-29", "other", "other")]).match(row), form
    assert listing.match(dict(row, url="https://www.farsnews.ir/news/other")) is None
    fars = {"url": "https://www.farsnews.ir/news/14000803000896", "source": "farsnews", "article_id": "14000803000896",
            "id": "farsnews-0000000000000000", "raw_sha256": "0" * 64}
    slug = takedowns.Entry("url", "https://farsnews.ir/news/14000803000896/%D8%B3%D9%84%D8%A7%D9%85", "2026-11-29",
                           "publisher-request", "publisher")
    assert takedowns.Takedowns([slug]).match(fars) is slug
    out = _khabar("takedown", "add", "--root", str(root), "--date", "2026-11-29", "--url", forms[3],
                  "--reason", "other", "--requested-by", "other")
    assert "matches 1 published row" in out.stderr
    _build(root)
    assert url not in {r["url"] for r in _all_rows(root)}


# --- tampering that rewrites several files at once (issue 24, item 14) -----------------------------

def _repo_copy(tmp_path):
    """A copy of the repository's own published dataset, verified before it is tampered with."""
    import shutil

    from conftest import REPO

    root = tmp_path / "repo"
    for rel in ("corpus/data", "corpus/reports", "corpus/figures"):
        shutil.copytree(REPO / rel, root / rel)
    for rel in ("corpus/manifest.json", "corpus/splits.tsv", "corpus/inputs.toml", "README.md", "croissant.json"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, root / rel)
    assert verify(root, audit=False).ok
    return root


def _front(root):
    from khabar.publish import card

    text = (root / "README.md").read_text("utf-8")
    return card.read_front_matter(text), text


def _write_front(root, front, text):
    import yaml

    from khabar.publish import card

    body = card._FRONT.sub("", text, count=1)
    (root / "README.md").write_text("---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" + body,
                                    "utf-8")


def test_a_split_dropped_from_the_card_is_caught(tmp_path):
    root = _repo_copy(tmp_path)
    front, text = _front(root)
    front["configs"][0]["data_files"] = [d for d in front["configs"][0]["data_files"] if d["split"] != "validation"]
    front["dataset_info"][0]["splits"] = [s for s in front["dataset_info"][0]["splits"] if s["name"] != "validation"]
    _write_front(root, front, text)
    problems = verify(root, audit=False).problems
    assert any("validation-00000-of-00001.parquet" in p and "in no config's data_files" in p for p in problems), problems


def test_a_card_licence_changed_is_caught(tmp_path):
    root = _repo_copy(tmp_path)
    front, text = _front(root)
    front["license"] = "mit"
    _write_front(root, front, text)
    problems = verify(root, audit=False).problems
    assert any("the card's license is 'mit'" in p and "cc-by-4.0" in p for p in problems), problems


@pytest.mark.parametrize("tamper", ["licence", "no-checksums", "elsewhere", "empty"])
def test_a_croissant_file_that_disagrees_is_caught(tmp_path, tamper):
    root = _repo_copy(tmp_path)
    data = json.loads((root / "croissant.json").read_text("utf-8"))
    if tamper == "licence":
        data["license"] = "MIT"
    elif tamper == "no-checksums":
        for d in data["distribution"]:
            d.pop("sha256", None)
    elif tamper == "elsewhere":
        for d in data["distribution"]:
            if "contentUrl" in d:
                d["contentUrl"] = "https://evil.example/" + d["contentUrl"]
    else:
        data = {}
    (root / "croissant.json").write_text(json.dumps(data), "utf-8")
    problems = verify(root, audit=False).problems
    assert problems and all(p.startswith("croissant.json") for p in problems), problems


def test_a_made_up_row_with_rewritten_checksums_is_caught(tmp_path):
    """A row appended as a row group, num_examples and the manifest's checksums rewritten to match:
    the row's id is not the one its fields give, and the split ledger does not know it."""
    root = _repo_copy(tmp_path)
    shard = root / "corpus/data/test-00000-of-00001.parquet"
    table = pq.read_table(shard)
    fake = table.slice(0, 1).to_pylist()[0]
    fake.update(id="farsnews-00000000deadbeef", cluster_id="farsnews-00000000deadbeef", title="ساختگی")
    with pq.ParquetWriter(shard, table.schema) as writer:
        writer.write_table(table)
        writer.write_table(pa.Table.from_pylist([fake], schema=table.schema))
    data = manifest.load(root / "corpus/manifest.json")
    for entry in data["files"]:
        if entry["path"].endswith("test-00000-of-00001.parquet"):
            entry.update(sha256=manifest.sha256_file(shard), bytes=shard.stat().st_size, rows=entry["rows"] + 1)
    (root / "corpus/manifest.json").write_text(manifest.dumps(data), "utf-8")
    front, text = _front(root)
    for s in front["dataset_info"][0]["splits"]:
        if s["name"] == "test":
            s["num_examples"] += 1
    _write_front(root, front, text)
    crois = json.loads((root / "croissant.json").read_text("utf-8"))
    for d in crois["distribution"]:
        if d.get("contentUrl", "").endswith("test-00000-of-00001.parquet"):
            d["sha256"] = manifest.sha256_file(shard)
    (root / "croissant.json").write_text(json.dumps(crois), "utf-8")
    problems = verify(root, audit=False).problems
    assert any("farsnews-00000000deadbeef is not the id" in p for p in problems), problems
    assert any("the split ledger has it in no split" in p for p in problems), problems
