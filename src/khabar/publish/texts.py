"""The card's and the datasheet's generated text: tables and sentences made from a build's figures.

Each function takes the build's numbers and returns Markdown for one
``<!-- khabar:NAME -->`` section (filled by :func:`khabar.publish.card.fill_sections`).
"""

from __future__ import annotations

from typing import Any

from khabar.errors import Report
from khabar.publish.release import Release
from khabar.registry import sources, taxonomy
from khabar.split import SPLITS


def split_table(split_info: dict[str, dict[str, int]], files: list[dict[str, Any]]) -> str:
    lines = ["| split | articles | files |", "|---|---:|---|"]
    for name, info in split_info.items():
        names = [f["path"] for f in files if f["path"].startswith(f"corpus/data/{name}-")]
        lines.append(f"| {name} | {info['rows']} | {', '.join(f'`{n}`' for n in names) or '(empty: left out of the configs)'} |")
    lines.append(f"| **total** | {sum(i['rows'] for i in split_info.values())} | |")
    return "\n".join(lines)


def sources_table(report: Report) -> str:
    registry = sources()
    lines = ["| source | publisher | read | published | rejected | duplicates | rights |",
             "|---|---|---:|---:|---:|---:|---|"]
    for row in report.per_source():
        src = registry.get(row["source"])
        publisher = src.publisher if src else "(unknown source)"
        rights = f"`{src.license}` ({src.redistribution})" if src else ""
        lines.append(f"| `{row['source']}` | {publisher} | {row['read']} | {row['published']} | {row['rejected']} "
                     f"| {row['duplicates']} | {rights} |")
    return "\n".join(lines)


def release_text(release: Release, report: Report, split_info: dict[str, dict[str, int]], taken_down: int) -> str:
    """The CHANGELOG's generated figures: what this release holds, and what takedowns removed (counts only)."""
    splits = ", ".join(f"{name} {info['rows']}" for name, info in split_info.items())
    return (f"Built from this release's inputs: {sum(report.published.values())} articles published ({splits}); "
            f"{len(report.rejections)} inputs rejected, {sum(report.duplicates.values())} duplicates dropped, "
            f"{taken_down} records removed by takedown. Users of an earlier version should refresh their copy "
            f"when the takedown count is above zero.")


def composition_text(report: Report, split_info: dict[str, dict[str, int]]) -> str:
    published = sum(report.published.values())
    splits = ", ".join(f"{name} {info['rows']}" for name, info in split_info.items())
    per_source = "; ".join(f"`{row['source']}` {row['published']} of {row['read']} read"
                           for row in report.per_source())
    return (f"  {published} article(s) published ({splits}), from {sum(report.read.values())} input(s) read "
            f"and {len(report.rejections)} rejected. Per source: {per_source}.")


def statement_text(numbers: dict[str, Any]) -> str:
    months = [m for m in numbers["per_month"] if m != "(undated)"]
    span = f"from {months[0]} to {months[-1]}" if months else "undated"
    undated = numbers["per_month"].get("(undated)", 0)
    sources_ = ", ".join(f"`{s}` {n}" for s, n in numbers["per_source"].items())
    return (f"- **In this build:** {numbers['articles']} articles, published {span}"
            f"{f' ({undated} undated)' if undated else ''}; per source: {sources_}; body text of median "
            f"{numbers['text_chars']['median']} characters and {numbers['tokens']['median']} tokens "
            f"(longest {numbers['text_chars']['max']} characters).")


def rights_text(report: Report) -> str:
    registry = sources()
    lines = ["", "| source | publisher | rights identifier | redistribution | articles |", "|---|---|---|---|---:|"]
    for row in report.per_source():
        src = registry.get(row["source"])
        if src:
            lines.append(f"| `{src.key}` | {src.publisher} | `{src.license}` | {src.redistribution} | {row['published']} |")
    return "\n".join(lines)


def categories_table(categories: dict[str, dict[str, int]]) -> str:
    present = [s for s in SPLITS if categories.get(s)]
    names = list(taxonomy().classes) + ["(none)"]
    lines = ["| category | " + " | ".join(present) + " |", "|---|" + "---:|" * len(present)]
    for name in names:
        counts = [categories[s].get(name, 0) for s in present]
        if any(counts):
            lines.append(f"| {name} | " + " | ".join(str(c) for c in counts) + " |")
    return "\n".join(lines)
