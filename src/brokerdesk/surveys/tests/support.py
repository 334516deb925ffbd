"""Test helpers: a running campaign of the seed NPS survey and its invitations."""

from datetime import timedelta

from django.utils import timezone

from brokerdesk.surveys import campaigns
from brokerdesk.surveys.models import Invitation, Survey


def nps_survey() -> Survey:
    return Survey.objects.get(code="nps-overall", status="published")


def make_campaign(actor, *, code="c1", branches=(), channels=("sms",), start=True, **overrides):
    now = timezone.now()
    fields = {"code": code, "name": f"campaign {code}", "survey_id": nps_survey().pk, "audience": "branch",
              "starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=7), "channels": list(channels),
              "branch_ids": [b.pk for b in branches]}
    fields.update(overrides)
    campaign = campaigns.campaign_create(actor=actor, data=campaigns.CampaignInput(**fields))
    if start:
        campaign = campaigns.campaign_start(actor=actor, campaign_id=campaign.pk)
    return campaign


def invitation_of(campaign, customer) -> Invitation:
    return Invitation.objects.get(campaign=campaign, customer=customer)
