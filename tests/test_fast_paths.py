"""The build's fast paths give exactly what their plain formulations give.

Speed work (issue 7) replaced several steps with quicker equivalents: a skipped
space fold, one pass over ZWNJ runs, a token pattern without the URL and e-mail
branches, memoized ZWNJ restoration, a numpy MinHash, block-allocated dedup columns
and an Arrow IPC spool.  Each is checked here against the plain formulation, on real
text from the shared exports and on generated strings built from the characters that
make Persian text hard.
"""

from __future__ import annotations

import csv
import json
import inspect
import re
import unicodedata

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED_NEWS, needs_shared
from khabar import dedup
from khabar.assemble import check_url, check_url_parsed
from khabar.errors import KhabarError
from khabar.registry import sources
from khabar.features import arrow_schema, to_arrow_row
from khabar.shards import table_of
from khabar.spool import Spool, tables, write_unit
from khabar.text import normalize as N
from khabar.text import zwnj
from khabar.text import offsets, segment
from khabar.text.offsets import align
from khabar.text.segment import TOKEN, tokens

ZWNJ = "\u200c"

# --- the plain formulations -------------------------------------------------------------------

_MULTI = re.compile(f"{ZWNJ}{{2,}}")
_VOWEL_MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0653\u0654\u0655\u0656\u0657\u0658\u0659\u065a\u065b\u065c\u065d\u065e\u065f\u0670"


def _strip_stray(text: str) -> str:
    """Every ZWNJ that is not between a letter (with its vowel marks) and a letter, one character at a time."""
    out = []
    for i, c in enumerate(text):
        if c == ZWNJ:
            j = i - 1
            while j >= 0 and text[j] in _VOWEL_MARKS:
                j -= 1
            after = text[i + 1] if i + 1 < len(text) else ""
            if j < 0 or not (text[j].isalpha() and after.isalpha()):
                continue
        out.append(c)
    return "".join(out)
_AFTER_NON_JOINING = re.compile(f"(?<=[{''.join(sorted(N.NON_JOINING))}]){ZWNJ}+")


def plain_clean_line(line: str) -> str:
    """Every rule applied to every line, in the order the module documents."""
    text = "".join(c for c in line if c not in "\u200b\u200d\u2060\ufeff")     # invisible characters
    text = text.translate(N._TABLE)
    text = N._EMBEDDINGS.sub("", text)
    text = N._PRESENTATION.sub(N._fix_presentation, text).translate(N._TABLE)
    text = N._MARK_IN_WORD.sub(ZWNJ, text)
    text = re.sub("[\u200e\u200f\u061c]", "", text)                   # other direction marks
    text = _MULTI.sub(ZWNJ, text)
    text = _strip_stray(text)
    text = _AFTER_NON_JOINING.sub("", text)
    return N._SPACES.sub(" ", text).strip()


def plain_restore(restorer: zwnj.Restorer, text: str) -> str:
    """Clause by clause (an Arabic one as written), every chunk of every clause, no memo."""
    out = []
    for m in zwnj._CLAUSE.finditer(text):
        if not m.group():
            continue
        if zwnj._ARABIC_HINT.search(text) and restorer._arabic(m.group(1)):
            out.append(m.group())
            continue
        parts = m.group().split(" ")
        chunks = [zwnj._WORD.sub(restorer._in_chunk, c) for c in parts]
        restorer._pairs(parts, chunks)
        clause = " ".join(chunks)
        clause = zwnj._SPACED_PREFIX.sub(lambda m: restorer._prefix_join(m.group(1), m.group(2), m.group()), clause)
        out.append(zwnj._SPACED_SUFFIX.sub(lambda m: restorer._suffix_join(m.group(1), m.group(2), m.group()), clause))
    return "".join(out)


_SENTENCE_END = re.compile(r"(?<!\b[A-Za-z])[.!?؟…]+[»\"')\]]*(?=\s|$)")


def plain_sentence_ends(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _SENTENCE_END.finditer(text)]


