"""The SMTP listener: an aiosmtpd server that an MTA (Postfix, Exim, Exchange) relays the service mailbox to.

    250  only once the raw bytes are committed (services.inbound_email_store)
    451  the bytes could not be stored (database down, locked): the sending server keeps the mail and retries
    550  a recipient that is not ours (settings.MAIL_RECIPIENTS, MAIL_DOMAINS)
    552  more than settings.MAIL_SMTP_MAX_BYTES (announced with SIZE): the sending server returns the mail to
         its author; between MAIL_MAX_BYTES and that, the mail is stored and quarantined as "oversized"

The ORM never runs on the event loop: each message is stored and processed in a worker thread
(asgiref.sync_to_async), which closes its database connections afterwards.
"""

import logging

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)


def _receive(*, raw: bytes, peer, mail_from: str, rcpt_tos: list[str]) -> int:
    from brokerdesk.messaging import services

    close_old_connections()
    try:
        return services.inbound_email_receive(raw=raw, peer=peer, mail_from=mail_from, rcpt_tos=rcpt_tos).pk
    finally:
        connections.close_all()


class InboundEmailHandler:
    """aiosmtpd handler hooks (handle_RCPT, handle_DATA)."""

    def __init__(self, *, recipients=None, domains=None):
        self.recipients = {a.lower() for a in (settings.MAIL_RECIPIENTS if recipients is None else recipients)}
        self.domains = {d.lower() for d in (settings.MAIL_DOMAINS if domains is None else domains)}

    def accepts(self, address: str) -> bool:
        address = address.strip().lower()
        return address in self.recipients or address.rpartition("@")[2] in self.domains

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.accepts(address):
            return "550 5.1.1 Recipient address rejected: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        try:
            pk = await sync_to_async(_receive, thread_sensitive=True)(
                raw=bytes(envelope.original_content or b""), peer=session.peer, mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos))
        except Exception:
            logger.exception("an inbound email from %s could not be stored; answered 451", session.peer)
            return "451 4.3.0 Message not stored, try again later"
        return f"250 2.0.0 Message accepted as #{pk}"


class InboundEmailServer:
    """A running listener: start() binds host:port in a background thread, stop() ends it.

        with InboundEmailServer(host="127.0.0.1", port=2525):
            ...
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 2525, handler: InboundEmailHandler | None = None,
                 server_hostname: str = "brokerdesk"):
        self.host, self.port = host, port
        self.handler = handler or InboundEmailHandler()
        # server_hostname is the banner's name; left empty aiosmtpd asks DNS for the FQDN, which can hang offline.
        self.controller = Controller(self.handler, hostname=host, port=port, server_hostname=server_hostname,
                                     data_size_limit=settings.MAIL_SMTP_MAX_BYTES, enable_SMTPUTF8=True,
                                     ident="brokerdesk inbound mail")

    def start(self) -> "InboundEmailServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> "InboundEmailServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
