"""A recording handler for the email channel, and a real SMTP listener on a free loopback port."""

import smtplib
from dataclasses import dataclass, field

import pytest

from brokerdesk.messaging import routing
from brokerdesk.messaging.tests.mails import SERVICE
from tests.processes import free_port


@dataclass
class RecordingHandler:
    """Stands in for the tickets app: returns ("ticket", n) and remembers what it was given."""

    calls: list = field(default_factory=list)
    fail_with: Exception | None = None
    result: object = "default"

    def __call__(self, message, parsed):
        self.calls.append((message, parsed))
        if self.fail_with is not None:
            raise self.fail_with
        return ("ticket", 1000 + len(self.calls)) if self.result == "default" else self.result


@pytest.fixture
def handler(monkeypatch) -> RecordingHandler:
    recording = RecordingHandler()
    monkeypatch.setitem(routing._HANDLERS, "email", recording)
    return recording


@pytest.fixture
def no_handler(monkeypatch):
    monkeypatch.delitem(routing._HANDLERS, "email", raising=False)


@pytest.fixture
def mail_limits(settings):
    settings.MAIL_MAX_BYTES = 40_000
    settings.MAIL_SMTP_MAX_BYTES = 80_000
    settings.MAIL_MAX_PARTS = 20
    settings.MAIL_RECIPIENTS = [SERVICE]
    settings.MAIL_DOMAINS = ["kefu.example.cn"]
    return settings


@pytest.fixture
def smtp_server(mail_limits):
    from brokerdesk.messaging.email.listener import InboundEmailServer

    with InboundEmailServer(host="127.0.0.1", port=free_port()) as server:
        yield server


@dataclass
class Reply:
    code: int
    text: str


@pytest.fixture
def send(smtp_server):
    """send(raw, to=[...], sender=...) -> the server's final Reply (to RCPT if every recipient is refused)."""

    def _send(raw: bytes, *, to=(SERVICE,), sender="zhang.san@example.com") -> Reply:
        with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=30) as client:
            client.ehlo("mta.example.com")
            code, text = client.mail(sender)
            if code != 250:
                return Reply(code, text.decode())
            replies = [client.rcpt(address) for address in to]
            if not any(code == 250 for code, _ in replies):
                code, text = replies[-1]
                return Reply(code, text.decode())
            code, text = client.data(raw)
            return Reply(code, text.decode())

    return _send
