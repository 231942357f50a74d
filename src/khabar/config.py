"""Build configuration: which inputs a build reads, with which importer, and its options.

A config is a TOML file (``configs/shared-news.toml`` is the example)::

    [build]
    corpus = true                 # read the pages under corpus/raw/<source>/
    fail_on_unmapped = false      # fail when a category label has no mapping
    max_input_bytes = 67108864
    temporal_cutoff = 2020-01-01  # also publish a temporal configuration (test: on or after it)
    spool_compression = "none"    # the build's own scratch copy of the records between its two
                                  # passes: "none" (fastest; ~14 KB per article on disk) or
                                  # "zstd" (a third of that, ~0.05 ms more per article)

    [build.ratios]                # split ratios (default 0.8 / 0.1 / 0.1)
    train = 0.8
    validation = 0.1
    test = 0.1

    [[inputs]]
    path = "../shared/data/news/farsnews"   # a file or a folder, relative to the project root
    glob = "*.json"                          # files of a folder to read (default: every file)
    mapping = "configs/mappings/farsnews.toml"

    origin = "owner/repo@commit:path"        # (optional) where the file came from
    sha256 = { "news.json" = "<hex>" }       # (optional) each file's sha256: a build stops if one differs

Mapping files must lie inside the project; input paths may lie anywhere.

``corpus = true`` reads the shipped corpus: the saved pages under ``corpus/raw/<source>/``
and the exports that :data:`CORPUS_INPUTS` (``corpus/inputs.toml``) lists, with their
provenance; a config's own ``[[inputs]]`` come after them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema_rs

from khabar.paths import schema_dir
from khabar.validate import json_path

from khabar.sources.mapping import Mapping, MappingError, load_mapping


class ConfigError(Exception):
    """The config is malformed or names a file that cannot be used; says which key.

    ``code`` is one of the catalogue's ``config.*`` codes."""

    def __init__(self, message: str, code: str = "config.invalid"):
        super().__init__(message)
        self.code = code


CORPUS_INPUTS = "corpus/inputs.toml"
CONFIG_LIMIT = 4 * 2**20            # bytes of a config, mapping or input list


@dataclasses.dataclass(frozen=True)
class ExportInput:
    path: Path
    glob: str
    mapping: Mapping
    origin: str | None = None
    sha256: dict[str, str] = dataclasses.field(default_factory=dict)
    excerpt: dict[str, Any] | None = None

    def files(self) -> list[Path]:
        """The file, or what the glob matches in the folder (sorted): hidden names and what is not a
        regular file included, since the build reads or reports each one (it never drops one)."""
        if self.path.is_file():
            return [self.path]
        return sorted(p for p in self.path.glob(self.glob) if not p.is_dir() or p.name.startswith("."))


@dataclasses.dataclass(frozen=True)
class WarcInput:
    """Web captures: a WARC file, or a folder of them (``.warc``, ``.warc.gz``), read with no
    mapping (:mod:`khabar.sources.warc`); ``outlets``: only these outlets' pages."""

    path: Path
    glob: str
    outlets: frozenset[str] | None = None
    origin: str | None = None

    def files(self) -> list[Path]:
        """The file, or the WARC files the glob matches in the folder and below (sorted); hidden names
        and what is not a regular file included, since the build reads or reports each one."""
        from khabar.sources.warc import is_warc

        if self.path.is_file():
            return [self.path]
        return sorted(p for p in self.path.rglob(self.glob)
                      if (is_warc(p) or p.name.startswith(".")) and (not p.is_dir() or p.name.startswith(".")))


@dataclasses.dataclass(frozen=True)
class Config:
    path: Path | None
    corpus: bool = True
    fail_on_unmapped: bool = False
    max_input_bytes: int | None = None
    ratios: dict[str, float] | None = None
    temporal_cutoff: str | None = None
    spool_compression: str = "none"
    inputs: tuple[ExportInput | WarcInput, ...] = ()




def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file's table, or a ConfigError that says what is wrong with the file."""
    try:
        if path.exists() and not path.is_file():       # a FIFO, a device (/dev/zero): never read
            raise ConfigError(f"{path}: not a regular file (a folder, FIFO or device): not a {what}",
                              "config.missing-file")
        if path.exists() and path.stat().st_size > CONFIG_LIMIT:
            raise ConfigError(f"{path}: {path.stat().st_size} bytes, too large for a {what} (limit {CONFIG_LIMIT})")
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such {what}", "config.missing-file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: a folder, not a {what} (a TOML file)", "config.missing-file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the {what} as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}", "config.missing-file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


@functools.cache
def _config_validator() -> Any:
    schema = json.loads((schema_dir() / "config.schema.json").read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def _check_schema(path: Path, data: dict[str, Any]) -> None:
    """The config against schema/config.schema.json; every problem named by its key."""
    def plain(value: Any) -> Any:       # TOML dates as ISO text, so the schema can check them
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.isoformat() if isinstance(value, (dt.date, dt.time)) else value
    problems = [f"{json_path(e.instance_path)}: {e.message}" for e in _config_validator().iter_errors(plain(data))]
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""))


