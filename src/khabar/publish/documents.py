"""The release's documents, written into the staging folder beside the data: the card
(README.md: front matter and generated sections), Croissant metadata, the citation, the
changelog's figures and the datasheet's.  Returns the renames that publish them."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from khabar import __version__, stats, validate
from khabar.errors import Report
from khabar.publish import card, commit, manifest, own, texts
from khabar.publish.croissant import croissant
from khabar.publish.release import URL, Release
from khabar.registry import sources

DESCRIPTION = ("Persian news articles: raw text kept beside a normalized form, source labels mapped to a "
               "topic taxonomy, near-duplicates removed, stable splits.")


@dataclasses.dataclass
class Published:
    """What the build published, as the documents describe it."""

    report: Report
    files: list[dict[str, Any]]                      # manifest entries of the Parquet files
    split_info: dict[str, dict[str, int]]            # split -> rows, bytes
    temporal_info: dict[str, dict[str, int]]
    numbers: dict[str, Any]                          # khabar.stats figures
    example: dict[str, Any] | None                   # one published row, with its split
    release: Release | None
    taken_down: int
    pictures: dict[str, Any]
    repository: bool = True                          # the repository's own build: its README and DATASHEET


def write_documents(staging: Path, root: Path, pub: Published) -> list[tuple[str, str]]:
    """Write every document into ``staging``; the renames (staging -> published) in commit order:
    the card (README.md) last, since ``datasets`` reads it first and it must describe files
    that are already in place."""
    moves: list[tuple[str, str]] = []
    (staging / "README.md").write_text(_card(root, pub), encoding="utf-8")
    (staging / "croissant.json").write_text(_croissant(pub), encoding="utf-8")
    moves.append((f"{commit.STAGING}/croissant.json", "../croissant.json"))
    if not pub.repository:                           # a build of one's own: documents of its own rows only
        (staging / "CITATION.cff").write_text(own.citation(pub.report, pub.numbers), encoding="utf-8")
        (staging / "DATASHEET.md").write_text(own.datasheet(pub.report, pub.numbers, pub.split_info), encoding="utf-8")
        return moves + [(f"{commit.STAGING}/CITATION.cff", "../CITATION.cff"),
                        (f"{commit.STAGING}/DATASHEET.md", "../DATASHEET.md"),
                        (f"{commit.STAGING}/README.md", "../README.md")]
    release = pub.release
    if release is not None:
        (staging / "CITATION.cff").write_text(release.citation_cff(), encoding="utf-8")
        moves.append((f"{commit.STAGING}/CITATION.cff", "../CITATION.cff"))
        changelog = card.fill_sections((root / "CHANGELOG.md").read_text(encoding="utf-8"), {
            "release": texts.release_text(release, pub.report, pub.split_info, pub.taken_down)})
        (staging / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
        moves.append((f"{commit.STAGING}/CHANGELOG.md", "../CHANGELOG.md"))
    datasheet_path = root / "DATASHEET.md"
    if datasheet_path.exists():
        datasheet = card.fill_sections(datasheet_path.read_text(encoding="utf-8"), {
            "composition": texts.composition_text(pub.report, pub.split_info),
            "rights": texts.rights_text(pub.report),
            "statement": texts.statement_text(pub.numbers),
        })
        (staging / "DATASHEET.md").write_text(datasheet, encoding="utf-8")
        moves.append((f"{commit.STAGING}/DATASHEET.md", "../DATASHEET.md"))
    return moves + [(f"{commit.STAGING}/README.md", "../README.md")]


def _card(root: Path, pub: Published) -> str:
    readme_path = root / "README.md"
    if not pub.repository:
        readme = own.card_template(pub.report, pub.numbers, pub.split_info)
    else:
        readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else card.DEFAULT_README
    release, report, numbers = pub.release, pub.report, pub.numbers
    example = None if pub.example is None else {k: v for k, v in pub.example.items() if k != "_split"}
    sections = {
        "fields": card.fields_table(),
        "splits": texts.split_table(pub.split_info, pub.files),
        "sources": texts.sources_table(report),
        "attribution": card.attribution_section(dict(report.published)),
        "coverage": card.coverage_table(numbers["coverage"]),
        "categories": texts.categories_table(numbers["categories_by_split"]),
        "example": card.example_block(example),
        "figures": stats.card_section(numbers, pub.pictures),
        "cite": ("```bibtex\n" + release.bibtex() + "\n```") if release else "_No release yet: CHANGELOG.md has no entry._",
        "release": (f"Version **{release.version}** of {release.date} (see `CHANGELOG.md`); built by khabar "
                    f"{__version__} with schema {validate.article_schema()['x-khabar-schema-version']}.")
        if release and pub.repository else
        f"Built by khabar {__version__} with schema {validate.article_schema()['x-khabar-schema-version']}"
        + (" (an unreleased build)." if pub.repository else ", from the inputs of this build's config."),
    }
    configs = {"default": pub.split_info}
    if pub.temporal_info:
        configs["temporal"] = pub.temporal_info
    download = sum(f["bytes"] for f in pub.files)
    front = card.front_matter(configs, download, _licenses(report))
    if not pub.repository:
        front["pretty_name"] = f"A Khabar build: {sum(report.published.values())} Persian news articles"
    return card.render(readme, front, sections)


def _licenses(report: Report) -> set[str]:
    """The licences of the published rows, as the card may claim them: a licence that no registry
    evidence backs (an inline outlet's declaration) is not claimed as that licence."""
    registry = sources()
    return {card.claimed_licence(registry[s], registry[s].license)
            for s, n in report.published.items() if n > 0 and s in registry}


def _croissant(pub: Published) -> str:
    release = pub.release
    configs_present = ["default"] + (["temporal"] if pub.temporal_info else [])
    return manifest.dumps(croissant(
        pub.files, configs_present, version=release.version if release else __version__,
        date_published=release.date if release else "", cite_as=release.bibtex() if release else "",
        description=DESCRIPTION if pub.repository else own.description(pub.report, pub.numbers),
        license_text=license_text(_licenses(pub.report)), url=URL))


def license_text(licenses: set[str]) -> str:
    if licenses == {"CC-BY-4.0"}:
        return ("Article texts: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), by their outlets; credit "
                "each row with its attribution field. Toolchain: Apache-2.0.")
    return "Toolchain: Apache-2.0. Article texts: each row's license_notice (rights of the publisher; research use)."
