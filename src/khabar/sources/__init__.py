"""Readers: page parsers (one module per page format) and export importers.

Every reader yields :class:`khabar.record.RawArticle` or raises
:class:`khabar.errors.KhabarError`.  ``PARSERS`` maps the ``parser`` named in
``schema/sources.yaml`` to the function that reads one saved page.
"""

from __future__ import annotations

from collections.abc import Callable

from khabar.dates import DateLimits
from khabar.errors import KhabarError
from khabar.record import RawArticle
from khabar.registry import Source
from khabar.sources import aa_fa

PageParser = Callable[[bytes, str, Source, DateLimits], RawArticle]

PARSERS: dict[str, PageParser] = {
    "aa_fa": aa_fa.parse,
}


def page_parser(source: Source, suffix: str) -> PageParser:
    """The parser of ``source``'s saved pages, or ``input.unknown-format`` if it has none."""
    if source.parser not in PARSERS:
        raise KhabarError("input.unknown-format", suffix=suffix, where=f"source {source.key}")
    return PARSERS[source.parser]
