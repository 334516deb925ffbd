"""Jobs: the five-minute sweep that closes web-chat sessions nobody writes in any more."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from brokerdesk.messaging.web_chat.services import chat_sessions_close_idle

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def chat_sessions_close_idle_task() -> dict:
    result = chat_sessions_close_idle()
    if result["closed"]:
        log.info("web chat: closed %d idle sessions", result["closed"])
    return result
