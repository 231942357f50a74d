"""Stage 7, reports: what the build did, in files a person (and a test) can read.

``reports/rejects.jsonl`` (every input not published, with code, file, line, message and
hint), ``reports/duplicates.jsonl``, ``reports/takedowns.json``, ``reports/build.json``
(counts per source and code, unmapped labels, splits, dedup settings) and the manifest
(every published file's sha256, the inputs read and their sha256).  A build that
publishes nothing writes its rejects to ``reports/last-failed/`` instead
(:func:`report_failure`).
"""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

from khabar import __version__, validate
from khabar.pipeline.collect import Collected
from khabar.pipeline.discover import origin_of
from khabar.pipeline.plan import Plan
from khabar.pipeline.route import Routed
from khabar.pipeline.settings import BuildConfig
from khabar.dedup import BANDS, CONTAINMENT, NUM_PERM, THRESHOLD
from khabar.errors import CATALOGUE, Report
from khabar.paths import schema_dir
from khabar.publish import manifest
from khabar.publish.release import Release


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)


LABEL_AUDIT = "corpus/audits/label-audit.json"


def _label_audit(path: Path, folder: Path) -> dict[str, Any] | None:
    """The label audit (``scripts/audit_labels.py``, evidence for schema/categories.yaml's
    ``withhold`` rules) copied into the reports, and its flagged pairs for build.json."""
    if not path.is_file():
        return None
    data = path.read_bytes()
    (folder / "label-audit.json").write_bytes(data)
    audit = json.loads(data)
    return {"report": "corpus/reports/label-audit.json (python scripts/audit_labels.py --out " + LABEL_AUDIT + ")",
            "decisions": "schema/categories.yaml (withhold, audit_reviewed)",
            "agreement": {s: v["agreement"] for s, v in audit.get("sources", {}).items()},
            "flagged": [{k: f[k] for k in ("source", "label", "class", "rows", "agreement", "mostly_placed_in")}
                        for f in audit.get("flagged", [])]}


def write_reports(folder: Path, cfg: BuildConfig, report: Report, collected: Collected, plan: Plan,
                  routed: Routed, unmapped: collections.Counter[tuple[str, str]]) -> dict[str, Any]:
    """The reports (rejects, duplicates, takedowns, furniture, label conflicts, build); returns build.json's content (the summary)."""
    folder.mkdir()
    (folder / "rejects.jsonl").write_text(_jsonl([r.to_json() for r in report.sorted_rejections()]), encoding="utf-8")
    duplicates = sorted(routed.duplicates, key=lambda d: (d["cluster_id"], d["id"]))
    (folder / "duplicates.jsonl").write_text(_jsonl(duplicates), encoding="utf-8")
    dup_kinds = collections.Counter((d["source"], d["kind"]) for d in routed.duplicates)
    removed_by = collections.Counter(e.key for e in plan.removed.values())
    entries = collected.listing.entries
    (folder / "takedowns.json").write_text(manifest.dumps({
        "entries": [{**e.public(), "removed": removed_by[e.key]} for e in entries],
        "removed": len(plan.removed),
        "unmatched": [e.ref for e in entries if removed_by[e.key] == 0],
    }), encoding="utf-8")
    (folder / "furniture.json").write_text(manifest.dumps({
        "catalogue": "schema/furniture.yaml",
        "what": "per source: published articles, what the furniture catalogue cut (sums), and rows_with: "
                "the rows with at least one cut of each kind",
        "per_source": routed.numbers["furniture"],
    }), encoding="utf-8")
    (folder / "label-conflicts.jsonl").write_text(_jsonl(routed.label_conflicts), encoding="utf-8")
    audit = _label_audit(cfg.root / LABEL_AUDIT, folder)
    summary = {
        "per_source": report.per_source(),
        "rejected_by_code": dict(sorted(report.by_code().items())),
        "unmapped_labels": [{"source": s, "label": label, "count": n} for (s, label), n in sorted(unmapped.items())],
        "splits": {name: info["rows"] for name, info in routed.split_info.items()},
        "temporal_splits": {name: info["rows"] for name, info in routed.temporal_info.items()},
        "temporal_cutoff": cfg.config.temporal_cutoff,
        "categories": routed.numbers["categories_by_split"],
        "labels": {
            "per_source": routed.numbers["labels"],
            "label_audit": audit,
            "conflicting_copies": len(routed.label_conflicts),
            "conflict_rule": "copies of one story filed under different classes (label-conflicts.jsonl) publish "
                             "the class of the copy published: the one with the most text, then the earliest",
        },
        "duplicates": {
            "threshold": THRESHOLD, "containment": CONTAINMENT, "num_perm": NUM_PERM, "bands": BANDS,
            "per_source": [{"source": s, "exact": dup_kinds[(s, "exact")], "near": dup_kinds[(s, "near")]}
                           for s in sorted({s for s, _ in dup_kinds})],
        },
    }
    if report.skipped or report.pages:
        summary["web_captures"] = _web_captures(report)
    (folder / "build.json").write_text(manifest.dumps(summary), encoding="utf-8")
    return summary


