"""The hostile-input matrix: each case of the second attack (issue 16) run as a real command,
classified as coded, traceback, silently published or lost; for comparing two versions.

    python benchmarks/hostile_matrix.py [--src SRC_DIR] [--json]

SRC_DIR is the ``src`` folder of the Khabar to try (default: this checkout's), put first on
PYTHONPATH of every command, so an older commit's worktree can be measured side by side.
Each case builds a throw-away project under a temporary folder with ``python -m khabar.cli``.
A case is *coded* when the command ends without a traceback and every input is accounted
for with a code (or the config is refused with one); *traceback* when Python's traceback is
printed; *silent* when bad input was published as if it were good, or a config was accepted
with a wrong meaning; *lost* counts records that are neither published nor reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = (ROOT / "corpus/raw/aa-fa/000_4212da3186e38a21.txt").read_bytes()
BODY = "متن خبر درباره نشست وزیران در تهران است و گفت‌وگو ادامه دارد"
JSONL = 'source = "farsnews"\nformat = "jsonl"\n[fields]\ntitle = "t"\nbody = "b"\nurl = "u"\n'
CSV = 'source = "farsnews"\nformat = "csv"\n[fields]\ntitle = "t"\nbody = "b"\n'
URDU = ("چونکہ ہر انسان کی ذاتی عزت اور حرمت اور انسانوں کے مساوی اور ناقابلِ انتقال حقوق کو تسلیم کرنا دنیا میں "
        "آزادی، انصاف اور امن کی بنیاد ہے۔ تمام انسان آزاد اور حقوق و عزت کے اعتبار سے برابر پیدا ہوئے ہیں۔")


def rec(n: int, **kw) -> str:
    return json.dumps({"t": f"خبر {n} درباره نشست", "b": f"{BODY} شماره {n} " + "کلمه " * n, "u": f"https://www.farsnews.ir/news/{n}", **kw},
                      ensure_ascii=False)


def page_with(old: str, new: str) -> bytes:
    return SEED.decode().replace(old, new, 1).encode()


# name -> (files under the project: relative path -> bytes, config text or None, records in the inputs,
#          records that must not be published (bad), extra CLI arguments)
def cases() -> dict[str, dict]:
    seed_text = SEED.decode()
    title = seed_text.split("\n")[2]
    lines3 = "\n".join(rec(k) for k in range(1, 4))
    return {
        "mojibake page (Windows-1256)": {"files": {"corpus/raw/aa-fa/m.txt": seed_text.encode().decode("cp1256", "replace").encode()}, "n": 1, "bad": 1},
        "mojibake title only (Latin-1)": {"files": {"corpus/raw/aa-fa/m.txt": page_with(title, title.encode().decode("latin-1"))}, "n": 1, "bad": 1},
        "CSV with an unclosed quote (6 rows)": {"files": {"x/a.csv": ("t,b\n" + "\n".join(
            ('"' if k == 3 else "") + f"عنوان {k},{BODY} {'واژه ' * k}" for k in range(1, 7)) + "\n").encode()},
            "config": CSV, "glob": "*.csv", "n": 6, "bad": 1},
        "JSON Lines with U+2028/U+2029/U+0085 in strings": {"files": {"x/a.jsonl": (rec(1, b=BODY + "\u2028دو") + "\n" + rec(2, b=BODY + "\u2029سه") + "\n").encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 0},
        "JSON Lines with one NUL line": {"files": {"x/a.jsonl": (lines3 + "\n").encode() + b'{"t": "\x00"}\n'},
            "config": JSONL, "glob": "*.jsonl", "n": 4, "bad": 1},
        "JSON Lines with one invalid byte": {"files": {"x/a.jsonl": (lines3 + "\n").encode() + b'{"t": "\xff"}\n'},
            "config": JSONL, "glob": "*.jsonl", "n": 4, "bad": 1},
        "page named ...txt": {"files": {"corpus/raw/aa-fa/...txt": SEED}, "n": 1, "bad": 0, "reported_ok": True},
        "folder named ..aa-fa": {"files": {"corpus/raw/..aa-fa/p.txt": SEED}, "n": 1, "bad": 0, "reported_ok": True},
        "page linked to a file outside": {"files": {}, "link": ("corpus/raw/aa-fa/l.txt", str(ROOT / "README.md")), "n": 1, "bad": 1},
        "JSON record nested 3,000 deep": {"files": {"x/a.jsonl": (rec(1) + '\n{"t": ' + "[" * 3000 + "]" * 3000 + "}\n").encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 1},
        "JSON record with a 5,000-digit number": {"files": {"x/a.jsonl": (rec(1) + '\n{"t": ' + "9" * 5000 + "}\n").encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 1},
        "JSON record with a lone surrogate": {"files": {"x/a.jsonl": (rec(1) + "\n" + json.dumps({"t": "خبر", "b": BODY + "\ud800"}) + "\n").encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 1},
        "JSON record with NaN": {"files": {"x/a.jsonl": (rec(1) + '\n{"t": NaN, "b": "' + BODY + '"}\n').encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 1},
        "JSON record with a key twice": {"files": {"x/a.jsonl": (rec(1) + '\n{"t": "a", "t": "b", "b": "' + BODY + '"}\n').encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 1},
        "javascript: URL": {"files": {"x/a.jsonl": (rec(1) + "\n" + rec(2, u="javascript:alert(1)") + "\n").encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 1},
        "noncharacter U+FFFE in text": {"files": {"x/a.jsonl": (rec(1) + "\n" + rec(2, b=BODY + "\ufffe") + "\n").encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 1},
        # round 3 (issue 24): rows that must not be published, and records lost with their file
        "URL off the outlet (a Fars row on evil.example)": {"files": {"x/a.jsonl": (rec(1) + "\n" + rec(2, u="http://evil.example/phish") + "\n").encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 1},
        "URL with a user name before the host": {"files": {"x/a.jsonl": (rec(1) + "\n" + rec(2, u="https://www.farsnews.ir@evil.example/") + "\n").encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 1},
        "category with a terminal escape": {"files": {"x/a.jsonl": (rec(1) + "\n" + rec(2, c="اقتصادی\x07\x1b[31m") + "\n").encode()},
            "config": JSONL + 'categories = "c"\n', "glob": "*.jsonl", "n": 2, "bad": 1},
        "an Urdu record": {"files": {"x/a.jsonl": (rec(1) + "\n" + rec(2, t="انسانی حقوق کا عالمی منشور", b=URDU) + "\n").encode()},
            "config": JSONL, "glob": "*.jsonl", "n": 2, "bad": 1},
        "2,000 labels on one record": {"files": {"x/a.jsonl": (rec(1) + "\n" + rec(2, c=[f"برچسب {k}" for k in range(2000)]) + "\n").encode()},
            "config": JSONL + 'categories = "c"\n', "glob": "*.jsonl", "n": 2, "bad": 1},
        "JSON array with a key twice in one record": {"files": {"x/a.json": ("[" + ",\n".join([rec(1), rec(2)[:-1] + ', "t": "دو"}', rec(3)]) + "]").encode()},
            "config": JSONL.replace('format = "jsonl"', 'format = "json"'), "glob": "*.json", "n": 3, "bad": 1},
        "CSV with one NUL in a row": {"files": {"x/a.csv": ("t,b\n" + "\n".join(f"عنوان {k},{BODY} {'واژه ' * k}" for k in range(1, 4)) + "\n").encode().replace("عنوان 2".encode(), "عنوان 2".encode() + b"\x00")},
            "config": CSV, "glob": "*.csv", "n": 3, "bad": 1},
        "CSV row of delimiters only": {"files": {"x/a.csv": ("t,b\n" + f"عنوان 1,{BODY}\n,\n" + f"عنوان 3,{BODY} دیگر\n").encode()},
            "config": CSV, "glob": "*.csv", "n": 3, "bad": 1},
        "config max_input_bytes = \"abc\"": {"config_only": '[build]\nmax_input_bytes = "abc"'},
        "config ratios = 5": {"config_only": "[build]\nratios = 5"},
        "config inputs = [1, 2]": {"config_only": "inputs = [1, 2]"},
        "config glob = 5": {"config_only": '[[inputs]]\npath = "x"\nglob = 5\nmapping = "configs/m.toml"'},
        "config glob = \"\"": {"config_only": '[[inputs]]\npath = "x"\nglob = ""\nmapping = "configs/m.toml"'},
        "config build = 5": {"config_only": "build = 5"},
        "config corpus = \"no\"": {"config_only": '[build]\ncorpus = "no"'},
        "config fail_on_unmapped = \"false\"": {"config_only": '[build]\nfail_on_unmapped = "false"'},
        "config glob matching nothing": {"config_only": '[[inputs]]\npath = "x"\nglob = "*.csv"\nmapping = "configs/m.toml"'},
        "config path = \"/dev/null\"": {"config_only": '[[inputs]]\npath = "/dev/null"\nmapping = "configs/m.toml"'},
        "config not UTF-8": {"config_bytes": b"\xff\xfe[build]\n"},
        "--config naming a folder": {"config_dir": True},
        "mapping century = 2**63-1": {"config_only": '[[inputs]]\npath = "x"\nmapping = "configs/c.toml"',
                                      "mapping": JSONL + '[date]\nfield = "d"\ncalendar = "jalali"\npatterns = ["(?P<yy>\\\\d{2})(?P<m>\\\\d{2})(?P<d>\\\\d{2})"]\ncentury = 9223372036854775807\n'},
        "mapping encoding = \"klingon\"": {"config_only": '[[inputs]]\npath = "x"\nmapping = "configs/c.toml"',
                                          "mapping": JSONL.replace('format = "jsonl"', 'format = "jsonl"\nencoding = "klingon"')},
    }


def run(src: Path, name: str, case: dict, tmp: Path) -> dict:
    root = tmp / "p"
    shutil.rmtree(root, ignore_errors=True)
    (root / "configs").mkdir(parents=True)
    (root / "x").mkdir()
    (root / "x" / "keep.jsonl").write_text(rec(99) + "\n", "utf-8")
    (root / "configs/m.toml").write_text(JSONL, "utf-8")
    if case.get("mapping"):
        (root / "configs/c.toml").write_text(case["mapping"], "utf-8")
    shutil.copy(ROOT / "README.md", root / "README.md")
    (root / "corpus/raw/aa-fa").mkdir(parents=True)
    (root / "corpus/raw/aa-fa/000_seed.txt").write_bytes(SEED)          # one good page in every project
    for rel, data in case.get("files", {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    if "link" in case:
        (root / case["link"][0]).symlink_to(case["link"][1])
    args = ["build", "--root", str(root), "--no-progress", "--workers", "1", "--output", str(tmp / "out")]
    config = root / "b.toml"
    if "config_only" in case or "config_bytes" in case:
        config.write_bytes(case.get("config_bytes") or case["config_only"].encode())
    elif "config_dir" in case:
        config = root / "x"
    elif "config" in case:
        (root / "configs/e.toml").write_text(case["config"], "utf-8")
        config.write_text(f'[[inputs]]\npath = "x"\nglob = "{case["glob"]}"\nmapping = "configs/e.toml"\n', "utf-8")
    else:
        config = None
    if config is not None:
        args += ["--config", str(config)]
    shutil.rmtree(tmp / "out", ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, "-m", "khabar.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=root)
    return classify(case, done, tmp / "out")


def classify(case: dict, done: subprocess.CompletedProcess, out: Path) -> dict:
    if "Traceback" in done.stderr:
        return {"outcome": "traceback", "lost": 0}
    config_case = any(k in case for k in ("config_only", "config_bytes", "config_dir")) or case.get("mapping")
    if config_case:
        refused = done.returncode != 0 and "config." in done.stderr
        return {"outcome": "coded" if refused else "silent", "lost": 0}
    manifest = out / "corpus/manifest.json"
    if not manifest.is_file():
        return {"outcome": "silent" if done.returncode == 0 else "coded", "lost": 0}
    rows = json.loads(manifest.read_text("utf-8"))["inputs"]
    keep = 1 if case.get("glob") == "*.jsonl" else 0                               # x/keep.jsonl, read by that glob
    read = sum(r["read"] for r in rows) - 1 - keep                                  # less the seed page
    published = sum(r["published"] for r in rows) - 1 - keep
    lost = max(0, case["n"] - read)
    silent = published > case["n"] - case["bad"]
    return {"outcome": "silent" if silent else ("lost" if lost else "coded"), "lost": lost}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, default=ROOT / "src")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, case in cases().items():
            results[name] = run(args.src.resolve(), name, case, Path(tmp))
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return
    for name, r in results.items():
        print(f"{r['outcome']:>9}  lost {r['lost']}  {name}")
    counts = {k: sum(1 for r in results.values() if r["outcome"] == k) for k in ("coded", "traceback", "silent", "lost")}
    print(f"{len(results)} cases: " + ", ".join(f"{v} {k}" for k, v in counts.items())
          + f"; records lost {sum(r['lost'] for r in results.values())}")


if __name__ == "__main__":
    main()
