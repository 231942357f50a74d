"""Stage 1, discover: every input of a build, in a fixed order.

The saved pages under ``corpus/raw/<source>/`` (sorted; hidden files skipped), then the
shipped corpus's exports (``corpus/inputs.toml``), then the config's exports.  A file
under ``corpus/raw/`` that an export lists is read by its mapping, not as a page.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from khabar.pipeline.settings import BuildConfig, BuildError
from khabar.config import ConfigError, ExportInput, WarcInput, corpus_inputs
from khabar.sources.mapping import Mapping
from khabar.sources.warc import UNKNOWN, bookkeeping


@dataclasses.dataclass
class InputItem:
    """One raw input file: a saved page (its folder names the source) or an export with its mapping."""

    path: Path
    origin: str
    source: str                      # for an export: the source counted if the file cannot be read
    mapping: Mapping | None = None
    sha256: str | None = None        # the file's recorded sha256 (corpus/inputs.toml), checked on reading
    refused: tuple[str, dict[str, str]] | None = None   # not to be read: the rejection code and its parameters
    warc: WarcInput | None = None    # a web capture (WARC file), read record by record with no mapping


def origin_of(path: Path, root: Path) -> str:
    """The path relative to the root, as text fit to publish: bytes of a name that is not UTF-8
    as ``\\xff``, control and bidirectional-control characters (a newline, U+202E) as ``\\u202e``;
    ZWNJ and ZWJ, which Persian names hold, stay."""
    return safe_text(Path(os.path.relpath(path, root)).as_posix())


def safe_text(text: str) -> str:
    import unicodedata

    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:                 # a byte os.fsdecode could not decode (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF or (unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
                                          and ch not in "\u200c\u200d"):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def discover(cfg: BuildConfig) -> list[InputItem]:
    """Every page under corpus/raw/<source>/ (sorted), then the corpus's exports
    (corpus/inputs.toml), then every export of the config.  A file under corpus/raw/ that an
    export lists is read by its mapping, not as a page.  Nothing is dropped without a trace:
    a hidden file, a link out of its input folder, a linked or unreadable folder becomes an
    item that is rejected with its code (:attr:`InputItem.refused`)."""
    exports_ = list(cfg.config.inputs)
    if cfg.config.corpus:
        try:
            exports_ = corpus_inputs(cfg.root) + exports_
        except ConfigError as exc:
            raise BuildError(f"{exc.code}: {exc}", code=exc.code) from None
    listed = [(export, _export_files(export)) for export in exports_]
    claimed = {os.path.realpath(path) for _, files in listed for path, _ in files}
    claimed |= _harvest_bookkeeping(exports_)
    items = []
    if cfg.config.corpus and cfg.raw_dir.is_dir():
        for path, refused in _walk(cfg.raw_dir):
            if refused is None and os.path.realpath(path) in claimed:
                continue
            rel = path.relative_to(cfg.raw_dir)
            source = rel.parts[0] if len(rel.parts) > 1 else ""
            items.append(InputItem(path=path, origin=origin_of(path, cfg.root), source=source, refused=refused))
    for export, files in listed:
        for path, refused in files:
            if isinstance(export, WarcInput):
                items.append(InputItem(path=path, origin=origin_of(path, cfg.root), source=UNKNOWN, warc=export,
                                       refused=refused))
                continue
            items.append(InputItem(path=path, origin=origin_of(path, cfg.root), source=export.mapping.default_source(),
                                   mapping=export.mapping, sha256=export.sha256.get(path.name), refused=refused))
    return items


def _harvest_bookkeeping(exports_: list[ExportInput | WarcInput]) -> set[str]:
    """The files ``khabar harvest`` keeps beside its WARC files (its state, a file still being
    written): not inputs, so not read as pages of a source named after their folder."""
    found: set[str] = set()
    for export in exports_:
        if isinstance(export, WarcInput) and export.path.is_dir():
            found |= {os.path.realpath(p) for p in bookkeeping(export.path)}
    return found


Refusal = tuple[str, dict[str, str]]         # a rejection code and its message's parameters


def _refusal(path: Path, top: Path) -> Refusal | None:
    """Why ``path`` (under ``top``) must not be read, if it must not: hidden, or resolving outside ``top``."""
    if path.name.startswith("."):
        return "input.hidden", {}
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(os.path.realpath(top)):
        return "input.outside-root", {"target": str(real), "root": str(top)}
    return None


def _walk(top: Path) -> list[tuple[Path, Refusal | None]]:
    """Every file under ``top``, sorted; a linked or unreadable folder is listed with its refusal."""
    found: list[tuple[Path, Refusal | None]] = []
    unreadable: list[OSError] = []
    for folder, dirs, files in os.walk(top, onerror=unreadable.append):
        base = Path(folder)
        for name in dirs:
            sub = base / name
            if sub.is_symlink():
                real = Path(os.path.realpath(sub))
                found.append((sub, ("input.outside-root", {"target": str(real), "root": str(top)})
                              if not real.is_relative_to(os.path.realpath(top)) else
                              ("input.unreadable", {"reason": "a link to a folder: its files are read where they are, "
                                                              "not through the link"})))
            elif name.startswith("."):
                found.append((sub, ("input.hidden", {})))
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            found.append((base / name, _refusal(base / name, top)))
    for err in unreadable:
        found.append((Path(err.filename), ("input.unreadable", {"reason": f"a folder that cannot be listed "
                                                                          f"({err.strerror})"})))
    return sorted(found, key=lambda item: item[0])


def _export_files(export: ExportInput | WarcInput) -> list[tuple[Path, Refusal | None]]:
    if export.path.is_file():
        return [(export.path, None)]
    return [(p, _refusal(p, export.path)) for p in export.files()]
