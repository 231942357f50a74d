"""The MLCommons Croissant 1.0 description of a build (``croissant.json`` beside the card).

Generated from the same schema as everything else: one ``cr:FileObject`` per published
Parquet shard (with its sha256), one ``cr:FileSet`` per configuration that the record set
reads, and one ``cr:RecordSet`` per configuration whose fields are the schema's (nested
``normalization`` counts as sub-fields; the offset anchors, an array of pairs that
Croissant 1.0 has no type for, are left to the Parquet files), plus a ``split`` field
read from each file's name.
"""

from __future__ import annotations

from typing import Any

import datasets

from khabar.features import features
from khabar.publish import DATA_DIRS
from khabar.validate import article_schema

CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def _data_type(feature: Any) -> str | None:
    if isinstance(feature, datasets.ClassLabel):
        return "sc:Integer"
    if isinstance(feature, datasets.List):
        return _data_type(feature.feature)
    if isinstance(feature, datasets.Value):
        dtype = feature.dtype
        if dtype == "string":
            return "sc:Text"
        if dtype.startswith("date"):
            return "sc:Date"
        if dtype.startswith("timestamp"):
            return "sc:DateTime"
        if dtype.startswith("int"):
            return "sc:Integer"
        if dtype.startswith("float"):
            return "sc:Float"
        if dtype == "bool":
            return "sc:Boolean"
    return None


def _fields(config: str, file_set: str) -> list[dict[str, Any]]:
    props = article_schema()["properties"]
    out = []
    for name, feature in features().items():
        field_id = f"{config}/{name}"
        field: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": name,
                                 "description": props[name]["description"]}
        if isinstance(feature, dict):
            subs = []
            for sub, sub_feature in feature.items():
                dtype = _data_type(sub_feature)
                if dtype is None or isinstance(sub_feature, datasets.List):
                    continue
                subs.append({"@type": "cr:Field", "@id": f"{field_id}/{sub}", "name": sub, "dataType": dtype,
                             "description": props[name]["properties"][sub]["description"],
                             "source": {"fileSet": {"@id": file_set},
                                        "extract": {"column": name}, "transform": {"jsonPath": sub}}})
            field["subField"] = subs
        else:
            field["dataType"] = _data_type(feature)
            field["source"] = {"fileSet": {"@id": file_set}, "extract": {"column": name}}
            if isinstance(feature, datasets.List):
                field["repeated"] = True
            if isinstance(feature, datasets.ClassLabel):
                field["description"] += " Class index into: " + ", ".join(
                    f"{i} {n}" for i, n in enumerate(feature.names)) + "."
        out.append(field)
    out.append({"@type": "cr:Field", "@id": f"{config}/split", "name": "split", "dataType": "sc:Text",
                "description": "The split, read from the file name.",
                "source": {"fileSet": {"@id": file_set}, "extract": {"fileProperty": "filename"},
                           "transform": {"regex": "^(train|validation|test)-.*$"}}})
    return out


def croissant(files: list[dict[str, Any]], configs: list[str], *, version: str, date_published: str,
              cite_as: str, description: str, license_text: str, url: str) -> dict[str, Any]:
    distribution: list[dict[str, Any]] = []
    for entry in files:
        distribution.append({"@type": "cr:FileObject", "@id": entry["path"], "name": entry["path"],
                             "contentUrl": entry["path"], "encodingFormat": "application/x-parquet",
                             "sha256": entry["sha256"], "contentSize": f"{entry['bytes']} B"})
    record_sets = []
    for config in configs:
        file_set = f"parquet-{config}"
        distribution.append({"@type": "cr:FileSet", "@id": file_set, "name": file_set,
                             "description": f"The Parquet shards of the {config} configuration.",
                             "encodingFormat": "application/x-parquet", "includes": f"{DATA_DIRS[config]}/*.parquet"})
        record_sets.append({"@type": "cr:RecordSet", "@id": config, "name": config,
                            "description": f"Articles of the {config} configuration, one per row.",
                            "key": {"@id": f"{config}/id"}, "field": _fields(config, file_set)})
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": "khabar",
        "description": description,
        "url": url,
        "version": version,
        "datePublished": date_published,
        "license": license_text,
        "citeAs": cite_as,
        "inLanguage": "fa",
        "keywords": ["Persian", "Farsi", "news", "text classification", "summarization", "language modeling"],
        "creator": {"@type": "sc:Organization", "name": "The Khabar developers"},
        "distribution": distribution,
        "recordSet": record_sets,
    }
