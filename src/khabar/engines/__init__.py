"""Other engines that run the build's per-article steps (optional extras; the core imports none)."""
