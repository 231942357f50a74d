"""Persian ROUGE with hand-checked scores, and the extractiveness measure."""

from __future__ import annotations

import pytest

rouge_score = pytest.importorskip("rouge_score")

from khabar.evaluate import PersianTokenizer, lead_sentence, novel_ngrams, rouge  # noqa: E402

REFERENCE = "رئیس‌جمهور روسیه با وزیر امور خارجه دیدار کرد."
PREDICTION = "رئیس‌جمهور روسیه با وزیر دفاع دیدار کرد."


def test_tokenizer_keeps_persian_words_whole():
    assert PersianTokenizer().tokenize(REFERENCE) == ["رئیس‌جمهور", "روسیه", "با", "وزیر", "امور", "خارجه", "دیدار", "کرد"]


def test_hand_checked_scores():
    # unigrams: 6 shared of 7 predicted and 8 reference words: P 6/7, R 6/8, F 0.8
    # bigrams: 4 shared of 6 and 7: P 2/3, R 4/7, F 8/13 = 0.6154
    # longest common subsequence: 6 words, as for unigrams: F 0.8
    scores = rouge([PREDICTION], [REFERENCE])
    assert scores["rouge1"] == pytest.approx(0.8)
    assert scores["rouge2"] == pytest.approx(8 / 13)
    assert scores["rougeL"] == pytest.approx(0.8)


def test_the_usual_default_tokenizer_scores_persian_as_nothing():
    from rouge_score import rouge_scorer
    default = rouge_scorer.RougeScorer(["rouge1"]).score(REFERENCE, PREDICTION)["rouge1"].fmeasure
    assert default == 0.0


def test_scores_see_through_scraping_damage():
    damaged = "رئيسجمهور روسيه با وزير دفاع ديدار كرد."        # no ZWNJ, Arabic letters
    assert rouge([damaged], [REFERENCE])["rouge1"] == pytest.approx(0.8)
    assert rouge([REFERENCE], [REFERENCE]) == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}


def test_novel_ngrams_and_lead_sentence():
    source = "رئیس‌جمهور روسیه با وزیر امور خارجه سوریه دیدار کرد. دو طرف گفت‌وگو کردند."
    assert novel_ngrams("رئیس‌جمهور روسیه دیدار کرد", source, 1) == 0.0
    assert novel_ngrams("رئیس‌جمهور روسیه دیدار کرد", source, 2) == pytest.approx(1 / 3)   # of 3 bigrams only روسیه دیدار is new
    assert novel_ngrams("", source) is None
    assert lead_sentence(source) == "رئیس‌جمهور روسیه با وزیر امور خارجه سوریه دیدار کرد."
