"""The pure routing engine (contact_center.routing.engine): no database, a LiveView of plain counts.

A small network: HQ (id 1, open every day 8:00-22:00 incl. holidays), the Guangdong sub-center SC-GD (id 2, the
default hours: Mon-Fri 9-21, Sat 9-18, closed Sunday and holidays), Shanghai SC-SH (id 3) and Beijing SC-BJ
(id 4, takes no overflow).
"""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokerdesk.contact_center.routing.engine import (
    HQ,
    LOCAL,
    NO_AGENTS,
    OUT_OF_HOURS,
    OVERFLOW,
    SELF_SERVICE,
    SHANGHAI,
    TRANSFER,
    Action,
    Caller,
    CallRequest,
    CenterRule,
    DayKind,
    Hours,
    IvrRule,
    Router,
    RouterConfig,
)

HQ_ID, GD, SH, BJ = 1, 2, 3, 4
TUESDAY = date(2026, 11, 17)
TUESDAY_10 = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)
IVR = {
    "1": IvrRule("1", Action.SELF_SERVICE), "2": IvrRule("2", Action.QUEUE, "general"),
    "3": IvrRule("3", Action.QUEUE, "margin"), "6": IvrRule("6", Action.QUEUE, "complaints", True),
    "7": IvrRule("7", Action.CALLBACK), "8": IvrRule("8", Action.VOICEMAIL),
    "0": IvrRule("0", Action.QUEUE, "general"),
}
ALWAYS = Hours(working=(time(8), time(22)), saturday=(time(8), time(22)), sunday=(time(8), time(22)), holidays=True)


def centers(**changes) -> tuple[CenterRule, ...]:
    rules = [
        CenterRule(HQ_ID, "HQ", True, hours=ALWAYS, overflow_after=30, overflow_rank=1),
        CenterRule(GD, "SC-GD", False, overflow_after=20, overflow_rank=10),
        CenterRule(SH, "SC-SH", False, overflow_after=30, overflow_rank=5),
        CenterRule(BJ, "SC-BJ", False, overflow_after=30, overflow_rank=1, accepts_overflow=False),
    ]
    return tuple(replace(r, **changes[r.code]) if r.code in changes else r for r in rules)


def make_router(*, rules=None, day_kind=None, max_wait=180.0) -> Router:
    config = RouterConfig(centers=rules or centers(), ivr=IVR, default_skill="general", vip_skill="vip",
                          complaint_skill="complaints", max_wait=max_wait)
    if day_kind is not None:
        config = replace(config, day_kind=day_kind)
    return Router(config)


class Live:
    """staffed/idle per (center, skill), e.g. Live({(2, "general"): (3, 0)})."""

    def __init__(self, counts=None):
        self.counts = dict(counts or {})

    def staffed(self, center_id, skill):
        return self.counts.get((center_id, skill), (0, 0))[0]

    def idle(self, center_id, skill):
        return self.counts.get((center_id, skill), (0, 0))[1]


CLIENT = Caller(customer_id=7, serving_center_id=GD)
VIP = Caller(customer_id=8, serving_center_id=GD, is_vip=True)
UNKNOWN = Caller()
EVERYONE_FREE = Live({(c, s): (2, 1) for c in (HQ_ID, GD, SH, BJ)
                      for s in ("general", "vip", "margin", "complaints")})


def first(caller=CLIENT, at=TUESDAY_10, ivr=("2",)) -> CallRequest:
    return CallRequest(caller, at, ivr)


def recheck(waited, *, center=GD, skill="general", at=TUESDAY_10, caller=CLIENT) -> CallRequest:
    return CallRequest(caller, at + timedelta(seconds=waited), ("2",), waited=waited, center_id=center, skill=skill)


# --------------------------------------------------------------------------------------------- first routing


def test_it_routes_a_client_to_the_serving_sub_center_even_when_its_agents_are_busy():
    live = Live({(GD, "general"): (3, 0), (HQ_ID, "general"): (5, 5)})
    decision = make_router().route(first(), live)
    assert (decision.action, decision.reason, decision.center_id, decision.skill) == (Action.QUEUE, LOCAL, GD,
                                                                                       "general")
    assert decision.priority == 4 and decision.recheck_after == 20 and not decision.moved