def load_config(path: Path, root: Path) -> Config:
    data = read_toml(path, "config file")
    _check_schema(path, data)
    build = data.get("build", {})
    ratios = build.get("ratios")
    if ratios is not None and abs(sum(ratios.values()) - 1) > 1e-9:
        raise ConfigError(f"{path}: build.ratios: train/validation/test shares, non-negative, summing to 1")
    cutoff = build.get("temporal_cutoff")
    if cutoff is not None:
        if not isinstance(cutoff, dt.date) or isinstance(cutoff, dt.datetime):
            raise ConfigError(f"{path}: build.temporal_cutoff: a date (YYYY-MM-DD, unquoted)")
        cutoff = cutoff.isoformat()
    spool = build.get("spool_compression", "none")
    inputs = load_inputs(path, root, data.get("inputs", []))
    return Config(path=path, corpus=build.get("corpus", True), fail_on_unmapped=build.get("fail_on_unmapped", False),
                  max_input_bytes=build.get("max_input_bytes"), ratios=ratios, temporal_cutoff=cutoff,
                  spool_compression=spool, inputs=tuple(inputs))


def load_inputs(path: Path, root: Path, entries: list[dict[str, Any]]) -> list[ExportInput | WarcInput]:
    """The ``[[inputs]]`` of a config (or of the corpus's own list), already checked against
    schema/config.schema.json, each with its mapping loaded."""
    inputs: list[ExportInput | WarcInput] = []
    for i, entry in enumerate(entries):
        if entry.get("format") == "warc":
            inputs.append(_warc_input(f"{path}: inputs[{i}]", root, entry))
            continue
        where = f"{path}: inputs[{i}]"
        glob = entry.get("glob", "*")
        input_path = root / entry["path"]
        if not input_path.exists():
            what = ("is a link that never resolves (a loop, or a link to nothing)" if input_path.is_symlink()
                    else "does not exist")
            raise ConfigError(f"{where}.path: {entry['path']!r} {what} (looked in {input_path})", "config.missing-file")
        if not (input_path.is_file() or input_path.is_dir()):
            raise ConfigError(f"{where}.path: {entry['path']!r} is neither a file nor a folder (a device, FIFO "
                              "or socket): nothing can be read from it", "config.missing-file")
        mapping_path = root / entry["mapping"]
        if not _inside(root, mapping_path):
            raise ConfigError(f"{where}.mapping: {entry['mapping']!r} lies outside the project; keep mappings in it",
                              "config.outside-project")
        try:
            mapping = load_mapping(mapping_path)
        except MappingError as exc:
            code = "config.missing-file" if "no such mapping file" in str(exc) else "config.invalid"
            raise ConfigError(f"{where}.mapping: {exc}", code) from None
        check_sources(mapping, where)
        if "format" in entry:           # the mapping's fields, the file in another container (an excerpt)
            mapping = dataclasses.replace(mapping, format=entry["format"])
        export = ExportInput(path=input_path, glob=glob, mapping=mapping, origin=entry.get("origin"),
                             sha256=dict(entry.get("sha256", {})), excerpt=entry.get("excerpt"))
        if input_path.is_dir() and not any(p.is_file() and not p.name.startswith(".") for p in export.files()):
            raise ConfigError(f"{where}.glob: {glob!r} matches no file in {entry['path']!r}; nothing would be read",
                              "config.missing-file")
        inputs.append(export)
    return inputs


def _warc_input(where: str, root: Path, entry: dict[str, Any]) -> WarcInput:
    from khabar.registry import sources

    input_path = root / entry["path"]
    if not (input_path.is_file() or input_path.is_dir()):
        raise ConfigError(f"{where}.path: {entry['path']!r} is not a WARC file or a folder of them (looked in "
                          f"{input_path})", "config.missing-file")
    outlets = entry.get("outlets")
    unknown = sorted(set(outlets or ()) - set(sources()))
    if unknown:
        raise ConfigError(f"{where}.outlets: {', '.join(map(repr, unknown))} not in schema/sources.yaml "
                          f"(known: {', '.join(sorted(sources()))})", "config.unknown-source")
    warc = WarcInput(path=input_path, glob=entry.get("glob", "*"), origin=entry.get("origin"),
                     outlets=frozenset(outlets) if outlets else None)
    if input_path.is_dir() and not any(p.is_file() for p in warc.files()):
        raise ConfigError(f"{where}.path: no .warc or .warc.gz file in {entry['path']!r}; nothing would be read",
                          "config.missing-file")
    return warc


def check_sources(mapping: Mapping, where: str) -> None:
    """Every outlet the mapping names is known (registry or its inline [outlet]), before anything is read."""
    from khabar.registry import RegistryError, entry_template, register, sources

    if mapping.outlet is not None:
        try:
            register(mapping.outlet)
        except RegistryError as exc:
            raise ConfigError(f"{where}: the mapping {mapping.path.name}: {exc}") from None
    unknown = sorted(mapping.source_keys() - set(sources()))
    if unknown:
        entries = "\n".join(entry_template(key) for key in unknown)
        raise ConfigError(
            f"{where}: the mapping {mapping.path.name} names source(s) {', '.join(map(repr, unknown))}, which "
            f"schema/sources.yaml does not have. Add to schema/sources.yaml (fill in the values):\n{entries}\n"
            "or declare the outlet in the mapping itself, in an [outlet] table with the same keys "
            "(docs/MAPPINGS.md).", "config.unknown-source")


def is_repository(root: Path) -> bool:
    """Is ``root`` the repository's shipped corpus (it has corpus/inputs.toml)?  Its own dataset
    holds only articles that may be redistributed."""
    return (root / CORPUS_INPUTS).is_file()


def corpus_inputs(root: Path) -> list[ExportInput]:
    """The shipped corpus's exports (``corpus/inputs.toml``); none when the file is absent."""
    path = root / CORPUS_INPUTS
    if not path.is_file():
        return []
    data = read_toml(path, "input list")
    _check_schema(path, data)
    return load_inputs(path, root, data.get("inputs", []))
