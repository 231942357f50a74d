"""The same build on datatrove's local executor (several tasks, two workers) publishes the same rows."""

from __future__ import annotations

import hashlib
import json
import random
import importlib.util
import subprocess
import sys

import pytest

from conftest import BUILD_DATE, FIXTURES, REPO, make_root, random_article, write_export_project

pytestmark = pytest.mark.skipif(importlib.util.find_spec("datatrove") is None,
                                reason="datatrove is not installed (pip install 'khabar[datatrove]')")


def _files(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "corpus").rglob("*")) if p.is_file() and "raw" not in p.parts}


def test_datatrove_build_equals_the_default_build(tmp_path, seed_bytes):
    from khabar.config import load_config
    from khabar.engines.datatrove import build_with_datatrove
    from khabar.pipeline import BuildConfig, build

    pages = {"aa-fa/seed.txt": seed_bytes,
             "aa-fa/tehran.txt": (FIXTURES / "aa_fa" / "tehran_topics.txt").read_bytes(),
             "aa-fa/ankara.txt": (FIXTURES / "aa_fa" / "ankara_arabic_letters.txt").read_bytes(),
             "aa-fa/empty.txt": b""}
    roots = {}
    for name in ("default", "datatrove"):
        root = make_root(tmp_path / name, pages)
        (root / "exports").mkdir()
        for k in range(5):                           # five export files to spread over the tasks
            lines = [f'{{"t": "خبر شماره {k}-{j} درباره بازار و قیمت‌ها", "b": "متن خبر شماره {k}-{j} که درباره '
                     f'بازار امروز نوشته شده و جمله‌های دیگری هم دارد تا بلند باشد {j * 7}.", '
                     f'"u": "https://www.farsnews.ir/{k}/{j}"}}' for j in range(20)]
            (root / "exports" / f"part-{k}.jsonl").write_text("\n".join(lines) + "\n{broken\n", "utf-8")
        rng = random.Random(11)              # and one file of many units (256 records each), so the engines
        big = [json.dumps({"t": a["headline"], "b": a["content"], "u": a["permalink"]}, ensure_ascii=False)
               for a in (random_article(rng, n) for n in range(1600))]          # batch rows differently
        (root / "exports" / "part-big.jsonl").write_text("\n".join(big) + "\n", "utf-8")
        write_export_project(root, "exports", glob="*.jsonl", build="temporal_cutoff = 2025-01-01",
                             mapping='source = "farsnews"\nformat = "jsonl"\n[fields]\ntitle = "t"\nbody = "b"\nurl = "u"\n')
        roots[name] = root
    cfg = lambda root: BuildConfig(root=root, build_date=BUILD_DATE, progress=False,  # noqa: E731
                                   config=load_config(root / "configs" / "b.toml", root))
    build(cfg(roots["default"]))
    summary = build_with_datatrove(cfg(roots["datatrove"]), tmp_path / "work", tasks=3, workers=2)
    assert summary["read"] == 4 + 5 * 21 + 1600
    assert (tmp_path / "work" / "outcomes" / "00002.jsonl").exists()      # three tasks ran
    assert _files(roots["datatrove"]) == _files(roots["default"])
    assert (roots["datatrove"] / "README.md").read_bytes() == (roots["default"] / "README.md").read_bytes()


def _project(base, seed_bytes):
    root = make_root(base, {"aa-fa/seed.txt": seed_bytes,
                            "aa-fa/tehran.txt": (FIXTURES / "aa_fa" / "tehran_topics.txt").read_bytes()})
    (root / "exports").mkdir()
    rng = random.Random(12)
    for k in range(3):
        lines = [json.dumps({"t": a["headline"], "b": a["content"], "u": a["permalink"]}, ensure_ascii=False)
                 for a in (random_article(rng, 1000 * k + n) for n in range(300))]
        (root / "exports" / f"part-{k}.jsonl").write_text("\n".join(lines) + "\n{broken\n", "utf-8")
    write_export_project(root, "exports", glob="*.jsonl",
                         mapping='source = "farsnews"\nformat = "jsonl"\n[fields]\ntitle = "t"\nbody = "b"\nurl = "u"\n')
    return root


def test_the_ray_executor_gives_the_default_builds_files(tmp_path, seed_bytes):
    """Past one machine for real: both stages on datatrove's RayPipelineExecutor, on a local Ray
    instance this test starts (two CPUs), publish byte for byte the default build's files."""
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install ray; the test extra has it)")
    from khabar.config import load_config
    from khabar.engines.datatrove import build_with_datatrove
    from khabar.pipeline import BuildConfig, build

    roots = {name: _project(tmp_path / name, seed_bytes) for name in ("default", "ray")}
    cfg = lambda root: BuildConfig(root=root, build_date=BUILD_DATE, progress=False,  # noqa: E731
                                   config=load_config(root / "configs" / "b.toml", root))
    build(cfg(roots["default"]))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(REPO / "src")}})
    try:
        assert ray.is_initialized() and ray.cluster_resources().get("CPU") == 2
        summary = build_with_datatrove(cfg(roots["ray"]), tmp_path / "work", tasks=3, workers=2, executor="ray",
                                       mem_per_task_gb=1)
    finally:
        ray.shutdown()
    assert summary["read"] == 2 + 3 * 301
    assert sorted(p.name for p in (tmp_path / "work" / "outcomes").iterdir()) == ["00000.jsonl", "00001.jsonl", "00002.jsonl"]
    stats = json.loads((tmp_path / "work" / "logs" / "articles" / "stats.json").read_text())
    assert stats                                             # datatrove merged the three Ray tasks' stats
    assert _files(roots["ray"]) == _files(roots["default"])
    assert (roots["ray"] / "README.md").read_bytes() == (roots["default"] / "README.md").read_bytes()


def test_the_core_imports_nothing_of_datatrove():
    code = ("import sys, khabar.pipeline, khabar.cli, khabar.verify, khabar.work; "
            "print(any(m.startswith('datatrove') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False"
