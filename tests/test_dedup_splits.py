"""Deduplication finds planted duplicates; splits never leak, never move, and repeat exactly."""

from __future__ import annotations

import json
import random
import shutil

import pyarrow.parquet as pq

from conftest import BUILD_DATE, DATED, JSONL_MAPPING, make_root, random_article, write_export_project
from khabar.check import audit_leakage
from khabar.config import load_config
from khabar.features import from_arrow_row
from khabar.pipeline import BuildConfig, build
from khabar.split import LEDGER, assign, load_ledger


def _published(root, sub="corpus/data"):
    rows = {}
    for path in sorted((root / sub).glob("*.parquet")):
        split = path.name.split("-", 1)[0]
        for row in pq.read_table(path).to_pylist():
            rows[row["id"]] = (split, from_arrow_row(row))
    return rows


def _duplicates(root):
    return [json.loads(line) for line in (root / "corpus/reports/duplicates.jsonl").read_text("utf-8").splitlines()]


def _variants(seed: bytes) -> dict[str, bytes]:
    text = seed.decode("utf-8")
    lines = text.split("\n")
    body = lines[11]
    return {
        # other white space and Arabic letters: the same text once normalized
        "exact-letters.txt": text.replace("ی", "ي").replace("ک", "ك").replace(" ", "  ").encode("utf-8"),
        # one word changed
        "one-word.txt": text.replace("به حضور پذیرفت", "به گرمی پذیرفت", 1).encode("utf-8"),
        # a paragraph added: the most complete copy, so the representative
        "paragraph-added.txt": text.replace(body, body + "\n\nاین دیدار دو ساعت به طول انجامید و در پایان دو طرف بیانیه‌ای مشترک منتشر کردند.", 1).encode("utf-8"),
        # another site's furniture: no caption, no dateline, no notice, other breadcrumb
        "furniture.txt": "\n".join(["سیاست, جهان"] + lines[1:7] + lines[10:29]).encode("utf-8"),
    }


def test_planted_duplicates_are_found_and_one_representative_published(tmp_path, seed_bytes):
    pages = {f"aa-fa/{name}": data for name, data in _variants(seed_bytes).items()}
    pages["aa-fa/000_seed.txt"] = seed_bytes
    root = make_root(tmp_path, pages)
    result = build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False))
    published = _published(root)
    assert len(published) == 1
    [(split, row)] = published.values()
    assert row["origin"].endswith("paragraph-added.txt")           # the rule: most content first
    dups = _duplicates(root)
    assert sorted(d["origin"].rsplit("/", 1)[-1] for d in dups) == \
        ["000_seed.txt", "exact-letters.txt", "furniture.txt", "one-word.txt"]
    assert all(d["duplicate_of"] == row["id"] and d["cluster_id"] == row["cluster_id"] for d in dups)
    kinds = {d["origin"].rsplit("/", 1)[-1]: (d["kind"], d["similarity"], d["containment"]) for d in dups}
    kind, jaccard, contained = kinds["one-word.txt"]          # exact, against the published copy
    assert kind == "near" and jaccard < 1 and (jaccard >= 0.7 or contained >= 0.7)
    assert row["cluster_id"] == min([row["id"]] + [d["id"] for d in dups])
    assert result.report.balanced() and sum(result.report.duplicates.values()) == 4
    assert audit_leakage(root)[1] == []


def _article(rng: random.Random, n: int, month: int) -> dict:
    return random_article(rng, n, tarikh=f"2019-{month:02d}-15", section="سیاسی")


def _export_root(tmp_path, records, cutoff=None):
    root = make_root(tmp_path, {})
    write_export_project(root, "items.jsonl", mapping=JSONL_MAPPING + 'categories = "section"\n' + DATED,
                         build=f"corpus = false\n{f'temporal_cutoff = {cutoff}' if cutoff else ''}")
    (root / "items.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", "utf-8")
    return root


def _build_export(root):
    return build(BuildConfig(root=root, build_date=BUILD_DATE, config=load_config(root / "configs/b.toml", root),
                             progress=False))


