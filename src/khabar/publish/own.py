"""The documents of a build that is not the repository's own (``--output DIR``, a project of
one's own): every sentence made from *that* build's rows.

The repository's README, DATASHEET and CHANGELOG describe the shipped corpus (the CC BY
outlets, their counts and periods); copied into another build they would say false things
about its rows. Here the card's prose, the datasheet, the citation and Croissant's
description are generated from the report and figures of the build itself: which outlets
it holds, under which licences, how many rows, of which period, and what may be
redistributed. The generated tables (splits, sources, attribution, coverage, categories,
example) are the same functions the repository's card uses.
"""

from __future__ import annotations

from typing import Any

from khabar import __version__
from khabar.errors import Report
from khabar.publish import card
from khabar.registry import LICENSE_NAMES, Source, sources

# The card's sections, in the order the template shows them (filled by khabar.publish.documents).
CARD = """# {title}

{summary}

{rights}

## Load it

```python
import khabar

ds = khabar.load("path/to/this/folder")         # or datasets.load_dataset("/absolute/path/to/this/folder")
row = ds["{first_split}"][0]
print(row["title"], row["attribution"])
```

`category` is a ClassLabel that may be empty: {uncategorized} of the rows have no class
(`category` is None; `categories` keeps the source's own labels).

{sections}
Built with Khabar (the toolchain, Apache-2.0): every input is in `corpus/manifest.json` with
its sha256, every input not published is in `corpus/reports/rejects.jsonl` with a code, and
`khabar verify path/to/this/folder` checks the files against the manifest.
"""


def _outlets(report: Report) -> list[tuple[Source | None, str, int]]:
    registry = sources()
    return [(registry.get(key), key, n) for key, n in sorted(report.published.items()) if n > 0]


def _names(outlets: list[tuple[Source | None, str, int]]) -> str:
    names = [f"{src.publisher if src else key} ({n})" for src, key, n in outlets]
    return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1] if names else "no outlet"


def _period(numbers: dict[str, Any]) -> str:
    months = [m for m in numbers.get("per_month", {}) if m != "(undated)"]
    undated = numbers.get("per_month", {}).get("(undated)", 0)
    span = f"published from {months[0]} to {months[-1]}" if months else "none of them dated"
    return span + (f" ({undated} undated)" if undated and months else "")


def rights_sentences(report: Report) -> str:
    """What the rows' licences allow, outlet by outlet, in plain words."""
    outlets = _outlets(report)
    open_ = [(s, k, n) for s, k, n in outlets if s is not None and s.open]
    closed = [(s, k, n) for s, k, n in outlets if s is None or not s.open]
    lines = []
    if open_ and not closed:
        licences = sorted({LICENSE_NAMES.get(s.license, s.license) for s, _, _ in open_ if s})
        lines.append(f"**Every row of this build may be redistributed** under its outlet's licence "
                     f"({', '.join(licences)}), with the credit line of its `attribution` field.")
    elif open_:
        lines.append(f"**Not every row of this build may be redistributed.** Openly licensed: {_names(open_)}.")
    if closed:
        detail = "; ".join(f"{s.publisher if s else k}: `{s.license if s else 'unknown'}` "
                           f"({s.rights if s else 'not in the registry'})" for s, k, _ in closed)
        lines.append(f"Rows of {_names(closed)} are **not openly licensed** ({detail}): this folder is for your own "
                     f"research use; do not redistribute it. Each row's `license` and `license_notice` say its rights.")
    return "\n\n".join(lines) if lines else "_No row is published._"


def card_template(report: Report, numbers: dict[str, Any], split_info: dict[str, dict[str, int]]) -> str:
    """The card of a build of one's own (no local path in it: the same inputs give the same bytes
    whatever folder they are built into)."""
    outlets = _outlets(report)
    total = sum(n for _, _, n in outlets)
    rows = numbers.get("articles", total) or 1
    none = numbers.get("categories_by_split", {})
    uncategorized = sum(split.get("(none)", 0) for split in none.values())
    first = next((name for name, info in split_info.items() if info["rows"] > 0), "train")
    return CARD.format(
        title=f"A Khabar build: {total} Persian news articles",
        summary=(f"This dataset was built with Khabar {__version__} from the inputs of one build config. It holds "
                 f"{total} articles of {_names(outlets)}, {_period(numbers)}. It is not the Khabar corpus: "
                 f"its rows are the ones described below, and nothing else."),
        rights=rights_sentences(report), first_split=first, sections=card.skeleton([
            ("## Fields", "fields"), ("## Splits", "splits"), ("## Sources and rights", "sources"),
            ("### Attribution", "attribution"), ("### Coverage", "coverage"), ("## Categories", "categories"),
            ("## Figures", "figures"), ("## Example record", "example"), ("## How it was built", "release")]),
        uncategorized=f"{uncategorized} ({100 * uncategorized / rows:.0f}%)")


def datasheet(report: Report, numbers: dict[str, Any], split_info: dict[str, dict[str, int]]) -> str:
    from khabar.publish import texts

    outlets = _outlets(report)
    return f"""# Datasheet for this Khabar build

Generated by `khabar build` from this build's rows (Khabar {__version__}); following *Datasheets for
Datasets* (Gebru et al., 2021) where a build can answer for itself.

## Composition

{texts.composition_text(report, split_info).strip()}

{texts.statement_text(numbers)}

## Collection

- **Where the rows come from:** the inputs of the build config (exports, web captures or saved
  pages), each listed with its sha256 in `corpus/manifest.json`; each row's `origin` names its
  input file and record. Outlets: {_names(outlets)}.
- **What was done to them:** parsed, the outlet's furniture (opening formula, tails) moved out of
  `text` into `reported_by`, Persian letters and ZWNJs normalized beside the raw text (`*_raw`),
  near-duplicates removed, split by story. Each row's `attribution` says so.

## Rights

{rights_sentences(report)}
{texts.rights_text(report)}
"""


def citation(report: Report, numbers: dict[str, Any]) -> str:
    outlets = _outlets(report)
    total = sum(n for _, _, n in outlets)
    return f"""cff-version: 1.2.0
message: "This dataset was built with Khabar; cite the toolchain as below and credit each article by its attribution field."
title: "A Khabar build: {total} Persian news articles"
type: dataset
authors:
  - name: "The person or team who ran this build"
keywords:
  - Persian
  - news
abstract: >-
  {total} articles of {_names(outlets)}, {_period(numbers)}, built with Khabar {__version__}.
  The article texts belong to their publishers; each row's license field says its rights.
references:
  - type: software
    title: "Khabar: a corpus of Persian news articles (toolchain)"
    version: "{__version__}"
    authors:
      - name: "The Khabar developers"
    license: Apache-2.0
"""


def description(report: Report, numbers: dict[str, Any]) -> str:
    outlets = _outlets(report)
    return (f"A Khabar build (not the Khabar corpus): {sum(n for _, _, n in outlets)} Persian news articles of "
            f"{_names(outlets)}, {_period(numbers)}; raw text kept beside a normalized form, near-duplicates "
            f"removed, stable splits.")