def test_it_gives_a_vip_the_vip_skill_and_priority():
    decision = make_router().route(first(VIP, ivr=("2",)), EVERYONE_FREE)
    assert (decision.skill, decision.priority, decision.is_vip, decision.center_id) == ("vip", 8, True, GD)


def test_it_keeps_a_vip_on_a_specialist_skill_with_the_vip_priority():
    decision = make_router().route(first(VIP, ivr=("3",)), EVERYONE_FREE)
    assert (decision.skill, decision.priority) == ("margin", 8)


def test_it_sends_the_complaint_key_to_the_complaint_skill_with_its_priority():
    router = make_router()
    decision = router.route(first(ivr=("6",)), EVERYONE_FREE)
    assert (decision.skill, decision.priority, decision.is_complaint) == ("complaints", 6, True)
    vip = router.route(first(VIP, ivr=("6",)), EVERYONE_FREE)
    assert (vip.skill, vip.priority, vip.is_complaint, vip.is_vip) == ("complaints", 8, True, True)


def test_it_uses_the_default_skill_without_a_known_key():
    decision = make_router().route(first(ivr=("x", "5")), EVERYONE_FREE)
    assert (decision.skill, decision.priority) == ("general", 4)


@pytest.mark.parametrize(("key", "action"), [("1", Action.SELF_SERVICE), ("7", Action.CALLBACK),
                                             ("8", Action.VOICEMAIL)])
def test_it_answers_the_menu_keys_without_an_agent(key, action):
    decision = make_router().route(first(ivr=("x", key, "2")), EVERYONE_FREE)
    assert (decision.action, decision.reason, decision.center_id) == (action, SELF_SERVICE, None)


def test_it_takes_a_callback_key_also_out_of_hours():
    night = datetime(2026, 11, 17, 23, 30, tzinfo=SHANGHAI)
    assert make_router().route(first(at=night, ivr=("7",)), EVERYONE_FREE).action is Action.CALLBACK


# ------------------------------------------------------------------------------------------------ hours


def test_it_sends_a_weekday_night_call_to_self_service():
    night = datetime(2026, 11, 17, 22, 30, tzinfo=SHANGHAI)
    decision = make_router().route(first(at=night), EVERYONE_FREE)
    assert (decision.action, decision.reason) == (Action.SELF_SERVICE, OUT_OF_HOURS)
    assert decision.skill == "general" and decision.center_id is None


def test_it_sends_a_sunday_call_to_self_service_when_every_center_is_closed():
    sunday = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
    rules = centers(HQ={"hours": Hours()})
    decision = make_router(rules=rules).route(first(at=sunday), EVERYONE_FREE)
    assert (decision.action, decision.reason) == (Action.SELF_SERVICE, OUT_OF_HOURS)


def test_it_routes_a_sunday_call_to_the_center_open_on_sundays():
    sunday = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
    decision = make_router().route(first(at=sunday), EVERYONE_FREE)
    assert (decision.action, decision.center_id, decision.reason) == (Action.QUEUE, HQ_ID, NO_AGENTS)


def test_it_treats_a_public_holiday_as_closed_unless_a_center_opens_on_holidays():
    national_day = date(2026, 10, 7)  # a Wednesday

    def calendar(day):
        return DayKind.HOLIDAY if day == national_day else DayKind.WORKING

    at = datetime(2026, 10, 7, 10, 0, tzinfo=SHANGHAI)
    closed = make_router(rules=centers(HQ={"hours": Hours()}), day_kind=calendar)
    assert closed.route(first(at=at), EVERYONE_FREE).reason == OUT_OF_HOURS
    assert not closed.is_open(GD, at)
    open_hq = make_router(day_kind=calendar)  # HQ: holidays=True
    decision = open_hq.route(first(at=at), EVERYONE_FREE)
    assert (decision.action, decision.center_id) == (Action.QUEUE, HQ_ID)


