"""Callback requests and voicemails: an agent or supervisor of the center calls the client back and closes them."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.contact_center.choices import CallbackStatus
from brokerdesk.contact_center.models import CallbackRequest
from brokerdesk.contact_center.selectors import callback_get_for_actor
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, ValidationFailed
from brokerdesk.core.permissions import require_permission

CLOSING = (CallbackStatus.DONE, CallbackStatus.CANCELLED)


def callback_close(*, actor, callback_id, status: str, note: str = "") -> CallbackRequest:
    """Called back (done) or cancelled (e.g. the client had called again), with a note; compare-and-set on open."""
    require_permission(actor, "contact_center.use_agent_desktop", "callback_close")
    request = callback_get_for_actor(actor, callback_id)
    note = (note or "").strip()
    problems = {}
    if status not in CLOSING:
        problems["status"] = [_("Choose called back or cancelled.")]
    if len(note) > 2000:
        problems["note"] = [_("At most 2000 characters.")]
    if status == CallbackStatus.CANCELLED and not note:
        problems["note"] = [_("Say why the callback is cancelled.")]
    if problems:
        raise ValidationFailed(details=problems)
    now = timezone.now()
    with transaction.atomic():
        closed = CallbackRequest.objects.filter(pk=request.pk, status=CallbackStatus.OPEN).update(
            status=status, handled_by=actor, handled_at=now, note=note)
        if not closed:
            raise Conflict(_("This callback was already closed by someone else."))
        audit_record(actor=actor, action="contact_center.callback_closed", object_type="callback_request",
                     object_id=request.pk, before={"status": CallbackStatus.OPEN}, after={"status": status})
    request.refresh_from_db()
    return request
