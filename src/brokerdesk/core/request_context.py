"""Per-request facts (client IP) that the audit trail records without threading request through services."""

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("brokerdesk_request_ip", default=None)


def current_ip() -> str | None:
    return _ip.get()


def set_ip(value: str | None):
    return _ip.set(value)


def reset_ip(token) -> None:
    _ip.reset(token)


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trusted only behind a configured proxy, which we do not assume.
    return request.META.get("REMOTE_ADDR", "")
