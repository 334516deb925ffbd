"""The desktop and wallboard sockets end to end: session auth middleware, URL router, consumers, the in-memory
channel layer and the receivers that push after the services' commits."""

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from django.conf import settings
from django.test import Client

from brokerdesk.contact_center.routing_ws import websocket_urlpatterns
from brokerdesk.contact_center.services.calls import call_answered, call_offer
from brokerdesk.contact_center.tests.support import TUESDAY_10, log_in
from brokerdesk.core.masking import mask_id_number
from tests.websocket import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)
application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
WAIT = 10


def cookie(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    return [(b"cookie", f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
             .encode())]


async def until(communicator, kind) -> dict:
    while True:
        event = await communicator.receive_json_from(timeout=WAIT)
        if event["kind"] == kind:
            return event


def test_it_refuses_an_unauthenticated_desktop_socket(org):
    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/cc/desktop/")
        connected, code = await communicator.connect(timeout=WAIT)
        await communicator.disconnect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert not connected and code == 4403


def test_it_refuses_the_desktop_to_staff_without_the_permission(users):
    headers = cookie(users["branch_a"])

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/cc/desktop/", headers=headers)
        connected, code = await communicator.connect(timeout=WAIT)
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(scenario)() == (False, 4403)


def test_it_pops_a_presented_call_only_on_its_agents_desktop(floor, customer_a):
    log_in(floor["local"], floor["remote"])
    local, remote = cookie(floor["local"].staff), cookie(floor["hq_agent"])

    async def scenario():
        mine = WebsocketCommunicator(application, "/ws/cc/desktop/", headers=local)
        theirs = WebsocketCommunicator(application, "/ws/cc/desktop/", headers=remote)
        for communicator in (mine, theirs):
            connected, _ = await communicator.connect(timeout=WAIT)
            assert connected
            assert (await communicator.receive_json_from(timeout=WAIT))["kind"] == "hello"
        answer = await database_sync_to_async(call_offer)(
            call_ref="ws-1", caller_number=floor["phone"], dialled_number="95500", ivr=["2"], at=TUESDAY_10)
        popped = await until(mine, "presented")
        await database_sync_to_async(call_answered)(call_ref="ws-1", extension="8001", at=TUESDAY_10)
        connected = await until(mine, "connected")
        nothing_for_them = await theirs.receive_nothing(timeout=0.5)
        for communicator in (mine, theirs):
            await communicator.disconnect()
        return answer, popped, connected, nothing_for_them

    answer, popped, connected, nothing_for_them = async_to_sync(scenario)()
    assert answer.extension == "8001"
    assert popped["call_id"] == answer.call_id == connected["call_id"]
    assert mask_id_number(customer_a.id_number) in popped["html"]
    assert customer_a.id_number not in popped["html"]
    assert nothing_for_them


def test_it_lets_an_agent_watch_only_their_centers_wallboard(floor):
    headers = cookie(floor["local"].staff)

    async def scenario(center_id):
        communicator = WebsocketCommunicator(application, f"/ws/cc/wallboard/{center_id}/", headers=headers)
        connected, code = await communicator.connect(timeout=WAIT)
        if connected:
            await communicator.receive_json_from(timeout=WAIT)
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(scenario)(floor["center"].pk)[0] is True
    assert async_to_sync(scenario)(floor["hq"].pk) == (False, 4403)
    assert async_to_sync(scenario)(0) == (False, 4403)  # every center: company scope only


def test_it_tells_the_wallboard_when_an_agent_changes_state(floor, users):
    headers = cookie(users["supervisor"])

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/cc/wallboard/{floor['center'].pk}/",
                                             headers=headers)
        connected, _ = await communicator.connect(timeout=WAIT)
        assert connected
        await communicator.receive_json_from(timeout=WAIT)
        await database_sync_to_async(log_in)(floor["local"])
        event = await until(communicator, "changed")
        await communicator.disconnect()
        return event

    assert async_to_sync(scenario)()["center_id"] == floor["center"].pk
