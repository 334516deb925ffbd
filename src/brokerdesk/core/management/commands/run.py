"""`brokerdesk run`: the web server (uvicorn, ASGI) and the job worker (Huey) together, until Ctrl-C.

In the embedded mode the SMS gateway is the local one on loopback (settings.MESSAGING_SMS_GATEWAY_URL's default):
it is started too, so that the demo's text messages are delivered and receipted like in production."""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from brokerdesk.core.httpserver import SERVER_HTTP_PROTOCOL


class Command(BaseCommand):
    help = "Start the web server and the job worker together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("BROKERDESK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("BROKERDESK_PORT", 8000)))
        parser.add_argument("--workers", type=int, default=1, help="web worker processes")
        parser.add_argument("--no-worker", action="store_true", help="do not start the job worker")
        parser.add_argument("--no-sms-gateway", action="store_true",
                            help="do not start the local SMS gateway (started when the gateway URL is on loopback)")

    def handle(self, *args, host, port, workers, no_worker, no_sms_gateway, **options):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "brokerdesk.settings"}
        web = [sys.executable, "-m", "uvicorn", "brokerdesk.asgi:application", "--host", host, "--port",
               str(port), "--workers", str(workers), "--no-access-log", "--http", SERVER_HTTP_PROTOCOL]
        processes = [subprocess.Popen(web, env=env)]  # noqa: S603  (our own interpreter and module)
        if not no_worker:
            worker = [sys.executable, "-m", "brokerdesk.cli", "run_huey", "--workers", "2"]
            processes.append(subprocess.Popen(worker, env=env))  # noqa: S603
        if not no_sms_gateway and urlsplit(settings.MESSAGING_SMS_GATEWAY_URL).hostname in ("127.0.0.1", "localhost"):
            gateway = [sys.executable, "-m", "brokerdesk.cli", "sms_gateway",
                       "--receipts-to", f"http://{host}:{port}/messages/sms/receipts/"]
            # Optional: a gateway that cannot start (its port taken) leaves the platform running; messages wait.
            optional = [subprocess.Popen(gateway, env=env)]  # noqa: S603
        else:
            optional = []
        self.stdout.write(self.style.SUCCESS(f"brokerdesk is running at http://{host}:{port}/  (Ctrl-C stops)"))

        def stop(*_):
            for p in processes + optional:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for p in processes + optional:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        failed = [p.returncode for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed:
            sys.exit(1)
