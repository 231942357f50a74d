"""The label audit: do a source's labels mean what the taxonomy maps them to?

For every source (Fars split in two: its 2003-2011 archive, 10-digit ids, and the rest),
a classifier (TF-IDF word 1-2 grams + logistic regression, scikit-learn) is trained on
the *other* sources' labelled rows and predicts this source's labelled rows.  For each
(source, label) pair the report gives the rows, the class the taxonomy maps the label to,
the share of rows the classifier places in that class (agreement) and the class it
places most of them in.  A pair with at least ``--min-rows`` rows and agreement below
``--threshold`` (and below half the source's own overall agreement) is flagged: its rows
mostly read like another class.  schema/categories.yaml's ``withhold`` rules cite this
report; rows they withhold are audited with the class their labels map to.

    python scripts/audit_labels.py [DATASET_DIR] [--out corpus/audits/label-audit.json]

The build copies corpus/audits/label-audit.json into corpus/reports/ and lists its flags
in build.json; rebuild after writing a new audit.

Needs the ``eval`` extra (scikit-learn).  Deterministic: liblinear, fixed order, figures
rounded to 3 places.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq

from khabar.dedup import content
from khabar.features import features
from khabar.registry import taxonomy

ARCHIVE = "farsnews (2003-2011 archive)"
COLUMNS = ["source", "article_id", "title", "lead", "text", "category", "category_origin",
           "category_withheld", "categories"]


def group_of(row: dict) -> str:
    if row["source"] == "farsnews" and row["article_id"] and len(row["article_id"]) == 10:
        return ARCHIVE
    return row["source"]


def labelled_rows(root: Path) -> list[dict]:
    names = features()["category"].names
    tax = taxonomy()
    rows = []
    for path in sorted((root / "corpus" / "data").glob("*.parquet")):
        for r in pq.read_table(path, columns=COLUMNS).to_pylist():
            if r["category_withheld"] == "label-audit":        # audited with the class its labels map to
                cls, origin, _ = tax.classify_with_origin(r["source"], r["categories"])
            else:
                cls = names[r["category"]] if r["category"] is not None else None
                origin = r["category_origin"]
            if cls is None or origin != "label":
                continue
            label = " > ".join(r["categories"]) if r["categories"] else "(none)"
            text = content(r)
            rows.append({"group": group_of(r), "label": label, "class": cls, "text": text[:4000]})
    rows.sort(key=lambda r: (r["group"], r["label"], r["text"]))
    return rows


def audit(rows: list[dict], min_rows: int = 10, threshold: float = 0.5) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    groups = sorted({r["group"] for r in rows})
    out = {"method": "TF-IDF word 1-2 grams + logistic regression (liblinear, one-vs-rest), trained on the other sources' "
                     "labelled rows (Fars's archive and Fars's later items count as one source for training)",
           "min_rows": min_rows, "threshold": threshold, "sources": {}, "flagged": []}
    for g in groups:
        source = g.split(" ")[0]
        train = [r for r in rows if r["group"].split(" ")[0] != source]
        test = [r for r in rows if r["group"] == g]
        if len({r["class"] for r in train}) < 2 or not test:
            continue
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=200_000, sublinear_tf=True)
        model = OneVsRestClassifier(LogisticRegression(solver="liblinear", C=4.0, max_iter=200))
        model.fit(vec.fit_transform([r["text"] for r in train]), [r["class"] for r in train])
        predicted = model.predict(vec.transform([r["text"] for r in test]))
        overall = sum(p == r["class"] for p, r in zip(predicted, test)) / len(test)
        pairs = collections.defaultdict(list)
        for p, r in zip(predicted, test):
            pairs[(r["label"], r["class"])].append(p)
        labels = []
        for (label, cls), preds in sorted(pairs.items()):
            agree = sum(p == cls for p in preds) / len(preds)
            top, top_n = collections.Counter(preds).most_common(1)[0]
            entry = {"label": label, "class": cls, "rows": len(preds), "agreement": round(agree, 3),
                     "mostly_placed_in": top, "share_there": round(top_n / len(preds), 3)}
            labels.append(entry)
            if len(preds) >= min_rows and agree < threshold and agree < overall / 2:
                out["flagged"].append({"source": g, **entry})
        out["sources"][g] = {"rows": len(test), "trained_on": len(train), "agreement": round(overall, 3),
                             "labels": labels}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?", default=".", type=Path)
    ap.add_argument("--out", type=Path, help="write the report here (default: print a summary)")
    ap.add_argument("--min-rows", type=int, default=10)
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args(argv)
    result = audit(labelled_rows(args.root), args.min_rows, args.threshold)
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    for g, s in result["sources"].items():
        print(f"{g:32} {s['rows']:6} rows  agreement {s['agreement']:.3f}")
    for f in result["flagged"]:
        print(f"  flagged: {f['source']} / {f['label']} -> {f['class']}: {f['rows']} rows, agreement "
              f"{f['agreement']:.3f}, mostly {f['mostly_placed_in']} ({f['share_there']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
