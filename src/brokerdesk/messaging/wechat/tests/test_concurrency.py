"""The same message delivered several times at once (the platform's retries overlapping a slow first answer), on
PostgreSQL (SQLite serialises writers anyway): one stored message, one ticket, no error."""

import threading

import pytest
from django.db import connection

from brokerdesk.messaging.models import InboundMessage
from brokerdesk.messaging.wechat.tests.conftest import new_openid, text_xml, tickets

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

DELIVERIES = 4


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests run on PostgreSQL (SQLite serialises writers anyway)")


def test_it_stores_and_routes_overlapping_deliveries_of_one_msgid_once(platform):
    body = text_xml(new_openid(), "同时到达的重试", msg_id=7054768590064713001)
    start = threading.Barrier(DELIVERIES)
    answers = []

    def deliver():
        start.wait()
        answers.append(platform.post(body))

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status for a in answers) == [200] * DELIVERIES
    assert InboundMessage.objects.count() == 1
    ticket = tickets().get()
    replies = {a.body for a in answers}
    assert any(ticket.number.encode() in r for r in replies)
    assert replies <= {b"success"} | {r for r in replies if ticket.number.encode() in r}
    assert len(replies - {b"success"}) == 1  # every reply that quotes the ticket is the same reply
