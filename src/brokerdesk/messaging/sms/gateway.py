"""Our side of the SMS gateway protocol: hand one message to the gateway and classify what happened.

    POST {url}/v1/messages      signed (signing.py), Idempotency-Key: <our message key>
    {"idempotency_key": "...", "to": "13812345678", "region": "CN", "text": "...", "sender": "【...】"}
    -> 202 {"id": "<gateway id>", "status": "accepted", "duplicate": false}

The gateway de-duplicates on the idempotency key: the same key again answers the first result ("duplicate":
true) and sends nothing. That is what makes a retry after a timeout safe: when the gateway did accept the
first request, the retry gets the same id back and the client still receives one SMS.

Classification: 2xx accepted; connection refused, timeouts, 408, 429 and 5xx are temporary (retried with
back-off); 401/403 too (a wrong secret or clock is fixed by an operator, then the retries go through); any other
4xx is permanent (the gateway refused this message, e.g. an invalid number).
"""

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from brokerdesk.messaging.choices import AttemptOutcome
from brokerdesk.messaging.outbound.senders import SendResult
from brokerdesk.messaging.sms.signing import IDEMPOTENCY_HEADER, signed_headers

TRANSIENT_HTTP = {401, 403, 408, 425, 429}


@dataclass
class HttpSmsSender:
    url: str
    key_id: str
    secret: str
    timeout: float = 10.0
    sender_name: str = ""

    @classmethod
    def from_settings(cls) -> "HttpSmsSender":
        return cls(url=settings.MESSAGING_SMS_GATEWAY_URL, key_id=settings.MESSAGING_SMS_KEY_ID,
                   secret=settings.MESSAGING_SMS_SECRET, timeout=settings.MESSAGING_SMS_TIMEOUT_SECONDS,
                   sender_name=settings.MESSAGING_SMS_SENDER_NAME)

    def payload(self, message) -> dict:
        return {"idempotency_key": str(message.key), "to": message.to_address, "region": "CN",
                "text": message.body, "sender": self.sender_name}

    def send(self, message) -> SendResult:
        body = json.dumps(self.payload(message), ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", IDEMPOTENCY_HEADER: str(message.key),
                   **signed_headers(key_id=self.key_id, secret=self.secret, body=body)}
        request = urllib.request.Request(f"{self.url}/v1/messages", data=body, headers=headers,  # noqa: S310
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            outcome = (AttemptOutcome.TRANSIENT if error.code >= 500 or error.code in TRANSIENT_HTTP
                       else AttemptOutcome.PERMANENT)
            return SendResult(outcome, error=f"HTTP {error.code} from the SMS gateway",
                              response={"status": error.code, "body": _json_or_text(raw)})
        except TimeoutError as error:
            return _timeout(error)
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError | socket.timeout):
                return _timeout(error.reason)
            return SendResult(AttemptOutcome.TRANSIENT, error=f"cannot reach the SMS gateway: {error.reason}")
        except (ConnectionError, OSError) as error:  # reset or closed mid-response
            return SendResult(AttemptOutcome.TRANSIENT, error=f"connection to the SMS gateway failed: {error}")
        data = _json_or_text(raw)
        provider_id = data.get("id", "") if isinstance(data, dict) else ""
        if not provider_id:
            return SendResult(AttemptOutcome.TRANSIENT, error="the SMS gateway answered without a message id",
                              response={"status": status, "body": data})
        return SendResult(AttemptOutcome.ACCEPTED, provider_id=str(provider_id)[:200],
                          response={"status": status, "body": data})


def _timeout(error) -> SendResult:
    # The gateway may have accepted before the answer was lost: the retry carries the same idempotency key.
    return SendResult(AttemptOutcome.TRANSIENT, error=f"no answer from the SMS gateway in time ({error})")


def _json_or_text(raw: bytes):
    try:
        return json.loads(raw.decode() or "{}")
    except (UnicodeDecodeError, ValueError):
        return {"text": raw[:500].decode(errors="replace")}
