"""``khabar stats``: the numbers and pictures a reader wants at a glance.

Read from a built dataset's Parquet files (only the small columns): articles per category
and split, per source, per month; text lengths; what normalization changed.  Pictures are
PNG files (matplotlib, Agg backend, English labels: category and source keys, so no
right-to-left shaping is needed) written without timestamps, so a rebuild rewrites them
byte for byte.
"""

from __future__ import annotations

import collections
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from khabar import children
from khabar.dedup import Column

from khabar.features import features
from khabar.text.furniture import KINDS as FURNITURE

FIGURES = "figures"
COLUMNS = ["source", "category", "published", "text", "token_count", "normalization",
           "title", "lead", "url", "article_id", "published_at", "category_origin", "category_withheld", "regional",
           "characters_lost"]
LABEL_KEYS = ("label", "source-default", "withheld: desk", "withheld: label-audit", "none", "regional")
COVERAGE = ("title", "lead", "text", "published", "published_at", "category", "url", "article_id")


class Collector:
    """Counts published rows batch by batch: the build feeds it the rows it writes (so nothing is
    read twice), ``khabar stats`` feeds it the rows of a built dataset's files."""

    def __init__(self) -> None:
        self.names = features()["category"].names
        self.per_split: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.per_source: collections.Counter[str] = collections.Counter()
        self.per_month: collections.Counter[str] = collections.Counter()
        self.chars, self.tokens, self.zwnj, self.letters = (Column(np.uint32) for _ in range(4))   # 16 B/article
        self.present: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.span: dict[str, list[str]] = {}       # source -> [first, last] publication month
        self.furniture: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.labels: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.lost: collections.Counter[str] = collections.Counter()      # source -> rows with characters_lost

    def add(self, table: Any, split: str | list[str]) -> None:
        """Count a table or record batch of published rows (at least the ``COLUMNS``) of one split,
        or of the splits given row by row."""
        names = self.names
        labels = (names[label] if label is not None else "(none)" for label in table.column("category").to_pylist())
        if isinstance(split, str):
            self.per_split[split].update(labels)
        else:
            for name, label in zip(split, labels):
                self.per_split[name][label] += 1
        sources = table.column("source").to_pylist()
        self.per_source.update(sources)
        for name in COVERAGE:
            column = table.column(name)
            if not column.null_count:                       # (most columns of most batches)
                self.present[name].update(sources)
            else:
                valid = pc.is_valid(column).to_pylist()
                self.present[name].update(src for src, ok in zip(sources, valid) if ok)
        self.lost.update(src for src, lost in zip(sources, table.column("characters_lost").to_pylist()) if lost)
        days = table.column("published").to_pylist()
        month_of = {day: day.strftime("%Y-%m") for day in set(days) if day is not None}   # (a batch's few days)
        months = [month_of.get(day) for day in days]                     # None: undated
        for src, month in set(zip(sources, months)):
            if month is not None:
                first, last = self.span.get(src, [month, month])
                self.span[src] = [min(first, month), max(last, month)]
        self.per_month.update(month if month is not None else "(undated)" for month in months)
        self.chars.extend(pc.fill_null(pc.utf8_length(table.column("text")), 0).to_numpy())
        self.tokens.extend(pc.drop_null(table.column("token_count")).to_numpy())   # bodies only
        norm = table.column("normalization")
        self.zwnj.extend(pc.struct_field(norm, "zwnj_restored").to_numpy())
        for src, origin, withheld, regional in zip(sources, table.column("category_origin").to_pylist(),
                                                   table.column("category_withheld").to_pylist(),
                                                   table.column("regional").to_pylist()):
            c = self.labels[src]
            c[origin or ("withheld: " + withheld if withheld else "none")] += 1
            c["regional"] += bool(regional)
        cuts = pc.struct_field(norm, "furniture")
        for kind in FURNITURE:
            found = pc.struct_field(cuts, kind).to_pylist()
            if not any(found):
                continue
            for src, n in zip(sources, found):
                if n:
                    self.furniture[src][kind] += n
                    self.furniture[src][f"rows_{kind}"] += 1
        self.letters.extend(pc.struct_field(norm, "letters").to_numpy())

    def result(self) -> dict[str, Any]:
        chars, tokens, zwnj, letters = (c.view() for c in (self.chars, self.tokens, self.zwnj, self.letters))
        per_split = self.per_split
        return {
            "articles": sum(self.per_source.values()),
            "per_split": {s: sum(c.values()) for s, c in sorted(per_split.items())},
            "categories_by_split": {s: dict(sorted(c.items())) for s, c in sorted(per_split.items())},
            "per_source": dict(sorted(self.per_source.items())),
            "coverage": {src: {"articles": n, **{name: self.present[name][src] for name in COVERAGE},
                               "characters_lost": self.lost[src], "period": self.span.get(src)}
                         for src, n in sorted(self.per_source.items())},
            "per_month": dict(sorted(self.per_month.items())),
            "labels": {src: {k: self.labels[src][k] for k in LABEL_KEYS} for src in sorted(self.per_source)},
            "furniture": {src: {"articles": n, **{k: self.furniture[src][k] for k in FURNITURE},
                                "rows_with": {k: self.furniture[src][f"rows_{k}"] for k in FURNITURE}}
                          for src, n in sorted(self.per_source.items())},
            "text_chars": _summary(chars),
            "tokens": _summary(tokens),
            "zwnj_restored": {**_summary(zwnj), "total": int(zwnj.sum()), "articles_with_any": int((zwnj > 0).sum())},
            "letters_changed": {**_summary(letters), "total": int(letters.sum())},
            "_chars": chars, "_zwnj": zwnj,
        }


