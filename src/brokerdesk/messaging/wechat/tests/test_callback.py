"""The callback over real HTTP: the live server on loopback, signed requests as the platform sends them."""

import time

import httpx
import pytest

from brokerdesk.messaging.choices import InboundStatus
from brokerdesk.messaging.models import InboundMessage
from brokerdesk.messaging.signals import contact_logged
from brokerdesk.messaging.wechat.models import WeChatFollower, WeChatInbound
from brokerdesk.messaging.wechat.protocol import signature
from brokerdesk.messaging.wechat.tests.conftest import ACCOUNT, TOKEN, event_xml, new_openid, text_xml, tickets

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_echoes_echostr_for_a_good_signature(platform):
    response = platform.get({**platform.query(), "echostr": "4783916235713"})
    assert response.status_code == 200
    assert response.text == "4783916235713"
    assert response.headers["content-type"].startswith("text/plain")


def test_it_refuses_verification_with_a_bad_signature(platform):
    query = platform.query(token="not-the-token")
    response = platform.get({**query, "echostr": "4783916235713"})
    assert response.status_code == 403
    assert response.content == b""
    assert platform.get({"echostr": "x"}).status_code == 403  # no signature at all


def test_it_refuses_everything_while_no_token_is_configured(platform, settings):
    settings.WECHAT_TOKEN = ""
    assert platform.get({**platform.query(token=""), "echostr": "x"}).status_code == 403
    assert platform.post(text_xml(new_openid(), "你好"), token="").status == 403
    assert not InboundMessage.objects.exists()


def test_it_answers_a_text_message_with_a_passive_reply_quoting_the_ticket(platform):
    openid = new_openid()
    answer = platform.post(text_xml(openid, "请问如何开通创业板权限？"))
    assert answer.status == 200
    assert answer.content_type.startswith("application/xml")
    ticket = tickets().get()
    reply = answer.xml
    assert reply["ToUserName"] == openid and reply["FromUserName"] == ACCOUNT and reply["MsgType"] == "text"
    assert ticket.number in reply["Content"]
    assert abs(int(reply["CreateTime"]) - time.time()) < 3600
    message = InboundMessage.objects.get()
    assert message.channel == "wechat" and message.status == InboundStatus.ROUTED
    assert message.routed_to == f"ticket:{ticket.pk}"
    assert message.customer_id is None and message.from_address == openid
    assert ticket.channel == "wechat" and ticket.customer_id is None
    assert ticket.description == "请问如何开通创业板权限？"
    assert ticket.attachments.filter(filename__endswith="-wechat.xml").exists()  # the callback as it came
    assert WeChatFollower.objects.get(openid=openid).customer_id is None


def test_it_stores_nothing_for_a_bad_signature(platform):
    answer = platform.post(text_xml(new_openid(), "你好"), token="wrong-token")
    assert (answer.status, answer.body) == (403, b"")
    assert not InboundMessage.objects.exists()
    assert not WeChatFollower.objects.exists() and not tickets().exists()


def test_it_refuses_a_stale_timestamp(platform):
    stale = int(time.time()) - 3600
    answer = platform.post(text_xml(new_openid(), "你好", created=stale), timestamp=stale)
    assert answer.status == 403
    future = int(time.time()) + 3600
    assert platform.post(text_xml(new_openid(), "你好"), timestamp=future).status == 403
    assert not InboundMessage.objects.exists() and not tickets().exists()


def test_it_processes_the_same_msgid_once_and_gives_the_retry_the_same_reply(platform):
    body = text_xml(new_openid(), "我的委托为什么没有成交？", msg_id=6054768590064713728)
    first = platform.post(body)
    retry = platform.post(body)  # the platform heard nothing within 5 s and sends it again, newly signed
    third = platform.post(body)
    assert first.status == retry.status == third.status == 200
    assert retry.body == first.body == third.body
    assert InboundMessage.objects.count() == 1
    assert tickets().count() == 1
    assert WeChatInbound.objects.get().retries == 2


def test_it_de_duplicates_events_by_sender_and_create_time(platform):
    openid, created = new_openid(), int(time.time())
    first = platform.post(event_xml(openid, "subscribe", created=created))
    again = platform.post(event_xml(openid, "subscribe", created=created))
    assert first.body == again.body
    assert InboundMessage.objects.count() == 1


