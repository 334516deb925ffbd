"""What the service_plans pages share: fetching the client in scope, the staff channels, lenient id parsing."""

from django.http import Http404

from brokerdesk.core.errors import NotFound
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.service_plans.choices import RequestChannel

# How staff act for a client: on the phone or at the branch counter (self-service and partner systems have their
# own entry points).
STAFF_CHANNELS = [(v, label) for v, label in RequestChannel.choices
                  if v in (RequestChannel.PHONE, RequestChannel.BRANCH)]


def customer_or_404(user, customer_id):
    """The client if the user may see it; "not yours" and "missing" are the same 404."""
    try:
        return customer_get_for_actor(user, customer_id)
    except NotFound:
        raise Http404 from None


def int_or_none(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None
