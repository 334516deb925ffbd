"""The embedded SQLite backend keeps idle connections for the next request (core.sqlite_pool), safely:
nothing of one request's transaction reaches the next, and no kept connection outlives its database file."""

import threading

import pytest
from django.db import connection, connections

from brokerdesk.core.sqlite_pool.base import DatabaseWrapper, drain_all, pool_for

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend's own pool")


def wrapper_for(path, **options) -> DatabaseWrapper:
    settings = {**connections.settings["default"], "NAME": str(path),
                "OPTIONS": {**connections.settings["default"]["OPTIONS"], **options}}
    return DatabaseWrapper(settings, alias="pool_test")


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A database file of the test's own (not the test database): the pool is what is under test."""
    django_db_blocker.unblock()
    path = tmp_path / "pool.sqlite3"
    setup = wrapper_for(path, pool=False)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE note (body TEXT)")
    setup.close()
    yield path
    drain_all()
    django_db_blocker.restore()


def in_thread(function):
    """Run function in a new thread, as ASGI runs each request, and return what it returned."""
    result = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join(timeout=30)
    return result[0]


def raw_of_one_request(path, table="note"):
    db = wrapper_for(path)
    with db.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a test's fixed table name
    raw = db.connection
    db.close()
    return raw


def test_the_next_request_in_another_thread_gets_the_closed_connection(database):
    first = in_thread(lambda: raw_of_one_request(database))
    second = in_thread(lambda: raw_of_one_request(database))

    assert second is first
    assert len(pool_for(str(database))) == 1


def request_running(path, *statements) -> None:
    """One request that runs statements on its raw connection and ends without committing."""
    db = wrapper_for(path)
    db.ensure_connection()
    for statement in statements:
        db.connection.execute(statement)
    db.close()


def request_reading(path, sql):
    """One request's answer to sql, and whether its connection was inside a transaction."""
    db = wrapper_for(path)
    with db.cursor() as cursor:
        cursor.execute(sql)
        value = cursor.fetchone()[0]
    in_transaction = db.connection.in_transaction
    db.close()
    return value, in_transaction


def test_an_unfinished_transaction_is_rolled_back_before_the_connection_is_kept(database):
    in_thread(lambda: request_running(database, "BEGIN", "INSERT INTO note VALUES ('half done')"))

    assert in_thread(lambda: request_reading(database, "SELECT count(*) FROM note")) == (0, False)


def test_a_connection_closed_inside_an_atomic_block_is_really_closed(database):
    db = wrapper_for(database)
    db.ensure_connection()
    raw = db.connection
    db.in_atomic_block = True  # as transaction.atomic() leaves it while its block runs: Django keeps the object
    db.close()

    assert len(pool_for(str(database))) == 0
    with pytest.raises(Exception, match="closed"):
        raw.execute("SELECT 1")


def test_no_kept_connection_outlives_its_database_file(database):
    kept = in_thread(lambda: raw_of_one_request(database))
    database.unlink()
    replacement = wrapper_for(database, pool=False)
    with replacement.cursor() as cursor:
        cursor.execute("CREATE TABLE other (id INTEGER)")
    replacement.close()

    fresh = in_thread(lambda: raw_of_one_request(database, "other"))

    assert fresh is not kept
    with pytest.raises(Exception, match="closed"):
        kept.execute("SELECT 1")


def test_it_keeps_no_more_idle_connections_than_allowed(database):
    barrier = threading.Barrier(3)

    def concurrent_request():
        db = wrapper_for(database, pool={"max_idle": 2})
        db.ensure_connection()
        barrier.wait(timeout=30)
        raw = db.connection
        db.close()
        return raw

    threads_raws = []
    threads = [threading.Thread(target=lambda: threads_raws.append(concurrent_request())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(set(map(id, threads_raws))) == 3
    assert len(pool_for(str(database))) == 2
    closed = 0
    for raw in threads_raws:
        try:
            raw.execute("SELECT 1")
        except Exception:
            closed += 1
    assert closed == 1


def test_foreign_keys_are_on_again_for_the_next_request(database):
    in_thread(lambda: request_running(database, "PRAGMA foreign_keys = OFF"))

    assert in_thread(lambda: request_reading(database, "PRAGMA foreign_keys")) == (1, False)


def test_a_forked_child_neither_uses_nor_closes_the_parents_connections(database):
    import os

    kept = in_thread(lambda: raw_of_one_request(database))
    pid = os.fork()
    if pid == 0:  # the child: empty pool, and its own new connection works
        fresh = raw_of_one_request(database)
        os._exit(0 if fresh is not kept else 1)
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert in_thread(lambda: raw_of_one_request(database)) is kept  # the parent's is still open and kept
