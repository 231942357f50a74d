"""One JSON Schema is the contract: features, Parquet files, card and docs all agree with it."""

from __future__ import annotations

import json
import re

import datasets
import jsonschema
import pyarrow.parquet as pq
import pytest

from conftest import BUILD_DATE, REPO, make_root
from khabar import validate
from khabar.errors import catalogue_markdown
from khabar.features import feature_for, features, from_arrow_row, to_arrow_row
from khabar.pipeline import BuildConfig, build
from khabar.publish import card
from khabar.registry import sources, taxonomy

SCHEMA = validate.article_schema()


def test_schema_is_valid_draft_2020_12_and_closed():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["additionalProperties"] is False
    assert set(SCHEMA["required"]) == set(SCHEMA["properties"])   # every field present (nullable where optional)


def test_features_follow_the_schema():
    feats = features()
    assert list(feats) == list(SCHEMA["properties"])
    assert feats["published"] == datasets.Value("date32")
    assert feats["updated"] == datasets.Value("date32")
    assert feats["published_at"].dtype.startswith("timestamp")
    assert isinstance(feats["paragraphs"], datasets.List)
    assert isinstance(feats["category"], datasets.ClassLabel)
    assert feats["category"].names == [v for v in SCHEMA["properties"]["category"]["enum"] if v is not None]
    with pytest.raises(Exception):
        feature_for("x", {"type": ["string", "integer"]})


def test_taxonomy_and_registry_agree_with_schema():
    assert list(taxonomy().classes) == features()["category"].names
    pattern = re.compile(SCHEMA["properties"]["source"]["pattern"])
    for key, src in sources().items():
        assert pattern.match(key)
        assert re.match(SCHEMA["properties"]["license"]["pattern"], src.license)
        assert src.license_notice.strip()


def test_built_files_and_card_agree_with_schema(tmp_path, seed_bytes):
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    build(BuildConfig(root=root, build_date=BUILD_DATE, progress=False))
    shard = next((root / "corpus/data").glob("*.parquet"))
    meta = json.loads(pq.read_schema(shard).metadata[b"huggingface"])
    assert datasets.Features.from_dict(meta["info"]["features"]) == features()
    front = card.read_front_matter((root / "README.md").read_text("utf-8"))
    info = datasets.DatasetInfo._from_yaml_dict(front["dataset_info"][0])
    assert info.features == features()
    # every published row passes both validators
    rows = pq.read_table(shard).to_pylist()
    ref = validate.reference_validator()
    for row in rows:
        record = from_arrow_row(row)
        assert validate.is_valid(record) and ref.is_valid(record)
        assert to_arrow_row(record) == row


def test_readme_documents_every_field_and_the_docs_are_current():
    readme = (REPO / "README.md").read_text("utf-8")
    fields = readme.split("<!-- khabar:fields -->")[1].split("<!-- /khabar:fields -->")[0]
    assert fields.strip() == card.fields_table()
    for name in SCHEMA["properties"]:
        assert f"| `{name}` |" in fields
    assert (REPO / "docs/ERRORS.md").read_text("utf-8") == catalogue_markdown()


def test_both_validators_agree_on_mutations(seed_bytes):
    from khabar.dates import DateLimits
    from khabar.pipeline import parse_page

    record = parse_page(seed_bytes, "x", sources()["aa-fa"], DateLimits(latest=BUILD_DATE)).to_json(
        validate.schema_fields())
    ref = validate.reference_validator()
    mutations = [
        {}, {"published": "2025-02-31"}, {"published": "24.12.2025"}, {"url": "not a url"},
        {"url": "https://www.hamshahrionline.ir/news/503910/پرترافیک"}, {"language": "ar"},
        {"extra": 1}, {"paragraphs": []}, {"paragraphs": [""]}, {"category": "weather"},
        {"category": None}, {"published_at": "2025-07-12T08:00:16Z"}, {"published_at": "2025-07-12 08:00"},
        {"published_offset": "+0330"}, {"raw_sha256": "ABC"}, {"id": "aa-fa-123"}, {"title": ""},
    ]
    for change in mutations:
        mutated = {**record, **change}
        assert validate.is_valid(mutated) == ref.is_valid(mutated), change
    drop = dict(record)
    del drop["title"]
    assert not validate.is_valid(drop) and not ref.is_valid(drop)


def _mutations(record, rng):
    """Ways a record can go wrong, and ways it can stay right."""
    keys = list(record)
    yield {**record, rng.choice(keys): None}
    yield {**record, rng.choice(keys): 42}
    yield {**record, rng.choice(keys): ["x"]}
    yield {**record, rng.choice(keys): ""}
    yield {k: v for k, v in record.items() if k != rng.choice(keys)}
    yield {**record, "unknown_field": 1}
    yield {**record, "published": rng.choice(["2025-13-01", "1404-04-21", "2025-02-29", "2024-02-29"])}
    yield {**record, "published_at": rng.choice(["2025-07-12T08:00:16Z", "2025-07-12T08:00:16", "12/07/2025"])}
    yield {**record, "url": rng.choice(["https://x.ir/خبر", "x y", "https://x.ir/a|b", None])}
    yield {**record, "normalization": {**record["normalization"], "text_offsets": [[0, 0], [1]]}}
    yield {**record, "category": rng.choice(["sports", "Sports", None, 3])}


@pytest.mark.skipif(not (REPO.parent / "shared" / "data" / "news").is_dir(), reason="../shared/data/news is absent")
def test_fast_and_reference_validators_agree_on_real_records_and_mutations():
    import random

    from khabar.config import load_config
    from khabar.pipeline import BuildConfig, articles, discover
    from khabar.errors import Report
    import collections
    cfg = BuildConfig(root=REPO, build_date=BUILD_DATE, progress=False, workers=1,
                      config=load_config(REPO / "configs" / "shared-news.toml", REPO))
    records = []
    per_file = collections.Counter()
    for out in articles(discover(cfg), cfg, Report(), collections.Counter()):
        key = out.origin.split("#")[0]
        if per_file[key] < 12:                     # a sample of every export file
            per_file[key] += 1
            records.append(out.record)
    assert len(per_file) >= 12 and len(records) > 140
    ref = validate.reference_validator()
    rng = random.Random(1)
    verdicts = collections.Counter()
    for record in records:
        assert validate.is_valid(record) and ref.is_valid(record)
        for mutated in _mutations(record, rng):
            fast, slow = validate.is_valid(mutated), ref.is_valid(mutated)
            assert fast == slow, {k: mutated[k] for k in mutated if mutated.get(k) != record.get(k)}
            verdicts[fast] += 1
    assert verdicts[True] > 30 and verdicts[False] > 300