def sentence_ends(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in segment._SENTENCE_END.finditer(text)]


def plain_align(raw: str, norm: str) -> list[list[int]]:
    """The alignment walked one character at a time (no galloping over equal runs)."""
    saved = offsets._common
    offsets._common = lambda *args: 1
    try:
        return align(raw, norm)
    finally:
        offsets._common = saved


def _identity(x: int) -> int:
    return x


def datasketch_signature(text: str) -> np.ndarray:
    from datasketch import MinHash

    m = MinHash(num_perm=dedup.NUM_PERM, seed=dedup.SEED, scheme=dedup.SCHEME, hashfunc=_identity)
    m.update_batch(dedup.shingles(text))
    return m.hashvalues


# --- real text ----------------------------------------------------------------------------------

def _real_paragraphs(limit: int = 6000) -> list[str]:
    out: list[str] = []
    for path in sorted((SHARED_NEWS / "farsnews").glob("*.json"))[:3]:
        for item in json.loads(path.read_text("utf-8")):
            body = item.get("paragraphs")
            if isinstance(body, list):
                out.extend(p for p in body if isinstance(p, str))
    with (SHARED_NEWS / "hamshahri-archive" / "news_data.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.extend(row["news_text"].split("\n"))
            if len(out) > limit:
                break
    return out[:limit]


@needs_shared
def test_fast_paths_agree_with_plain_rules_on_real_news():
    paragraphs = _real_paragraphs()
    assert len(paragraphs) > 3000
    restorer = zwnj.Restorer(zwnj.lexicon())
    fresh = zwnj.Restorer(zwnj.lexicon())
    changed = 0
    for p in paragraphs:
        clean = N._clean_line(p)
        assert clean == plain_clean_line(p), p
        assert restorer.text(clean) == plain_restore(fresh, clean), clean
        assert zwnj._may_be_arabic(clean) == bool(zwnj._ARABIC_HINT.search(clean)), clean
        assert tokens(clean) == TOKEN.findall(clean)
        assert sentence_ends(clean) == plain_sentence_ends(clean)
        assert segment.sentence_count(clean) == len(segment.sentences(clean))
        norm = N.normalize_line(p)
        assert align(p, norm) == plain_align(p, norm)
        changed += clean != p
    assert changed > 100            # the real text does exercise the rules (ZWNJs, letters, spaces)
    texts = ["\n\n".join(paragraphs[i:i + 8]) for i in range(0, 800, 8)]
    for text in texts:
        assert np.array_equal(dedup.signature(text), datasketch_signature(text))


# --- generated text -------------------------------------------------------------------------------

HARD = ["می", "کتاب", "ها", "بندر", "شود", "ي", "ك", "\u0640", ZWNJ, ZWNJ + ZWNJ, "\u200e", "\u200f", "\u202b",
        "\u2067", "\ufefb", "\ufeb3", " ", "  ", "\t", "\u00a0", "\u2009", "ء", "ة", "و", "د", "۱۴۰۴", "2025",
        "https://x.ir/a", "a@b.ir", "www.x.ir", "Latin", "U.S.", "A", ".", "..", "…", "،", "؟", "!", "«", "»", ")",
        "\"", "\r", "\u2028", "\n"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(HARD), max_size=30))
def test_fast_paths_agree_with_plain_rules_on_generated_text(parts):
    line = "".join(parts)
    clean = N._clean_line(line)
    assert clean == plain_clean_line(line)
    assert tokens(line) == TOKEN.findall(line)
    assert sentence_ends(line) == plain_sentence_ends(line)
    assert segment.sentence_count(line) == len(segment.sentences(line))
    restorer = zwnj.default_restorer()
    assert restorer.text(clean) == plain_restore(zwnj.Restorer(restorer.lex), clean)
    norm = N.normalize_line(line)
    assert align(line, norm) == plain_align(line, norm)