def test_it_keeps_working_hours_on_a_make_up_saturday():
    makeup = date(2026, 9, 26)  # a Saturday worked in exchange for a holiday (调休)

    def calendar(day):
        return DayKind.WORKING if day == makeup else DayKind.SATURDAY

    evening = datetime(2026, 9, 26, 19, 30, tzinfo=SHANGHAI)  # after Saturday's 18:00, before the weekday 21:00
    router = make_router(day_kind=calendar)
    assert router.is_open(GD, evening)
    decision = router.route(first(at=evening), EVERYONE_FREE)
    assert (decision.center_id, decision.reason) == (GD, LOCAL)
    plain_saturday = make_router()
    assert not plain_saturday.is_open(GD, datetime(2026, 9, 19, 19, 30, tzinfo=SHANGHAI))


def test_it_reads_the_hours_in_china_time_whatever_the_timezone_of_the_request():
    at = datetime(2026, 11, 17, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    router = make_router()
    assert router.is_open(GD, at)
    assert router.route(first(at=at), EVERYONE_FREE).center_id == GD
    assert not router.is_open(GD, datetime(2026, 11, 17, 0, 30, tzinfo=UTC))  # 08:30


# ------------------------------------------------------------------------------------ away from the home center


def test_it_routes_an_unknown_caller_to_hq():
    decision = make_router().route(first(UNKNOWN), EVERYONE_FREE)
    assert (decision.center_id, decision.reason) == (HQ_ID, HQ)
    assert decision.moved


def test_it_routes_a_client_of_a_closed_center_to_hq_first():
    saturday_evening = datetime(2026, 11, 21, 19, 0, tzinfo=SHANGHAI)  # GD closes at 18:00 on Saturdays
    decision = make_router().route(first(at=saturday_evening), EVERYONE_FREE)
    assert (decision.center_id, decision.reason) == (HQ_ID, NO_AGENTS)


def test_it_routes_a_client_of_an_unstaffed_center_to_hq_first():
    live = Live({(HQ_ID, "general"): (2, 1), (SH, "general"): (2, 2)})
    decision = make_router().route(first(), live)
    assert (decision.center_id, decision.reason) == (HQ_ID, NO_AGENTS)


def test_it_prefers_another_center_with_a_free_agent_over_a_busy_hq():
    live = Live({(HQ_ID, "general"): (5, 0), (SH, "general"): (2, 1), (BJ, "general"): (2, 2)})
    decision = make_router().route(first(), live)
    assert (decision.center_id, decision.reason) == (SH, NO_AGENTS)  # BJ ranks first but takes no overflow


def test_it_queues_at_a_busy_hq_when_no_one_is_free_anywhere():
    live = Live({(HQ_ID, "general"): (5, 0), (SH, "general"): (2, 0)})
    assert make_router().route(first(), live).center_id == HQ_ID


def test_it_queues_at_home_when_nobody_anywhere_has_the_skill():
    decision = make_router().route(first(), Live())
    assert (decision.action, decision.center_id, decision.reason) == (Action.QUEUE, GD, LOCAL)


def test_it_queues_at_the_first_open_center_when_home_is_closed_and_nobody_has_the_skill():
    saturday_evening = datetime(2026, 11, 21, 19, 0, tzinfo=SHANGHAI)
    decision = make_router().route(first(at=saturday_evening), Live())
    assert (decision.center_id, decision.reason) == (HQ_ID, NO_AGENTS)


def test_it_labels_an_unknown_caller_sent_to_a_sub_center_as_overflow_not_hq():
    live = Live({(HQ_ID, "general"): (5, 0), (SH, "general"): (2, 1)})
    decision = make_router().route(first(UNKNOWN), live)
    assert (decision.center_id, decision.reason) == (SH, OVERFLOW)


def test_it_moves_a_call_at_once_from_a_center_whose_agents_all_logged_out():
    live = Live({(GD, "general"): (0, 0), (SH, "general"): (2, 0)})
    decision = make_router().route(recheck(3), live)
    assert (decision.action, decision.center_id, decision.reason) == (Action.QUEUE, SH, NO_AGENTS)


# ------------------------------------------------------------------------------------------------ rechecks


def test_it_keeps_a_call_in_place_before_the_overflow_wait():
    live = Live({(GD, "general"): (3, 0), (HQ_ID, "general"): (5, 5)})
    decision = make_router().route(recheck(12), live)
    assert (decision.action, decision.center_id, decision.reason) == (Action.QUEUE, GD, "")
    assert decision.recheck_after == pytest.approx(8)


def test_it_overflows_after_the_wait_to_hq_first():
    live = Live({(GD, "general"): (3, 0), (HQ_ID, "general"): (5, 1), (SH, "general"): (2, 1)})
    decision = make_router().route(recheck(20), live)
    assert (decision.action, decision.center_id, decision.reason) == (Action.QUEUE, HQ_ID, OVERFLOW)
    assert decision.recheck_after == 30 and decision.moved


def test_it_overflows_only_to_an_open_center_with_an_idle_agent_that_takes_overflow():
    live = Live({(GD, "general"): (3, 0), (HQ_ID, "general"): (5, 0), (BJ, "general"): (2, 2),
                 (SH, "general"): (2, 1)})
    assert make_router().route(recheck(25), live).center_id == SH
    closed_sh = make_router(rules=centers(**{"SC-SH": {"hours": Hours(working=(time(9), time(10)))}}))
    decision = closed_sh.route(recheck(25, at=TUESDAY_10.replace(hour=11)), live)
    assert (decision.center_id, decision.reason) == (GD, "")


def test_it_stays_when_an_agent_is_free_here():
    live = Live({(GD, "general"): (3, 1), (HQ_ID, "general"): (5, 5)})
    assert make_router().route(recheck(100), live).center_id == GD


def test_it_keeps_waiting_between_the_overflow_wait_and_the_maximum():
    live = Live({(GD, "general"): (3, 0)})
    decision = make_router(max_wait=180).route(recheck(170), live)
    assert (decision.action, decision.center_id) == (Action.QUEUE, GD)
    assert decision.recheck_after == pytest.approx(10)


def test_it_offers_a_callback_past_the_maximum_wait():
    live = Live({(GD, "general"): (3, 0), (HQ_ID, "general"): (5, 0)})
    decision = make_router(max_wait=180).route(recheck(181), live)
    assert (decision.action, decision.center_id, decision.reason) == (Action.CALLBACK, GD, OVERFLOW)


def test_it_still_overflows_past_the_maximum_wait_when_an_agent_is_free_elsewhere():
    live = Live({(GD, "general"): (3, 0), (SH, "general"): (1, 1)})
    decision = make_router(max_wait=180).route(recheck(200), live)
    assert (decision.action, decision.center_id) == (Action.QUEUE, SH)


def test_it_routes_again_a_call_whose_center_left_service():
    rules = centers(**{"SC-GD": {"active": False}})
    decision = make_router(rules=rules).route(recheck(10), EVERYONE_FREE)
    assert (decision.action, decision.center_id, decision.reason) == (Action.QUEUE, HQ_ID, HQ)


# ------------------------------------------------------------------------------------------------ transfers


def test_it_transfers_to_an_open_center_keeping_skill_and_priority():
    decision = make_router().transfer_to(center_id=SH, skill="margin", priority=8, at=TUESDAY_10)
    assert (decision.action, decision.reason, decision.center_id, decision.skill, decision.priority) == (
        Action.QUEUE, TRANSFER, SH, "margin", 8)
    assert make_router().transfer_to(center_id=SH, skill=None, priority=4, at=TUESDAY_10).skill == "general"


def test_it_refuses_a_transfer_to_a_closed_center():
    night = datetime(2026, 11, 17, 21, 30, tzinfo=SHANGHAI)
    with pytest.raises(ValueError, match="SC-GD is closed"):
        make_router().transfer_to(center_id=GD, skill="general", priority=4, at=night)


def test_it_refuses_a_transfer_to_a_center_out_of_service():
    rules = centers(**{"SC-SH": {"active": False}})
    with pytest.raises(ValueError, match="not in service"):
        make_router(rules=rules).transfer_to(center_id=SH, skill="general", priority=4, at=TUESDAY_10)
    assert not make_router(rules=rules).is_open(SH, TUESDAY_10)


def test_it_refuses_a_configuration_without_a_center_in_service():
    with pytest.raises(ValueError):
        Router(RouterConfig(centers=(), ivr={}, default_skill="general"))
    with pytest.raises(ValueError):
        Router(RouterConfig(centers=(CenterRule(1, "HQ", True, active=False),), ivr={}, default_skill="general"))


# ------------------------------------------------------------------------------------------------ properties

ALL = (HQ_ID, GD, SH, BJ)
SKILLS = ("general", "vip", "margin", "complaints")
counts = st.dictionaries(st.tuples(st.sampled_from(ALL), st.sampled_from(SKILLS)),
                         st.tuples(st.integers(0, 4), st.integers(0, 4)).map(lambda p: (max(p), min(p))),
                         max_size=12)
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
    lambda d: d.replace(tzinfo=SHANGHAI))
