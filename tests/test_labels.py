"""Labels a user can trust (issue 14): desks are not classes, the label audit's decisions hold,
copies filed under different classes are reported, and copies are found by what they are."""

from __future__ import annotations

import collections
import json
import sys

import pyarrow.parquet as pq
import pytest

from conftest import REPO
from khabar.features import features
from khabar.registry import taxonomy

sys.path.insert(0, str(REPO / "scripts"))

COLUMNS = ["id", "source", "article_id", "categories", "category", "category_origin", "category_withheld",
           "regional", "cluster_id"]


@pytest.fixture(scope="module")
def rows():
    out = []
    for path in sorted((REPO / "corpus" / "data").glob("*.parquet")):
        out += pq.read_table(path, columns=COLUMNS).to_pylist()
    return out


def test_a_desk_is_not_a_class(rows):
    names = features()["category"].names
    assert "provinces" not in names and "provinces" not in taxonomy().classes
    regional = [r for r in rows if r["regional"]]
    assert len(regional) > 300                                 # Fars's province desks, Tasnim's provinces
    for r in regional:
        assert any(label in taxonomy().desks.get(r["source"], ()) | taxonomy().desks.get("*", frozenset())
                   for label in r["categories"])
        if r["category"] is None and r["category_withheld"] != "label-audit":
            assert r["category_withheld"] == "desk"
    assert all(r["regional"] for r in rows if r["category_withheld"] == "desk")


def test_every_row_says_where_its_class_came_from(rows):
    for r in rows:
        assert (r["category"] is None) == (r["category_origin"] is None)
        if r["category_withheld"]:
            assert r["category"] is None and r["categories"]         # the labels are kept, the class is not


def test_the_fars_archive_labels_are_withheld(rows):
    """The 2003-2011 archive (10-digit ids): its section labels failed the audit, so none of its
    rows has a class, and every one keeps its labels in categories."""
    archive = [r for r in rows if r["source"] == "farsnews" and r["article_id"] and len(r["article_id"]) == 10]
    assert len(archive) > 300
    tax = taxonomy()
    labelled = [r for r in archive if tax.classify(r["source"], r["categories"])[0] is not None]   # labels that map
    assert len(labelled) > 300
    assert all(r["category"] is None and r["category_withheld"] == "label-audit" for r in labelled)
    later = [r for r in rows if r["source"] == "farsnews" and r["article_id"] and len(r["article_id"]) == 14]
    assert sum(r["category"] is not None for r in later) > 200       # later Fars labels are kept


def test_the_label_audit_is_reproduced_and_cited_by_the_build():
    pytest.importorskip("sklearn")
    import audit_labels
    committed = json.loads((REPO / "corpus/audits/label-audit.json").read_text("utf-8"))
    fresh = audit_labels.audit(audit_labels.labelled_rows(REPO))
    assert [(f["source"], f["label"]) for f in fresh["flagged"]] == [(f["source"], f["label"]) for f in committed["flagged"]]
    for source, info in fresh["sources"].items():
        assert abs(info["agreement"] - committed["sources"][source]["agreement"]) <= 0.01
    # the archive reads unlike its labels far more than Fars's later items do
    assert fresh["sources"]["farsnews (2003-2011 archive)"]["agreement"] < fresh["sources"]["farsnews"]["agreement"] - 0.2
    report = json.loads((REPO / "corpus/reports/build.json").read_text("utf-8"))["labels"]
    assert report["label_audit"]["flagged"] == [{k: f[k] for k in ("source", "label", "class", "rows", "agreement",
                                                                    "mostly_placed_in")} for f in committed["flagged"]]
    assert (REPO / "corpus/reports/label-audit.json").read_bytes() == (REPO / "corpus/audits/label-audit.json").read_bytes()



@pytest.mark.parametrize("name", ["label-audit.json", "label-audit-shared-news.json"])
def test_every_flagged_label_is_decided(name):
    """Each pair an audit flags is withheld by a rule of schema/categories.yaml, or was read and
    kept with its reason (audit_reviewed)."""
    import yaml
    audit = json.loads((REPO / "corpus/audits" / name).read_text("utf-8"))
    data = yaml.safe_load((REPO / "schema/categories.yaml").read_text("utf-8"))
    reviewed = {(r["source"], r["label"]) for r in data["audit_reviewed"]}
    tax = taxonomy()
    assert audit["flagged"]
    for f in audit["flagged"]:
        source = f["source"].split(" ")[0]
        labels = f["label"].split(" > ")
        article_id = "0" * 10 if "archive" in f["source"] else None        # the archive's ids have 10 digits
        assert tax.withheld(source, article_id, labels) == "label-audit" or (source, f["label"]) in reviewed, f


def test_copies_with_conflicting_labels_are_counted(rows):
    names = features()["category"].names
    conflicts = [json.loads(line) for line in (REPO / "corpus/reports/label-conflicts.jsonl").read_text("utf-8").splitlines()]
    report = json.loads((REPO / "corpus/reports/build.json").read_text("utf-8"))["labels"]
    assert report["conflicting_copies"] == len(conflicts) and "rule" in report["conflict_rule"] or report["conflict_rule"]
    published = {r["cluster_id"]: r for r in rows}
    duplicates = [json.loads(line) for line in (REPO / "corpus/reports/duplicates.jsonl").read_text("utf-8").splitlines()]
    clusters = {d["cluster_id"] for d in duplicates}
    for c in conflicts:
        assert len(c["classes"]) >= 2 and c["cluster_id"] in clusters
        kept = published[c["cluster_id"]]["category"]
        assert c["published"] == (names[kept] if kept is not None else None)


def test_no_two_rows_share_an_outlet_article_id(rows):
    ids = collections.Counter((r["source"], r["article_id"]) for r in rows if r["article_id"])
    assert ids and max(ids.values()) == 1


def test_an_independent_minhash_check_finds_no_copy_across_splits():
    import audit_near_duplicates
    n, pairs = audit_near_duplicates.cross_split_pairs(REPO)
    assert n > 2900 and pairs == []