def test_change_counts_count_what_changed():
    changes = N.Changes()
    N.normalize_line(f"کتاب{ZWNJ}{ZWNJ}ها و ي\u200e", restore=False, changes=changes)
    # two ZWNJs became one; the mark at the end goes (it is not inside a word)
    assert (changes.zwnj_removed, changes.letters) == (2, 1)
    changes = N.Changes()
    assert N.normalize_line("می\u200fشود", restore=False, changes=changes) == f"می{ZWNJ}شود"
    assert changes.zwnj_removed == 0                  # a mark turned into a ZWNJ: nothing lost
    changes = N.Changes()
    N.normalize_line("خبر روز", changes=changes)
    assert (changes.letters, changes.zwnj_removed, changes.zwnj_restored) == (0, 0, 0)


def test_restorer_memory_is_bounded_and_forgetting_changes_nothing(monkeypatch):
    monkeypatch.setattr(zwnj, "CACHE_LIMIT", 16)
    restorer = zwnj.Restorer(zwnj.default_restorer().lex)
    text = "میتواند همکاریهای کتاب ها رئیسجمهور گفتوگو منطقهای بندرها و در تهران " * 3
    first = restorer.text(text)
    for k in range(40):
        assert restorer.text(f"{text} واژه{k}") == f"{first} واژه{k}"
        assert len(restorer.same) <= 16 and len(restorer.chunks) <= 16 and restorer.remembered() <= 16
    assert "می\u200cتواند" in first and "رئیس\u200cجمهور" in first


def test_arabic_clause_test_remembers_words_and_forgets_nothing_it_needs(monkeypatch):
    """The clause test's word memo (Restorer.arabic_words) gives what a fresh test gives, stays
    within CACHE_LIMIT, and a clause's verdict does not depend on what was asked before."""
    monkeypatch.setattr(zwnj, "CACHE_LIMIT", 16)
    lex = zwnj.default_restorer().lex
    clauses = ["لا یکلف الله نفسا الا وسعها", "الا وسعها", "او گفت که فردا می آید", "رسول اللَّه",
               "قال الحکومة", "فی سبیل الله", "کتاب های مدرسه"] * 3 + [f"واژه{k} فی" for k in range(30)]
    remembering, fresh = zwnj.Restorer(lex), zwnj.Restorer(lex)
    for clause in clauses:
        expected = fresh._arabic(clause)
        fresh.arabic_words.clear()
        assert remembering._arabic(clause) == expected, clause
        assert len(remembering.arabic_words) <= 16 + len(clause.split())
    assert remembering._arabic("لا یکلف الله نفسا الا وسعها") and not remembering._arabic("او گفت که فردا می آید")


def test_signature_is_datasketchs_minhash():
    text = "خبرگزاری آناتولی گزارش داد که رئیس‌جمهور ترکیه امروز در آنکارا با همتای ایرانی خود دیدار کرد و " * 4
    for variant in (text, text.replace("امروز", "دیروز"), "کوتاه", ""):
        sig = dedup.signature(variant)
        assert sig.dtype == np.uint32 and sig.shape == (dedup.NUM_PERM,)
        assert np.array_equal(sig, datasketch_signature(variant))


def test_permutations_are_datasketchs_drawn_without_importing_it():
    from datasketch import MinHash

    a, b = MinHash(num_perm=dedup.NUM_PERM, seed=dedup.SEED, scheme=dedup.SCHEME).permutations
    ours_a, ours_b = dedup.permutations()
    assert ours_a.dtype == ours_b.dtype == np.uint32 and ours_a.shape == (dedup.NUM_PERM, 1)
    assert np.array_equal(ours_a.ravel(), np.asarray(a, dtype=np.uint32))
    assert np.array_equal(ours_b.ravel(), np.asarray(b, dtype=np.uint32))
    assert (ours_a & 1).all()       # odd multipliers: each permutation is a bijection
    src = inspect.getsource(dedup)
    assert "import datasketch" not in src and "from datasketch" not in src   # scipy stays out of the workers


