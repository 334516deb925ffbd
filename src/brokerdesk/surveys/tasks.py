"""Jobs: sending a campaign's invitations, the event sweep, reminders and expiry. Each is idempotent (pending
invitations only, dedupe keys on the messages, compare-and-set on the invitation)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from brokerdesk.surveys import campaigns

log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=60)
def invitations_send_task(campaign_id: int) -> dict:
    return campaigns.invitations_send(campaign_id=campaign_id)


@db_periodic_task(crontab(minute="*/15"))
def surveys_sweep() -> dict:
    """Every quarter hour: expire the campaigns past their end, invite after new events, send what is pending
    (a lost on-commit send is caught up here), and remind the ones who have not answered."""
    from brokerdesk.surveys.choices import CampaignStatus
    from brokerdesk.surveys.models import Campaign

    expired = campaigns.campaigns_expire()
    invited = campaigns.event_invitations_sweep()
    for pk in Campaign.objects.filter(status=CampaignStatus.RUNNING).values_list("pk", flat=True):
        campaigns.invitations_send(campaign_id=pk)
    reminded = campaigns.reminders_send()
    if expired or invited or reminded:
        log.info("surveys sweep: %d expired, %d invited after events, %d reminded", len(expired), invited, reminded)
    return {"expired": expired, "invited": invited, "reminded": reminded}
