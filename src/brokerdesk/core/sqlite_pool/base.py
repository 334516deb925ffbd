"""Django's SQLite backend, with connections handed back to a small per-process pool instead of closed.

Why: under ASGI every request runs in a thread of its own, so Django's per-thread connections can't be kept
(CONN_MAX_AGE) and each request opened a new one. Opening is not cheap on this schema: SQLite parses every
table and index definition (about 500) on a connection's first statement, ~2 ms, and closing the last
connection to a WAL database checkpoints and removes the WAL file. That was most of a screen-pop's budget
(bench/screen_pop). PostgreSQL has psycopg's pool for the same reason (settings.py).

A connection goes back to the pool only when it is idle: an open transaction is rolled back first, and a
connection closed inside an atomic block (Django keeps referring to it) is really closed. The pool is keyed
by the database file and drops its connections when that file is replaced or a test database is created or
destroyed, so a kept connection never points at a deleted file. In-memory databases are never pooled.
connections.close_all() hands connections back like any close; close_all_connections() really closes them.
"""

import contextlib
import os
import threading

from django.db.backends.sqlite3 import base as sqlite_base
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation

DEFAULT_MAX_IDLE = 8


class ConnectionPool:
    """Idle connections to one database file, last in first out (the warmest first)."""

    def __init__(self, path: str, max_idle: int):
        self.path = path
        self.max_idle = max_idle
        self._idle = []
        self._lock = threading.Lock()
        self._file = _file_identity(path)

    def take(self):
        """An idle connection, or None. Drops every idle one when the file is no longer the one they opened."""
        current = _file_identity(self.path)
        with self._lock:
            if current != self._file:
                stale, self._idle, self._file = self._idle, [], current
            else:
                stale = []
                if self._idle:
                    return self._idle.pop()
        _close_all(stale)
        return None

    def give(self, raw) -> bool:
        """Keep raw for the next request; False when the pool is full (the caller closes it)."""
        with self._lock:
            if len(self._idle) >= self.max_idle:
                return False
            self._idle.append(raw)
            return True

    def drain(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            self._file = _file_identity(self.path)
        _close_all(idle)

    def __len__(self) -> int:
        return len(self._idle)


_pools: dict[str, ConnectionPool] = {}
_pools_lock = threading.Lock()


def pool_for(path: str, max_idle: int = DEFAULT_MAX_IDLE) -> ConnectionPool:
    with _pools_lock:
        pool = _pools.get(path)
        if pool is None:
            pool = _pools[path] = ConnectionPool(path, max_idle)
        return pool


def drain_all() -> None:
    """Close every kept connection of this process (a database file is about to be created or removed)."""
    with _pools_lock:
        pools = list(_pools.values())
    for pool in pools:
        pool.drain()


def close_all_connections() -> None:
    """connections.close_all() with the kept connections closed too, for code about to work on the database
    file with a connection of its own (a bulk loader changing the journal mode needs to be alone)."""
    from django.db import connections

    connections.close_all()
    drain_all()


# A forked child must never use, nor close, its parent's connections: closing the last one would checkpoint
# and remove the WAL file under the parent. The child starts with empty pools and keeps the inherited
# connection objects referenced, unclosed, until it exits.
_inherited = []


def _forget_inherited_connections() -> None:
    for pool in _pools.values():
        _inherited.extend(pool._idle)
        pool._idle = []
        pool._lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_inherited_connections)


def _file_identity(path: str):
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _close_all(connections) -> None:
    for raw in connections:
        with contextlib.suppress(sqlite_base.Database.Error):
            raw.close()


class DatabaseCreation(SQLiteCreation):
    """Test databases are files deleted and created again: no kept connection may survive that."""

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        drain_all()
        return super()._create_test_db(verbosity, autoclobber, keepdb)

    def _destroy_test_db(self, test_database_name, verbosity):
        drain_all()
        return super()._destroy_test_db(test_database_name, verbosity)

    def _clone_test_db(self, suffix, verbosity, keepdb=False):
        drain_all()
        return super()._clone_test_db(suffix, verbosity, keepdb)


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    creation_class = DatabaseCreation

    def get_connection_params(self):
        params = super().get_connection_params()
        # OPTIONS["pool"]: {"max_idle": n}, or False for a connection per request; sqlite3.connect() has no
        # such keyword.
        pool_options = params.pop("pool", None)
        self._max_idle = DEFAULT_MAX_IDLE
        if isinstance(pool_options, dict):
            self._max_idle = int(pool_options.get("max_idle", DEFAULT_MAX_IDLE))
        elif pool_options is False:
            self._max_idle = 0
        return params

    def _pool(self) -> ConnectionPool | None:
        if self.is_in_memory_db() or not getattr(self, "_max_idle", DEFAULT_MAX_IDLE):
            return None
        return pool_for(str(self.settings_dict["NAME"]), self._max_idle)

    def get_new_connection(self, conn_params):
        pool = self._pool()
        raw = pool.take() if pool is not None else None
        if raw is not None:
            # What a migration or a bulk load may have switched off for its own run.
            raw.execute("PRAGMA foreign_keys = ON")
            return raw
        return super().get_new_connection(conn_params)

    def _close(self):
        raw = self.connection
        pool = self._pool()
        if raw is None or pool is None or self.in_atomic_block:
            return super()._close()
        with self.wrap_database_errors:
            if raw.in_transaction:
                raw.rollback()
            if not pool.give(raw):
                raw.close()