def collect(root: Path, data_dir: str = "corpus/data") -> dict[str, Any]:
    """The numbers of a built dataset, from its files."""
    collector = Collector()
    for path in sorted((root / data_dir).glob("*.parquet")):
        split = path.name.split("-", 1)[0]
        for batch in pq.ParquetFile(path).iter_batches(batch_size=5000, columns=COLUMNS):
            collector.add(batch, split)
    return collector.result()


def _summary(values: np.ndarray) -> dict[str, float]:
    if not len(values):
        return {"min": 0, "median": 0, "mean": 0, "max": 0}
    ordered = np.sort(values)
    return {"min": int(ordered[0]), "median": int(ordered[len(ordered) // 2]),
            "mean": round(float(ordered.mean()), 1), "max": int(ordered[-1])}


def draw(numbers: dict[str, Any], out: Path) -> list[str]:
    """Write the pictures; returns their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 10, "svg.hashsalt": "khabar", "figure.dpi": 100})
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig: Any, name: str) -> None:
        fig.tight_layout()
        fig.savefig(out / name, metadata={"Software": None})
        plt.close(fig)
        written.append(name)

    order = {"train": 0, "validation": 1, "test": 2}
    splits = sorted(numbers["categories_by_split"], key=lambda s: order.get(s, 9))
    # most articles first; ties by name, so the picture never depends on set order (hash seed)
    cats = sorted({c for s in splits for c in numbers["categories_by_split"][s]},
                  key=lambda c: (-sum(numbers["categories_by_split"][s].get(c, 0) for s in splits), c))
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(cats), 3) + 1.2))
    left = [0] * len(cats)
    for split in splits:
        values = [numbers["categories_by_split"][split].get(c, 0) for c in cats]
        ax.barh(cats, values, left=left, label=split)
        left = [a + b for a, b in zip(left, values)]
    ax.invert_yaxis()
    ax.set_xlabel("articles")
    ax.set_title("Articles per category and split")
    ax.legend(loc="lower right")
    save(fig, "categories.png")

    sources = list(numbers["per_source"].items())
    fig, ax = plt.subplots(figsize=(8, 0.4 * max(len(sources), 3) + 1.2))
    ax.barh([s for s, _ in sources], [n for _, n in sources], color="#4c72b0")
    ax.invert_yaxis()
    ax.set_xscale("log" if max(n for _, n in sources) > 50 * max(1, min(n for _, n in sources)) else "linear")
    ax.set_xlabel("articles")
    ax.set_title("Articles per source")
    save(fig, "sources.png")

    months = [(m, n) for m, n in numbers["per_month"].items() if m != "(undated)"]
    undated = numbers["per_month"].get("(undated)", 0)
    fig, ax = plt.subplots(figsize=(9, 3.4))
    if months:
        ax.bar(range(len(months)), [n for _, n in months], color="#55a868")
        step = max(1, len(months) // 12)
        ax.set_xticks(range(0, len(months), step))
        ax.set_xticklabels([m for m, _ in months][::step], rotation=45, ha="right")
    ax.set_ylabel("articles")
    ax.set_title(f"Articles per month of publication ({undated} undated not shown)")
    save(fig, "months.png")

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, values, label, title, color in (
            (axes[0], numbers["_chars"][numbers["_chars"] > 0], "characters of body text", "Body length", "#8172b2"),
            (axes[1], numbers["_zwnj"], "ZWNJs restored in the article", "Normalization: ZWNJs put back", "#c44e52")):
        values = np.sort(values) if len(values) else np.zeros(1, dtype=np.int64)
        cap = int(values[min(len(values) - 1, int(len(values) * 0.99))])
        ax.hist(np.minimum(values, cap), bins=40, color=color)
        ax.set_yscale("log")
        ax.set_xlabel(f"{label} (last bar: {cap} or more)")
        ax.set_ylabel("articles (log scale)")
        ax.set_title(title)
    save(fig, "lengths-normalization.png")
    return written


class Painter:
    """Draws the pictures (:func:`draw`) in a child process, beside the build's writing.

    The pictures cost a build most of a second of pure Python (matplotlib's import and layout),
    which in-process would wait for the Parquet files.  The child is forked when the build
    starts, while the build's process is small (its resident size is then what the child's
    reports); it imports matplotlib when pass 2 begins (:meth:`prepare`: the machine's cores
    are then no longer all busy), is handed the numbers once every row is decided (:meth:`draw`)
    and draws while Parquet is encoded.  The same function draws the same numbers, so the
    files are the same bytes as drawing in-process, which is what happens without
    ``background``, where processes cannot be forked, and after any failure of the child (so
    its error is raised here)."""

    def __init__(self, out: Path, background: bool = True):
        self.out = out
        self.numbers: dict[str, Any] | None = None
        self._process: Any = None
        self._conn: Any = None
        import multiprocessing

        if background and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            self._conn, child = ctx.Pipe()
            process = ctx.Process(target=_paint, args=(child, out, os.getpid()), name=PAINTER, daemon=True)
            try:
                process.start()
                self._process = process
            except OSError:              # no process to spare (a limit, no memory): drawn here
                self._conn.close()
            child.close()

    def prepare(self) -> None:
        """The child imports matplotlib now."""
        self._send("prepare")

    def draw(self, numbers: dict[str, Any]) -> None:
        """The numbers to draw: to the child, which starts drawing."""
        self.numbers = numbers
        self._send(numbers)

    def _send(self, message: Any) -> None:
        if self._process is not None:
            try:
                self._conn.send(message)
            except OSError:              # the child is gone: drawn here instead, by result()
                self.close()

    def result(self) -> list[str]:
        """The pictures' file names, once drawn (by the child, else here)."""
        assert self.numbers is not None, "draw() first"
        if self._process is not None:
            try:
                status, names = self._conn.recv()
                if status == "ok":
                    self.close(done=True)
                    return names
            except (EOFError, OSError):
                pass
            self.close()
        return draw(self.numbers, self.out)

    def close(self, done: bool = False) -> None:
        """The child stopped and reaped (idempotent): left to end once it has answered (``done``),
        ended at once otherwise (the build failed, or is done without it)."""
        process, self._process = self._process, None
        if process is None:
            return
        self._conn.close()
        if not done:
            process.kill()
        process.join()


PAINTER = "khabar-pictures"      # the child's name, as ps and /proc/<pid>/comm show it (Linux)


def _paint(conn: Any, out: Path, parent: int) -> None:
    """The child of :class:`Painter`: matplotlib imported when asked, the numbers awaited, the pictures drawn."""
    children.started(parent)
    children.name(PAINTER)
    try:
        message = conn.recv()
        if isinstance(message, str):                   # "prepare"
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot  # noqa: F401  (the import is the slow part: done while the build works)

            message = conn.recv()
    except (EOFError, OSError):                        # the build ended without pictures
        return
    try:
        conn.send(("ok", draw(message, out)))
    except Exception as exc:                           # drawn again by the build, which then raises it
        conn.send(("failed", repr(exc)))


def public(numbers: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in numbers.items() if not k.startswith("_")}


def card_section(numbers: dict[str, Any], pictures: list[str], prefix: str = "corpus/figures") -> str:
    lines = [f"![{name.removesuffix('.png')}]({prefix}/{name})" for name in pictures]
    z = numbers["zwnj_restored"]
    lines.append("")
    lines.append(f"{numbers['articles']} articles; body text median {numbers['text_chars']['median']} characters "
                 f"({numbers['tokens']['median']} tokens); normalization restored {z['total']} ZWNJs in "
                 f"{z['articles_with_any']} articles and replaced {numbers['letters_changed']['total']} Arabic letter "
                 f"forms. All numbers: `corpus/reports/stats.json` (`khabar stats`).")
    return "\n".join(lines)


def write(root: Path, out_dir: Path | None = None) -> dict[str, Any]:
    numbers = collect(root)
    figures = out_dir or root / "corpus" / FIGURES
    pictures = draw(numbers, figures)
    result = public(numbers)
    result["figures"] = pictures
    return result


def dumps(numbers: dict[str, Any]) -> str:
    return json.dumps(public(numbers), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
