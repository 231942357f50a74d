"""Writers: Parquet shards, the manifest, the dataset card, and the atomic commit of a build."""

# Where each configuration's Parquet shards are published, relative to the dataset root.
DATA_DIRS = {"default": "corpus/data", "temporal": "corpus/data/temporal"}
