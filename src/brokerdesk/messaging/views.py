"""Messaging pages: the outbox (supervisors, compliance) and the SMS gateway's delivery-receipt endpoint."""

import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.messaging.choices import OutboundChannel, OutboundStatus, Purpose
from brokerdesk.messaging.outbound import selectors
from brokerdesk.messaging.outbound.services import masked_address, message_retry, receipt_apply
from brokerdesk.messaging.sms.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify

log = logging.getLogger(__name__)
PAGE_SIZE = 50
RECEIPT_MAX_BYTES = 64 * 1024


def _page(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        return 1


def _choice(value: str, choices) -> str:
    return value if value in choices.values else ""


@login_required
@permission_required("messaging.view_outboundmessage", raise_exception=True)
@require_GET
def outbox(request):
    filters = {"status": _choice(request.GET.get("status", ""), OutboundStatus),
               "channel": _choice(request.GET.get("channel", ""), OutboundChannel),
               "purpose": _choice(request.GET.get("purpose", ""), Purpose)}
    page = _page(request)
    offset = (page - 1) * PAGE_SIZE
    rows = list(selectors.outbox(request.user, **filters)[offset:offset + PAGE_SIZE + 1])
    items = [{"message": m, "to": masked_address(m.channel, m.to_address)} for m in rows[:PAGE_SIZE]]
    return render(request, "messaging/outbox.html", {
        "items": items, "page": page, "has_next": len(rows) > PAGE_SIZE, "filters": filters,
        "statuses": OutboundStatus.choices, "channels": OutboundChannel.choices, "purposes": Purpose.choices})


def _message_or_404(user, message_id):
    try:
        return selectors.outbound_message_get_for_actor(user, message_id)
    except NotFound:
        raise Http404 from None


@login_required
@permission_required("messaging.view_outboundmessage", raise_exception=True)
@require_GET
def outbox_detail(request, message_id):
    message = _message_or_404(request.user, message_id)
    return render(request, "messaging/outbox_detail.html", {
        "message": message, "to": masked_address(message.channel, message.to_address),
        "attempts": list(message.attempts.all()), "receipts": list(message.receipts.all()),
        "may_retry": message.status == OutboundStatus.FAILED
        and request.user.has_perm("messaging.retry_outboundmessage")})


@login_required
@permission_required("messaging.retry_outboundmessage", raise_exception=True)
@require_POST
def outbox_retry(request, message_id):
    message = _message_or_404(request.user, message_id)
    try:
        message_retry(actor=request.user, message=message)
        messages.success(request, _("The message is being sent again."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("messaging:outbox_detail", message.pk)


@csrf_exempt
@require_POST
def sms_receipt(request):
    """The SMS gateway's delivery receipt, signed like our requests to it. 401 and nothing changes when the
    signature or the timestamp is wrong; the same receipt again answers 200 "duplicate" and changes nothing."""
    body = request.body[:RECEIPT_MAX_BYTES + 1]
    if len(body) > RECEIPT_MAX_BYTES:
        return JsonResponse({"error": {"code": "too_large", "message": "receipt too large", "details": {}}},
                            status=413)
    try:
        verify(secret=settings.MESSAGING_SMS_SECRET, timestamp=request.headers.get(TIMESTAMP_HEADER),
               given=request.headers.get(SIGNATURE_HEADER), body=body,
               max_age=settings.MESSAGING_SIGNATURE_MAX_AGE_SECONDS)
    except SignatureError as error:
        log.warning("SMS receipt refused: %s", error)
        return JsonResponse({"error": {"code": "bad_signature", "message": str(error), "details": {}}}, status=401)
    try:
        payload = json.loads(body.decode())
        if not isinstance(payload, dict):
            raise ValueError("not an object")
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"error": {"code": "bad_request", "message": "the body is not a JSON object",
                                       "details": {}}}, status=400)
    try:
        receipt, new = receipt_apply(payload=payload)
    except ApplicationError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    return JsonResponse({"receipt_id": receipt.receipt_id, "duplicate": not new, "applied": receipt.applied})
