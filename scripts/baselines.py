"""Baselines on a built Khabar dataset: topic classification and lead summarization.

    python scripts/baselines.py [DATASET] [--update-card README.md]

DATASET is a built dataset's folder: by default the repository itself, i.e. the shipped
corpus (every article of it is openly licensed, so anyone can reproduce these figures
from a clone); or a build of your own, e.g. build/shared-news.

1. Topic classification on `category`: TF-IDF over Khabar's tokens (words and word
   pairs) and a logistic regression (scikit-learn), trained on `train`, scored on `test`
   (accuracy and macro-F1), beside the majority-class baseline.
2. Lead summarization: the body's first sentence (Lead-1) as the summary of each test
   article that has a lead and a body, scored against `lead` with ROUGE-1/2/L (F1)
   computed by rouge-score with Khabar's Persian tokenizer.  How extractive the task is:
   the share of the lead's words and word pairs that are not in the body.

Prints the results as JSON (last line); with --update-card, writes them as a table into
the card's `<!-- khabar:baselines -->` section, with the command that made them.
Needs the `eval` extra: pip install -e '.[eval]'.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from khabar.evaluate import PersianTokenizer, lead_sentence, novel_ngrams, rouge  # noqa: E402
from khabar.publish.card import fill_sections  # noqa: E402


def load(path: Path):
    import datasets

    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    return datasets.load_dataset(str(path.resolve()))


SMALL = 10            # a class with fewer test articles is too small to score on its own
BOOTSTRAP = 1000      # resamples of the test set for the 95% intervals


def _texts(rows) -> tuple[list[str], list[int], list[str]]:
    out = [(" ".join(x for x in (r["title"], r["lead"], r["text"]) if x), r["category"], r["source"])
           for r in rows if r["category"] is not None]
    return [t for t, _, _ in out], [c for _, c, _ in out], [s for _, _, s in out]


def _model():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    tok = PersianTokenizer()
    return make_pipeline(TfidfVectorizer(tokenizer=tok.tokenize, token_pattern=None, lowercase=False,
                                         ngram_range=(1, 2), min_df=2, max_features=200_000, sublinear_tf=True),
                         LogisticRegression(max_iter=2000, C=10.0))


def _interval(y_true: list[int], y_pred: list[int]) -> dict:
    """Accuracy and macro-F1 with percentile bootstrap 95% intervals (seeded: the same every run)."""
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score

    rng = np.random.default_rng(0)
    yt, yp = np.array(y_true), np.array(y_pred)
    accs, f1s = [], []
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, len(yt), len(yt))
        accs.append(accuracy_score(yt[pick], yp[pick]))
        f1s.append(f1_score(yt[pick], yp[pick], average="macro", labels=sorted(set(yt[pick])), zero_division=0))
    def lo(values: list[float]) -> tuple[float, float]:
        return round(float(np.percentile(values, 2.5)), 4), round(float(np.percentile(values, 97.5)), 4)

    return {"accuracy": round(accuracy_score(yt, yp), 4), "accuracy_95": [*lo(accs)],
            "macro_f1": round(f1_score(yt, yp, average="macro", labels=sorted(set(yt)), zero_division=0), 4),
            "macro_f1_95": [*lo(f1s)]}


def classify(ds) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    names = ds["train"].features["category"].names
    x_train, y_train, _ = _texts(ds["train"])
    x_test, y_test, src_test = _texts(ds["test"])
    model = _model().fit(x_train, y_train)
    predicted = list(model.predict(x_test))
    majority = collections.Counter(y_train).most_common(1)[0][0]
    support = collections.Counter(y_test)
    per_class = {}
    f1 = f1_score(y_test, predicted, average=None, labels=sorted(support), zero_division=0)
    for label, score in zip(sorted(support), f1):
        per_class[names[label]] = {"support": support[label], "f1": round(float(score), 4),
                                   "scored": support[label] >= SMALL}
    scorable = [label for label in sorted(support) if support[label] >= SMALL]
    return {
        "train_articles": len(y_train), "test_articles": len(y_test), "classes": len(set(y_train)),
        "tfidf_logreg": {**_interval(y_test, predicted),
                         "macro_f1_scorable": round(float(f1_score(y_test, predicted, average="macro", labels=scorable,
                                                                   zero_division=0)), 4)},
        "majority": {"class": names[majority], "accuracy": round(accuracy_score(y_test, [majority] * len(y_test)), 4),
                     "macro_f1": round(f1_score(y_test, [majority] * len(y_test), average="macro",
                                                labels=sorted(support), zero_division=0), 4)},
        "per_class": per_class,
        "test_sources": dict(collections.Counter(src_test).most_common()),
        "cross_outlet": cross_outlet(ds, names),
    }


def cross_outlet(ds, names: list[str]) -> list[dict]:
    """Train on every other outlet's labelled articles (all splits), test on one outlet's: what the
    labels support across outlets, since each outlet's desks are its own."""
    from sklearn.metrics import accuracy_score, f1_score

    rows = [r for split in ds for r in ds[split] if r["category"] is not None]
    x, y, src = _texts(rows)
    out = []
    for outlet in sorted(set(src)):
        train = [i for i, s in enumerate(src) if s != outlet]
        classes = {y[i] for i in train}
        test = [i for i, s in enumerate(src) if s == outlet and y[i] in classes]
        if len(test) < 50 or len(classes) < 2:
            continue
        model = _model().fit([x[i] for i in train], [y[i] for i in train])
        predicted = list(model.predict([x[i] for i in test]))
        truth = [y[i] for i in test]
        out.append({"test_outlet": outlet, "train_articles": len(train), "test_articles": len(test),
                    "test_classes": sorted(names[c] for c in set(truth)),
                    **_interval(truth, predicted)})
    return out


