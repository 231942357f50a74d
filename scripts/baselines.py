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


def classify(ds) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    tok = PersianTokenizer()

    def rows(split):
        out = [(" ".join(x for x in (r["title"], r["lead"], r["text"]) if x), r["category"])
               for r in ds[split] if r["category"] is not None]
        return [t for t, _ in out], [c for _, c in out]

    x_train, y_train = rows("train")
    x_test, y_test = rows("test")
    names = ds["train"].features["category"].names
    vectorizer = TfidfVectorizer(tokenizer=tok.tokenize, token_pattern=None, lowercase=False,
                                 ngram_range=(1, 2), min_df=2, max_features=200_000, sublinear_tf=True)
    model = LogisticRegression(max_iter=2000, C=10.0)
    model.fit(vectorizer.fit_transform(x_train), y_train)
    predicted = model.predict(vectorizer.transform(x_test))
    majority = collections.Counter(y_train).most_common(1)[0][0]
    return {
        "train_articles": len(y_train), "test_articles": len(y_test), "classes": len(set(y_train)),
        "tfidf_logreg": {"accuracy": round(accuracy_score(y_test, predicted), 4),
                         "macro_f1": round(f1_score(y_test, predicted, average="macro"), 4)},
        "majority": {"class": names[majority], "accuracy": round(accuracy_score(y_test, [majority] * len(y_test)), 4),
                     "macro_f1": round(f1_score(y_test, [majority] * len(y_test), average="macro"), 4)},
    }


def summarize(ds) -> dict:
    pairs = [(r["lead"], r["text"]) for r in ds["test"] if r["lead"] and r["text"]]
    predictions = [lead_sentence(text) for _, text in pairs]
    scores = rouge(predictions, [lead for lead, _ in pairs])
    novel1 = [v for v in (novel_ngrams(lead, text, 1) for lead, text in pairs) if v is not None]
    novel2 = [v for v in (novel_ngrams(lead, text, 2) for lead, text in pairs) if v is not None]
    return {"test_articles": len(pairs), "lead1": {k: round(v, 4) for k, v in scores.items()},
            "lead_novel_unigrams": round(sum(novel1) / max(1, len(novel1)), 4),
            "lead_novel_bigrams": round(sum(novel2) / max(1, len(novel2)), 4)}


def table(results: dict, command: str) -> str:
    c, s = results["classification"], results["summarization"]
    return "\n".join([
        "Print them with `.venv/bin/python scripts/baselines.py` (it writes nothing; scikit-learn and "
        "rouge-score come with the test extras, which `bash scripts/test.sh` installs); "
        f"`{command}` rewrites this section.",
        "",
        f"**Topic classification** ({c['classes']} classes; {c['train_articles']} train, {c['test_articles']} test articles with a category):",
        "",
        "| model | accuracy | macro-F1 |",
        "|---|---:|---:|",
        f"| majority class (`{c['majority']['class']}`) | {c['majority']['accuracy']:.3f} | {c['majority']['macro_f1']:.3f} |",
        f"| TF-IDF (words + pairs) + logistic regression | {c['tfidf_logreg']['accuracy']:.3f} | {c['tfidf_logreg']['macro_f1']:.3f} |",
        "",
        f"**Lead summarization** ({s['test_articles']} test articles with a lead and a body; ROUGE F1 with Khabar's Persian tokenizer):",
        "",
        "| model | ROUGE-1 | ROUGE-2 | ROUGE-L |",
        "|---|---:|---:|---:|",
        f"| Lead-1 (the body's first sentence) | {s['lead1']['rouge1']:.3f} | {s['lead1']['rouge2']:.3f} | {s['lead1']['rougeL']:.3f} |",
        "",
        f"How extractive the leads are: {s['lead_novel_unigrams']:.1%} of a lead's words and "
        f"{s['lead_novel_bigrams']:.1%} of its word pairs are not in the body.",
    ])


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
