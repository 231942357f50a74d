"""Khabar: a corpus of Persian news articles and the toolchain that builds it."""

__version__ = "0.3.0"


def load(path: str = ".", name: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
    """Load a Khabar dataset folder with Hugging Face ``datasets``: ``khabar.load()`` in a clone.

    ``datasets.load_dataset(".")`` fails for any local folder (the dataset name is taken from the
    path's last part, and ``.`` has none); this resolves the path first, then calls
    ``datasets.load_dataset(folder, name, **kwargs)`` and returns its ``DatasetDict``.
    ``name``: a configuration (``"temporal"``)."""
    from pathlib import Path

    import datasets

    return datasets.load_dataset(str(Path(path).resolve()), name, **kwargs)