def summarize(ds) -> dict:
    pairs = [(r["lead"], r["text"]) for r in ds["test"] if r["lead"] and r["text"]]
    predictions = [lead_sentence(text) for _, text in pairs]
    scores = rouge(predictions, [lead for lead, _ in pairs])
    novel1 = [v for v in (novel_ngrams(lead, text, 1) for lead, text in pairs) if v is not None]
    novel2 = [v for v in (novel_ngrams(lead, text, 2) for lead, text in pairs) if v is not None]
    return {"test_articles": len(pairs), "lead1": {k: round(v, 4) for k, v in scores.items()},
            "lead_novel_unigrams": round(sum(novel1) / max(1, len(novel1)), 4),
            "lead_novel_bigrams": round(sum(novel2) / max(1, len(novel2)), 4)}


def _ci(values: list[float]) -> str:
    return f"{values[0]:.2f}–{values[1]:.2f}"


def table(results: dict, command: str) -> str:
    c, s = results["classification"], results["summarization"]
    t = c["tfidf_logreg"]
    small = [name for name, v in c["per_class"].items() if not v["scored"]]
    sources = ", ".join(f"`{k}` {v}" for k, v in c["test_sources"].items())
    lines = [
        "Print them with `.venv/bin/python scripts/baselines.py` (it writes nothing; scikit-learn and "
        "rouge-score come with the test extras, which `bash scripts/test.sh` installs); "
        f"`{command}` rewrites this section.",
        "",
        f"**Topic classification** ({c['classes']} classes; {c['train_articles']} train, {c['test_articles']} test "
        f"articles with a category; test articles per outlet: {sources}). The test set is small: one prediction "
        f"moves macro-F1 by several points, so each figure has its bootstrap 95% interval ({BOOTSTRAP} resamples of "
        "the test set).",
        "",
        "| model | accuracy (95% interval) | macro-F1 (95% interval) |",
        "|---|---:|---:|",
        f"| majority class (`{c['majority']['class']}`) | {c['majority']['accuracy']:.3f} | {c['majority']['macro_f1']:.3f} |",
        f"| TF-IDF (words + pairs) + logistic regression | {t['accuracy']:.3f} ({_ci(t['accuracy_95'])}) | "
        f"{t['macro_f1']:.3f} ({_ci(t['macro_f1_95'])}) |",
        "",
        f"Per class (test support and F1; a class with fewer than {SMALL} test articles is too small to score: "
        + (", ".join(f"`{n}`" for n in small) if small else "none") + f"; macro-F1 over the classes that can be "
        f"scored: {t['macro_f1_scorable']:.3f}):",
        "",
        "| class | test articles | F1 |",
        "|---|---:|---:|",
        *[f"| {name} | {v['support']} | {v['f1']:.3f}{'' if v['scored'] else ' (too small to score)'} |"
          for name, v in c["per_class"].items()],
        "",
        "**Across outlets** (train on every other outlet's labelled articles, all splits; test on one outlet's, "
        "in the classes the others have): what the labels support, since each outlet's desks are its own.",
        "",
        "| test outlet | train / test articles | test classes | accuracy (95%) | macro-F1 (95%) |",
        "|---|---:|---|---:|---:|",
        *[f"| `{x['test_outlet']}` | {x['train_articles']} / {x['test_articles']} | {', '.join(x['test_classes'])} | "
          f"{x['accuracy']:.3f} ({_ci(x['accuracy_95'])}) | {x['macro_f1']:.3f} ({_ci(x['macro_f1_95'])}) |"
          for x in c["cross_outlet"]],
        "",
        f"**Lead summarization** ({s['test_articles']} test articles with a lead and a body; ROUGE F1 with Khabar's Persian tokenizer):",
        "",
        "| model | ROUGE-1 | ROUGE-2 | ROUGE-L |",
        "|---|---:|---:|---:|",
        f"| Lead-1 (the body's first sentence) | {s['lead1']['rouge1']:.3f} | {s['lead1']['rouge2']:.3f} | {s['lead1']['rougeL']:.3f} |",
        "",
        f"How extractive the leads are: {s['lead_novel_unigrams']:.1%} of a lead's words and "
        f"{s['lead_novel_bigrams']:.1%} of its word pairs are not in the body.",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", nargs="?", default=str(ROOT), help="a built dataset (default: the shipped corpus)")
    ap.add_argument("--update-card", help="write the results into this card's baselines section")
    args = ap.parse_args()
    ds = load(Path(args.dataset))
    results = {"classification": classify(ds), "summarization": summarize(ds)}
    if args.update_card:
        card = Path(args.update_card)
        shipped = Path(args.dataset).resolve() == ROOT
        command = (".venv/bin/python scripts/baselines.py --update-card README.md" if shipped else
                   f"python scripts/baselines.py {args.dataset} --update-card {args.update_card}")
        card.write_text(fill_sections(card.read_text("utf-8"), {"baselines": table(results, command)}), "utf-8")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
