"""The analytics engine: DuckDB SQL over the Parquet lake. Imports no Django (import-linter checks it)."""