def test_adding_articles_never_moves_an_existing_one(tmp_path):
    rng = random.Random(7)
    first = [_article(rng, n, 1 + n % 12) for n in range(300)]
    root = _export_root(tmp_path, first)
    _build_export(root)
    before = {i: s for i, (s, _) in _published(root).items()}
    assert set(before.values()) == {"train", "validation", "test"}

    # more articles: new stories, and longer near-copies of 20 old ones, which become their
    # clusters' representatives (the old rows are dropped, their stories keep their split)
    more = [_article(rng, n, 6) for n in range(300, 400)]
    for k in range(20):
        copy = dict(first[k])
        copy["permalink"] = f"https://mirror.farsnews.ir/{k}"
        copy["content"] += "\n\nاین بند تازه به گزارش افزوده شد تا نسخه کامل‌تری از خبر باشد و بلندتر شود."
        more.append(copy)
    (root / "items.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in first + more) + "\n", "utf-8")
    result = _build_export(root)
    after = _published(root)
    dups = {d["id"]: d for d in _duplicates(root)}
    assert len(dups) == 20
    moved = 0
    for old_id, old_split in before.items():
        if old_id in after:
            moved += after[old_id][0] != old_split
        else:
            rep = dups[old_id]["duplicate_of"]
            assert after[rep][0] == old_split          # the story stayed where it was
    assert moved == 0
    assert result.report.balanced()
    ledger = load_ledger(root / "corpus" / LEDGER)
    assert all(ledger.get(i) == s for i, s in before.items())

    # the same inputs always give the same splits: two fresh builds in two folders agree
    one, two = _export_root(tmp_path / "one", first + more), _export_root(tmp_path / "two", first + more)
    _build_export(one)
    _build_export(two)
    assert {i: s for i, (s, _) in _published(one).items()} == {i: s for i, (s, _) in _published(two).items()}


def test_split_ratios_are_close_to_the_configuration():
    counts = {"train": 0, "validation": 0, "test": 0}
    for n in range(20000):
        counts[assign(f"key-{n}")] += 1
    assert abs(counts["train"] / 20000 - 0.8) < 0.01
    assert abs(counts["test"] / 20000 - 0.1) < 0.01


def test_temporal_configuration_keeps_straddling_stories_on_the_later_side(tmp_path):
    rng = random.Random(3)
    records = [_article(rng, n, 1 + n % 12) for n in range(120)]     # 2019-01 .. 2019-12
    late_copy = dict(records[0])                                        # 2019-01, copied in 2019-08
    late_copy.update(permalink="https://mirror.farsnews.ir/late", tarikh="2019-08-15")
    records.append(late_copy)
    root = _export_root(tmp_path, records, cutoff="2019-07-01")
    _build_export(root)
    temporal = _published(root, "corpus/data/temporal")
    story = (records[0]["permalink"], late_copy["permalink"])
    for split, row in temporal.values():
        if split == "test":                         # after the cutoff, or the copy of a story that straddles it
            assert row["published"] >= "2019-07-01" or row["url"] in story
        else:
            assert row["published"] < "2019-07-01"
    straddling = [row for _, row in temporal.values() if row["url"] in (records[0]["permalink"], late_copy["permalink"])]
    assert len(straddling) == 1 and temporal[straddling[0]["id"]][0] == "test"
    readme = (root / "README.md").read_text("utf-8")
    assert "config_name: temporal" in readme and "corpus/data/temporal/test-*.parquet" in readme
    assert audit_leakage(root, "corpus/data/temporal")[1] == []


def test_audit_catches_a_row_copied_into_another_split(tmp_path):
    rng = random.Random(5)
    root = _export_root(tmp_path, [_article(rng, n, 3) for n in range(60)])
    _build_export(root)
    assert audit_leakage(root)[1] == []
    data = root / "corpus" / "data"
    train = next(data.glob("train-*.parquet"))
    test_file = next(data.glob("test-*.parquet"))
    leaked = pq.read_table(train).slice(0, 1)
    import pyarrow as pa
    pq.write_table(pa.concat_tables([pq.read_table(test_file), leaked]), test_file)
    rows, pairs = audit_leakage(root)
    assert len(pairs) == 1 and {pairs[0]["a_split"], pairs[0]["b_split"]} == {"train", "test"}
    shutil.rmtree(root)
