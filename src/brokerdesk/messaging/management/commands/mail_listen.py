"""`brokerdesk mail_listen`: receive the service mailbox's mail over SMTP until Ctrl-C or SIGTERM."""

import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from brokerdesk.messaging.email.listener import InboundEmailServer


class Command(BaseCommand):
    help = ("Receive email over SMTP (an MTA relays the service mailbox here) and store each message as an "
            "inbound message. See docs/email-intake.md.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("BROKERDESK_MAIL_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("BROKERDESK_MAIL_PORT", 2525)))

    def handle(self, *args, host, port, **options):
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        server = InboundEmailServer(host=host, port=port).start()
        accepted = sorted(settings.MAIL_RECIPIENTS) + [f"*@{d}" for d in sorted(settings.MAIL_DOMAINS)]
        self.stdout.write(self.style.SUCCESS(
            f"receiving mail on smtp://{host}:{port}/ for {', '.join(accepted) or 'nobody'} "
            f"(at most {settings.MAIL_SMTP_MAX_BYTES} bytes; Ctrl-C stops)"))
        try:
            while not stopped.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
