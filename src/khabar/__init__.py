"""Khabar: a corpus of Persian news articles and the toolchain that builds it."""

__version__ = "0.2.0"
