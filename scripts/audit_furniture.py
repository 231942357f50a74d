"""Measure the agency furniture left in a built dataset's text, per source.

Independent of the build's catalogue (``schema/furniture.yaml``): its own plain patterns,
written from reading the texts, count per source
* rows whose text opens with the outlet's own attribution formula ("به گزارش ...،" naming
  a newsroom within its first words, and the outlet before any "به نقل از" or comma;
  ``cited_opening`` counts the formulas that credit only a third party, which stay as content),
* rows whose text names the outlet anywhere outside «quotes»,
* rows with an end-of-message mark (انتهای پیام) or a photo-credit paragraph,
* rows whose text or lead is only punctuation.

    python scripts/audit_furniture.py [DATASET_DIR] [--json]
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

import pyarrow.parquet as pq

# How each outlet names itself (read off the texts; names that are common words only
# after a newsroom word: فارس the province, مهر the month, موج a wave)
NAMES = {
    "farsnews": r"(?:خبرگزاری|خبرنگار[ان]*(?:\s\S+ی){0,2})\s+فارس(?![\w\u200c])|فارس\s?نیوز",
    "tasnimnews": r"تسنیم|باشگاه خبرنگاران پویا",
    "mehrnews": r"(?:خبرگزاری|خبرنگار[ان]*(?:\s\S+ی){0,2})\s+مهر(?![\w\u200c])|مهرنیوز",
    "mojnews": r"(?:خبرگزاری|خبرنگار[ان]*(?:\s\S+ی){0,2})\s+موج(?![\w\u200c])",
    "varzesh3": r"ورزش\s?سه|ورزش\s?۳|varzesh3",
    "hamshahri": r"همشهری(?![\w\u200c])",
    "radiofarda": r"رادیو فردا",
}
OPENING = re.compile(r"^\W*(?:به گزارش|بنا به گزارش|بنابر گزارش|به نقل از)\s*(?:[^\s،,]+\s+){0,6}?[^\s،,]*"
                     r"(?:خبرگزاری|خبرنگار|گروه|حوزه|باشگاه|سایت|روزنامه|\"|“)")
TAIL = re.compile(r"انتهای پیام")
CREDIT = re.compile(r"(?:^|\n)(?:عکس|عکس\u200cها|عکاس)\s*(?::|از)\s*[^\n.]{2,50}(?:\n|$)")
QUOTED = re.compile(r"«[^«»\n]*»")


def audit(root: Path) -> dict[str, dict[str, int]]:
    out: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    names = {s: re.compile(p) for s, p in NAMES.items()}
    for path in sorted((root / "corpus" / "data").glob("*.parquet")):
        for r in pq.read_table(path, columns=["source", "text", "lead"]).to_pylist():
            c = out[r["source"]]
            c["rows"] += 1
            text = r["text"]
            if r["lead"] is not None and not any(ch.isalnum() for ch in r["lead"]):
                c["punctuation_only"] += 1
            if text is None:
                continue
            c["with_text"] += 1
            name = names.get(r["source"])
            if OPENING.match(text):
                # the outlet's own formula, or one that credits a third party (content: it stays)
                head = re.split(r"[،,]|به نقل از", text, maxsplit=1)[0]
                own = name is None or name.search(head) is not None
                c["opening" if own else "cited_opening"] += 1
            if name is not None and name.search(QUOTED.sub("", text)):
                c["outlet_named"] += 1
            c["tail"] += bool(TAIL.search(text))
            c["photo_credit"] += bool(CREDIT.search(text))
            c["punctuation_only"] += not any(ch.isalnum() for ch in text)
    return {s: dict(sorted(c.items())) for s, c in sorted(out.items())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?", default=".", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    result = audit(args.root)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"{'source':14} {'with text':>9} {'opening':>12} {'outlet named':>14} {'tail':>5} {'credit':>6} {'punct':>5}")
    for s, c in result.items():
        n = c.get("with_text", 0) or 1
        print(f"{s:14} {c.get('with_text', 0):9} {c.get('opening', 0):5} ({c.get('opening', 0) / n:5.1%})"
              f" {c.get('outlet_named', 0):6} ({c.get('outlet_named', 0) / n:5.1%})"
              f" {c.get('tail', 0):5} {c.get('photo_credit', 0):6} {c.get('punctuation_only', 0):5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
