"""What the build's child processes (its workers, the pictures' child) do as they start.

A child that outlives its build helps no one: a build killed outright (``kill -9``, the
out-of-memory killer) cannot stop its children, and a forked child blocked on a pipe the
build held would wait forever.  On Linux the kernel ends the child with its parent
(``prctl(PR_SET_PDEATHSIG)``); elsewhere nothing is done.  A child can also name itself, as
``ps`` and ``/proc/<pid>/comm`` show it.
"""

from __future__ import annotations

import functools
import os
import signal
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15


@functools.cache
def _prctl() -> Any:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None                      # not Linux, or no C library to ask


def started(parent: int) -> None:
    """What every child of the build does first: end with the build (:func:`die_with_parent`), leave
    Ctrl-C to the build (one message, no traceback per child), and take a signal's default
    action rather than the build's own handler (the build ends its children)."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` (the process that forked it) ends; if it has already
    ended, end now."""
    prctl = _prctl()
    if prctl is None:
        return
    prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:           # the parent died before the request was made
        os._exit(1)


def name(title: str) -> None:
    """This process's name as the system shows it (at most 15 bytes)."""
    prctl = _prctl()
    if prctl is not None:
        prctl(PR_SET_NAME, title.encode()[:15], 0, 0, 0)