callers = st.builds(Caller, st.none() | st.integers(1, 99), st.sampled_from((None, HQ_ID, GD, SH, BJ, 99)),
                    st.booleans())
keys = st.lists(st.sampled_from(("1", "2", "3", "6", "7", "8", "0", "5", "x")), max_size=3).map(tuple)
active_flags = st.tuples(st.booleans(), st.booleans(), st.booleans())


def _router(flags) -> Router:
    gd, sh, bj = flags
    return make_router(rules=centers(**{"SC-GD": {"active": gd}, "SC-SH": {"active": sh}, "SC-BJ": {"active": bj}}))


@settings(max_examples=300, deadline=None)
@given(counts, moments, callers, keys, active_flags)
def test_it_queues_only_at_an_open_center_in_service(live_counts, at, caller, ivr, flags):
    router = _router(flags)
    decision = router.route(CallRequest(caller, at, ivr), Live(live_counts))
    if decision.action is Action.QUEUE:
        assert router.is_open(decision.center_id, at)
        assert decision.skill and decision.priority in (4, 6, 8)
        assert decision.recheck_after == router._by_id[decision.center_id].overflow_after
    elif decision.reason == OUT_OF_HOURS:
        assert not any(router.is_open(c, at) for c in ALL)
    else:
        assert decision.reason == SELF_SERVICE and decision.center_id is None