def test_dedup_columns_grow_in_blocks_without_copying(monkeypatch):
    monkeypatch.setattr(dedup.Column, "BLOCK", 4)
    wide, narrow = dedup.Column(np.uint32, 3), dedup.Column(np.uint64)
    for i in range(11):
        wide.append([i, i + 1, i + 2])
        narrow.append(i * 10)
    narrow.extend(np.arange(100, 107, dtype=np.uint64))
    first = wide.blocks[0]
    wide.append([99, 99, 99])
    assert wide.blocks[0] is first                     # stored rows never move
    assert len(wide) == 12 and len(wide.blocks) == 3 and len(narrow) == 18
    assert wide[10].tolist() == [10, 11, 12] and int(narrow[17]) == 106
    assert wide.view(1, 3)[:, 0].tolist() == [i + 1 for i in range(11)] + [99]
    assert narrow.view().tolist() == [i * 10 for i in range(11)] + list(range(100, 107))
    sigs = np.array([[1, 2, 3, 4] * 16, [1, 2, 3, 4] * 16, [9, 9, 9, 9] * 16], dtype=np.uint32)
    col = dedup.Column(np.uint32, 64)
    for row in sigs:
        col.append(row)
    assert dedup.near_pairs(col) == dedup.near_pairs(sigs) == [(0, 1, 1.0)]


def test_spool_gives_back_every_row_in_order_across_shards(tmp_path, seed_bytes):
    from khabar.pipeline import parse_page
    from khabar.dates import DateLimits
    from khabar.registry import sources
    from khabar.work import check_schema
    import datetime as dt

    article = parse_page(seed_bytes, "aa-fa/x.txt", sources()["aa-fa"], DateLimits(latest=dt.date(2026, 11, 29)))
    base = to_arrow_row(check_schema(article))
    rows = [{**base, "id": f"aa-fa-{i:016x}"} for i in range(23)]
    sizes = {}
    for compression in ("none", "zstd"):
        folder = tmp_path / compression
        folder.mkdir()
        spool = Spool(folder, arrow_schema(), max_rows=5, batch_rows=3, compression=compression)
        spool.write(rows[0])
        spool.write_table(pa.Table.from_pylist(rows[1:9], schema=arrow_schema()))
        for row in rows[9:20]:
            spool.write(row)
        spool.adopt(write_unit(folder, "worker-1", table_of(rows[20:], arrow_schema()), compression))
        paths = spool.close()        # four shards of the spool's own, then the file a worker wrote
        assert len(paths) == 5 and all(p.name.startswith(".spool-") for p in paths[:4])
        assert paths[4].name == ".unit-worker-1.arrow"
        sizes[compression] = sum(p.stat().st_size for p in paths)
        read = list(tables(paths, rows=4, remove=True))     # across files: every table 4 rows or more, but the last
        assert all(t.num_rows >= 4 for t in read[:-1]) and not any(p.exists() for p in paths)
        back = [r for t in read for r in t.to_pylist()]
        assert [r["id"] for r in back] == [r["id"] for r in rows]
        assert back[7]["text_raw"] == rows[7]["text_raw"] and back[7]["published"] == rows[7]["published"]
        assert unicodedata.normalize("NFC", back[0]["title"]) == back[0]["title"]
    assert sizes["zstd"] < sizes["none"] * 0.7


def test_rows_become_the_table_from_pylist_makes(seed_bytes):
    from khabar.pipeline import parse_page
    from khabar.dates import DateLimits
    from khabar.registry import sources
    from khabar.work import check_schema
    import datetime as dt

    article = parse_page(seed_bytes, "aa-fa/x.txt", sources()["aa-fa"], DateLimits(latest=dt.date(2026, 11, 29)))
    base = to_arrow_row(check_schema(article))
    rows = [base, {**base, "id": "x", "title": None, "not_a_field": 1}, {k: v for k, v in base.items() if k != "lead"}]
    made = table_of(rows, arrow_schema())
    assert made.equals(pa.Table.from_pylist(rows, schema=arrow_schema()))
    assert made.schema.metadata == arrow_schema().metadata and made.column("lead")[2].as_py() is None


