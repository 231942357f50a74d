"""Atomic publication: a build becomes visible only when it is complete.

A build writes everything (``data/``, ``reports/``, ``manifest.json``, the new
card) into ``corpus/.staging/``.  Nothing published is touched until then; a
build that fails or is killed before the commit leaves the previous dataset as
it was.  The commit itself writes a journal (atomically) naming the moves, then
renames each staged item over its published twin and removes the journal.  Were
it killed between two renames, the next ``khabar`` command finds the journal
and finishes the moves (roll forward: the staged build was complete and
verified before the journal was written).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

STAGING = ".staging"
TRASH = ".trash"
JOURNAL = ".publish-journal.json"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    for dirpath, _, files in os.walk(path):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(Path(dirpath))


def staging_dir(corpus: Path) -> Path:
    return corpus / STAGING


def fresh_staging(corpus: Path) -> Path:
    staging = staging_dir(corpus)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def _apply(corpus: Path, moves: list[tuple[str, str]]) -> None:
    trash = corpus / TRASH
    for staged_rel, target_rel in moves:
        staged, target = corpus / staged_rel, corpus / target_rel
        if not staged.exists():
            continue            # done before an interruption
        if staged.is_dir() and target.exists():
            trash.mkdir(exist_ok=True)
            old = trash / target.name
            if old.exists():
                shutil.rmtree(old)
            target.rename(old)
        os.replace(staged, target)
    _fsync_dir(corpus)
    _fsync_dir(corpus.parent)


def commit(corpus: Path, moves: list[tuple[str, str]]) -> None:
    """Publish the staged items: ``moves`` are (staged path, published path), relative to ``corpus``."""
    fsync_tree(staging_dir(corpus))
    journal = corpus / JOURNAL
    tmp = journal.with_suffix(".tmp")
    tmp.write_text(json.dumps({"moves": moves}), encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, journal)
    _fsync_dir(corpus)
    _apply(corpus, moves)
    journal.unlink()
    _fsync_dir(corpus)
    for leftover in (corpus / TRASH, staging_dir(corpus)):
        if leftover.exists():
            shutil.rmtree(leftover)


def recover(corpus: Path) -> bool:
    """Finish a commit that was interrupted; True if there was one."""
    journal = corpus / JOURNAL
    if not journal.exists():
        return False
    moves = [tuple(m) for m in json.loads(journal.read_text(encoding="utf-8"))["moves"]]
    _apply(corpus, moves)  # type: ignore[arg-type]
    journal.unlink()
    for leftover in (corpus / TRASH, staging_dir(corpus)):
        if leftover.exists():
            shutil.rmtree(leftover)
    return True
