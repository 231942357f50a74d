"""Kill real builds at several moments: the published dataset stays whole, old or (after the commit) new."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time

from conftest import make_root, random_article, write_export_project
from khabar.publish import commit
from khabar.verify import verify

def _records(seed: int, n: int) -> str:
    rng = random.Random(seed)
    return "\n".join(json.dumps(random_article(rng, k, sentences=12, words=14,
                                                permalink=f"https://www.farsnews.ir/news/{seed}/{k}"), ensure_ascii=False)
                     for k in range(n)) + "\n"


def _state(root) -> dict[str, str]:
    out = {}
    for path in sorted((root / "corpus").rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(("corpus/raw", "corpus/.")) and "exports" not in rel:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    out["README.md"] = hashlib.sha256((root / "README.md").read_bytes()).hexdigest()
    return out


def _start(root):
    return subprocess.Popen([sys.executable, "-m", "khabar.cli", "build", "--root", str(root), "--config",
                             str(root / "configs" / "b.toml"), "--build-date", "2026-11-29", "--no-progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _build(root):
    proc = _start(root)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()[-2000:]


def test_sigkill_at_any_moment_leaves_a_whole_dataset(tmp_path, seed_bytes):
    root = make_root(tmp_path, {"aa-fa/seed.txt": seed_bytes})
    (root / "exports").mkdir()
    (root / "exports" / "items.jsonl").write_text("", "utf-8")
    write_export_project(root, "exports/items.jsonl")
    inputs = {"A": _records(1, 600), "B": _records(2, 700)}

    expected = {}
    # the clean result of each input set, once the split ledger knows both; A published last
    for name in ("B", "A", "B", "A"):
        (root / "exports" / "items.jsonl").write_text(inputs[name], "utf-8")
        started = time.monotonic()
        _build(root)
        duration = time.monotonic() - started
        expected[name] = _state(root)
    assert expected["A"] != expected["B"]

    published = "A"
    fractions = [0.05, 0.2, 0.4, 0.6, 0.75, 0.85, 0.92, 0.97, 1.0]
    outcomes = []
    for fraction in fractions:
        target = "B" if published == "A" else "A"
        (root / "exports" / "items.jsonl").write_text(inputs[target], "utf-8")
        proc = _start(root)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        journal = (root / "corpus" / commit.JOURNAL).exists()
        state = _state(root)
        if journal:
            # killed inside the commit: the next khabar command finishes it, whole
            assert commit.recover(root / "corpus")
            assert _state(root) == expected[target]
            published = target
            outcomes.append("recovered-new")
        elif state == expected[target]:
            published = target                        # killed after the commit (or it had finished)
            outcomes.append("new-whole")
        else:
            assert state == expected[published], f"killed at {fraction:.0%}: the dataset is neither the old nor the new"
            outcomes.append("old-intact")
        assert verify(root, audit=False).ok
    assert "old-intact" in outcomes                   # the kills did land mid-build
    print("kill outcomes:", outcomes)

    # the dataset left by the last kill still loads
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(tmp_path / "cache"), "HF_HOME": str(tmp_path / "home")}
    code = "import datasets, sys; d = datasets.load_dataset(sys.argv[1]); print(sum(len(v) for v in d.values()))"
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.strip().splitlines()[-1]) in (601, 701)


def test_what_stops_pass_1_in_the_main_process_stops_the_workers_at_once(tmp_path, monkeypatch):
    """A signal raises where the main process is, often in its own work between outcomes: the
    worker pool must stop there and then, not when the garbage collector reaches the suspended
    generator that holds it (a collection rarely comes while a build runs)."""
    import multiprocessing

    import pytest

    from conftest import BUILD_DATE
    from khabar import dedup
    from khabar.config import load_config
    from khabar.pipeline import BuildConfig, build

    class Interrupted(BaseException):
        pass

    root = make_root(tmp_path, {})
    (root / "exports").mkdir()
    (root / "exports" / "many.jsonl").write_text(_records(5, 1500), "utf-8")
    write_export_project(root, "exports/many.jsonl")
    calls = []
    real = dedup.Deduplicator.add

    def add(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 300:                     # in the second unit's outcomes, in the main process
            raise Interrupted()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(dedup.Deduplicator, "add", add)
    cfg = BuildConfig(root=root, build_date=BUILD_DATE, progress=False, workers=2,
                      config=load_config(root / "configs/b.toml", root))
    with pytest.raises(Interrupted):
        try:
            build(cfg)
        except Interrupted:
            assert multiprocessing.active_children() == []     # while the traceback still holds every frame
            raise
    assert not (root / "corpus" / ".staging").exists() and not (root / "corpus" / ".lock").exists()