def test_a_units_text_column_made_from_its_paragraphs_is_the_text(seed_bytes):
    """work.tabulate: a row's text, its paragraphs joined by a blank line, is put in the table from
    the paragraphs' column; the table is the one made from the rows as they are, a row whose text
    is something else (or none) keeping its own."""
    from khabar.pipeline import parse_page
    from khabar.dates import DateLimits
    from khabar.registry import sources
    from khabar.work import _drop_text, _with_text, check_schema
    import datetime as dt

    article = parse_page(seed_bytes, "aa-fa/x.txt", sources()["aa-fa"], DateLimits(latest=dt.date(2026, 11, 29)))
    base = to_arrow_row(check_schema(article))
    assert len(base["paragraphs"]) > 1
    rows = [base, {**base, "id": "a", "text": base["text"] + " "}, {**base, "id": "b", "text": None},
            {**base, "id": "c", "paragraphs": [], "text": None}, {**base, "id": "d", "paragraphs": ["یک"], "text": "یک"}]
    expected = table_of([dict(r) for r in rows], arrow_schema())
    rows = [dict(r) for r in rows]
    dropped = [_drop_text(r) for r in rows]
    assert dropped == [True, False, False, False, True]
    assert _with_text(table_of(rows, arrow_schema()), dropped).equals(expected)


def test_has_words_is_any_character_isalnum_takes():
    """furniture.has_words by a pattern: the same answer as ``any(c.isalnum() for c in text)``
    for every character."""
    from khabar.text.furniture import has_words

    assert [c for c in map(chr, range(0x110000)) if has_words(c) != c.isalnum()] == []
    assert has_words("«؟» ۱۴۰۳") and not has_words("«؟» ...\u200c_")


def test_spilled_signatures_read_back_as_kept_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(dedup.Column, "BLOCK", 4)
    rng = np.random.default_rng(7)
    sigs = rng.integers(0, 2**32, size=(11, dedup.NUM_PERM), dtype=np.uint32)
    sigs[9] = sigs[2]
    sigs[10, :50] = sigs[5, :50]                     # 50 of 64 agree: above the threshold
    spilled = dedup.SignatureFile(tmp_path / "sigs.u32")
    for row in sigs:
        spilled.append(row)
    assert len(spilled) == 11 and spilled.written == 8 and (tmp_path / "sigs.u32").stat().st_size == 8 * 256
    assert all(np.array_equal(spilled[i], sigs[i]) for i in range(11))
    assert np.array_equal(spilled.view(4, 8), sigs[:, 4:8])
    assert dedup.near_pairs(spilled) == dedup.near_pairs(sigs) == [(2, 9, 1.0), (5, 10, 50 / 64)]
    spilled.close()
    assert not (tmp_path / "sigs.u32").exists()


def test_deduplicator_groups_the_same_with_signatures_spilled(tmp_path, monkeypatch):
    monkeypatch.setattr(dedup.Column, "BLOCK", 8)
    text = "خبرگزاری آناتولی گزارش داد که رئیس‌جمهور ترکیه امروز در آنکارا با همتای ایرانی خود دیدار کرد و "
    records = []
    for i in range(30):
        body = f"{text * 3} گزارش شماره {i} " + ("و " + str(i)) * 20
        records.append({"id": f"aa-fa-{i:016x}", "title": "عنوان", "text": body if i % 7 else text * 4,
                        "published": "2025-01-01"})
    kept, spilled = dedup.Deduplicator(), dedup.Deduplicator(spill=tmp_path / "s.u32")
    for r in records:
        kept.add(r)
        spilled.add(r)
    groups = kept.groups()
    assert groups and groups == spilled.groups()
    assert [spilled.duplicate(i, g[0]) for g in groups for i in g[1:]] == \
        [kept.duplicate(i, g[0]) for g in groups for i in g[1:]]


