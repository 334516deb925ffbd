"""Append-only, hash-chained audit trail: record and verify.

Services call audit_record() inside their transaction, so the event commits or rolls back with the
change it describes.
"""

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from brokerdesk.core.models import AuditChainHead, AuditEvent
from brokerdesk.core.request_context import current_ip

GENESIS_HASH = "0" * 64


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal | datetime):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return str(value)


def _stable_numbers(value: Any) -> Any:
    """Floats in the form every database gives back unchanged.

    PostgreSQL's jsonb stores numbers as numeric: 1e16 comes back as the integer 10000000000000000 and
    -0.0 as 0.0, so the hash of the row read back would differ from the one recorded and verify would report
    tampering that never happened. NaN and infinities are not JSON: they are kept as text.
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) >= 1e16:
            return int(value)
        return value + 0.0  # -0.0 -> 0.0
    if isinstance(value, dict):
        return {key: _stable_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_stable_numbers(item) for item in value]
    return value


def to_jsonable(value: Any) -> Any:
    """Normalise to plain JSON so that what is hashed equals what the database gives back."""
    if value is None:
        return None
    return _stable_numbers(json.loads(json.dumps(value, default=_json_default, ensure_ascii=False)))


def _content(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "details": event.details,
        "ip_address": event.ip_address,
    }


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    canonical = json.dumps(_content(event), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def audit_record(
    *,
    actor,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    before: Any = None,
    after: Any = None,
    details: dict | None = None,
    actor_username: str | None = None,
) -> AuditEvent:
    """Append one event. actor may be None (system) or an unsaved name (failed login) via actor_username."""
    return audit_record_many([AuditEntry(actor=actor, action=action, object_type=object_type, object_id=object_id,
                                         before=before, after=after, details=details,
                                         actor_username=actor_username)])[0]


@dataclass(frozen=True)
class AuditEntry:
    """One event to append with audit_record_many (the arguments of audit_record)."""

    actor: Any
    action: str
    object_type: str = ""
    object_id: Any = ""
    before: Any = None
    after: Any = None
    details: dict | None = None
    actor_username: str | None = None


def audit_record_many(entries: list[AuditEntry]) -> list[AuditEvent]:
    """Append several events, chained in order, under one lock of the chain head and one insert: what a bulk
    path (the SLA sweep firing hundreds of clocks) records without a round trip per event."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        now = datetime.now(UTC)
        ip = current_ip() or ""
        events = []
        for entry in entries:
            actor = entry.actor
            authenticated = actor is not None and getattr(actor, "pk", None) is not None
            event = AuditEvent(
                seq=head.last_seq + 1,
                occurred_at=now,
                actor_id=actor.pk if authenticated else None,
                actor_username=entry.actor_username or (actor.get_username() if authenticated else ""),
                action=entry.action,
                object_type=entry.object_type,
                object_id=str(entry.object_id) if entry.object_id not in (None, "") else "",
                before=to_jsonable(entry.before),
                after=to_jsonable(entry.after),
                details=to_jsonable(entry.details or {}),
                ip_address=ip,
                prev_hash=head.last_hash,
            )
            event.hash = compute_hash(head.last_hash, event)
            head.last_seq, head.last_hash = event.seq, event.hash
            events.append(event)
        if events:
            AuditEvent.objects.bulk_create(events)
            head.save(update_fields=["last_seq", "last_hash"])
    return events


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        target = f"audit event #{self.seq}" + (f" (id {self.event_id})" if self.event_id else "")
        return f"{target}: {self.reason}"


def _iter_events(batch_size: int = 5000) -> Iterator[AuditEvent]:
    last_seq = 0
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last_seq = batch[-1].seq


def audit_verify() -> tuple[int, ChainBreak | None]:
    """Walk the chain; return (events checked, first break or None)."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in _iter_events():
        if event.seq != expected_seq:
            return checked, ChainBreak(
                expected_seq, None, f"missing: the chain jumps from #{expected_seq - 1} to #{event.seq}"
            )
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(
                event.seq, event.pk, "link broken: prev_hash does not match the previous event's hash"
            )
        if compute_hash(event.prev_hash, event) != event.hash:
            return checked, ChainBreak(event.seq, event.pk, "content altered: stored hash does not match")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        return checked, ChainBreak(
            head.last_seq, None, f"tail missing: the head records #{head.last_seq}, the chain ends at "
            f"#{expected_seq - 1}"
        )
    return checked, None