@settings(max_examples=300, deadline=None)
@given(counts, moments, st.sampled_from(ALL), st.sampled_from(SKILLS), st.floats(0, 400), active_flags)
def test_it_overflows_only_to_an_open_center_with_an_idle_agent(live_counts, at, here, skill, waited, flags):
    router = _router(flags)
    if here not in router._by_id:
        return
    live = Live(live_counts)
    decision = router.route(CallRequest(CLIENT, at, ("2",), waited=waited, center_id=here, skill=skill), live)
    if decision.action is Action.CALLBACK:
        assert waited >= 180.0 and decision.center_id == here
        return
    assert decision.action is Action.QUEUE and decision.skill == skill
    usable = router.is_open(here, at) and live.staffed(here, skill) > 0
    if decision.center_id != here and decision.reason == NO_AGENTS:
        # the center closed or lost its agents while the call waited: any open, staffed center
        assert not usable and router.is_open(decision.center_id, at) and live.staffed(decision.center_id, skill) > 0
    elif decision.center_id != here:
        assert decision.reason == OVERFLOW
        assert router.is_open(decision.center_id, at) and live.idle(decision.center_id, skill) > 0
        # from a usable center only once the wait is over and nobody there is free; a closed or unstaffed one at once
        assert not usable or (waited >= router._by_id[here].overflow_after and live.idle(here, skill) == 0)
    else:
        assert decision.recheck_after is not None and decision.recheck_after >= 1.0
