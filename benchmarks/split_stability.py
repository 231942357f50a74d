"""Split stability on the shared exports: build N articles, add M more, rebuild, count moves.

    python benchmarks/split_stability.py [--out build/split-stability]

First build: corpus/ and the Fars News, Hamshahri RSS and Hamshahri archive exports.
Second build, into the same folder (so with its split ledger): all of configs/shared-news.toml.
Prints, for the articles of the first build: how many kept their split, how many moved,
and how many were dropped as duplicates of a new article (with their story's split kept).
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import pyarrow.parquet as pq  # noqa: E402

from khabar.config import load_config  # noqa: E402
from khabar.pipeline import BuildConfig, build  # noqa: E402


def published(out: Path) -> dict[str, str]:
    rows = {}
    for path in sorted((out / "corpus" / "data").glob("*.parquet")):
        for row in pq.read_table(path, columns=["id"]).to_pylist():
            rows[row["id"]] = path.name.split("-", 1)[0]
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "build" / "split-stability"))
    args = ap.parse_args()
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    full = tomllib.loads((ROOT / "configs" / "shared-news.toml").read_text("utf-8"))
    first_inputs = [i for i in full["inputs"] if any(k in i["path"] for k in ("farsnews", "hamshahri-rss/hamshahri", "hamshahri-archive"))]
    partial = ROOT / "build" / "split-stability-first.toml"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_text("[build]\ncorpus = true\n\n" + "".join(
        f'[[inputs]]\npath = "{i["path"]}"\n' + (f'glob = "{i["glob"]}"\n' if "glob" in i else "") +
        f'mapping = "{i["mapping"]}"\n\n' for i in first_inputs), "utf-8")
    build(BuildConfig(root=ROOT, output=out, config=load_config(partial, ROOT), progress=False))
    before = published(out)
    build(BuildConfig(root=ROOT, output=out, config=load_config(ROOT / "configs" / "shared-news.toml", ROOT), progress=False))
    after = published(out)
    dups = {json.loads(line)["id"]: json.loads(line) for line in
            (out / "corpus" / "reports" / "duplicates.jsonl").read_text("utf-8").splitlines()}
    kept = sum(1 for i, s in before.items() if after.get(i) == s)
    moved = sum(1 for i, s in before.items() if i in after and after[i] != s)
    dropped = [i for i in before if i not in after]
    story_moved = sum(1 for i in dropped if i in dups and after.get(dups[i]["duplicate_of"]) != before[i])
    result = {"first_build": len(before), "second_build": len(after), "added": len(after) - len(before) + len(dropped),
              "kept_split": kept, "moved": moved, "dropped_as_duplicate": len(dropped), "story_moved": story_moved}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
