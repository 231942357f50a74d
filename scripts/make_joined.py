"""Regenerate src/khabar/text/data/joined.txt: words ZWNJ restoration leaves as written.

    python scripts/make_joined.py

Restoration splits a joined word in two where a ZWNJ form is common (``رئیسجمهور`` ->
``رئیس‌جمهور``). Some joined words are written joined on purpose: names (``کیروش``,
``مهدیشهر``), and compounds careful writers join (``حقوقدان``, ``یکجانبه``). The file has
two parts:

* **careful**: words that the documents of the shipped corpus which keep their ZWNJs (their
  writers use ZWNJs, so a joined word is joined on purpose) write joined at least
  ``MIN_JOINED`` times and never in the ZWNJ form restoration would give (read from
  ``text_raw``, ``lead_raw`` and ``title_raw`` of corpus/data, whatever the current list says);
* **names**: transliterated names found split in the shipped corpus's texts, added by hand
  (kept as they are when the file is regenerated).
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from khabar.text import zwnj  # noqa: E402
from khabar.text.letters import clean_line  # noqa: E402

OUT = ROOT / "src" / "khabar" / "text" / "data" / "joined.txt"
MIN_JOINED = 3
HEADER = """# Words ZWNJ restoration leaves as written (khabar.text.zwnj): never split in two.
# Made by scripts/make_joined.py; the [names] part is kept by hand.
"""


def careful_words(root: Path = ROOT) -> list[str]:
    restorer = zwnj.Restorer(names=zwnj.given_names())        # the rules alone, not this file
    joined: collections.Counter[str] = collections.Counter()
    with_zwnj: collections.Counter[str] = collections.Counter()
    for path in sorted((root / "corpus" / "data").glob("*.parquet")):
        for row in pq.read_table(path, columns=["title_raw", "lead_raw", "text_raw"]).to_pylist():
            text = clean_line(" ".join(x for x in row.values() if x).replace("\n", " "))
            if zwnj.ZWNJ not in text:
                continue                      # a document that lost its ZWNJs says nothing
            for word in zwnj._WORD.findall(text):
                (with_zwnj if zwnj.ZWNJ in word else joined)[word] += 1
    out = []
    for word, n in joined.items():
        if n < MIN_JOINED:
            continue
        restored = restorer.word(word)
        if restored != word and restorer.rule_of.get(word) == "compound" and not zwnj._affixal(restored) \
                and not with_zwnj[restored]:
            out.append(word)
    return sorted(out)


def main() -> None:
    names = zwnj.read_joined(OUT).get("names", []) if OUT.exists() else []
    careful = careful_words()
    OUT.write_text(HEADER + "[careful]\n" + "".join(f"{w}\n" for w in careful)
                   + "[names]\n" + "".join(f"{w}\n" for w in names), encoding="utf-8")
    print(f"{len(careful)} careful, {len(names)} names")


if __name__ == "__main__":
    main()