def test_ledger_batch_calls_are_the_single_ones(tmp_path):
    from khabar.split import SPLITS, Ledger

    rng = np.random.default_rng(3)
    known = [f"{src}-{int(k):016x}" for src, k in zip(rng.choice(["aa-fa", "farsnews", "hamshahri"], 60),
                                                        rng.integers(0, 2**63, 60))]
    old = Ledger(known[:40], [SPLITS[i % 3] for i in range(40)])
    asked = known[20:60] + ["aa-fa-0000000000000001", "unknown-00000000000000ff", known[5]]
    assert old.get_many(asked) == [old.get(x) for x in asked]
    assert old.get_many(asked)[:20] == [SPLITS[i % 3] for i in range(20, 40)] and old.get_many([]) == []
    one, many = Ledger(known[:40], [SPLITS[i % 3] for i in range(40)]), Ledger(known[:40], [SPLITS[i % 3] for i in range(40)])
    new = [(x, SPLITS[(i + 1) % 3]) for i, x in enumerate(asked)]
    for x, split in new:
        one.set(x, split)
    many.set_many([x for x, _ in new[:10]], [s for _, s in new[:10]])
    many.set_many([x for x, _ in new[10:]], [s for _, s in new[10:]])
    one.write(tmp_path / "one.tsv")
    many.write(tmp_path / "many.tsv")
    assert (tmp_path / "one.tsv").read_bytes() == (tmp_path / "many.tsv").read_bytes()
    assert len((tmp_path / "one.tsv").read_text().splitlines()) == 1 + 40 + 20 + 2



def _near_pairs_one_by_one(sigs: np.ndarray, exact=None) -> list[tuple[int, int, float]]:
    """near_pairs as it was written before numpy did it, a row at a time: per band, rows sorted by
    their keys, each member of a run of equal keys paired with the run's first and its neighbour."""
    pairs = set()
    for band in range(dedup.BANDS):
        keys = [tuple(row[band * dedup.ROWS:(band + 1) * dedup.ROWS]) for row in sigs.tolist()]
        order = sorted(range(len(keys)), key=lambda i: keys[i])
        start = 0
        for k in range(1, len(order)):
            if keys[order[k]] != keys[order[k - 1]]:
                start = k
                continue
            for a, b in ((order[start], order[k]), (order[k - 1], order[k])):
                pairs.add((min(a, b), max(a, b)))
    out = []
    for a, b in sorted(pairs):
        s = float(np.count_nonzero(sigs[a] == sigs[b])) / len(sigs[a])
        if exact is None:
            if s >= dedup.THRESHOLD:
                out.append((a, b, s))
        elif s >= dedup.CANDIDATE:
            jaccard, contained = exact(a, b)
            if jaccard >= dedup.THRESHOLD or contained >= dedup.CONTAINMENT:
                out.append((a, b, jaccard))
    return out


def test_near_pairs_in_numpy_finds_what_the_row_at_a_time_loop_finds(tmp_path, monkeypatch):
    monkeypatch.setattr(dedup.Column, "BLOCK", 16)
    rng = np.random.default_rng(11)
    sigs = rng.integers(0, 3, size=(60, dedup.NUM_PERM), dtype=np.uint32)    # few values: runs of equal keys
    sigs[45:] = rng.integers(0, 2**32, size=(15, dedup.NUM_PERM), dtype=np.uint32)   # and rows sharing none
    for a, b, agree in ((3, 40, 64), (7, 8, 50), (10, 59, 45), (50, 51, 46), (8, 33, 64)):
        sigs[b] = sigs[a]
        sigs[b, agree:] = rng.integers(3, 9, size=dedup.NUM_PERM - agree)     # differ past `agree`
    expected = _near_pairs_one_by_one(sigs)
    assert {(3, 40), (8, 33), (7, 8), (50, 51)} <= {(a, b) for a, b, _ in expected}
    assert all(b != 52 for _, b, _ in expected)
    spilled = dedup.SignatureFile(tmp_path / "sigs.u32")
    for row in sigs:
        spilled.append(row)
    assert dedup.near_pairs(sigs) == dedup.near_pairs(spilled) == expected
    asked, asked_before = [], []
    judge = lambda log: lambda a, b: (log.append((a, b)), (0.5, 0.71) if (a, b) == (7, 8) else (a % 3 / 2, 0.0))[1]
    confirmed = dedup.near_pairs(spilled, judge(asked))
    assert confirmed == _near_pairs_one_by_one(sigs, judge(asked_before))
    assert asked == asked_before and len(asked) > 100 and (7, 8, 0.5) in confirmed
    spilled.close()


