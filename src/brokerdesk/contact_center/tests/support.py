"""Shared helpers of the desktop, wallboard and socket tests."""

from datetime import datetime
from zoneinfo import ZoneInfo

from brokerdesk.contact_center.choices import AgentState
from brokerdesk.contact_center.services.agents import agent_state_set

TUESDAY_10 = datetime(2026, 11, 17, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def log_in(*profiles, at=TUESDAY_10):
    for profile in profiles:
        agent_state_set(actor=profile.staff, agent=profile, state=AgentState.AVAILABLE, at=at)


def open_around_the_clock() -> None:
    """Every center takes calls at any hour on any day (tests whose steps run at the real current time)."""
    from datetime import time

    from brokerdesk.contact_center.models import CenterSettings
    from brokerdesk.contact_center.routing import config

    CenterSettings.objects.update(weekday_opens=time.min, weekday_closes=time.max, saturday_opens=time.min,
                                  saturday_closes=time.max, sunday_opens=time.min, sunday_closes=time.max,
                                  open_on_holidays=True)
    config.invalidate()
