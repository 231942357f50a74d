"""Is ``text`` what the article said? A built dataset's derived text measured against its raw text.

Independent of the build's rules (``schema/furniture.yaml``, ``khabar.text``): plain
patterns of its own, written from reading the texts, count over every published row

* ``cited_source_missing``: the raw body opens with a formula that cites a source (``به
  نقل از X``, X not the outlet itself) and X is not in ``text``;
* ``agency_punct``: ``خبرگزاری`` directly followed by punctuation in a text or lead, where the
  raw text did not have it so (the outlet's name dropped from "خبرگزاری X،"); "این
  خبرگزاری،" (this agency), a grammatical rewrite, is counted apart (``this_agency_punct``);
* ``own_opening``: a text opening ``به گزارش``/``به نقل از`` with the outlet's own name;
* ``markdown``: a Markdown link, ``**``, or a line opening with ``*``;
* ``mehr_lead_dateline``: Mehr leads opening with a dateline ("شیراز- ..."), and
  ``dateline_lost``: rows whose raw lead opened with one that neither the lead nor
  ``dateline`` holds;
* ``bidi``, ``zwj``, ``zwnj_beside``: bidi controls, ZWJs, and ZWNJs beside a space,
  punctuation or a digit, in title, lead or text; ``arabic_indic_digits``;
* ``lost_unflagged`` / ``lost_flagged``: rows with runs of ``?`` where characters were, or
  U+FFFD, without / with ``characters_lost``;
* ``no_text_no_lead``: rows with neither.

    python scripts/audit_text.py [DATASET_DIR] [--json]
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

import pyarrow.parquet as pq

# how each open outlet names itself (read off the texts)
OWN = {
    "farsnews": r"(?:خبرگزاری|خبرنگار\S*|باشگاه خبری)(?: \S+){0,3}? فارس(?!\S)|فارس ?نیوز|^(?:به گزارش|به نقل از) فارس(?!\S)",
    "tasnimnews": r"تسنیم",
    "mehrnews": r"(?:خبرگزاری|خبرنگار\S*)(?: \S+){0,3}? مهر(?!\S)|مهرنیوز|^(?:به گزارش|به نقل از) مهر(?!\S)",
    "mojnews": r"(?:خبرگزاری|خبرنگار\S*)(?: \S+){0,3}? موج(?!\S)|^(?:به گزارش|به نقل از) موج(?!\S)",
}
FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u200c": " ", "\u00a0": " "})
CITED = re.compile(r"^\W*(?:به گزارش|بنا به گزارش|بنابر گزارش)?[^،,\n.]{0,120}?به ?نقل ?از ?([^،,\n:«»]+)")
AGENCY_PUNCT = re.compile(r"(\S+ )?خبرگزاری\s*[،,.:؛!?؟»)]")
OPENING = re.compile(r"^\W*(?:به گزارش|به نقل از)")
MARKDOWN = re.compile(r"(?m)\[[^\]\n]+\]\([^)\n]*\)|\*\*|^\s*\*")
DATELINE = re.compile(r"^[\u0600-\u06ff\u200c]+(?: [\u0600-\u06ff\u200c]+){0,2}\s*[-–—]")
BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_NOT_LETTER = r"(?:\d|[^\w\u064b-\u065f\u0670])"        # a digit, a space or punctuation (a vowel mark is a letter's)
ZWNJ_BESIDE = re.compile(rf"\u200c(?={_NOT_LETTER})|(?<={_NOT_LETTER})\u200c|^\u200c|\u200c$")
LOST = re.compile(r"\ufffd|(?<![^\W\d_?])\?{2,}")


def fold(text: str | None) -> str:
    return " ".join((text or "").translate(FOLD).split())


def check(r: dict, c: collections.Counter) -> None:
    source, text, lead = r["source"], r["text"] or "", r["lead"] or ""
    own = re.compile(OWN[source]) if source in OWN else None
    first = (r["text_raw"] or "").split("\n")[0]
    m = CITED.match(fold(first))
    if m and text:
        cited = " ".join(m.group(1).split()[:2])
        if not (own and own.search(f"خبرگزاری {cited}")) and cited not in fold(text):
            c["cited_source_missing"] += 1
    for field, raw in ((text, r["text_raw"]), (lead, r["lead_raw"])):
        found = AGENCY_PUNCT.findall(field)
        bare = [w for w in found if w.strip() != "این"]
        if len(found) > len(AGENCY_PUNCT.findall(fold(raw))):
            c["this_agency_punct" if not bare else "agency_punct"] += 1
            break
    if own and OPENING.match(text) and own.search(" ".join(fold(text).split()[:12])):
        c["own_opening"] += 1
    if MARKDOWN.search(text) or MARKDOWN.search(lead):
        c["markdown"] += 1
    if source == "mehrnews" and lead:
        c["mehr_leads"] += 1
        c["mehr_lead_dateline"] += bool(DATELINE.match(lead))
    if r["lead_raw"] and DATELINE.match(fold(r["lead_raw"])) and not DATELINE.match(lead) and not r["dateline"] \
            and source == "mehrnews":
        c["dateline_lost"] += 1
    fields = " ".join(x for x in (r["title"], lead, text) if x)
    c["bidi"] += bool(BIDI.search(fields))
    c["zwj"] += "\u200d" in fields
    c["zwnj_beside"] += bool(ZWNJ_BESIDE.search(fields))
    c["arabic_indic_digits"] += bool(re.search("[\u0660-\u0669]", fields))
    if LOST.search(fields):
        c["lost_flagged" if r.get("characters_lost") else "lost_unflagged"] += 1
    c["no_text_no_lead"] += not text and not lead


def audit(root: Path) -> dict[str, int]:
    c: collections.Counter[str] = collections.Counter()
    cols = ["source", "title", "lead", "lead_raw", "text", "text_raw", "dateline", "characters_lost"]
    for path in sorted((root / "corpus" / "data").glob("*.parquet")):
        names = pq.read_schema(path).names          # a dataset built before characters_lost has no flag
        for r in pq.read_table(path, columns=[c for c in cols if c in names]).to_pylist():
            c["rows"] += 1
            check(r, c)
    keys = ["rows", "cited_source_missing", "agency_punct", "this_agency_punct", "own_opening", "markdown",
            "mehr_leads", "mehr_lead_dateline", "dateline_lost", "bidi", "zwj", "zwnj_beside",
            "arabic_indic_digits", "lost_flagged", "lost_unflagged", "no_text_no_lead"]
    return {k: c[k] for k in keys}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = audit(Path(args.root))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for k, v in result.items():
            print(f"{k:24} {v}")
    sys.exit(0)


if __name__ == "__main__":
    main()
