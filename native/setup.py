"""Builds the optional C extension ``khabar_native`` (see khabar_native.c and src/khabar/native.py)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("khabar_native", ["khabar_native.c"], extra_compile_args=["-O3"])])
