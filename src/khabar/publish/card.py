"""The dataset card: README.md's YAML front matter and its generated sections.

The README is the project's front page and the Hugging Face dataset card at
once.  A build rewrites only (1) the front matter between the leading ``---``
lines and (2) the text between ``<!-- khabar:NAME -->`` and
``<!-- /khabar:NAME -->`` markers; everything else is hand-written prose.
"""

from __future__ import annotations

import json
import re
from typing import Any

import datasets
import yaml

from khabar.features import features
from khabar.publish import DATA_DIRS
from khabar.validate import article_schema

_FRONT = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
SECTIONS = ("fields", "splits", "sources", "categories", "example")

DEFAULT_README = """# Khabar

A corpus of Persian news articles.

## Fields
<!-- khabar:fields -->
<!-- /khabar:fields -->

## Splits
<!-- khabar:splits -->
<!-- /khabar:splits -->

## Sources
<!-- khabar:sources -->
<!-- /khabar:sources -->

## Categories
<!-- khabar:categories -->
<!-- /khabar:categories -->

## Example record
<!-- khabar:example -->
<!-- /khabar:example -->
"""


def size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return name
    return "10M<n<100M"


def front_matter(configs: dict[str, dict[str, dict[str, Any]]], download_size: int) -> dict[str, Any]:
    """``configs``: config name -> split name -> {"rows", "bytes" (Arrow)}; empty splits are left out."""
    present = {c: [(name, s) for name, s in splits.items() if s["rows"] > 0] for c, splits in configs.items()}
    total = sum(s["rows"] for _, s in present["default"])
    feats = features()._to_yaml_list()
    return {
        "pretty_name": "Khabar: Persian news articles",
        "language": ["fa"],
        "license": "other",
        "license_name": "publisher-rights-per-article",
        "license_link": "DATASHEET.md",
        "multilinguality": "monolingual",
        "size_categories": [size_category(total)],
        "source_datasets": ["original"],
        "task_categories": ["text-classification", "summarization", "text-generation"],
        "task_ids": ["topic-classification", "news-articles-summarization", "language-modeling"],
        "tags": ["news", "persian", "farsi"],
        "configs": [{
            "config_name": c,
            "data_files": [{"split": name, "path": f"{DATA_DIRS[c]}/{name}-*.parquet"} for name, _ in splits],
            **({"default": True} if c == "default" else {}),
        } for c, splits in present.items() if splits],
        "dataset_info": [{
            "config_name": c,
            "features": feats,
            "splits": [{"name": name, "num_bytes": s["bytes"], "num_examples": s["rows"]} for name, s in splits],
            "download_size": download_size,
            "dataset_size": sum(s["bytes"] for _, s in splits),
        } for c, splits in present.items() if splits],
    }


def read_front_matter(text: str) -> dict[str, Any] | None:
    m = _FRONT.match(text)
    return yaml.safe_load(m.group()[4:-4]) if m else None


def _feature_text(feat: Any) -> str:
    if isinstance(feat, datasets.ClassLabel):
        return "ClassLabel(" + ", ".join(feat.names) + ")"
    if isinstance(feat, datasets.List):
        return f"list of {_feature_text(feat.feature)}"
    if isinstance(feat, datasets.Value):
        return feat.dtype
    return type(feat).__name__


def fields_table() -> str:
    props = article_schema()["properties"]
    required = set(article_schema()["required"])
    lines = ["| field | type | nullable | description |", "|---|---|---|---|"]
    for name, feat in features().items():
        prop = props[name]
        types = prop.get("type", [])
        nullable = "yes" if (isinstance(types, list) and "null" in types) or name not in required else "no"
        lines.append(f"| `{name}` | {_feature_text(feat)} | {nullable} | {prop['description']} |")
    return "\n".join(lines)


def _shorten(value: Any, limit: int = 160) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    if isinstance(value, list):
        return [_shorten(v, limit) for v in value[:3]] + (["…"] if len(value) > 3 else [])
    return value


def example_block(record: dict[str, Any] | None) -> str:
    if record is None:
        return "_No record published yet._"
    short = {k: _shorten(v) for k, v in record.items()}
    return "Long text fields are cut here with `…`; the data holds them whole.\n\n```json\n" + \
        json.dumps(short, ensure_ascii=False, indent=2) + "\n```"


def fill_sections(text: str, sections: dict[str, str]) -> str:
    """Replace the text between each ``<!-- khabar:NAME -->`` / ``<!-- /khabar:NAME -->`` pair."""
    for name, content in sections.items():
        pattern = re.compile(rf"(<!-- khabar:{name} -->\n).*?(<!-- /khabar:{name} -->)", re.DOTALL)
        text = pattern.sub(lambda m: m.group(1) + content.rstrip("\n") + "\n" + m.group(2), text, count=1)
    return text


def render(readme: str, front: dict[str, Any], sections: dict[str, str]) -> str:
    body = fill_sections(_FRONT.sub("", readme, count=1), sections)
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{head}---\n{body}"
