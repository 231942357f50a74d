"""The schema contract: load ``schema/article.schema.json`` and check records against it.

The hot path uses jsonschema-rs (compiled, draft 2020-12, formats enforced);
``reference_validator`` gives the ``jsonschema`` implementation of the same
checks, used to check the schema itself and to cross-check verdicts in tests.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs

from khabar.paths import schema_dir


@functools.cache
def article_schema(path: Path | None = None) -> dict[str, Any]:
    with (path or schema_dir() / "article.schema.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def schema_fields() -> list[str]:
    """The published field names, in the schema's order (the column order of the dataset)."""
    return list(article_schema()["properties"])


@functools.cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(article_schema(), validate_formats=True)


def json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def errors(record: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every schema violation of one record, as (JSON path, message)."""
    for err in _validator().iter_errors(record):
        yield json_path(err.instance_path), err.message


def is_valid(record: dict[str, Any]) -> bool:
    return _validator().is_valid(record)


def reference_validator() -> Any:
    """The ``jsonschema`` (pure Python) validator with format checking, for cross-checks."""
    import jsonschema

    cls = jsonschema.Draft202012Validator
    cls.check_schema(article_schema())
    return cls(article_schema(), format_checker=cls.FORMAT_CHECKER)
