"""The build on datatrove's executors (``pip install 'khabar[datatrove]'``).

The per-article steps (read, parse or import, normalize, validate, sign) are wrapped as
one datatrove ``PipelineStep`` and run by a datatrove executor: stage 1 splits the input
files over ``tasks`` (rank r takes files r, r + tasks, ...) and writes each article's
outcome, keyed by its place in the input, to ``<work>/outcomes/<rank>.jsonl``.  Stage 2,
one task, merges those files back into input order and runs the unchanged global steps
(deduplication, splits, publication) of :func:`khabar.pipeline.build`.  The published
files are byte for byte those of the default build.

Locally this uses ``LocalPipelineExecutor``; ``executor="ray"`` runs the same two stages
with ``RayPipelineExecutor`` on a Ray cluster (a test runs it on a local Ray instance and
finds the files byte for byte those of the default build); ``SlurmPipelineExecutor`` takes
the same ``pipeline=[...]`` lists, with the work folder on shared storage, see the README.  This is the only module of Khabar
that imports datatrove.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep

from khabar.pipeline import BuildConfig, BuildResult, build, discover, units
from khabar.work import STAGES, Outcome, Worker


class KhabarArticles(PipelineStep):
    """Reads this rank's share of the inputs and yields one Document per article outcome."""

    name = "khabar articles"
    type = "📖 - READER"

    def __init__(self, cfg: BuildConfig):
        super().__init__()
        self.cfg = cfg

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        items = discover(self.cfg)
        worker = Worker(self.cfg.build_date, open_only=self.cfg.open_only)
        for item_index, item in enumerate(items):
            if item_index % world_size != rank:
                continue
            seconds = dict.fromkeys(STAGES, 0.0)
            for unit_index, unit in enumerate(units([item], self.cfg, seconds)):
                outcomes, spent = worker.run(unit)
                for position, out in enumerate(outcomes):
                    self.stat_update("skipped" if out.skipped else "published" if out.error is None else "rejected")
                    yield Document(text=(out.record or {}).get("text") or "", id=out.origin, metadata={
                        "order": [item_index, unit_index, position], "outcome": _dump(out),
                        "seconds": {k: spent[k] + seconds[k] for k in STAGES} if position == 0 else {}})


class OutcomeWriter(PipelineStep):
    """Writes the outcomes of one rank, in its input order, as JSON Lines."""

    name = "khabar outcomes"
    type = "💽 - WRITER"

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        path = Path(self.folder) / f"{rank:05d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as fh:
            for doc in data or ():
                fh.write(json.dumps({"order": doc.metadata["order"], "outcome": doc.metadata["outcome"],
                                     "seconds": doc.metadata["seconds"]}, ensure_ascii=False) + "\n")
                yield doc


class Publish(PipelineStep):
    """Merges every rank's outcomes into input order and runs the global steps of the build."""

    name = "khabar publish"
    type = "💽 - WRITER"

    def __init__(self, cfg: BuildConfig, folder: str, tasks: int):
        super().__init__()
        self.cfg, self.folder, self.tasks = cfg, folder, tasks
        self.result: BuildResult | None = None

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        files = [Path(self.folder) / f"{r:05d}.jsonl" for r in range(self.tasks)]
        streams = [_read(f) for f in files if f.exists()]
        merged = heapq.merge(*streams, key=lambda entry: entry["order"])
        result = build(self.cfg, results=_results(merged))
        (Path(self.folder).parent / "result.json").write_text(json.dumps({
            "split_rows": result.split_rows, "read": sum(result.report.read.values())}), encoding="utf-8")
        if data:
            yield from data


def _dump(out: Outcome) -> dict[str, Any]:
    return {"origin": out.origin, "source": out.source, "line": out.line, "record": out.record,
            "error": list(out.error) if out.error else None, "unmapped": out.unmapped,
            "signature": out.signature.tolist() if out.signature is not None else None,
            "shingles": out.shingles.tolist() if out.shingles is not None else None,
            "digest": out.digest.hex() if out.digest is not None else None, "length": out.length,
            "input_file": list(out.input_file) if out.input_file else None, "skipped": out.skipped, "path": out.path}


def _load(data: dict[str, Any]) -> Outcome:
    error = data["error"]
    return Outcome(origin=data["origin"], source=data["source"], line=data["line"], record=data["record"],
                   error=(error[0], error[1], error[2]) if error else None, unmapped=data["unmapped"],
                   signature=np.array(data["signature"], dtype=np.uint32) if data["signature"] is not None else None,
                   shingles=np.array(data["shingles"], dtype=np.uint32) if data.get("shingles") is not None else None,
                   digest=bytes.fromhex(data["digest"]) if data["digest"] is not None else None,
                   length=data["length"], input_file=tuple(data["input_file"]) if data["input_file"] else None,
                   skipped=data.get("skipped"), path=data.get("path"))


def _read(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _results(merged: Iterator[dict[str, Any]]) -> Iterator[tuple[list[Outcome], dict[str, float]]]:
    for entry in merged:
        yield [_load(entry["outcome"])], entry["seconds"] or dict.fromkeys(STAGES, 0.0)


EXECUTORS = ("local", "ray")


def build_with_datatrove(cfg: BuildConfig, work: Path, tasks: int = 4, workers: int = 2,
                         executor: str = "local", mem_per_task_gb: float = 2.0) -> dict[str, Any]:
    """Run the build as two datatrove stages; returns stage 2's summary.

    ``executor="local"``: datatrove's ``LocalPipelineExecutor`` (processes on this machine).
    ``executor="ray"``: its ``RayPipelineExecutor``, on the Ray cluster this process is connected
    to (``ray.init(address=...)`` before the call; without one, Ray starts a local instance):
    stage 1's tasks go wherever the cluster has a CPU, stage 2 is one task that needs
    ``mem_per_task_gb``. The work folder and the project must be on storage every node sees."""
    folder = str(work / "outcomes")
    if executor == "ray":
        from datatrove.executor import RayPipelineExecutor as Executor

        options: dict[str, Any] = {"cpus_per_task": 1, "mem_per_cpu_gb": mem_per_task_gb}
    elif executor == "local":
        Executor, options = LocalPipelineExecutor, {"start_method": "fork"}
    else:
        raise ValueError(f"executor is one of {', '.join(EXECUTORS)}, not {executor!r}")

    def make(pipeline: list[Any], n: int, w: int, name: str, depends: Any = None) -> Any:
        return Executor(pipeline=pipeline, tasks=n, workers=w, logging_dir=str(work / "logs" / name),
                        skip_completed=False, depends=depends, **options)

    stage1 = make([KhabarArticles(cfg), OutcomeWriter(folder)], tasks, workers, "articles")
    stage2 = make([Publish(cfg, folder, tasks)], 1, 1, "publish", depends=stage1)
    stage2.run()
    return json.loads((work / "result.json").read_text(encoding="utf-8"))
