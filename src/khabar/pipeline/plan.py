"""Stage 5, plan: from what pass 1 kept to every decision pass 2 carries out.

A pure function of its inputs (no files): the clusters of near-duplicates, the takedown
hits, the split ledger and the ratios decide, for each record of a cluster of two or more,
its cluster id, its split and temporal split, whether a takedown removes it, and whether
it is dropped as a duplicate of the cluster's representative.  A lone article (most of
them) is decided in pass 2 from its own row, so nothing per article is held here.
Tests build a :class:`Plan` from a few hand-made members without building anything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Protocol

from khabar.dedup import Duplicate
from khabar.split import Ledger, cluster_split, temporal_split
from khabar.takedowns import Entry


class Members(Protocol):
    """What the plan needs to know of the records (the :class:`khabar.dedup.Deduplicator` is one)."""

    def id_of(self, i: int) -> str: ...
    def date_of(self, i: int) -> str | None: ...
    def representative(self, group: list[int]) -> int: ...
    def duplicate(self, i: int, rep: int) -> Duplicate: ...


@dataclasses.dataclass
class Plan:
    """Decisions for the records that are not decided by their own row alone (by index)."""

    cluster_of: dict[int, str] = dataclasses.field(default_factory=dict)     # members of clusters only
    split_of: dict[int, str] = dataclasses.field(default_factory=dict)
    temporal_of: dict[int, str] = dataclasses.field(default_factory=dict)
    dropped: dict[int, Duplicate] = dataclasses.field(default_factory=dict)  # duplicates of a representative
    removed: dict[int, Entry] = dataclasses.field(default_factory=dict)      # by the takedown list
    repeated: set[int] = dataclasses.field(default_factory=set)             # an id an earlier record has


def make_plan(groups: Iterable[list[int]], members: Members, hits: dict[int, Entry], ledger: Ledger,
              ratios: dict[str, float], cutoff: str | None = None, repeated: Iterable[int] = ()) -> Plan:
    """Each cluster's key (its smallest id) and split (the ledger's, else by hash), its temporal split,
    takedowns (a ``cluster`` entry removes every copy), and its representative among what remains."""
    plan = Plan(repeated={int(i) for i in repeated})
    for group in groups:
        ids = [members.id_of(i) for i in group]
        key = min(ids)
        split = cluster_split(ids, key, ledger, ratios)
        temporal = temporal_split([members.date_of(i) for i in group], key, cutoff, ratios) if cutoff else None
        named = {i: hits[i] for i in group if i in hits}
        whole = next((e for e in named.values() if e.scope == "cluster"), None)
        for i in group:
            if whole is not None or i in named:
                plan.removed[i] = named.get(i, whole)
        remaining = [i for i in group if i not in plan.removed]
        rep = members.representative(remaining) if remaining else None
        for i in group:
            plan.cluster_of[i], plan.split_of[i] = key, split
            if temporal:
                plan.temporal_of[i] = temporal
            if rep is not None and i != rep and i not in plan.removed:
                plan.dropped[i] = members.duplicate(i, rep)
    for i, entry in hits.items():
        if i not in plan.cluster_of:
            plan.removed[i] = entry
    return plan
