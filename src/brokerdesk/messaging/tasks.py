"""Jobs: dispatch one outbound message (take its id), and the minutely sweep of what is due.

Idempotent: dispatching a message that is not queued and due does nothing, and only one claim can succeed
(outbound/dispatch.py), so a job run twice, or beside the sweep, never sends twice.
"""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from brokerdesk.messaging.outbound.dispatch import message_dispatch, messages_dispatch_due

log = logging.getLogger(__name__)


@db_task()
def message_dispatch_task(message_id: int) -> str:
    return message_dispatch(message_id)


@db_task()
def message_dispatch_by_hand_task(message_id: int) -> str:
    return message_dispatch(message_id, by_hand=True)


@db_periodic_task(crontab(minute="*"))
def messages_dispatch_due_task() -> dict:
    """Every minute: messages whose quiet hours ended or whose back-off is over, and claims a worker left."""
    result = messages_dispatch_due()
    if any(result.values()):
        log.info("outbound sweep: %s", result)
    return result
