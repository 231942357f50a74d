"""A word-level diff of ``text_raw`` and ``text`` on random rows: every change explained, or listed.

Independent of the build's code: its own folding and its own list of what the outlet's
furniture looks like. For each sampled row both texts are folded the way normalization is
allowed to change them (Arabic letters and digits to Persian ones, tatweel, presentation
forms, direction marks and invisible characters out, white space folded), split into words,
and compared with ``difflib``. Every difference must be one of

* ``zwnj``: the same letters, joined or split by a ZWNJ (``می شود`` / ``می‌شود``);
* ``furniture``: words left out that are the outlet's furniture: the opening formula or the
  dateline (``reported_by``, ``dateline_raw``), the outlet naming itself, an end mark, a news
  code, credits, download buttons, list and emphasis marks, a Markdown link's address; but
  never a source the text cites (``به نقل از X`` left out is ``unexplained``);
* ``neutral``: the outlet's name replaced by ``این رسانه`` (this outlet).

Anything else is ``unexplained``, printed with its context.

    python scripts/audit_word_diff.py [DATASET_DIR] [--rows 40] [--seed 23]
"""

from __future__ import annotations

import argparse
import collections
import difflib
import random
import re
import sys
import unicodedata
from pathlib import Path

import pyarrow.parquet as pq

FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ـ": None, "\u200e": None, "\u200f": None, "\u061c": None,
                      "\u200b": None, "\u200d": None, "\u2060": None, "\ufeff": None,
                      **{chr(0x0660 + d): chr(0x06F0 + d) for d in range(10)}})
EMBEDDINGS = re.compile("[\u202a-\u202c\u2066-\u2069]")
PUNCT = re.compile(r"[^\w\u200c]+")
# words the outlets' furniture is made of (read off the raw texts, not the build's catalogue): their
# names, newsroom words, end marks and codes, credits, download buttons
STRONG = {"فارس", "تسنیم", "مهر", "موج", "مهرنیوز", "فارسنیوز", "تسنیمگروه", "خبرگزاری", "خبرنگار", "انتهای",
          "پایان", "پیام", "کد", "دریافت", "MB", "KB", "عکس", "تصویر", "فیلم", "گفتوگو", "تهیه", "گروه", "سرویس"}
WEAK = {"به", "گزارش", "از", "و", "نقل", "خبر", "متن", "شده", "در", "اداره", "کل", "صوت", "این", "باشگاه", "خبری"}
NEUTRAL = {"این", "رسانه"}
# whole furniture forms: a section kicker "- اخبار استانها -", navigation, an end mark and its desk code
FORMS = re.compile(r"-\s*اخبار [^-]{1,25}-|بازگشت به صفحه.*|(?:انتهای|پایان) (?:پیام|متن|خبر)\s*/?\s*(?:\S{1,3}(?=\s|$))?")


def fold(text: str) -> list[str]:
    text = EMBEDDINGS.sub("", unicodedata.normalize("NFKC", text).translate(FOLD))
    return text.split()


def _bare(words: list[str]) -> list[str]:
    """The words, split at punctuation and ZWNJs (``رسانه‌های`` is ``رسانه`` and ``های``)."""
    return PUNCT.sub(" ", " ".join(words).replace("\u200c", " ")).split()


def explain(raw: list[str], new: list[str], row: dict) -> list[tuple[str, str, str]]:
    """(kind, raw words, new words) for every difference."""
    moved = set(_bare(fold(" ".join(x for x in (row["reported_by"], row["dateline_raw"], row["dateline"]) if x))))
    out = []
    unzwnj = [[w.replace("\u200c", "") for w in x] for x in (raw, new)]       # align on the letters
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, *unzwnj, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        a, b = raw[i1:i2], new[j1:j2]
        if "".join(a).replace("\u200c", "") == "".join(b).replace("\u200c", ""):
            kind = "zwnj"
        elif _marks_only(a, b):
            kind = "furniture"
        else:
            left, right = _bare(FORMS.sub(" انتهای ", " ".join(a)).split()), _bare(b)

            def plain(w: str) -> bool:
                return not (w in moved or w in STRONG or w in WEAK or w.isdigit())

            kept = [w for w in left if plain(w)]
            furniture = any(w in moved or w in STRONG for w in left) or all(w.isdigit() for w in left)
            cites = "نقل" in left and "نقل" not in right      # "به نقل از X" left out: a cited source, not furniture
            neutral = [w for w in right if w not in NEUTRAL and plain(w)]
            if furniture and not cites and "".join(kept) == "".join(neutral):
                kind = "neutral" if len(neutral) < len(right) else "furniture"
            else:
                kind = "unexplained"
        out.append((kind, " ".join(a), " ".join(b)))
    return out


def _marks_only(a: list[str], b: list[str]) -> bool:
    """Words that differ only by list/emphasis marks or a Markdown link's brackets and address."""
    strip = re.compile(r"\*+|•|\[|\]\([^)]*\)?|\(https?://\S*")
    return "".join(strip.sub("", " ".join(a)).split()).replace("\u200c", "") == "".join(b).replace("\u200c", "")


def sample(root: Path, rows: int, seed: int) -> list[dict]:
    cols = ["id", "source", "text", "text_raw", "reported_by", "dateline", "dateline_raw"]
    table = []
    for path in sorted((root / "corpus" / "data").glob("*.parquet")):
        table += [r for r in pq.read_table(path, columns=cols).to_pylist() if r["text"] and r["text_raw"]]
    table.sort(key=lambda r: r["id"])
    return random.Random(seed).sample(table, min(rows, len(table)))


def audit(root: Path, rows: int = 40, seed: int = 23) -> dict:
    kinds: collections.Counter[str] = collections.Counter()
    unexplained = []
    for row in sample(root, rows, seed):
        for kind, a, b in explain(fold(row["text_raw"]), fold(row["text"]), row):
            kinds[kind] += 1
            if kind == "unexplained":
                unexplained.append({"id": row["id"], "raw": a, "text": b})
    return {"rows": rows, "changes": dict(sorted(kinds.items())), "unexplained": unexplained}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--seed", type=int, default=23)
    args = ap.parse_args()
    result = audit(Path(args.root), args.rows, args.seed)
    print(f"{result['rows']} rows; changes by kind: {result['changes']}")
    for u in result["unexplained"]:
        print(f"  {u['id']}: {u['raw']!r} -> {u['text']!r}")
    sys.exit(1 if result["unexplained"] else 0)


if __name__ == "__main__":
    main()
