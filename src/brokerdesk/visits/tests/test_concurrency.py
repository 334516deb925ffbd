"""Many agents claiming from one queue at once, on PostgreSQL (SQLite serialises writers anyway): no task is
claimed twice, none is lost, and an agent is never told the queue is empty while others hold tasks in it."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from brokerdesk.core.audit import audit_record
from brokerdesk.visits.models import Programme, VisitTask, VisitTaskEvent
from brokerdesk.visits.services import visit_task_claim_next

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

AGENTS = 50
TASKS = 500
PROGRAMMES = ("annual_sample", "complaint_callback", "special_business", "r5_holders", "new_account")


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests run on PostgreSQL (SQLite serialises writers anyway)")


@pytest.fixture
def _a_connection_per_agent():
    """Every agent thread keeps its own database session for its whole run, so the connection pool (20 per
    process by default: one web process serves fewer agents) is widened for the test and put back after."""
    options = connection.settings_dict.get("OPTIONS", {})
    pool = options.get("pool")
    if not isinstance(pool, dict):
        yield
        return
    original = dict(pool)
    connection.close()
    connection.close_pool()
    pool["max_size"] = AGENTS + 5
    try:
        yield
    finally:
        connection.close()
        connection.close_pool()
        pool.clear()
        pool.update(original)


def _queue(org, count: int) -> list[int]:
    """`count` pending tasks in one center's queue: clients × programmes (one open task per client and
    programme), all due the same day, so every claim races for the same head of the queue."""
    from tests.factories import make_customer

    programmes = list(Programme.objects.filter(code__in=PROGRAMMES).order_by("code"))
    customers = [make_customer(org["branch_a"]) for _ in range(-(-count // len(programmes)))]
    today = timezone.localdate()
    tasks = [VisitTask(programme=p, customer=c, cycle="concurrency", branch=org["branch_a"], center=org["center"],
                       priority=5, business_date=today, due_on=today) for c in customers for p in programmes][:count]
    return [t.pk for t in VisitTask.objects.bulk_create(tasks)]


def _agents(org, count: int):
    from tests.factories import make_staff

    return [make_staff(f"t_claimer{i:02d}", "agent", scope="center", center=org["center"]) for i in range(count)]


def test_it_gives_every_task_of_a_queue_to_exactly_one_of_50_agents_claiming_at_once(org, _a_connection_per_agent):
    task_ids = _queue(org, TASKS)
    agents = _agents(org, AGENTS)
    claimed: dict[int, list[int]] = {agent.pk: [] for agent in agents}
    errors: list[BaseException] = []
    barrier = threading.Barrier(AGENTS)

    def claim_until_empty(agent) -> None:
        try:
            barrier.wait(timeout=60)
            while (task := visit_task_claim_next(actor=agent)) is not None:
                claimed[agent.pk].append(task.pk)
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)
        finally:
            connections.close_all()

    started = time.monotonic()
    workers = [threading.Thread(target=claim_until_empty, args=(agent,)) for agent in agents]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    seconds = time.monotonic() - started

    assert not errors, errors[:3]
    assert not any(thread.is_alive() for thread in workers)
    handed_out = [pk for pks in claimed.values() for pk in pks]
    assert len(handed_out) == TASKS and set(handed_out) == set(task_ids)  # none twice, none lost
    rows = {pk: (status, assignee) for pk, status, assignee in
            VisitTask.objects.values_list("pk", "status", "assignee_id")}
    for agent_id, pks in claimed.items():
        assert all(rows[pk] == ("claimed", agent_id) for pk in pks)
    claims = list(VisitTaskEvent.objects.filter(action="claim").values_list("task_id", "actor_id"))
    assert len(claims) == TASKS and {task for task, _actor in claims} == set(task_ids)
    assert all(rows[task][1] == actor for task, actor in claims)
    assert sum(1 for pks in claimed.values() if pks) > 1  # they really did claim side by side
    assert seconds < 60, f"{TASKS} claims by {AGENTS} agents took {seconds:.1f} s"


def _backends_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                       " AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def _wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_it_never_tells_an_agent_the_queue_is_empty_while_another_claim_is_in_flight(org):
    """Agent A's claim is held up half-way (here: behind the audit chain's lock). Agent B claiming meanwhile must
    get the other task, not "queue empty": A's claim may hold only the row it takes."""
    first, second = _queue(org, 2)
    agent_a, agent_b = _agents(org, 2)
    chain_held, release_chain = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def hold_the_audit_chain() -> None:
        try:
            with transaction.atomic():
                audit_record(actor=None, action="test.hold_chain")
                chain_held.set()
                release_chain.wait(timeout=60)
        finally:
            connections.close_all()

    def claim(name: str, agent) -> None:
        try:
            results[name] = visit_task_claim_next(actor=agent)
        except BaseException as exc:
            results[name] = exc
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_audit_chain)
    holder.start()
    try:
        assert chain_held.wait(timeout=20)
        thread_a = threading.Thread(target=claim, args=("a", agent_a))
        thread_a.start()
        assert _wait_for(lambda: _backends_waiting_on_a_lock() == 1)  # A holds its task, waits for the chain
        thread_b = threading.Thread(target=claim, args=("b", agent_b))
        thread_b.start()
        _wait_for(lambda: _backends_waiting_on_a_lock() == 2 or "b" in results)
    finally:
        release_chain.set()
        holder.join(timeout=60)
    thread_a.join(timeout=60)
    thread_b.join(timeout=60)

    assert results["a"].pk == first
    assert results["b"] is not None, "agent B was told the queue is empty while a task was free"
    assert results["b"].pk == second
    assert dict(VisitTask.objects.values_list("pk", "assignee_id")) == {first: agent_a.pk, second: agent_b.pk}
