"""`brokerdesk sms-gateway`: run the local SMS gateway (tests, the demo) on 127.0.0.1 until Ctrl-C or SIGTERM.

It speaks the protocol of docs/messaging.md with the shared secret of the settings, prints each SMS it
"delivers", and posts signed delivery receipts to --receipts-to (by default this platform's receipt endpoint).
"""

import signal
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from brokerdesk.messaging.sms.local_gateway import LocalSmsGateway

RECEIPT_PATH = "/messages/sms/receipts/"  # messaging:sms_receipt (not reversed: no URLconf needed here)


class Command(BaseCommand):
    help = "Run the local SMS gateway on 127.0.0.1 (tests and the demo). See docs/messaging.md."

    def add_arguments(self, parser):
        default_port = urlsplit(settings.MESSAGING_SMS_GATEWAY_URL).port or 8025
        parser.add_argument("--port", type=int, default=default_port)
        parser.add_argument("--receipts-to", default=settings.BROKERDESK_BASE_URL + RECEIPT_PATH,
                            help="where to post delivery receipts ('' for none)")

    def handle(self, *args, port, receipts_to, **options):
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        try:
            gateway = LocalSmsGateway(secret=settings.MESSAGING_SMS_SECRET, key_id=settings.MESSAGING_SMS_KEY_ID,
                                      port=port, receipt_url=receipts_to, auto_receipts=bool(receipts_to),
                                      max_age=settings.MESSAGING_SIGNATURE_MAX_AGE_SECONDS).start()
        except OSError as error:
            raise CommandError(f"cannot listen on 127.0.0.1:{port}: {error}") from error
        self.stdout.write(self.style.SUCCESS(
            f"local SMS gateway on {gateway.url}/v1/messages; receipts to {receipts_to or 'nowhere'} (Ctrl-C stops)"))
        shown = 0
        try:
            while not stopped.wait(0.5):
                for sms in gateway.delivered[shown:]:
                    self.stdout.write(f"{sms.id} -> {sms.to}: {sms.text}")
                shown = len(gateway.delivered)
        except KeyboardInterrupt:
            pass
        finally:
            gateway.stop()
