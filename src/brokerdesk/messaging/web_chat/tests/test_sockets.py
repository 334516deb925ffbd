"""The widget's and the agents' sockets end to end: the stack asgi.py serves (session auth middleware, URL
router, this app's consumers), the in-memory channel layer and the database. The stack is built here from this
app's routes: importing brokerdesk.asgi would import every app's consumers, above messaging in the layering."""

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.conf import settings
from django.test import Client

from brokerdesk.core.models import AuditEvent
from brokerdesk.messaging.web_chat import services
from brokerdesk.messaging.web_chat.models import ChatSession
from brokerdesk.messaging.web_chat.routing_ws import websocket_urlpatterns
from tests.websocket import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)
application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
WAIT = 10  # seconds before a socket that never answers fails the test instead of hanging it


def session_cookie(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    return [(b"cookie", f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
             .encode())]


async def connect(path: str, headers=None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected, path
    history = await communicator.receive_json_from(timeout=WAIT)
    assert history["type"] == "history"
    return communicator


async def until(communicator, predicate) -> dict:
    """The next event matching predicate (events before it are skipped)."""
    while True:
        event = await communicator.receive_json_from(timeout=WAIT)
        if predicate(event):
            return event


def message_from(sender):
    return lambda e: e["type"] == "message" and e["message"]["sender"] == sender


def status_is(status):
    return lambda e: e["type"] == "status" and e["status"] == status


def test_it_answers_from_the_knowledge_base_with_the_article(org):
    session = services.chat_session_start()

    async def scenario():
        client = await connect(f"/ws/chat/{session.token}/")
        await client.send_json_to({"type": "message", "body": "融资融券怎么开通"})
        echoed = await until(client, message_from("client"))
        answer = await until(client, message_from("bot"))
        await client.disconnect()
        return echoed, answer

    echoed, answer = async_to_sync(scenario)()
    assert echoed["message"]["body"] == "融资融券怎么开通"
    assert answer["message"]["article"]["title"] == "融资融券开通条件和流程"
    assert answer["message"]["body"].startswith("融资融券开通条件和流程")
    assert ChatSession.objects.get(pk=session.pk).status == "bot"
    assert AuditEvent.objects.filter(action="web_chat.bot_answer", object_id=str(session.pk)).exists()


def test_it_hands_off_when_nothing_answers_and_an_agent_takes_it_once(users, contacts):
    session = services.chat_session_start()
    agent_cookie, supervisor_cookie = session_cookie(users["agent"]), session_cookie(users["supervisor"])

    async def scenario():
        client = await connect(f"/ws/chat/{session.token}/")
        await client.send_json_to({"type": "message", "body": "你们楼下的咖啡店几点关门"})
        await until(client, status_is("waiting"))

        agent = await connect(f"/ws/chat/agent/{session.pk}/", agent_cookie)
        other = await connect(f"/ws/chat/agent/{session.pk}/", supervisor_cookie)
        await agent.send_json_to({"type": "take"})
        taken = await until(client, status_is("with_agent"))
        await until(agent, status_is("with_agent"))
        await other.send_json_to({"type": "take"})
        refused = await until(other, lambda e: e["type"] == "error")
        await other.send_json_to({"type": "message", "body": "我来回答"})
        not_holder = await until(other, lambda e: e["type"] == "error")

        await agent.send_json_to({"type": "message", "body": "您好，咖啡店不归我们管，请问还有证券业务的问题吗？"})
        to_client = await until(client, message_from("agent"))
        await client.send_json_to({"type": "message", "body": "没有了，谢谢"})
        to_agent = await until(agent, message_from("client"))

        await agent.send_json_to({"type": "end"})
        await until(client, status_is("closed"))
        for communicator in (client, agent, other):
            await communicator.disconnect()
        return taken, refused, not_holder, to_client, to_agent

    taken, refused, not_holder, to_client, to_agent = async_to_sync(scenario)()
    assert taken["agent"] == users["agent"].display_name
    assert refused["code"] == "conflict"
    assert not_holder["code"] == "permission_denied"
    assert to_client["message"]["body"].startswith("您好，咖啡店")
    assert to_agent["message"]["body"] == "没有了，谢谢"
    session.refresh_from_db()
    assert (session.status, session.agent_id, session.closed_by) == ("closed", users["agent"].pk, "agent")
    assert session.handed_off_at and session.taken_at and session.ended_at
    assert [c["disposition"] for c in contacts] == ["answered_by_agent"]
    contact = contacts[0]
    assert contact["source_type"] == "chat_session" and contact["source_id"] == session.pk
    assert contact["direction"] == "inbound" and contact["agent_id"] == users["agent"].pk
    assert contact["customer_id"] is None and contact["ended_at"] >= contact["started_at"]


def test_it_hands_off_when_the_client_asks_for_a_person(org):
    session = services.chat_session_start()

    async def scenario():
        client = await connect(f"/ws/chat/{session.token}/")
        await client.send_json_to({"type": "message", "body": "转人工"})
        await until(client, status_is("waiting"))
        await client.disconnect()

    async_to_sync(scenario)()
    session.refresh_from_db()
    assert session.status == "waiting"
    assert not session.messages.filter(sender="bot").exists()  # the bot did not try to answer "转人工"


def test_it_logs_the_contact_when_the_client_ends_a_bot_conversation(customer_a, contacts):
    from brokerdesk.messaging.web_chat.identity import portal_identity

    session = services.chat_session_start(identity=portal_identity(customer_a.pk))

    async def scenario():
        client = await connect(f"/ws/chat/{session.token}/")
        await client.send_json_to({"type": "message", "body": "科创板权限怎么开"})
        await until(client, message_from("bot"))
        await client.send_json_to({"type": "end"})
        await until(client, status_is("closed"))
        await client.send_json_to({"type": "message", "body": "还在吗"})
        after_end = await until(client, lambda e: e["type"] == "error")
        await client.disconnect()
        return after_end

    assert async_to_sync(scenario)()["code"] == "conflict"
    assert [(c["disposition"], c["customer_id"], c["agent_id"]) for c in contacts] == [
        ("answered_by_kb", customer_a.pk, None)]


def test_it_refuses_the_agent_socket_to_staff_without_the_permission_and_to_strangers(users):
    session = services.chat_session_start()

    async def attempt(headers):
        communicator = WebsocketCommunicator(application, f"/ws/chat/agent/{session.pk}/", headers=headers)
        connected, code = await communicator.connect(timeout=WAIT)
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(attempt)(session_cookie(users["branch_a"])) == (False, 4403)
    assert async_to_sync(attempt)(session_cookie(users["compliance"])) == (False, 4403)  # reads, does not answer
    assert async_to_sync(attempt)([]) == (False, 4403)  # not signed in


def test_it_refuses_a_client_socket_with_an_unknown_token(org):
    async def attempt():
        communicator = WebsocketCommunicator(application, "/ws/chat/not-a-real-token/")
        connected, code = await communicator.connect(timeout=WAIT)
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(attempt)() == (False, 4404)
