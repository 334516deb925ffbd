"""DuckDB connections for bulk work, sized for the machine the engine shares with the web and job workers."""

from pathlib import Path

import duckdb

DEFAULT_THREADS = 2
DEFAULT_MEMORY_LIMIT = "4GB"


def engine_connection(
    *, threads: int = DEFAULT_THREADS, memory_limit: str = DEFAULT_MEMORY_LIMIT, temp_directory: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with bounded threads and memory.

    Insertion order is not preserved: the engine never relies on row order, and dropping it lets grouping and
    joins stream and spill (to `temp_directory` when given) instead of holding everything in memory.
    """
    config: dict[str, str | int | bool] = {
        "threads": threads,
        "memory_limit": memory_limit,
        "preserve_insertion_order": False,
    }
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    return duckdb.connect(config=config)