def test_shingles_kept_on_disk_read_back_as_appended_between_buffered_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(dedup.ShingleStore, "BUFFER", 64)          # a write every few articles
    rng = np.random.default_rng(3)
    rows = [np.unique(rng.integers(0, 2**32, size=int(rng.integers(0, 30)), dtype=np.uint32)) for _ in range(40)]
    on_disk, in_memory = dedup.ShingleStore(tmp_path / "grams.u32"), dedup.ShingleStore()
    for k, row in enumerate(rows):
        on_disk.append(row)
        in_memory.append(row)
        if k % 7 == 3:                             # reads between appends see every row so far
            assert all(np.array_equal(on_disk[i], rows[i]) for i in range(k + 1))
    assert len(on_disk) == 40 and all(np.array_equal(on_disk[i], in_memory[i]) for i in range(40))
    assert all(np.array_equal(on_disk[i], rows[i]) for i in reversed(range(40)))
    assert (tmp_path / "grams.u32").stat().st_size == 4 * sum(len(r) for r in rows)
    on_disk.close()
    assert not (tmp_path / "grams.u32").exists()


def test_strict_json_with_its_decoder_made_once_is_json_loads_with_the_hooks():
    """exports.loads decodes with one decoder made once: the same values and the same errors as
    ``json.loads`` with the strict hooks, a BOM, NaN, a repeated key and trailing data included."""
    from khabar.sources import exports

    def reference(text):
        try:
            return repr(json.loads(text, parse_constant=exports._no_constant, object_pairs_hook=exports._no_repeated_keys))
        except (ValueError, RecursionError) as exc:
            return f"{type(exc).__name__}: {exc}"

    def fast(text):
        try:
            return repr(exports.loads(text))
        except (ValueError, RecursionError) as exc:
            return f"{type(exc).__name__}: {exc}"

    texts = ['{"عنوان": "خبر", "n": [1, 2.5, null, true]}', "\ufeff{}", '{"a": NaN}', '{"a": -Infinity}',
             '{"a": 1, "a": 2}', ' {"x": 1} ', '{"x": 1} y', "", "[" * 100_000, '"\\ud800"', b'{"b": 1}']
    assert [fast(t) for t in texts] == [reference(t) for t in texts]


