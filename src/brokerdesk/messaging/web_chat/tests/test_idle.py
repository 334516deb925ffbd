"""Sessions a client walked away from are closed by the five-minute sweep (services.chat_sessions_close_idle)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brokerdesk.core.models import AuditEvent
from brokerdesk.messaging.web_chat import services
from brokerdesk.messaging.web_chat.identity import portal_identity
from brokerdesk.messaging.web_chat.models import ChatSession

pytestmark = pytest.mark.django_db


def later(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


def sweep(minutes_later: int, capture) -> int:
    with capture(execute=True):
        return services.chat_sessions_close_idle(now=later(minutes_later))["closed"]


def test_it_closes_a_bot_conversation_nobody_wrote_in_for_the_idle_time(
        customer_a, contacts, settings, django_capture_on_commit_callbacks):
    settings.WEB_CHAT_IDLE_MINUTES = 30
    session = services.chat_session_start(identity=portal_identity(customer_a.pk))
    services.chat_client_message(token=session.token, body="融资融券怎么开通")

    assert sweep(29, django_capture_on_commit_callbacks) == 0
    assert sweep(31, django_capture_on_commit_callbacks) == 1

    session.refresh_from_db()
    assert (session.status, session.closed_by) == ("closed", "system")
    notes = list(session.messages.filter(sender="system").values_list("body", flat=True))
    assert len(notes) == 2  # why, then the usual end
    event = AuditEvent.objects.get(action="web_chat.close", object_id=str(session.pk))
    assert event.actor_id is None and event.details["by"] == "system" and event.details["why"] == "idle"
    assert [(c["disposition"], c["customer_id"]) for c in contacts] == [("answered_by_kb", customer_a.pk)]
    assert sweep(60, django_capture_on_commit_callbacks) == 0  # closed once


def test_a_client_still_writing_keeps_the_conversation(org, settings, django_capture_on_commit_callbacks):
    settings.WEB_CHAT_IDLE_MINUTES = 30
    session = services.chat_session_start()
    services.chat_client_message(token=session.token, body="融资融券怎么开通")
    session.messages.update(sent_at=timezone.now() - timedelta(minutes=45))
    services.chat_client_message(token=session.token, body="科创板权限怎么开")

    assert sweep(10, django_capture_on_commit_callbacks) == 0
    assert ChatSession.objects.get(pk=session.pk).status == "bot"


def test_a_client_waiting_for_an_agent_gets_the_queue_time_and_is_told_why(
        org, contacts, settings, django_capture_on_commit_callbacks):
    settings.WEB_CHAT_IDLE_MINUTES, settings.WEB_CHAT_QUEUE_MINUTES = 30, 60
    waiting = services.chat_session_start()
    services.chat_handoff_request(token=waiting.token)
    with_bot = services.chat_session_start()  # nothing written: idle since it started

    assert sweep(45, django_capture_on_commit_callbacks) == 1  # the bot session; the queue has an hour
    assert ChatSession.objects.get(pk=waiting.pk).status == "waiting"
    assert ChatSession.objects.get(pk=with_bot.pk).status == "closed"

    assert sweep(61, django_capture_on_commit_callbacks) == 1
    waiting.refresh_from_db()
    assert (waiting.status, waiting.closed_by) == ("closed", "system")
    assert AuditEvent.objects.get(action="web_chat.close", object_id=str(waiting.pk)).details["why"] == \
        "queue_timeout"
    assert sorted(c["disposition"] for c in contacts) == ["handed_off", "no_question"]


def test_an_agents_conversation_closes_only_when_both_sides_are_silent(
        users, settings, django_capture_on_commit_callbacks):
    settings.WEB_CHAT_IDLE_MINUTES = 30
    session = services.chat_session_start()
    services.chat_handoff_request(token=session.token)
    services.chat_session_take(actor=users["agent"], session_id=session.pk)
    services.chat_agent_reply(actor=users["agent"], session_id=session.pk, body="您好，请问有什么可以帮您？")

    assert sweep(20, django_capture_on_commit_callbacks) == 0
    assert sweep(35, django_capture_on_commit_callbacks) == 1
    session.refresh_from_db()
    assert (session.status, session.agent_id, session.closed_by) == ("closed", users["agent"].pk, "system")


def test_the_sweep_is_a_periodic_job_of_the_worker(org, settings):
    from huey.contrib.djhuey import HUEY

    from brokerdesk.messaging.web_chat.tasks import chat_sessions_close_idle_task

    settings.WEB_CHAT_IDLE_MINUTES = 0
    services.chat_session_start()
    assert any(task.name.endswith("chat_sessions_close_idle_task") for task in HUEY._registry.periodic_tasks)
    assert chat_sessions_close_idle_task.call_local() == {"closed": 1}
