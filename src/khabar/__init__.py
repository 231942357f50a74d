"""Khabar: a corpus of Persian news articles and the toolchain that builds it."""

__version__ = "0.3.0"


def load(path: str = ".", name: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
    """Load a Khabar dataset folder with Hugging Face ``datasets``: ``khabar.load()`` in a clone.

    ``datasets.load_dataset(".")`` fails for any local folder (the dataset name is taken from the
    path's last part, and ``.`` has none); this resolves the path first, then calls
    ``datasets.load_dataset(folder, name, **kwargs)`` and returns its ``DatasetDict``.
    ``name``: a configuration (``"temporal"``)."""
    from pathlib import Path

    folder = Path(path).resolve()
    if not (folder / "corpus" / "manifest.json").is_file() or not (folder / "README.md").is_file():
        raise FileNotFoundError(
            f"{folder} is not a Khabar dataset (it has no corpus/manifest.json and README.md card): run khabar.load() "
            "in a clone of the repository, or give the folder a build wrote (khabar.load('path/to/dataset'))")
    import datasets

    return datasets.load_dataset(str(folder), name, **kwargs)
