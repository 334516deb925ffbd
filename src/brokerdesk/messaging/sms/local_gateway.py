"""A local SMS gateway that speaks the same protocol as a real one (docs/messaging.md), for tests and the demo.

It checks our signature and replay window (401, nothing recorded), de-duplicates on the idempotency key (the same
key answers the first result and "delivers" nothing more), records every SMS it "delivered", and signs the
delivery receipts it posts back to receipt_url. To exercise our retries it can be told to:

    fail_next(n, status=500)       answer the next n sends with that status, accepting nothing
    time_out_after_accept(n)       accept (and deliver) the next n sends, then hold the answer until the client
                                   gives up: exactly the case the idempotency key exists for

Runs in a thread on 127.0.0.1 (port 0 picks a free port); no Django needed.

    with LocalSmsGateway(secret="s", receipt_url="http://127.0.0.1:8000/messages/sms/receipts/") as gateway:
        ... gateway.url, gateway.delivered, gateway.post_receipts()
"""

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from brokerdesk.messaging.sms.signing import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    signed_headers,
    verify,
)


@dataclass
class DeliveredSms:
    id: str
    idempotency_key: str
    to: str
    text: str
    sender: str
    at: float


@dataclass
class _Behaviour:
    fail_next: int = 0
    fail_status: int = 500
    hold_next: int = 0


@dataclass
class LocalSmsGateway:
    secret: str
    key_id: str = "brokerdesk"
    host: str = "127.0.0.1"
    port: int = 0
    receipt_url: str = ""
    auto_receipts: bool = False  # post each receipt as soon as the SMS is "delivered" (the demo); tests call
    max_age: int = 300           # post_receipts() themselves
    hold_seconds: float = 5.0
    delivered: list[DeliveredSms] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)  # every send request seen, with the answer given
    pending_receipts: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._by_key: dict[str, dict] = {}
        self._ids = itertools.count(1)
        self._behaviour = _Behaviour()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ------------------------------------------------------------------------------------------
    def fail_next(self, n: int, *, status: int = 500) -> None:
        with self._lock:
            self._behaviour.fail_next, self._behaviour.fail_status = n, status

    def time_out_after_accept(self, n: int = 1) -> None:
        with self._lock:
            self._behaviour.hold_next = n

    def delivered_to(self, number: str) -> list[DeliveredSms]:
        with self._lock:
            return [sms for sms in self.delivered if sms.to == number]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- receipts -----------------------------------------------------------------------------------------
    def receipt_for(self, sms: DeliveredSms, *, status: str = "delivered", error_code: str = "") -> dict:
        return {"receipt_id": f"rcpt-{sms.id}-{status}", "id": sms.id, "idempotency_key": sms.idempotency_key,
                "status": status, "error_code": error_code, "at": int(sms.at)}

    def post_receipt(self, receipt: dict, *, secret: str | None = None, timestamp: float | None = None) -> int:
        """POST one signed receipt to receipt_url; returns the HTTP status our endpoint answered."""
        body = json.dumps(receipt, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json",
                   **signed_headers(key_id=self.key_id, secret=self.secret if secret is None else secret,
                                    body=body, now=timestamp)}
        request = urllib.request.Request(self.receipt_url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def post_receipts(self) -> list[int]:
        """Post every pending receipt (in delivery order); a receipt our endpoint did not take stays pending."""
        with self._lock:
            pending, self.pending_receipts = self.pending_receipts, []
        answers, left = [], []
        for receipt in pending:
            status = self.post_receipt(receipt)
            answers.append(status)
            if status >= 300:
                left.append(receipt)
        with self._lock:
            self.pending_receipts[:0] = left
        return answers

    # --- server -------------------------------------------------------------------------------------------
    def start(self) -> "LocalSmsGateway":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_GET(self):
                if self.path.rstrip("/") != "/v1/messages":
                    return self._answer(404, {"error": "not found"})
                with gateway._lock:
                    items = [sms.__dict__ for sms in gateway.delivered]
                return self._answer(200, {"delivered": items})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.rstrip("/") != "/v1/messages":
                    return self._answer(404, {"error": "not found"})
                status, answer, hold = gateway._accept(self.headers, body)
                if hold:
                    gateway._release.wait(gateway.hold_seconds)  # the client has given up by now
                    self.close_connection = True
                return self._answer(status, answer)

            def _answer(self, status: int, data: dict):
                raw = json.dumps(data, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-sms-gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "LocalSmsGateway":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _accept(self, headers, body: bytes) -> tuple[int, dict, bool]:
        try:
            if headers.get(KEY_HEADER) != self.key_id:
                raise SignatureError("unknown X-Key-Id")
            verify(secret=self.secret, timestamp=headers.get(TIMESTAMP_HEADER), given=headers.get(SIGNATURE_HEADER),
                   body=body, max_age=self.max_age)
        except SignatureError as error:
            return self._seen(401, {"error": "unauthorized", "message": str(error)}, body)
        try:
            data = json.loads(body.decode())
            key, to, text = str(data["idempotency_key"]), str(data["to"]), str(data["text"])
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            return self._seen(400, {"error": "bad_request", "message": "idempotency_key, to and text are required"},
                              body)
        if not key or not to.lstrip("+").isdigit():
            return self._seen(400, {"error": "invalid_number", "message": "to is not a phone number"}, body)
        with self._lock:
            if self._behaviour.fail_next > 0:
                self._behaviour.fail_next -= 1
                return self._seen(self._behaviour.fail_status, {"error": "unavailable"}, body, locked=True)
            first = self._by_key.get(key)
            if first is not None:
                return self._seen(200, {**first, "duplicate": True}, body, locked=True)
            sms = DeliveredSms(id=f"gw-{next(self._ids)}", idempotency_key=key, to=to, text=text,
                               sender=str(data.get("sender", "")), at=time.time())
            self.delivered.append(sms)
            self._by_key[key] = result = {"id": sms.id, "status": "accepted"}
            self.pending_receipts.append(self.receipt_for(sms))
            hold = self._behaviour.hold_next > 0
            if hold:
                self._behaviour.hold_next -= 1
            answer = self._seen(202, {**result, "duplicate": False}, body, locked=True)
        if self.auto_receipts and self.receipt_url:
            threading.Thread(target=self.post_receipts, daemon=True).start()
        return (*answer[:2], hold)

    def _seen(self, status: int, answer: dict, body: bytes, *, locked: bool = False):
        entry = {"status": status, "answer": answer, "body": body.decode(errors="replace")}
        if locked:
            self.requests.append(entry)
        else:
            with self._lock:
                self.requests.append(entry)
        return status, answer, False
