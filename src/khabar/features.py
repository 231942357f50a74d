"""The schema as Arrow and ``datasets`` features, and rows in both directions.

Derived from ``schema/article.schema.json`` and nothing else:

* ``"type": "string"`` (nullable or not) and ``const`` strings -> ``Value("string")``
* ``"format": "date"`` -> ``Value("date32")``; ``"format": "date-time"`` -> ``Value("timestamp[ms, tz=UTC]")``
* ``"type": "integer"`` -> ``Value("int64")``; ``"type": "boolean"`` -> ``Value("bool")``
* ``"type": "array"`` of X -> ``List(X)``; ``"type": "object"`` -> a dict of features
* ``"x-khabar-feature": "ClassLabel"`` with an ``enum`` -> ``ClassLabel(names=enum less null)``;
  null is published as a missing value.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import datasets
import pyarrow as pa

from khabar.validate import article_schema


class SchemaFeatureError(Exception):
    """The schema uses a construct with no feature mapping."""


def _types(prop: dict[str, Any]) -> set[str]:
    t = prop.get("type", [])
    types = {t} if isinstance(t, str) else set(t)
    if "const" in prop and not types:
        types = {type(prop["const"]).__name__.replace("str", "string")}
    return types - {"null"}


def feature_for(name: str, prop: dict[str, Any]) -> Any:
    if prop.get("x-khabar-feature") == "ClassLabel":
        return datasets.ClassLabel(names=[v for v in prop["enum"] if v is not None])
    types = _types(prop)
    if types == {"string"}:
        fmt = prop.get("format")
        if fmt == "date":
            return datasets.Value("date32")
        if fmt == "date-time":
            return datasets.Value("timestamp[ms, tz=UTC]")
        return datasets.Value("string")
    if types == {"integer"}:
        return datasets.Value("int64")
    if types == {"number"}:
        return datasets.Value("float64")
    if types == {"boolean"}:
        return datasets.Value("bool")
    if types == {"array"}:
        return datasets.List(feature_for(f"{name}[]", prop["items"]))
    if types == {"object"}:
        return {key: feature_for(f"{name}.{key}", sub) for key, sub in prop["properties"].items()}
    raise SchemaFeatureError(f"{name}: no feature for JSON Schema {prop}")


@functools.cache
def features() -> datasets.Features:
    props = article_schema()["properties"]
    return datasets.Features({name: feature_for(name, prop) for name, prop in props.items()})


@functools.cache
def arrow_schema() -> pa.Schema:
    """The Arrow schema with the ``datasets`` features embedded as ``huggingface`` metadata
    (made once: ``Features.arrow_schema`` takes a third of a millisecond, and a page's unit of
    work, one row, asks for it each time)."""
    return features().arrow_schema


def _converters() -> dict[str, tuple[Any, Any]]:
    """Per field: (published JSON value -> Arrow value, Arrow value -> published JSON value)."""
    out: dict[str, tuple[Any, Any]] = {}
    for name, feat in features().items():
        if isinstance(feat, datasets.ClassLabel):       # a dict, not ClassLabel.str2int: 30 µs a row
            index = {label: i for i, label in enumerate(feat.names)}
            out[name] = (lambda v, f=feat, index=index: None if v is None else index[v] if v in index else f.str2int(v),
                         lambda v, f=feat: None if v is None else f.int2str(v))
        elif isinstance(feat, datasets.Value) and feat.dtype == "date32":
            out[name] = (lambda v: None if v is None else dt.date.fromisoformat(v),
                         lambda v: None if v is None else v.isoformat())
        elif isinstance(feat, datasets.Value) and feat.dtype.startswith("timestamp"):
            out[name] = (lambda v: None if v is None else dt.datetime.fromisoformat(v.replace("Z", "+00:00")),
                         lambda v: None if v is None else v.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return out


@functools.cache
def _cached_converters() -> dict[str, tuple[Any, Any]]:
    return _converters()


def to_arrow_row(record: dict[str, Any]) -> dict[str, Any]:
    conv = _cached_converters()
    return {k: (conv[k][0](v) if k in conv else v) for k, v in record.items()}


def from_arrow_row(row: dict[str, Any]) -> dict[str, Any]:
    conv = _cached_converters()
    return {k: (conv[k][1](v) if k in conv else v) for k, v in row.items()}
