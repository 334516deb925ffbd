"""Test helpers for the NPS analytics: a theme, survey and campaign, and responses written directly (the submission
service is tested on its own)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from brokerdesk.segmentation.models import RuleSet, Segment, SegmentMembership, SegmentRun
from brokerdesk.surveys import nps
from brokerdesk.surveys.models import Campaign, Invitation, Response, Survey, Theme
from brokerdesk.surveys.nps_daily import nps_daily_add

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    """A Shanghai wall-clock time."""
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def survey_setup(db):
    overall = Theme.objects.create(code="t-nps-overall", name="总体")
    trading = Theme.objects.create(code="t-nps-trading", name="交易系统")
    survey = Survey.objects.create(code="nps", name="NPS", theme=overall, status="published")
    campaign = Campaign.objects.create(code="c1", name="一月调查", survey=survey, status="running", audience="branch",
                                       channels=["sms"], starts_at=at(2026, 1, 1), ends_at=at(2026, 12, 31))
    return {"overall": overall, "trading": trading, "survey": survey, "campaign": campaign}


def respond(setup, branch, score, when, *, theme=None, channel="sms", customer=None, officer=False, comment="",
            campaign=None):
    """A stored response, counted in the daily NPS counts as the submission service counts it."""
    response = Response.objects.create(
        campaign=campaign or setup["campaign"], survey=setup["survey"], theme=theme or setup["overall"],
        customer=customer, branch=branch, channel=channel, submitted_at=when, nps_score=score,
        nps_group=nps.group(score), comment=comment, is_experience_officer=officer)
    nps_daily_add(response)
    return response


def invite(setup, branch, status, *, customer=None, officer=None, campaign=None, created_at=None):
    invitation = Invitation.objects.create(campaign=campaign or setup["campaign"], customer=customer,
                                           officer=officer, branch=branch, channel="sms", status=status)
    if created_at:
        Invitation.objects.filter(pk=invitation.pk).update(created_at=created_at)
    return invitation


def put_in_segment(customer, segment: Segment) -> None:
    rule_set = RuleSet.objects.order_by("-version").first() or RuleSet.objects.create(version=1, name="r1")
    run = SegmentRun.objects.create(business_date=timezone.localdate(), rule_set=rule_set, status="succeeded",
                                    trigger="command", started_at=timezone.now())
    SegmentMembership.objects.create(customer=customer, segment=segment, valid_from=timezone.localdate(),
                                     rule_set=rule_set, entered_run=run)
