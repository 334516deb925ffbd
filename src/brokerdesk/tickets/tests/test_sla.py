"""SLA clocks on the business calendar and the sweep that fires each warning and breach exactly once."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.utils import timezone

from brokerdesk.org.models import Notification
from brokerdesk.tickets import services, sla
from brokerdesk.tickets.choices import TimerFiring, TimerKind, TimerState
from brokerdesk.tickets.models import SlaFiring, SlaTimer, TicketEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def _complaint(actor, customer, **overrides):
    data = {"kind": "complaint", "channel": "phone", "subject": "佣金不符", "description": "佣金比约定高",
            "customer_id": customer.pk} | overrides
    return services.ticket_create(actor=actor, data=services.TicketInput(**data), accept=False)


@pytest.mark.django_db
def test_it_gives_a_general_complaint_until_the_close_of_the_business_day(users, customer_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 2, 13, 16, 0))  # the Friday before Spring Festival
    ticket = _complaint(users["agent"], customer_a)
    resolution = ticket.timers.get(kind=TimerKind.RESOLUTION)
    assert resolution.due_at == at(2026, 2, 13, 17, 30)
    first = ticket.timers.get(kind=TimerKind.FIRST_RESPONSE)
    # 60 business minutes from 16:00 with service hours 08:30-17:30: 17:00 the same day.
    assert first.due_at == at(2026, 2, 13, 17, 0)


@pytest.mark.django_db
def test_it_carries_a_late_first_response_over_the_make_up_saturday(users, customer_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 2, 13, 17, 0))
    ticket = _complaint(users["agent"], customer_a)
    first = ticket.timers.get(kind=TimerKind.FIRST_RESPONSE)
    # 30 minutes left on Friday, 30 more on Saturday the 14th: a make-up working day (调休).
    assert first.due_at == at(2026, 2, 14, 9, 0)


@pytest.mark.django_db
def test_it_keeps_the_time_promised_to_the_client(users, customer_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 3, 2, 10, 0))
    promised = at(2026, 3, 4, 12, 0)
    ticket = _complaint(users["agent"], customer_a, committed_resolution_at=promised)
    assert ticket.timers.get(kind=TimerKind.RESOLUTION).due_at == promised
    ticket.refresh_from_db()
    assert ticket.resolution_due == promised


@pytest.mark.django_db
def test_it_warns_then_breaches_once_each(users, customer_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 3, 2, 10, 0))
    ticket = _complaint(users["agent"], customer_a)
    ticket = services.ticket_accept(actor=users["agent"], ticket_id=ticket.pk)
    timer = ticket.timers.get(kind=TimerKind.RESOLUTION)
    assert timer.warn_at == at(2026, 3, 2, 16, 30) and timer.due_at == at(2026, 3, 2, 17, 30)
    assert sla.sla_sweep(now=at(2026, 3, 2, 16, 0)) == []
    fired = sla.sla_sweep(now=at(2026, 3, 2, 16, 31))
    assert [(f.kind, f.firing) for f in fired] == [(TimerKind.RESOLUTION, TimerFiring.WARNING)]
    assert sla.sla_sweep(now=at(2026, 3, 2, 16, 45)) == []
    fired = sla.sla_sweep(now=at(2026, 3, 2, 17, 31))
    assert [(f.kind, f.firing) for f in fired] == [(TimerKind.RESOLUTION, TimerFiring.BREACH)]
    assert sla.sla_sweep(now=at(2026, 3, 3, 9, 0)) == []
    timer.refresh_from_db()
    assert timer.state == TimerState.BREACHED and timer.next_fire_at is None
    assert TicketEvent.objects.filter(ticket=ticket, action="sla_breach").count() == 1
    assert Notification.objects.filter(recipient=users["agent"], kind="sla_warning").count() == 1


@pytest.mark.django_db
def test_it_does_not_fire_for_a_resolved_ticket(users, customer_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 3, 2, 10, 0))
    ticket = services.ticket_create(actor=users["agent"], data=services.TicketInput(
        kind="consultation", channel="phone", subject="咨询", description="开户流程", customer_id=customer_a.pk),
        accept=True)
    services.ticket_propose(actor=users["agent"], ticket_id=ticket.pk, resolution="已答复")
    services.ticket_resolve(actor=users["agent"], ticket_id=ticket.pk)
    assert sla.sla_sweep(now=at(2026, 3, 20, 9, 0)) == []
    assert set(ticket.timers.values_list("state", flat=True)) == {TimerState.MET}


@pytest.mark.django_db
def test_it_falls_back_to_weekdays_and_warns_beyond_the_calendar(users, customer_a, monkeypatch, caplog):
    monkeypatch.setattr(timezone, "now", lambda: at(2031, 6, 6, 16, 0))  # a Friday in an uncovered year
    ticket = _complaint(users["agent"], customer_a)
    assert ticket.timers.get(kind=TimerKind.FIRST_RESPONSE).due_at == at(2031, 6, 6, 17, 0)
    assert "does not cover" in caplog.text


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_fires_a_breach_exactly_once_with_two_sweepers_running(users, customer_a):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test: PostgreSQL")
    tickets = [_complaint(users["agent"], customer_a, subject=f"投诉 {n}") for n in range(40)]
    SlaTimer.objects.filter(ticket__in=tickets).update(due_at=timezone.now() - timedelta(minutes=1),
                                                       next_fire_at=timezone.now() - timedelta(minutes=1))
    due = SlaTimer.objects.filter(ticket__in=tickets).count()
    barrier = threading.Barrier(2)
    results: list[list] = [[], []]
    errors: list[BaseException] = []

    def sweeper(slot: int) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                results[slot].extend(sla.sla_sweep(batch=7))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweeper, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    fired = results[0] + results[1]
    assert len(fired) == due
    assert len({f.timer_id for f in fired}) == due
    assert SlaFiring.objects.filter(firing=TimerFiring.BREACH).count() == due


@pytest.mark.django_db
def test_it_sweeps_every_minute_in_the_worker(users, customer_a):
    from huey.contrib.djhuey import HUEY

    from brokerdesk.tickets.tasks import sla_sweep_periodic

    ticket = _complaint(users["agent"], customer_a)
    SlaTimer.objects.filter(ticket=ticket).update(due_at=timezone.now() - timedelta(minutes=1),
                                                  next_fire_at=timezone.now() - timedelta(minutes=1))
    assert any(task.name.endswith("sla_sweep_periodic") for task in HUEY._registry.periodic_tasks)
    assert sla_sweep_periodic.call_local() == 2  # first response and resolution
    assert sla_sweep_periodic.call_local() == 0
