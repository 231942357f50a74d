"""Split decisions through the Plan, with no files: hand-made members, a ledger, takedowns."""

from __future__ import annotations

import dataclasses

from khabar.pipeline.plan import make_plan
from khabar.dedup import Duplicate
from khabar.split import Ledger, assign, temporal_split
from khabar.takedowns import Entry

RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}


@dataclasses.dataclass
class Members:
    ids: list[str]
    dates: list[str | None]
    lengths: list[int]

    def id_of(self, i: int) -> str:
        return self.ids[i]

    def date_of(self, i: int) -> str | None:
        return self.dates[i]

    def representative(self, group: list[int]) -> int:
        return min(group, key=lambda i: (-self.lengths[i], self.dates[i] or "9999", self.ids[i]))

    def duplicate(self, i: int, rep: int) -> Duplicate:
        return Duplicate(index=i, representative=rep, kind="near", similarity=0.9, containment=0.95)


def _entry(key: str, scope: str = "record") -> Entry:
    return Entry(by="id", value=key, date="2026-12-01", reason="publisher-request", requested_by="publisher",
                 scope=scope)


MEMBERS = Members(ids=["src-0000000000000003", "src-0000000000000001", "src-0000000000000002", "src-0000000000000009"],
                  dates=["2024-05-01", "2023-01-01", None, "2025-01-01"], lengths=[100, 300, 300, 50])


def test_a_cluster_is_keyed_by_its_smallest_id_and_keeps_its_longest_member():
    plan = make_plan([[0, 1, 2]], MEMBERS, {}, Ledger(), RATIOS)
    key = "src-0000000000000001"
    assert plan.cluster_of == {0: key, 1: key, 2: key}
    assert set(plan.split_of.values()) == {assign(key, RATIOS)}
    # 1 and 2 are equally long: the dated one wins; 0 is shorter
    assert set(plan.dropped) == {0, 2} and all(d.representative == 1 for d in plan.dropped.values())
    assert 3 not in plan.cluster_of and not plan.removed


def test_the_ledger_keeps_a_cluster_where_an_earlier_build_put_a_member():
    key = "src-0000000000000001"
    other = next(s for s in ("train", "validation", "test") if s != assign(key, RATIOS))
    ledger = Ledger(["src-0000000000000003"], [other])
    plan = make_plan([[0, 1, 2]], MEMBERS, {}, ledger, RATIOS)
    assert set(plan.split_of.values()) == {other}


def test_takedowns_remove_a_record_or_its_whole_story():
    one = make_plan([[0, 1, 2]], MEMBERS, {1: _entry("a")}, Ledger(), RATIOS)
    assert set(one.removed) == {1}
    assert set(one.dropped) == {0} and one.dropped[0].representative == 2     # the next best copy is published
    whole = make_plan([[0, 1, 2]], MEMBERS, {2: _entry("b", scope="cluster")}, Ledger(), RATIOS)
    assert set(whole.removed) == {0, 1, 2} and not whole.dropped
    lone = make_plan([[0, 1]], MEMBERS, {3: _entry("c")}, Ledger(), RATIOS)
    assert 3 in lone.removed and 3 not in lone.cluster_of


def test_a_story_straddling_the_temporal_cutoff_stays_whole_on_the_later_side():
    plan = make_plan([[0, 1, 2]], MEMBERS, {}, Ledger(), RATIOS, cutoff="2024-01-01")
    assert set(plan.temporal_of.values()) == {"test"}
    early = make_plan([[1, 2]], MEMBERS, {}, Ledger(), RATIOS, cutoff="2024-01-01")
    expected = temporal_split(["2023-01-01", None], "src-0000000000000001", "2024-01-01", RATIOS)
    assert set(early.temporal_of.values()) == {expected} and expected != "test"


def test_repeated_ids_are_carried_for_pass_two():
    plan = make_plan([], MEMBERS, {}, Ledger(), RATIOS, repeated=[3])
    assert plan.repeated == {3} and not plan.cluster_of
