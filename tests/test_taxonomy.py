"""The category taxonomy: labels as written map to classes; nothing is guessed."""

from __future__ import annotations

from khabar.registry import taxonomy

TAX = taxonomy()


def test_breadcrumb_most_specific_wins_and_paths_disambiguate():
    assert TAX.classify("aa-fa", ["جهان", "خاورمیانه"]) == ("world", [])
    assert TAX.classify("farsnews", ["world", "west-asia"]) == ("world", [])
    assert TAX.classify("farsnews", ["sports", "world"]) == ("sports", [])           # sports > world is sports news
    assert TAX.classify("farsnews", ["social", "medicine-spirituality"]) == ("health", [])
    assert TAX.classify("hamshahri", ["دانش", "پزشکی"]) == ("health", [])


def test_real_labels_with_zwnj_and_arabic_letters():
    assert TAX.classify("hamshahri", ["ایران", "سیاست\u200cخارجی"]) == ("politics", [])
    assert TAX.classify("hamshahri", ["زیست\u200cبوم", "محیط زیست ایران"]) == ("society", [])
    assert TAX.classify("radiofarda", ["ايران"], "priority") == ("politics", [])        # Arabic yeh, as written
    assert TAX.classify("multisource", ["بین\u200c_الملل"]) == ("world", [])           # the shared table


def test_priority_order_and_non_topical_labels():
    labels = ["فرهنگ و هنر ایران", "اجتماعی", "بایگانی", "خبرخوان"]
    assert TAX.classify("radiofarda", labels, "priority") == ("culture", [])
    assert TAX.classify("radiofarda", labels, "breadcrumb") == ("society", [])


def test_unmapped_labels_are_reported_not_guessed():
    assert TAX.classify("hamshahri", ["آشپزی"]) == (None, ["آشپزی"])
    # a child of a known parent is covered by the parent
    assert TAX.classify("hamshahri", ["ورزش", "بدمینتون"]) == ("sports", [])
    assert TAX.classify("varzesh3", []) == ("sports", [])                              # a sports-only outlet
    assert TAX.classify("farsnews", []) == (None, [])


def test_every_class_says_where_it_came_from():
    assert TAX.classify_with_origin("farsnews", ["world", "west-asia"]) == ("world", "label", [])
    assert TAX.classify_with_origin("varzesh3", []) == ("sports", "source-default", [])     # nothing in the data says so
    assert TAX.classify_with_origin("varzesh3", ["اقتصادی"])[:2] == ("economy", "label")
    assert TAX.classify_with_origin("aa-fa", ["no-such-label"])[:2] == (None, None)
