"""Wallboard and report figures on hand-made legs: service level, abandonment, ASA and AHT."""

from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from brokerdesk.contact_center import selectors
from brokerdesk.contact_center.choices import AgentState, RouteReason
from brokerdesk.contact_center.models import AgentProfile, AgentStateChange, Call, CallLeg, Skill

pytestmark = pytest.mark.django_db
_refs = count(1)


def _leg(center, skill, queued, *, answer_after=None, talk=None, abandon_after=None, outcome=None):
    call = Call.objects.create(call_ref=f"w-{next(_refs)}", caller_number="13800000000", dialled_number="95500",
                               offered_at=queued, status="ended", center=center, skill=skill)
    leg = CallLeg(call=call, center=center, skill=skill, route_reason=RouteReason.LOCAL, queued_at=queued)
    if answer_after is not None:
        leg.answered_at = queued + timedelta(seconds=answer_after)
        if talk is not None:
            leg.ended_at = leg.answered_at + timedelta(seconds=talk)
        leg.outcome = outcome or "answered"
    elif abandon_after is not None:
        leg.ended_at = queued + timedelta(seconds=abandon_after)
        leg.outcome = "abandoned"
    leg.save()
    return leg


@pytest.fixture
def traffic(floor):
    """At the Guangdong center today: 3 answered (10 s, 30 s, 15 s; talk 100, 200, 300 s), 1 abandoned after 40 s,
    1 abandoned after 2 s (a short abandon), 1 still waiting; 60 s of wrap-up in all."""
    center, general = floor["center"], Skill.objects.get(code="general")
    start = timezone.localtime().replace(hour=0, minute=5, second=0, microsecond=0)
    for i, (wait, talk) in enumerate([(10, 100), (30, 200), (15, 300)]):
        _leg(center, general, start + timedelta(minutes=i), answer_after=wait, talk=talk)
    _leg(center, general, start + timedelta(minutes=5), abandon_after=40)
    _leg(center, general, start + timedelta(minutes=6), abandon_after=2)
    _leg(center, general, start + timedelta(minutes=7))
    AgentStateChange.objects.create(agent=floor["local"], state=AgentState.WRAP_UP, started_at=start,
                                    ended_at=start + timedelta(seconds=60))
    return floor


def test_it_computes_service_level_abandonment_asa_and_aht(traffic):
    board = selectors.wallboard([traffic["center"]])[0]
    figures = board.figures
    assert (figures.offered, figures.answered, figures.abandoned) == (6, 3, 2)
    # base: 5 settled legs - 1 short abandon = 4; within 20 s: the 10 s and 15 s answers.
    assert figures.service_level == pytest.approx(2 / 4)
    assert figures.abandonment_rate == pytest.approx(1 / 4)
    assert figures.asa_seconds == pytest.approx((10 + 30 + 15) / 3)
    assert figures.aht_seconds == pytest.approx((100 + 200 + 300 + 60) / 3)
    assert [q.skill for q in board.queues] == ["综合业务"]
    assert board.queues[0].figures.answered == 3


def test_it_counts_waiting_calls_and_agents_by_state(floor):
    Call.objects.create(call_ref="q-1", caller_number="1", dialled_number="95500", offered_at=timezone.now(),
                        status="queued", center=floor["center"], skill=Skill.objects.get(code="general"),
                        queued_at=timezone.now() - timedelta(seconds=42))
    AgentProfile.objects.filter(pk=floor["local"].pk).update(state=AgentState.AVAILABLE)
    board = selectors.wallboard([floor["center"]])[0]
    assert board.waiting == 1 and board.longest_wait_seconds >= 42
    assert board.agents == {"available": 1}
    assert board.queues[0].agents == {"available": 1}


def test_it_shows_an_agent_their_own_centers_wallboard_only(traffic, login):
    client = login(traffic["local"].staff)
    page = client.get("/cc/wallboard/")
    assert page.status_code == 200
    assert b'data-testid="board-SC-GD"' in page.content and b'data-testid="board-HQ"' not in page.content
    assert b'data-testid="definitions"' in page.content
    assert client.get(f"/cc/wallboard/{traffic['center'].pk}/figures/").status_code == 200
    assert client.get(f"/cc/wallboard/{traffic['hq'].pk}/").status_code == 404
    assert client.get(f"/cc/wallboard/{traffic['hq'].pk}/figures/").status_code == 404


def test_it_shows_every_center_to_company_scope(traffic, users, login):
    page = login(users["admin"]).get("/cc/wallboard/")
    assert b'data-testid="board-SC-GD"' in page.content and b'data-testid="board-HQ"' in page.content
    assert b"/ws/cc/wallboard/0/" in page.content


def test_it_reports_per_day_and_hour_from_sql_groups(traffic):
    today = timezone.localdate()
    daily = selectors.contact_report([traffic["center"], traffic["hq"]], today, today, by="day")
    assert [(r.center.code, r.period) for r in daily] == [("SC-GD", today)]
    assert daily[0].figures.service_level == pytest.approx(0.5)
    assert daily[0].figures.aht_seconds == pytest.approx(660 / 3)
    hourly = selectors.contact_report([traffic["center"]], today, today, by="hour")
    assert len(hourly) == 1 and timezone.localtime(hourly[0].period).hour == 0
    assert hourly[0].figures.offered == 6


def test_it_shows_the_report_page_to_supervisors(traffic, users, login):
    page = login(users["supervisor"]).get("/cc/reports/", {"start": timezone.localdate().isoformat(),
                                                          "end": timezone.localdate().isoformat(), "by": "hour"})
    assert page.status_code == 200
    assert b"50.0%" in page.content and b'data-testid="report-rows"' in page.content
    assert login(users["agent"]).get("/cc/reports/").status_code == 403


def test_it_refuses_a_report_range_that_ends_before_it_starts(users, login):
    page = login(users["supervisor"]).get("/cc/reports/", {"start": "2026-03-10", "end": "2026-03-01"})
    assert page.status_code == 422
