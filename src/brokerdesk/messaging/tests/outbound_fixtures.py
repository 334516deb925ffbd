"""Fixtures for the outbound tests: a local SMS gateway and an aiosmtpd server, both on 127.0.0.1."""

from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from brokerdesk.messaging.sms.local_gateway import LocalSmsGateway
from tests.processes import free_port

SECRET = "test-shared-secret"


@pytest.fixture
def outbound_settings(settings):
    settings.MESSAGING_SMS_SECRET = SECRET
    settings.MESSAGING_SMS_KEY_ID = "brokerdesk"
    settings.MESSAGING_SMS_TIMEOUT_SECONDS = 1.0
    settings.MESSAGING_QUIET_HOURS = "off"
    settings.MESSAGING_CAP_MESSAGES = 2
    settings.MESSAGING_CAP_WINDOW_HOURS = 24 * 7
    settings.MESSAGING_RETRY_BACKOFF_SECONDS = [60, 300, 1800, 7200]
    settings.DEFAULT_FROM_EMAIL = "service@brokerdesk.local"
    return settings


@pytest.fixture
def sms_gateway(outbound_settings):
    with LocalSmsGateway(secret=SECRET, hold_seconds=5.0) as gateway:
        outbound_settings.MESSAGING_SMS_GATEWAY_URL = gateway.url
        yield gateway


@dataclass
class RecordingSmtpHandler:
    """Keeps what arrived; answers the next n DATA with `status` (e.g. "451 try later") when told to."""

    envelopes: list = field(default_factory=list)
    refuse_next: int = 0
    refusal: str = "451 4.3.0 try again later"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return self.refusal
        self.envelopes.append(envelope)
        return "250 OK queued"


@pytest.fixture
def smtp_sink(outbound_settings):
    handler = RecordingSmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    outbound_settings.EMAIL_HOST, outbound_settings.EMAIL_PORT = "127.0.0.1", controller.port
    try:
        yield handler
    finally:
        controller.stop()
