"""The WeChat platform's side, for tests: signed callbacks POSTed over real HTTP to the live server on loopback."""

import secrets
import time
from dataclasses import dataclass

import httpx
import pytest
from django.apps import apps

from brokerdesk.messaging.wechat.protocol import parse_message, signature

TOKEN = "test-wechat-token"
ACCOUNT = "gh_0123456789ab"


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str

    @property
    def xml(self) -> dict:
        return parse_message(self.body).fields


class WeChatPlatform:
    """Signs and sends callbacks as the platform does: signature, timestamp and nonce in the query string."""

    def __init__(self, base_url: str):
        self.url = f"{base_url}/wechat/callback"

    def query(self, *, timestamp: int | None = None, token: str = TOKEN, nonce: str | None = None) -> dict:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or str(secrets.randbelow(10**9))
        return {"signature": signature(token, ts, nonce), "timestamp": ts, "nonce": nonce,
                "openid": "ignored-by-the-server"}

    def post(self, body: str | bytes, **signing) -> Answer:
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = httpx.post(self.url, params=self.query(**signing), content=data,
                              headers={"Content-Type": "text/xml"}, timeout=30)
        return Answer(response.status_code, response.content, response.headers.get("content-type", ""))

    def get(self, params: dict) -> httpx.Response:
        return httpx.get(self.url, params=params, timeout=30)


def text_xml(openid: str, content: str, *, msg_id: int | None = None, created: int | None = None) -> str:
    msg_id = secrets.randbelow(10**18) if msg_id is None else msg_id
    created = int(time.time()) if created is None else created
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def event_xml(openid: str, event: str, *, created: int | None = None, key: str = "") -> str:
    created = int(time.time()) if created is None else created
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>")


def tickets():
    """The tickets app's Ticket model: it registers the WeChat handler, and sits above messaging (no import)."""
    return apps.get_model("tickets", "Ticket").objects


def new_openid() -> str:
    return "o" + secrets.token_urlsafe(20).replace("-", "A").replace("_", "B")[:27]


@pytest.fixture
def wechat_settings(settings):
    settings.WECHAT_TOKEN = TOKEN
    settings.WECHAT_REPLAY_WINDOW_SECONDS = 300
    settings.WECHAT_MAX_BYTES = 64 * 1024
    return settings


@pytest.fixture
def platform(live_server, wechat_settings) -> WeChatPlatform:
    return WeChatPlatform(live_server.url)


@pytest.fixture
def binder(users):
    """Branch-A staff holding the binding permission (given here while org/roles.py does not grant it)."""
    from django.contrib.auth.models import Permission

    from brokerdesk.org.models import Staff

    user = users["branch_a"]
    if not user.has_perm("wechat.bind_wechatfollower"):
        user.user_permissions.add(Permission.objects.get(content_type__app_label="wechat",
                                                         codename="bind_wechatfollower"))
    return Staff.objects.get(pk=user.pk)
