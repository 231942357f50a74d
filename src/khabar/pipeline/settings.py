"""What a build is told (:class:`BuildConfig`), what it returns, and how it fails."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from khabar.config import Config, is_repository
from khabar.errors import Report
from khabar.split import DEFAULT_RATIOS
from khabar.work import STAGES, default_workers

DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024


class BuildError(Exception):
    """The build cannot publish (the previous dataset is left as it was); ``code`` says why."""

    def __init__(self, message: str, code: str = "build.failed"):
        super().__init__(message)
        self.code = code


@dataclasses.dataclass
class BuildConfig:
    root: Path
    build_date: dt.date = dataclasses.field(default_factory=dt.date.today)
    output: Path | None = None       # where to publish (default: root): a dataset folder of its own
    config: Config = dataclasses.field(default_factory=lambda: Config(path=None))
    max_rows_per_shard: int = 200_000
    progress: bool | None = None     # None: only on a terminal
    fail_on_unmapped: bool | None = None   # None: as the config says
    workers: int = dataclasses.field(default_factory=default_workers)
    seconds: dict[str, float] = dataclasses.field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    @property
    def ratios(self) -> dict[str, float]:
        return self.config.ratios or dict(DEFAULT_RATIOS)

    @property
    def max_input_bytes(self) -> int:
        return self.config.max_input_bytes or DEFAULT_MAX_INPUT_BYTES

    @property
    def strict_labels(self) -> bool:
        return self.config.fail_on_unmapped if self.fail_on_unmapped is None else self.fail_on_unmapped

    @property
    def out_root(self) -> Path:
        return self.output or self.root

    @property
    def open_only(self) -> bool:
        """Publishing into the repository's own dataset (a root with corpus/inputs.toml, the shipped
        corpus, and no --output elsewhere): only sources that may be redistributed."""
        into_root = self.output is None or self.output.resolve() == self.root.resolve()
        return into_root and is_repository(self.root)

    @property
    def corpus(self) -> Path:
        """Where data/, reports/ and manifest.json are published."""
        return self.out_root / "corpus"

    @property
    def raw_dir(self) -> Path:
        return self.root / "corpus" / "raw"


@dataclasses.dataclass
class BuildResult:
    report: Report
    split_rows: dict[str, int]
    unmapped: collections.Counter[tuple[str, str]]
    files: list[dict[str, Any]]
