"""HTML in an export's field, to text: paragraphs kept, tags and character references gone.

Parsing is BeautifulSoup's (with Python's own ``html.parser``, so no C library is needed).
What counts as extraction, not repair: HTML collapses runs of white space inside a
paragraph, so this does too; a block element (``<p>``, ``<div>``, ``<li>``, a heading ...)
ends a paragraph, ``<br>`` ends a line; ``<script>``, ``<style>`` and comments are not text.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "tr", "ul",
})
SKIP = frozenset({"script", "style", "noscript", "template", "head"})
_SPACE = re.compile(r"[ \t\n\r\f]+")        # HTML's white space (U+200C and NBSP are text)
_BREAK = "\x00"                             # a paragraph break while walking (NUL never survives decoding)
_LINE = "\x01"                              # a <br> while walking


def _walk(node: Tag, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            out.append(_SPACE.sub(" ", str(child)))
        elif isinstance(child, Tag):
            name = child.name.lower()
            if name in SKIP:
                continue
            if name == "br":
                out.append(_LINE)
                continue
            block = name in BLOCKS
            if block:
                out.append(_BREAK)
            _walk(child, out)
            if block:
                out.append(_BREAK)


def paragraphs(markup: str) -> list[str]:
    """The paragraphs of an HTML fragment, in order; a ``<br>`` inside one becomes a line break."""
    soup = BeautifulSoup(markup, "html.parser")
    out: list[str] = []
    _walk(soup, out)
    result = []
    for block in "".join(out).split(_BREAK):
        lines = [_SPACE.sub(" ", line).strip() for line in block.split(_LINE)]
        text = "\n".join(line for line in lines if line)
        if text:
            result.append(text)
    return result


def text(markup: str) -> str:
    """An HTML fragment as one line of text (for a title, lead or date held as HTML)."""
    return " ".join(" ".join(paragraphs(markup)).split("\n"))


# A link whose address holds a space ([name](https://search.example/?q=two words)) is no link
# to CommonMark, which would leave the brackets and the address in the text; an address in
# angle brackets may hold spaces, so such a link is written that way before rendering.
_SPACED_LINK = re.compile(r"\[([^\[\]]*)\]\(([^()<>]*\s[^()<>]*)\)")      # (hard-wrapped text and address too)


def from_markdown(text: str) -> str:
    """Markdown (hard-wrapped lines, **bold**, [links](...)) rendered to HTML by markdown-it-py
    (CommonMark; raw HTML in it stays markup), for :func:`paragraphs`."""
    return _markdown().render(_SPACED_LINK.sub(lambda m: f"[{m.group(1)}](<{' '.join(m.group(2).split())}>)", text))


@functools.cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def unescape(value: str) -> str:
    """Character references (``&#x6F1;``, ``&amp;``) decoded; nothing else changed."""
    return html.unescape(value) if "&" in value else value
