"""A follower's message whose handler failed is kept quarantined and can be processed again by a supervisor."""

import pytest

from brokerdesk.core.errors import Conflict
from brokerdesk.messaging import routing
from brokerdesk.messaging.choices import InboundStatus
from brokerdesk.messaging.models import InboundMessage
from brokerdesk.messaging.wechat import services
from brokerdesk.messaging.wechat.tests.conftest import new_openid, text_xml, tickets

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_quarantines_on_a_handler_failure_and_routes_on_reprocess(platform, users, monkeypatch):
    real = routing.inbound_handler_for("wechat")

    def failing(message, parsed):
        raise RuntimeError("tickets is down")

    monkeypatch.setitem(routing._HANDLERS, "wechat", failing)
    body = text_xml(new_openid(), "你好")
    answer = platform.post(body)
    assert answer.status == 200 and answer.xml["Content"]  # the follower is still told we have it
    message = InboundMessage.objects.defer("raw").get()
    assert message.status == InboundStatus.QUARANTINED and message.quarantine_code == "handler_error"
    assert platform.post(body).body == answer.body  # a retry: same reply, nothing new
    assert InboundMessage.objects.count() == 1

    monkeypatch.setitem(routing._HANDLERS, "wechat", real)
    done = services.wechat_inbound_reprocess(actor=users["supervisor"], message=message)
    ticket = tickets().get()
    assert done.status == InboundStatus.ROUTED and done.routed_to == f"ticket:{ticket.pk}"
    with pytest.raises(Conflict):
        services.wechat_inbound_reprocess(actor=users["supervisor"], message=done)