def test_wordfreq_read_from_its_data_file_is_what_wordfreq_gives():
    import sys

    import wordfreq

    assert zwnj._wordfreq_fa() == wordfreq.get_frequency_dict("fa")
    assert len(zwnj._wordfreq_fa()) > 10_000
    # and the build's start does not import it (nor langcodes) to read it
    import subprocess

    code = ("import sys; from khabar.text import zwnj; zwnj.lexicon(); "
            "print('wordfreq' in sys.modules, 'langcodes' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def _lexicon_row_by_row(text: str):
    """The lexicon's rows read one at a time, every row kept (the reference)."""
    freq, tags = {}, {}
    for line in text.split("\n"):
        if line:
            word, count, names = line.split("\t")
            freq[word], tags[word] = int(count), frozenset(names.split(","))
    return freq, tags


def _rules_see_the_same(lex_a, lex_b, words):
    return all(lex_a.known(w) == lex_b.known(w) and lex_a.strong_nominal(w) == lex_b.strong_nominal(w)
               and lex_a.adjective(w) == lex_b.adjective(w) for w in words)


def test_lexicon_read_a_column_at_a_time_is_the_rows_read_one_by_one():
    import gzip
    from importlib import resources

    text = gzip.decompress((resources.files("khabar.text") / "data" / "lexicon.tsv.gz").read_bytes()).decode()
    freq, tags = zwnj.read_lexicon(text)
    ref_freq, ref_tags = _lexicon_row_by_row(text)
    assert freq == ref_freq and list(freq) == list(ref_freq)
    # only the "0" tag sets (no part of speech) are left out, and they are as good as none
    assert {w: t for w, t in ref_tags.items() if t != frozenset({"0"})} == tags
    assert len(tags) < len(ref_tags)
    a, b = zwnj.Lexicon(freq, tags, []), zwnj.Lexicon(ref_freq, ref_tags, [])
    assert a.compounds == b.compounds
    assert _rules_see_the_same(a, b, list(ref_freq)[::50] + ["کتاب", "بزرگ", "نبود‌واژه"])
    # a word given twice (its last row wins, "0" tags and all), and blank lines
    odd = "کتاب\t5\tN\nخوب\t3\tAJ\n\nکتاب\t7\t0\n"
    freq, tags = zwnj.read_lexicon(odd)
    ref_freq, ref_tags = _lexicon_row_by_row(odd)
    assert freq == ref_freq == {"کتاب": 7, "خوب": 3}
    a, b = zwnj.Lexicon(freq, tags, []), zwnj.Lexicon(ref_freq, ref_tags, [])
    assert _rules_see_the_same(a, b, ["کتاب", "خوب"]) and not a.known("کتاب") and a.adjective("خوب")
    import pytest

    with pytest.raises(ValueError, match="tab-separated"):
        zwnj.read_lexicon("کتاب\t5\n")


# --- a row's URL: the fast path against urlsplit ----------------------------------------------------

def _url_verdict(check, url: str, source) -> str | None:
    try:
        check(url, source)
    except KhabarError as err:
        return err.code
    return None


URL_PARTS = ["http", "https", "HTTPS", "ftp", "://", ":", "/", "//", "www.", "farsnews", "tasnimnews", ".ir", ".com",
             "IR", "-", ".", "@", ":80", "[::1]", "?q=1", "#top", " ", "\t", "\n", "%40", "xn--", "е", "۱", "news/1"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(URL_PARTS), max_size=12), st.sampled_from(["farsnews", "tasnimnews", "mehrnews", "aa-fa"]))
def test_url_fast_path_agrees_with_urlsplit_on_generated_addresses(parts, key):
    url, source = "".join(parts), sources()[key]
    assert _url_verdict(check_url, url, source) == _url_verdict(check_url_parsed, url, source), url


def test_url_fast_path_agrees_with_urlsplit_on_real_addresses():
    import pyarrow.parquet as pq

    from conftest import REPO

    registry = sources()
    urls = {u for path in sorted((REPO / "corpus" / "data").glob("*.parquet"))
            for u in pq.read_table(path, columns=["url"]).column("url").to_pylist() if u}
    assert len(urls) > 1000
    hostile = ["https://www.farsnews.ir@evil.example/", "https://www.farsnеws.ir/news/1", "https:", "HTTP://WWW.FARSNEWS.IR/x",
               "https://www.farsnews.ir:443/x", " https://www.farsnews.ir/x", "https://www.farsnews.ir/" + "a" * 3000,
               "https://www.farsnews.ir\t/x", "https://[::1/x", "http:///x", "https://a.b"]
    for url in sorted(urls) + hostile:
        for key in ("farsnews", "tasnimnews", "mehrnews", "aa-fa"):
            assert _url_verdict(check_url, url, registry[key]) == _url_verdict(check_url_parsed, url, registry[key]), url
