"""Evaluation that works for Persian.

ROUGE as commonly computed lower-cases and keeps only ``[a-z0-9]`` tokens, so Persian text
scores nothing (``rouge-score``'s default tokenizer).  :class:`PersianTokenizer` gives the
maintained ``rouge-score`` implementation the corpus's own tokenization instead: Khabar's
normalization (Persian letters, ZWNJs restored) then its tokenizer, keeping words whole
across ZWNJs and dropping punctuation.  :func:`novel_ngrams` measures how extractive a
summary is (the share of its n-grams absent from the source), so a result on the
lead-as-summary task can be read against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from khabar.text.normalize import normalize_line
from khabar.text.segment import sentences, tokens


class PersianTokenizer:
    """A tokenizer for ``rouge_score.rouge_scorer.RougeScorer(tokenizer=...)``."""

    def tokenize(self, text: str) -> list[str]:
        return [t for t in tokens(normalize_line(text.replace("\n", " "))) if t[0].isalnum()]


def scorer(rouge_types: Sequence[str] = ("rouge1", "rouge2", "rougeL")):
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(rouge_types), tokenizer=PersianTokenizer())


def rouge(predictions: Iterable[str], references: Iterable[str],
          rouge_types: Sequence[str] = ("rouge1", "rouge2", "rougeL")) -> dict[str, float]:
    """Mean F1 of each ROUGE type over the pairs."""
    s = scorer(rouge_types)
    totals = dict.fromkeys(rouge_types, 0.0)
    n = 0
    for prediction, reference in zip(predictions, references):
        scores = s.score(reference, prediction)
        for t in rouge_types:
            totals[t] += scores[t].fmeasure
        n += 1
    return {t: (v / n if n else 0.0) for t, v in totals.items()}


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def novel_ngrams(summary: str, source: str, n: int = 1) -> float | None:
    """Share of the summary's distinct n-grams that the source does not contain (None if it has none)."""
    tok = PersianTokenizer()
    summary_grams = _ngrams(tok.tokenize(summary), n)
    if not summary_grams:
        return None
    return len(summary_grams - _ngrams(tok.tokenize(source), n)) / len(summary_grams)


def lead_sentence(text: str) -> str:
    """The Lead-1 baseline: the body's first sentence."""
    found = sentences(text)
    return found[0] if found else ""
