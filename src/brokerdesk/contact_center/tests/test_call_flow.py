"""The life of a call through the services: local-first, answer, transfer with context, wrap-up, abandonment."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from brokerdesk.contact_center.choices import AgentState, CallStatus, TransferTarget
from brokerdesk.contact_center.models import AgentProfile, Call, Interaction, TelephonyCommand
from brokerdesk.contact_center.services.agents import agent_state_set
from brokerdesk.contact_center.services.calls import (
    call_answered,
    call_ended,
    call_offer,
    call_route,
    call_transfer,
    call_wrap_up,
)

pytestmark = pytest.mark.django_db
TUESDAY_10 = datetime(2026, 11, 17, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _log_in(*profiles):
    for profile in profiles:
        agent_state_set(actor=profile.staff, agent=profile, state=AgentState.AVAILABLE, at=TUESDAY_10)


def test_it_rings_the_local_agent_and_transfers_to_hq_with_context(floor, customer_a):
    _log_in(floor["local"], floor["remote"])
    answer = call_offer(call_ref="c-1", caller_number=floor["phone"], dialled_number="95500", ivr=["2"],
                        at=TUESDAY_10)
    assert (answer.action, answer.extension, answer.reason) == ("agent", "8001", "local")
    call = call_answered(call_ref="c-1", extension="8001", at=TUESDAY_10.replace(second=12))
    assert call.customer == customer_a and call.wait_seconds == 12
    call = call_transfer(actor=floor["local"].staff, call=call, target=TransferTarget.CENTER, center=floor["hq"],
                         note="客户咨询港股通开通，需总部处理", at=TUESDAY_10.replace(minute=3))
    assert call.status == CallStatus.RINGING and call.agent == floor["hq_agent"]
    assert call.transfer_note.startswith("客户咨询港股通")
    assert TelephonyCommand.objects.get(call=call).target == {"type": "agent", "extension": "9001"}
    assert AgentProfile.objects.get(pk=floor["local"].pk).state == AgentState.WRAP_UP
    call_answered(call_ref="c-1", extension="9001", at=TUESDAY_10.replace(minute=3, second=5))
    call = call_ended(call_ref="c-1", at=TUESDAY_10.replace(minute=6))
    assert call.status == CallStatus.ENDED and call.talk_seconds == 168 + 175
    assert [leg.center for leg in call.legs.all()] == [floor["center"], floor["hq"]]
    call_wrap_up(actor=floor["local"].staff, call=call, code="permission", note="转总部")
    assert AgentProfile.objects.get(pk=floor["local"].pk).state == AgentState.AVAILABLE
    interaction = Interaction.objects.get(call=call)
    assert interaction.customer == customer_a and interaction.agent == floor["hq_agent"]


def test_it_keeps_a_new_call_behind_one_that_waited_longer(floor):
    _log_in(floor["local"])
    AgentProfile.objects.filter(pk=floor["remote"].pk).delete()
    first = call_offer(call_ref="c-1", caller_number=floor["phone"], dialled_number="95500", at=TUESDAY_10)
    assert first.action == "agent"
    second = call_offer(call_ref="c-2", caller_number=floor["phone"], dialled_number="95500",
                        at=TUESDAY_10.replace(second=5))
    third = call_offer(call_ref="c-3", caller_number=floor["phone"], dialled_number="95500",
                       at=TUESDAY_10.replace(second=6))
    assert second.action == third.action == "queue"
    call_answered(call_ref="c-1", extension="8001", at=TUESDAY_10.replace(second=8))
    call_ended(call_ref="c-1", at=TUESDAY_10.replace(second=20))
    call_wrap_up(actor=floor["local"].staff, call=Call.objects.get(call_ref="c-1"), code="fees")
    assert call_route(call_ref="c-3", at=TUESDAY_10.replace(second=21)).action == "queue"
    assert call_route(call_ref="c-2", at=TUESDAY_10.replace(second=22)).extension == "8001"


def test_it_overflows_to_hq_after_the_wait_and_counts_abandonment(floor):
    _log_in(floor["local"], floor["remote"])
    busy = call_offer(call_ref="busy", caller_number=floor["phone"], dialled_number="95500", at=TUESDAY_10)
    assert busy.extension == "8001"
    waiting = call_offer(call_ref="c-2", caller_number=floor["phone"], dialled_number="95500", at=TUESDAY_10)
    assert waiting.action == "queue" and waiting.center == "SC-GD"
    assert call_route(call_ref="c-2", at=TUESDAY_10.replace(second=10)).action == "queue"
    moved = call_route(call_ref="c-2", at=TUESDAY_10.replace(second=31))
    assert (moved.action, moved.extension, moved.reason) == ("agent", "9001", "overflow")
    call = call_ended(call_ref="c-2", at=TUESDAY_10.replace(second=40))
    assert call.status == CallStatus.ABANDONED
    assert [leg.outcome for leg in call.legs.all()] == ["overflowed", "abandoned"]
    assert AgentProfile.objects.get(pk=floor["remote"].pk).state == AgentState.AVAILABLE


def test_it_sends_callers_to_self_service_outside_hours(floor):
    _log_in(floor["local"])
    answer = call_offer(call_ref="night", caller_number=floor["phone"], dialled_number="95500",
                        at=TUESDAY_10.replace(hour=22))
    assert (answer.action, answer.reason) == ("self_service", "out_of_hours")
