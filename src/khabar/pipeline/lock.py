"""One build at a time per dataset folder: ``corpus/.lock`` holds the building process's id.

A second build of the same folder stops at once with ``build.locked``; a lock whose
process is gone (a killed build) is taken over.  Faults of the output folder itself
(a full disk, a read-only folder) become coded build errors; the previous dataset is
untouched in every case, since nothing is published before the commit.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from khabar.pipeline.settings import BuildError

LOCK = ".lock"
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
FAULTS = _FULL | _READ_ONLY


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def coded(exc: OSError, folder: Path) -> BuildError:
    """An output fault as a build error with its code and what to do."""
    if exc.errno in _FULL:
        return BuildError(f"the disk holding {folder} is full ({exc.strerror}); free space and build again; "
                          "the previous dataset is kept", code="build.disk-full")
    return BuildError(f"{folder} cannot be written ({exc.strerror}: {exc.filename}); build into a folder you may "
                      "write (--output DIR) or fix its permissions; the previous dataset is kept",
                      code="build.not-writable")


@contextlib.contextmanager
def locked(corpus: Path) -> Iterator[None]:
    """Hold ``corpus/.lock`` for the duration; BuildError ``build.locked`` if a live build holds it."""
    path = corpus / LOCK
    try:
        corpus.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                break
            except FileExistsError:
                try:
                    holder = int(path.read_text(encoding="ascii").strip() or "0")
                except (OSError, ValueError):
                    holder = 0
                if holder and _alive(holder):
                    raise BuildError(f"another build (process {holder}) is publishing into {corpus.parent}; wait "
                                     f"for it to end (or, if no build runs, remove {path})", code="build.locked") from None
                path.unlink(missing_ok=True)        # a killed build's lock
        else:
            raise BuildError(f"could not take {path}", code="build.locked")
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(f"{os.getpid()}\n")
    except OSError as exc:
        if exc.errno in _FULL | _READ_ONLY:
            raise coded(exc, corpus.parent) from None
        raise
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
