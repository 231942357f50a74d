"""A release's identity: version and date (from the top entry of CHANGELOG.md), citation files.

Versions follow semantic versioning: a change to the schema or to how splits are assigned
is a major version; new articles, sources or fixes are minor; documentation is a patch.
The build reads the version and date of the newest ``## X.Y.Z — YYYY-MM-DD`` heading of
CHANGELOG.md (a file maintained by hand) and writes them into the card, croissant.json and
CITATION.cff, so one edit releases everywhere and builds stay byte-for-byte repeatable.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

_ENTRY = re.compile(r"^## (\d+\.\d+\.\d+) — (\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)
TITLE = "Khabar: a corpus of Persian news articles"
URL = "https://github.com/khabar-corpus/khabar"


class ReleaseError(Exception):
    """CHANGELOG.md has no release heading to read the version from."""


@dataclasses.dataclass(frozen=True)
class Release:
    version: str
    date: str

    @property
    def year(self) -> str:
        return self.date[:4]

    def bibtex(self) -> str:
        return (f"@misc{{khabar{self.year},\n"
                f"  title        = {{{TITLE}}},\n"
                f"  author       = {{{{The Khabar developers}}}},\n"
                f"  year         = {{{self.year}}},\n"
                f"  version      = {{{self.version}}},\n"
                f"  url          = {{{URL}}},\n"
                f"  note         = {{Dataset and toolchain; article texts remain the property of their publishers}}\n"
                f"}}")

    def citation_cff(self) -> str:
        return f"""cff-version: 1.2.0
message: "If you use Khabar, please cite it as below. The article texts remain the property of their publishers."
title: "{TITLE}"
type: dataset
version: {self.version}
date-released: "{self.date}"
url: "{URL}"
authors:
  - name: "The Khabar developers"
keywords:
  - Persian
  - Farsi
  - news
  - corpus
  - natural language processing
license: Apache-2.0
abstract: >-
  Khabar is a corpus of Persian news articles and the toolchain that builds it:
  raw pages kept byte for byte, parsed into records validated against one JSON Schema,
  Persian text normalized beside the raw text, and published as Parquet splits for
  Hugging Face datasets. The license field covers the toolchain; each article carries
  its publisher's rights notice.
"""


def read_release(changelog: Path) -> Release:
    try:
        text = changelog.read_text(encoding="utf-8")
    except OSError:
        raise ReleaseError(f"{changelog}: missing; it holds the release version and date") from None
    m = _ENTRY.search(text)
    if not m:
        raise ReleaseError(f"{changelog}: no heading '## X.Y.Z — YYYY-MM-DD' to read the release from")
    return Release(version=m.group(1), date=m.group(2))
