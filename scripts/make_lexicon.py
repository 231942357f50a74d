"""Regenerate src/khabar/text/data/{lexicon.tsv.gz,verbs.tsv} from hazm's word lists (MIT).

    pip download --no-deps hazm==0.10.0 -d /tmp/hazm && python scripts/make_lexicon.py /tmp/hazm/hazm-0.10.0-py3-none-any.whl

Only the data ships with Khabar (see src/khabar/text/data/NOTICE.md); hazm itself is not
a dependency. Letters are normalized (ي ك -> ی ک) and stray ZWNJs dropped, as Khabar's
normalizer does, so lookups see the same forms the build produces.
"""

from __future__ import annotations

import gzip
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from khabar.text.normalize import normalize_line  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "src" / "khabar" / "text" / "data"


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as zf:
        words = zf.read("hazm/data/words.dat").decode("utf-8").splitlines()
        verbs = zf.read("hazm/data/verbs.dat").decode("utf-8").splitlines()
    merged: dict[str, tuple[int, set[str]]] = {}
    for line in words:
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        word, freq, tags = normalize_line(parts[0], restore=False), int(parts[1]), set(parts[2].split(","))
        if not word or " " in word:
            continue
        old = merged.get(word, (0, set()))
        merged[word] = (old[0] + freq, old[1] | tags)
    lines = [f"{w}\t{f}\t{','.join(sorted(t))}" for w, (f, t) in sorted(merged.items())]
    with gzip.GzipFile(OUT / "lexicon.tsv.gz", "wb", mtime=0) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    stems = sorted({normalize_line(v, restore=False) for v in verbs if v.strip()})
    (OUT / "verbs.tsv").write_text("\n".join(s.replace("#", "\t") for s in stems) + "\n", encoding="utf-8")
    print(f"{len(lines)} words, {len(stems)} verbs")


if __name__ == "__main__":
    main(sys.argv[1])
