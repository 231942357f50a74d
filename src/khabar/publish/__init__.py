"""Writers: Parquet shards, the manifest, the dataset card, and the atomic commit of a build."""