@pytest.mark.parametrize("body", [
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><ToUserName>gh_1</ToUserName>'
    "<FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content>"
    "<MsgId>1</MsgId></xml>",
    '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>gh_1</ToUserName>'
    "<FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content>"
    "<MsgId>2</MsgId></xml>",
])
def test_it_refuses_hostile_xml_and_keeps_it_quarantined(platform, body):
    answer = platform.post(body)
    assert answer.status == 400
    assert answer.body == b"xml_forbidden"
    message = InboundMessage.objects.get()  # signed by the platform's token: kept as evidence, never processed
    assert message.status == InboundStatus.QUARANTINED and message.quarantine_code == "xml_forbidden"
    assert bytes(message.raw) == body.encode()
    assert not tickets().exists() and not WeChatFollower.objects.exists()


def test_it_refuses_an_oversized_body_unread(platform, settings):
    settings.WECHAT_MAX_BYTES = 2000
    answer = platform.post(text_xml(new_openid(), "长" * 3000))
    assert answer.status == 413
    assert not InboundMessage.objects.exists()


def test_it_tracks_subscribe_and_unsubscribe(platform):
    openid = new_openid()
    welcome = platform.post(event_xml(openid, "subscribe"))
    assert welcome.status == 200
    assert welcome.xml["ToUserName"] == openid and welcome.xml["MsgType"] == "text" and welcome.xml["Content"]
    follower = WeChatFollower.objects.get(openid=openid)
    assert follower.subscribed and follower.subscribed_at is not None and follower.unsubscribed_at is None
    bye = platform.post(event_xml(openid, "unsubscribe", created=int(time.time()) + 1))
    assert (bye.status, bye.body) == (200, b"success")
    follower.refresh_from_db()
    assert not follower.subscribed and follower.unsubscribed_at is not None
    assert not tickets().exists()
    assert set(InboundMessage.objects.values_list("status", "routed_to_type")) == {
        (InboundStatus.ROUTED, "wechat_follower")}


def test_it_answers_a_menu_click_with_success_and_makes_no_ticket(platform):
    answer = platform.post(event_xml(new_openid(), "CLICK", key="V1001_SERVICE"))
    assert (answer.status, answer.body) == (200, b"success")
    assert not tickets().exists()
    assert InboundMessage.objects.get().status == InboundStatus.ROUTED


def test_it_makes_a_ticket_of_an_image_message(platform):
    openid = new_openid()
    body = (f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>{openid}</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType>image</MsgType><PicUrl>http://127.0.0.1/p.jpg"
            "</PicUrl><MediaId>media_id</MediaId><MsgId>1234567890123456</MsgId></xml>")
    answer = platform.post(body)
    ticket = tickets().get()
    assert ticket.number in answer.xml["Content"]
    assert ticket.description.startswith("[image]")


def test_it_tells_the_contact_history_about_each_message(platform):
    received = []

    def receiver(sender, **kwargs):
        received.append((sender, kwargs))

    contact_logged.connect(receiver, dispatch_uid="wechat-test-receiver")
    try:
        platform.post(text_xml(new_openid(), "你好"))
    finally:
        contact_logged.disconnect(dispatch_uid="wechat-test-receiver")
    message = InboundMessage.objects.get()
    ((sender, kwargs),) = received
    assert sender == "wechat"
    assert kwargs["direction"] == "inbound" and kwargs["source_type"] == "inbound_message"
    assert kwargs["source_id"] == message.pk and kwargs["customer_id"] is None
    assert tickets().get().number in kwargs["summary"]
    assert "你好" not in kwargs["summary"]


def test_it_checks_the_signature_on_the_query_not_the_body(platform, live_server):
    """The openid and other query parameters are not signed: only signature/timestamp/nonce are."""
    ts, nonce = str(int(time.time())), "42"
    good = {"signature": signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce}
    response = httpx.post(platform.url, params={**good, "timestamp": str(int(ts) + 1)},
                          content=text_xml(new_openid(), "x").encode(), timeout=30)
    assert response.status_code == 403
