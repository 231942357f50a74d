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

def skeleton(sections: list[tuple[str, str]]) -> str:
    """Headings with empty ``<!-- khabar:NAME -->`` sections, for :func:`fill_sections` to fill."""
    return "\n\n".join(f"{heading}\n<!-- khabar:{name} -->\n<!-- /khabar:{name} -->" for heading, name in sections) + "\n"


DEFAULT_README = "# Khabar\n\nA corpus of Persian news articles.\n\n" + skeleton([
    ("## Fields", "fields"), ("## Splits", "splits"), ("## Sources", "sources"), ("## Categories", "categories"),
    ("## Example record", "example")])


def size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return name
    return "10M<n<100M"


# SPDX ids as the Hub's card metadata writes them (https://huggingface.co/docs/hub/repositories-licenses)
HUB_LICENSES = {"CC-BY-4.0": "cc-by-4.0", "CC-BY-SA-4.0": "cc-by-sa-4.0", "CC0-1.0": "cc0-1.0"}


def claimed_licence(source: Any, licence: str) -> str:
    """A row's licence as a card or Croissant may claim it: as written when a registry entry
    (``schema/sources.yaml``) vouches for the outlet; an open licence that only a mapping's inline
    outlet declares (or whose outlet the registry does not know) is not claimed as that licence."""
    vouched = source is not None and not source.inline
    return licence if vouched or licence not in HUB_LICENSES else f"LicenseRef-unverified-{licence}"


def license_metadata(licenses: set[str]) -> dict[str, Any]:
    """The card's licence keys: the Hub id when every row has the same open licence, else
    ``other`` with a pointer to the per-row licences."""
    if len(licenses) == 1 and next(iter(licenses)) in HUB_LICENSES:
        return {"license": HUB_LICENSES[next(iter(licenses))]}
    return {"license": "other", "license_name": "publisher-rights-per-article", "license_link": "DATASHEET.md"}


def front_matter(configs: dict[str, dict[str, dict[str, Any]]], download_size: int,
                 licenses: set[str] | None = None) -> dict[str, Any]:
    """``configs``: config name -> split name -> {"rows", "bytes" (Arrow)}; empty splits are left out.
    ``licenses``: the ``license`` values of the published rows."""
    present = {c: [(name, s) for name, s in splits.items() if s["rows"] > 0] for c, splits in configs.items()}
    total = sum(s["rows"] for _, s in present["default"])
    feats = features()._to_yaml_list()
    return {
        "pretty_name": "Khabar: Persian news articles",
        "language": ["fa"],
        **license_metadata(licenses or set()),
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


EXAMPLE_CHANGES = ("text taken from a third party's export of the page; the outlet's attribution formula or dateline "
                   "moved to reported_by; Persian letters normalized (text_raw keeps the original)")


def attribution_section(published: dict[str, int]) -> str:
    """Per outlet with published rows: who it is, its licence and the evidence, and how to credit it."""
    from khabar.registry import LICENSE_NAMES, sources

    registry = sources()
    out = []
    for key in sorted(k for k, n in published.items() if n > 0):
        src = registry.get(key)
        if src is None:
            continue
        licence = LICENSE_NAMES.get(src.license, src.license)
        link = f"[{licence}]({src.license_url})" if src.license_url else f"`{src.license}`"
        out += [f"### {src.publisher} (`{key}`): {published[key]} articles", "",
                f"- Home page: {src.homepage}; licence: {link} ({src.rights}).",
                f"- The outlet's statement: \"{src.license_notice}\"" + (f" Recorded in `{src.evidence}`." if src.evidence else ""),
                f"- Credit each row with its `attribution` field, which says what was done to that row, e.g. "
                f"\"{src.attribution(src.url_for('ID') if src.article_url else None, EXAMPLE_CHANGES)}\"",
                ""]
    return "\n".join(out).rstrip() if out else "_No article is published._"


def coverage_table(coverage: dict[str, dict[str, Any]]) -> str:
    """Per source: how many articles, the share of each field that has a value, the rows that lost
    characters before they reached us (``characters_lost``), and the period."""
    names = ("title", "lead", "text", "published", "published_at", "category", "url", "article_id")
    lines = ["| source | articles | " + " | ".join(f"`{n}`" for n in names) + " | `characters_lost` | period |",
             "|---|---:|" + "---:|" * len(names) + "---:|---|"]
    for src, row in coverage.items():
        n = row["articles"] or 1
        cells = [f"{100 * row[name] / n:.0f}%" for name in names]
        period = " to ".join(row["period"]) if row.get("period") else "undated"
        lines.append(f"| `{src}` | {row['articles']} | " + " | ".join(cells)
                     + f" | {row.get('characters_lost', 0)} | {period} |")
    return "\n".join(lines)
