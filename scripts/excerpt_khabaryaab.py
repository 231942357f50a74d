#!/usr/bin/env python3
"""Reproduce the committed KhabarYaab excerpts from the original workbooks, byte for byte.

The KhabarYaab workbooks (sarb9/KhabarYaab) mix outlets: most rows are from ISNA, IRNA,
Khabar Online and others whose text may not be redistributed. Only the rows of openly
licensed outlets may be committed, so the repository holds an excerpt of each workbook:

* selection rule: a row is kept when its ``url`` column (the outlet's bare domain, e.g.
  ``mehrnews.com``) is the home-page host of a source of ``schema/sources.yaml`` with
  ``redistribution: yes`` (today Fars, Tasnim, Mehr and MojNews);
* each kept row is one JSON Lines record: every column of the header row, in order, with
  the cell as text exactly as the build's Excel reader gives it
  (``khabar.sources.exports.cell_text``), so the excerpt's records are the workbook's
  records and import with the same mapping (``format = "jsonl"`` in corpus/inputs.toml);
* rows keep the workbook's order; the file ends with a newline; JSON with
  ``ensure_ascii=False`` and no spaces after separators.

Usage (from the project root, with ../shared beside it):

    python scripts/excerpt_khabaryaab.py                  # rewrite corpus/raw/khabaryaab/*.jsonl
    python scripts/excerpt_khabaryaab.py --check          # exit 1 unless the committed files are reproduced

The originals, their sha256 and their origin are recorded in corpus/inputs.toml.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from khabar.registry import sources  # noqa: E402
from khabar.sources.exports import read_xlsx  # noqa: E402
from khabar.sources.mapping import host_of  # noqa: E402

ORIGINALS = ROOT.parent / "shared" / "data" / "ccby" / "khabaryaab"
EXCERPTS = ROOT / "corpus" / "raw" / "khabaryaab"
DOMAIN_COLUMN = "url"


def open_hosts() -> dict[str, str]:
    """Home-page host -> source key, for every source that may be redistributed."""
    return {host_of(s.homepage): s.key for s in sources().values() if s.open}


def excerpt(raw: bytes) -> tuple[bytes, dict[str, int]]:
    """The excerpt's bytes and the rows kept per source."""
    hosts = open_hosts()
    out, kept = [], {}
    for _, _, record in read_xlsx(raw):
        if not isinstance(record, dict):
            raise SystemExit(f"unreadable row in the workbook: {record}")
        source = hosts.get(host_of(record.get(DOMAIN_COLUMN) or ""))
        if source is None:
            continue
        kept[source] = kept.get(source, 0) + 1
        out.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    return "".join(out).encode("utf-8"), dict(sorted(kept.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed excerpts; write nothing")
    ap.add_argument("--originals", type=Path, default=ORIGINALS)
    args = ap.parse_args(argv)
    recorded = tomllib.loads((ROOT / "corpus" / "inputs.toml").read_text(encoding="utf-8"))
    status = 0
    for entry in recorded["inputs"]:
        ex = entry.get("excerpt")
        if not ex or "khabaryaab" not in ex["of"].lower():
            continue
        original = args.originals / ex["file"]
        raw = original.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != ex["sha256"]:
            print(f"{original}: sha256 {digest}, not the recorded {ex['sha256']}", file=sys.stderr)
            status = 1
            continue
        data, kept = excerpt(raw)
        target = ROOT / entry["path"]
        if args.check:
            same = target.is_file() and target.read_bytes() == data
            print(f"{target.relative_to(ROOT)}: {'reproduced' if same else 'DIFFERS'} ({kept})")
            status |= 0 if same else 1
        else:
            target.write_bytes(data)
            print(f"{target.relative_to(ROOT)}: {sum(kept.values())} rows {kept}, sha256 {hashlib.sha256(data).hexdigest()}")
    return status


if __name__ == "__main__":
    sys.exit(main())
