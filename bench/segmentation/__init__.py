"""bench/segmentation: client segmentation (features and seed rules) in the DuckDB engine against pandas."""