def _web_captures(report: Report) -> dict[str, Any]:
    """WARC records that held no article, by reason; pages published per outlet, by the path that read them."""
    hosts = collections.Counter({r.removeprefix("host:"): n for r, n in report.skipped.items() if r.startswith("host:")})
    other = {r: n for r, n in sorted(report.skipped.items()) if not r.startswith("host:")}
    outlets = sorted({s for s, _ in report.pages})
    return {
        "skipped": sum(report.skipped.values()),
        "skipped_by_reason": other | ({"host:*": sum(hosts.values())} if hosts else {}),
        "skipped_hosts": dict(sorted(hosts.items(), key=lambda kv: (-kv[1], kv[0]))[:1000]),
        "skipped_hosts_total": len(hosts),
        "pages": {s: {"rules": report.pages[(s, "rules")], "generic": report.pages[(s, "generic")]} for s in outlets},
    }


def write_manifest(path: Path, cfg: BuildConfig, report: Report, collected: Collected, routed: Routed,
                   summary: dict[str, Any], release: Release | None) -> None:
    """Every published file with its sha256 and rows, the inputs read with theirs; no build date."""
    data = {
        "khabar_version": __version__,
        "schema_version": validate.article_schema()["x-khabar-schema-version"],
        "release": {"version": release.version, "date": release.date} if release else None,
        "publication": "open" if cfg.open_only else "own-use",
        "files": routed.files,
        "splits": summary["splits"],
        "inputs": report.per_source(),
        "provenance": {
            "schema_sha256": manifest.sha256_file(schema_dir() / "article.schema.json"),
            "config": None if cfg.config.path is None else {
                "path": origin_of(cfg.config.path, cfg.root), "sha256": manifest.sha256_file(cfg.config.path)},
            "build_date": None,          # deliberately not recorded: the same inputs give the same files
            "input_files": [{"path": p, "sha256": h, "bytes": n} for p, (h, n) in sorted(collected.inputs.items())],
        },
    }
    path.write_text(manifest.dumps(data), encoding="utf-8")


def report_failure(folder: Path, report: Report, top: int = 3) -> str:
    """Write a failed build's rejects and summary where the user looks (``reports/last-failed/``,
    replaced by the next build that publishes) and say the most frequent problems' fixes."""
    folder.mkdir(parents=True, exist_ok=True)
    rejects = [r.to_json() for r in report.sorted_rejections()]
    (folder / "rejects.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rejects), encoding="utf-8")
    (folder / "summary.txt").write_text(report.summary() + "\n", encoding="utf-8")
    lines = [f"rejects of this failed build: {folder / 'rejects.jsonl'}"]
    for code, n in report.by_code().most_common(top):
        example = next(r for r in report.rejections if r.code == code)
        lines.append(f"  {code} ({n}): {CATALOGUE[code].hint}\n    e.g. {example.origin}: {example.message}")
    return "\n".join(lines)
