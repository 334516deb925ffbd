"""Test helpers for the telephony API: signed requests over real HTTP to the live server, and a center open
around the clock (pbx-sim's call mode routes at the server's own time)."""

import json

import httpx
from django.conf import settings

from brokerdesk.contact_center.telephony.signing import signed_headers
from brokerdesk.contact_center.tests.support import TUESDAY_10, open_around_the_clock  # noqa: F401

PREFIX = "/api/v1/telephony"


class Pbx:
    """A PBX talking to the live server: post(endpoint, body) signs with the shared secret unless told not to."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.serial = 0

    def request(self, method: str, endpoint: str, body=None, *, query: str = "", secret: str | None = None,
                headers: dict | None = None, raw: bytes | None = None) -> httpx.Response:
        path = f"{PREFIX}/{endpoint}" + (f"?{query}" if query else "")
        content = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        signed = signed_headers(secret or settings.TELEPHONY_SECRET, method, path, content)
        signed.update(headers or {})
        if content:
            signed["Content-Type"] = "application/json"
        return httpx.request(method, self.base_url + path, content=content, headers=signed, timeout=30)

    def post(self, endpoint: str, body: dict, **kwargs) -> httpx.Response:
        return self.request("POST", endpoint, body, **kwargs)

    def event(self, endpoint: str, **fields) -> dict:
        """Post a new event (a fresh event_id, at 10:00 on a working Tuesday unless given) that must succeed."""
        self.serial += 1
        at = fields.pop("at", TUESDAY_10)
        body = {"event_id": f"test-{endpoint}-{self.serial}", "at": at.isoformat(), **fields}
        response = self.post(endpoint, body)
        assert response.status_code == 200, response.text
        return response.json()
