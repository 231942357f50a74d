"""Evaluate ZWNJ restoration on real news text: strip every ZWNJ, restore, compare word by word.

    python benchmarks/zwnj_eval.py [--shared ../shared/data/news] [--split heldout|tuning|all]

Text: the shared exports (read where they lie, never copied). The rules were tuned on
the *tuning* texts (Hamshahri RSS, Radio Farda); the *heldout* texts (the Hamshahri
archive, the multi-outlet sample) were not looked at while writing them, and the
lexicon comes from hazm's word lists, not from any of these texts.

- recall: of the words the original writes with a ZWNJ inside, the share that come back
  exactly as written;
- precision: of the words the restorer gave a ZWNJ, the share whose form is attested with
  that ZWNJ in careful text (here: written so anywhere in the original exports; Persian
  accepts both آنها and آن‌ها, so an attested variant counts as right); the share equal
  to the original word is reported too (exact precision).
Both are broken down by class (prefix می/نمی, suffix, compound). ``names_in_running_text``
counts, over every shared text as it is, how often بهنام, کیروش, سیتیزن and جانفزا written
joined are left as written. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import collections
import csv
import glob
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from khabar.text.normalize import normalize_line  # noqa: E402
from khabar.text.zwnj import PREFIXES, SUFFIXES, ZWNJ, Restorer  # noqa: E402

CORE = re.compile(f"[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06c0\u06cc{ZWNJ}]+")
SEED_WORDS = ["رئیسجمهور", "گفتوگو", "همکاریهای", "میتواند", "نمیپذیرد", "بینالمللی",
              "منطقهای", "بهویژه", "تصمیمگیری", "رسانهای", "بهروز"]


def texts(shared: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    out["hamshahri-rss"] = [f"{x['title']}\n{x['summary']}" for x in
                            json.loads((shared / "hamshahri-rss/hamshahri.json").read_text("utf-8"))]
    out["radiofarda"] = [f"{x['title']}\n{x['summary']}" for x in
                         json.loads((shared / "hamshahri-rss/radiofarda.json").read_text("utf-8"))]
    with (shared / "hamshahri-archive/news_data.csv").open(encoding="utf-8", newline="") as fh:
        out["hamshahri-archive"] = [r["news_text"] for r in csv.DictReader(fh)]
    with (shared / "multisource-sample/sample.csv").open(encoding="utf-8", newline="") as fh:
        out["multisource"] = [f"{r['title']}\n{r['summary']}" for r in csv.DictReader(fh)]
    for name in ("farsnews", "varzesh3"):
        out[name] = []
        for path in sorted(glob.glob(str(shared / name / "*.json"))):
            for x in json.loads(Path(path).read_text("utf-8")):
                body = x["paragraphs"] if isinstance(x["paragraphs"], list) else [str(x["paragraphs"])]
                out[name].append("\n".join([x["title"], x["abstract"], *body]))
    return out


SPLITS = {"tuning": ["hamshahri-rss", "radiofarda"], "heldout": ["hamshahri-archive", "multisource"],
          "other": ["farsnews", "varzesh3"]}


def word_class(word: str) -> str:
    first, *_, last = word.split(ZWNJ)
    if first in PREFIXES or any(first == pv + p for pv in ("بر", "در", "فرا", "فرو", "باز", "وا") for p in PREFIXES):
        return "prefix"
    if last in SUFFIXES:
        return "suffix"
    return "compound"


def evaluate(docs: list[str], attested: set[str], restorer: Restorer) -> dict:
    counts = collections.Counter()
    per_class = collections.defaultdict(collections.Counter)
    wrong = collections.Counter()
    missed = collections.Counter()
    for doc in docs:
        original = normalize_line(doc.replace("\n", " "), restore=False)
        stripped = original.replace(ZWNJ, "")
        restored = restorer.text(stripped)
        o_words, r_words = original.split(" "), restored.split(" ")
        if len(o_words) != len(r_words):
            counts["misaligned_docs"] += 1
            continue
        for o, r in zip(o_words, r_words):
            o_core = "".join(CORE.findall(o)).strip(ZWNJ)
            r_core = "".join(CORE.findall(r)).strip(ZWNJ)
            if ZWNJ in o_core:
                cls = word_class(o_core)
                counts["gold"] += 1
                per_class[cls]["gold"] += 1
                if r_core == o_core:
                    counts["recalled"] += 1
                    per_class[cls]["recalled"] += 1
                else:
                    missed[o_core] += 1
            if ZWNJ in r_core:
                cls = word_class(r_core)
                counts["restored"] += 1
                per_class[cls]["restored"] += 1
                exact = r_core == o_core
                ok = exact or r_core in attested
                counts["exact"] += exact
                counts["attested"] += ok
                per_class[cls]["attested"] += ok
                if not ok:
                    wrong[(r_core, o_core)] += 1
    def ratio(a, b):
        return round(a / b, 4) if b else None
    return {
        "words_with_zwnj": counts["gold"],
        "recall": ratio(counts["recalled"], counts["gold"]),
        "restored": counts["restored"],
        "attested": counts["attested"],
        "precision": ratio(counts["attested"], counts["restored"]),
        "exact_precision": ratio(counts["exact"], counts["restored"]),
        "by_class": {c: {"recall": ratio(v["recalled"], v["gold"]), "precision": ratio(v["attested"], v["restored"]),
                         "gold": v["gold"], "restored": v["restored"]} for c, v in sorted(per_class.items())},
        "misaligned_docs": counts["misaligned_docs"],
        "top_wrong": [f"{r.replace(ZWNJ, '|')} (orig {o.replace(ZWNJ, '|')}) x{n}" for (r, o), n in wrong.most_common(12)],
        "top_missed": [f"{w.replace(ZWNJ, '|')} x{n}" for w, n in missed.most_common(12)],
    }


NAMES = ["بهنام", "کیروش", "سیتیزن", "جانفزا"]


def running_text(corpus: dict[str, list[str]]) -> dict:
    """Names written joined in the texts as they are (not stripped): how many normalization
    leaves as written, with the build's policy (a document that kept ZWNJs elsewhere keeps
    the words its writer joined; given names are never split)."""
    from khabar.text.normalize import normalize
    out = {}
    for word in NAMES:
        pattern = re.compile(f"(?<![\u0621-\u06cc{ZWNJ}]){word}")
        seen = kept = 0
        for docs in corpus.values():
            for doc in docs:
                n = len(pattern.findall(doc))
                if n:
                    seen += n
                    kept += min(n, len(pattern.findall(normalize(doc, compounds=ZWNJ not in doc))))
        out[word] = {"written_joined": seen, "left_as_written": kept}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "news"))
    ap.add_argument("--split", default="heldout", choices=["heldout", "tuning", "other", "all"])
    args = ap.parse_args()
    corpus = texts(Path(args.shared))
    attested = set()
    for docs in corpus.values():
        for doc in docs:
            for w in CORE.findall(normalize_line(doc.replace("\n", " "), restore=False)):
                if ZWNJ in w.strip(ZWNJ):
                    attested.add(w.strip(ZWNJ))
    names = [n for s in (SPLITS if args.split == "all" else {args.split: SPLITS[args.split]}).values() for n in s]
    restorer = Restorer()
    report = {"split": args.split, "sources": names}
    t0 = time.perf_counter()
    report["all"] = evaluate([d for n in names for d in corpus[n]], attested, restorer)
    report["seconds"] = round(time.perf_counter() - t0, 2)
    for n in names:
        report[n] = {k: v for k, v in evaluate(corpus[n], attested, Restorer()).items() if k in ("recall", "precision", "words_with_zwnj")}
    report["seed_words"] = {w: restorer.word(w).replace(ZWNJ, "|") for w in SEED_WORDS}
    report["seed_restored"] = sum(ZWNJ in restorer.word(w) for w in SEED_WORDS[:10])
    report["names_in_running_text"] = running_text(corpus)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps({"split": args.split, "recall": report["all"]["recall"], "precision": report["all"]["precision"],
                      "seed_restored": report["seed_restored"]}))


if __name__ == "__main__":
    main()
