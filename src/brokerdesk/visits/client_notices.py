"""After the last unsuccessful attempt of a return visit, the client gets an SMS: we tried to reach you, call us.

Through the outbound messaging pipeline (messaging/outbound), after the commit that ended the task, as the
system; stored once per task (dedupe_key "visit:<id>:unreachable"). The client's opt-out and quiet hours apply
(messaging's policy). The wording is the brokerage's client-facing text (Chinese, domain content).
"""

import logging

from django.conf import settings
from django.db import transaction

from brokerdesk.messaging.outbound.services import message_send
from brokerdesk.visits.models import VisitTask

log = logging.getLogger(__name__)

UNREACHABLE = "您好，我们近日致电您进行客户回访未能接通。如方便，请致电 {phone} 与我们联系。"


def _notify(task_pk: int) -> None:
    task = VisitTask.objects.filter(pk=task_pk).select_related("customer").first()
    if task is None:
        return
    try:
        message_send(actor=None, customer=task.customer, channel="sms", purpose="service",
                     body=UNREACHABLE.format(phone=settings.MESSAGING_SERVICE_NUMBER),
                     source=("visit", task.pk), dedupe_key=f"visit:{task.pk}:unreachable")
    except Exception:
        log.exception("the unreachable notice of visit #%s could not be queued", task_pk)


def visit_unreachable_notify(task: VisitTask) -> None:
    """The attempts are used up and nobody answered: tell the client after the commit."""
    pk = task.pk
    transaction.on_commit(lambda: _notify(pk))
