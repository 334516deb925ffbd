"""The audit trail is append-only and hash-chained (ARCHITECTURE.md section 4, rule 5).

An attacker with owner rights on the database can switch the UPDATE trigger off; `brokerdesk audit verify`
must still notice any edit, deletion or reorder and name the first broken event.
"""

import importlib
import json
import os
import re
import subprocess
import threading
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from brokerdesk.core.audit import GENESIS_HASH, audit_record, audit_verify, compute_hash
from brokerdesk.core.models import AuditChainHead, AuditEvent
from tests.processes import brokerdesk_command, database_url_of_test_db

_migration = importlib.import_module("brokerdesk.core.migrations.0002_audit_append_only")
TRIGGER = "core_auditevent_no_update"


def _events(count: int) -> list[AuditEvent]:
    return [
        audit_record(actor=None, action="test.event", object_type="thing", object_id=i,
                     after={"n": i, "名称": f"事件{i}"})
        for i in range(1, count + 1)
    ]


def _disable_update_trigger() -> None:
    """What an attacker with owner rights does first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE core_auditevent DISABLE TRIGGER {TRIGGER}")
        else:
            cursor.execute(f"DROP TRIGGER {TRIGGER}")


def _restore_update_trigger() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE core_auditevent ENABLE TRIGGER {TRIGGER}")
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
            cursor.execute(_migration.SQLITE_UP)


@pytest.fixture
def attacker(db):
    """Owner rights: the UPDATE trigger is off for the test and back on afterwards."""
    _disable_update_trigger()
    yield
    _restore_update_trigger()


def _raw_update(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _verify_error() -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", stdout=StringIO())
    return str(excinfo.value)


def _names(message: str, seq: int) -> bool:
    return re.search(rf"audit event #{seq}\b", message) is not None


# --- an intact chain -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_chains_events_with_gap_free_seq_and_prev_hash_links():
    start = AuditChainHead.objects.filter(id=1).values_list("last_seq", flat=True).first() or 0
    recorded = [
        audit_record(actor=None, action="customer.create", object_type="customer", object_id=7,
                     after={"name": "张三", "total_assets": Decimal("123456.78"), "opened_on": date(2025, 10, 9),
                            "at": datetime(2025, 10, 9, 9, 30), "tags": ["高净值", "核心"]}),
        audit_record(actor=None, action="customer.update", object_type="customer", object_id=7,
                     before={"risk_level": "C3", "rate": Decimal("0.25")},
                     after={"risk_level": "C4", "rate": Decimal("0.30"), "note": "客户要求调整"}),
        audit_record(actor=None, action="system.ping"),
        audit_record(actor=None, actor_username="王五", action="auth.login_failed", object_type="staff"),
    ]
    stored = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))

    assert [e.seq for e in stored] == list(range(start + 1, start + 5))
    assert [e.pk for e in stored] == [e.pk for e in recorded]
    previous = AuditEvent.objects.filter(seq=start).values_list("hash", flat=True).first() or GENESIS_HASH
    for event in stored:
        assert event.prev_hash == previous
        assert event.hash == compute_hash(event.prev_hash, event)  # recomputed from what the DB gave back
        previous = event.hash
    head = AuditChainHead.objects.get(id=1)
    assert (head.last_seq, head.last_hash) == (stored[-1].seq, stored[-1].hash)
    # Decimals and dates are stored as exact strings, Chinese text as itself.
    assert stored[0].after == {"name": "张三", "total_assets": "123456.78", "opened_on": "2025-10-09",
                               "at": "2025-10-09T09:30:00", "tags": ["高净值", "核心"]}
    assert stored[1].before == {"risk_level": "C3", "rate": "0.25"}
    assert stored[3].actor_username == "王五" and stored[3].actor_id is None
    checked, broken = audit_verify()
    assert broken is None
    assert checked == start + 4


@pytest.mark.django_db
def test_it_reports_an_intact_chain_from_the_command():
    _events(3)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "audit chain intact" in out.getvalue()
    assert f"{AuditEvent.objects.count()} events verified" in out.getvalue()


@pytest.mark.django_db
def test_it_rolls_the_event_back_with_the_change_it_describes():
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="test.rolled_back")
        raise RuntimeError("the service failed after auditing")
    assert AuditEvent.objects.count() == before
    event = audit_record(actor=None, action="test.after_rollback")
    assert event.seq == before + 1  # no gap left by the rolled-back event
    assert audit_verify()[1] is None


# Any JSON a service may hand over: what is hashed must equal what the database gives back, or verify would
# report tampering that never happened (PostgreSQL's jsonb rewrites 1e16 as 10000000000000000, drops -0.0).
_storable_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | _storable_text
    | st.decimals(allow_nan=False, allow_infinity=False, places=2) | st.dates(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_storable_text, children, max_size=4),
    max_leaves=12,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=_json_values, after=_json_values)
@example(before=1e16, after=-0.0)
@example(before=float("nan"), after=[float("inf"), -1.5e300, 2**64])
def test_it_verifies_events_carrying_any_json_values(before, after):
    event = audit_record(actor=None, action="test.json", before={"v": before}, after={"v": after, "文本": "中文"})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.before, stored.after) == (event.before, event.after)
    assert compute_hash(stored.prev_hash, stored) == stored.hash


# --- tampering -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_a_plain_update_of_an_audit_row():
    event = _events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw_update('UPDATE core_auditevent SET "action" = %s WHERE seq = %s', ["nothing.happened", event.seq])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_username="someone-else")
    event.refresh_from_db()
    assert event.action == "test.event"
    assert event.actor_username == ""


@pytest.mark.django_db
def test_it_names_an_event_whose_json_was_edited_in_the_database(attacker):
    target = _events(5)[2]
    _raw_update('UPDATE core_auditevent SET "after" = %s WHERE seq = %s',
                [json.dumps({"n": 3, "名称": "被篡改"}, ensure_ascii=False), target.seq])
    assert AuditEvent.objects.get(seq=target.seq).after["名称"] == "被篡改"  # the edit really happened

    message = _verify_error()
    assert _names(message, target.seq)
    assert "content altered" in message


@pytest.mark.django_db
def test_it_names_an_event_whose_actor_was_rewritten_even_with_a_matching_length(attacker):
    target = _events(4)[1]
    _raw_update("UPDATE core_auditevent SET actor_username = %s WHERE seq = %s", ["x", target.seq])
    assert _names(_verify_error(), target.seq)


@pytest.mark.django_db
def test_it_names_a_deleted_middle_event(attacker):
    events = _events(5)
    target = events[2]
    _raw_update("DELETE FROM core_auditevent WHERE seq = %s", [target.seq])

    message = _verify_error()
    assert _names(message, target.seq)
    assert "missing" in message
    assert f"#{events[1].seq} to #{events[3].seq}" in message


@pytest.mark.django_db
def test_it_names_events_whose_content_was_swapped(attacker):
    events = _events(5)
    second, third = events[1], events[2]
    # Swap everything but seq between two rows: each row keeps a self-consistent hash of its own content.
    columns = ["occurred_at", "actor_id", "actor_username", "action", "object_type", "object_id",
               "before", "after", "details", "ip_address", "prev_hash", "hash"]
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM core_auditevent WHERE seq IN (%s, %s) ORDER BY seq",  # noqa: S608
                       [second.seq, third.seq])
        row_second, row_third = cursor.fetchall()
    assignments = ", ".join(f'"{c}" = %s' for c in columns)
    for values, seq in ((row_third, second.seq), (row_second, third.seq)):
        _raw_update(f"UPDATE core_auditevent SET {assignments} WHERE seq = %s", [*values, seq])  # noqa: S608
    assert AuditEvent.objects.get(seq=second.seq).object_id == str(third.object_id)

    message = _verify_error()
    assert _names(message, second.seq)
    assert "link broken" in message


@pytest.mark.django_db
def test_it_names_events_that_were_reordered(attacker):
    events = _events(5)
    third, fourth = events[2], events[3]
    # Renumber #3 and #4 the other way round (via a free number because seq is unique).
    _raw_update("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [-1, third.seq])
    _raw_update("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [third.seq, fourth.seq])
    _raw_update("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [fourth.seq, -1])
    assert AuditEvent.objects.get(seq=third.seq).pk == fourth.pk

    message = _verify_error()
    assert _names(message, third.seq)


@pytest.mark.django_db
def test_it_names_a_deleted_last_event(attacker):
    last = _events(5)[-1]
    _raw_update("DELETE FROM core_auditevent WHERE seq = %s", [last.seq])

    message = _verify_error()
    assert _names(message, last.seq)
    assert "tail missing" in message


@pytest.mark.django_db
def test_it_restores_the_update_trigger_after_an_attack(db):
    event = _events(1)[0]
    _disable_update_trigger()
    _restore_update_trigger()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw_update('UPDATE core_auditevent SET "action" = %s WHERE seq = %s', ["x", event.seq])


# --- the real command, in its own process -----------------------------------------------------------------


def _run_brokerdesk(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url_of_test_db()}
    command = [brokerdesk_command(), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603


@pytest.mark.django_db(transaction=True)
def test_it_fails_the_brokerdesk_command_with_a_nonzero_exit_naming_the_tampered_event():
    target = _events(4)[2]
    intact = _run_brokerdesk("audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert "audit chain intact: 4 events verified" in intact.stdout  # the process sees the committed chain

    _disable_update_trigger()
    try:
        _raw_update('UPDATE core_auditevent SET "after" = %s WHERE seq = %s', ['{"n": 999}', target.seq])
    finally:
        _restore_update_trigger()
    broken = _run_brokerdesk("audit", "verify")

    assert broken.returncode != 0
    assert _names(broken.stderr, target.seq), broken.stderr
    assert "content altered" in broken.stderr


# --- concurrency (PostgreSQL) ---------------------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_chain_gap_free_under_concurrent_appends():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests run on PostgreSQL (SQLite serialises writers anyway)")
    threads_count, per_thread = 8, 25
    start = AuditChainHead.objects.filter(id=1).values_list("last_seq", flat=True).first() or 0
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(per_thread):
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", object_id=f"{worker}-{i}",
                                 details={"worker": worker, "i": i})
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=append, args=(w,)) for w in range(threads_count)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)

    assert not errors, errors
    seqs = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(start + 1, start + threads_count * per_thread + 1))
    ids = set(AuditEvent.objects.filter(action="test.concurrent").values_list("object_id", flat=True))
    assert len(ids) == threads_count * per_thread
    checked, broken = audit_verify()
    assert broken is None
    assert checked == start + threads_count * per_thread
