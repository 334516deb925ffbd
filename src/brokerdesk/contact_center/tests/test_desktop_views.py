"""The agent desktop's pages: state control, the screen-pop on reload, transfer with a note, wrap-up, notes."""

import pytest

from brokerdesk.contact_center.choices import AgentState, CallStatus
from brokerdesk.contact_center.models import AgentProfile, Call
from brokerdesk.contact_center.services.calls import call_answered, call_ended, call_offer
from brokerdesk.contact_center.tests.support import TUESDAY_10, log_in, open_around_the_clock
from brokerdesk.core.masking import mask_id_number
from brokerdesk.customers.models import CustomerNote

pytestmark = pytest.mark.django_db


def _answered_call(floor, ref="d-1"):
    open_around_the_clock()  # the desktop acts at the real time: the target center must be open
    log_in(floor["local"], floor["remote"])
    call_offer(call_ref=ref, caller_number=floor["phone"], dialled_number="95500", ivr=["2"], at=TUESDAY_10)
    return call_answered(call_ref=ref, extension="8001", at=TUESDAY_10.replace(second=8))


def test_it_tells_staff_without_an_agent_profile_why_there_is_no_desktop(users, login):
    response = login(users["supervisor"]).get("/cc/desk/")
    assert response.status_code == 200
    assert b'data-testid="no-agent-profile"' in response.content


def test_it_refuses_the_desktop_to_branch_staff(users, login):
    assert login(users["branch_a"]).get("/cc/desk/").status_code == 403


def test_it_sets_the_agents_state_from_the_desktop(floor, login):
    client = login(floor["local"].staff)
    response = client.post("/cc/desk/state/", {"state": "break", "break_reason": "meal"})
    assert response.status_code == 200
    profile = AgentProfile.objects.get(pk=floor["local"].pk)
    assert (profile.state, profile.break_reason) == (AgentState.BREAK, "meal")
    assert client.post("/cc/desk/state/", {"state": "available"}).status_code == 200
    assert AgentProfile.objects.get(pk=floor["local"].pk).state == AgentState.AVAILABLE


def test_it_says_why_a_break_needs_a_reason(floor, login):
    response = login(floor["local"].staff).post("/cc/desk/state/", {"state": "break", "break_reason": ""})
    assert response.status_code == 422
    assert b'data-testid="desk-error"' in response.content
    assert AgentProfile.objects.get(pk=floor["local"].pk).state == AgentState.OFFLINE


def test_it_shows_the_current_calls_screen_pop_on_reload(floor, customer_a, login):
    _answered_call(floor)
    page = login(floor["local"].staff).get("/cc/desk/").content.decode()
    assert 'data-testid="screen-pop"' in page and mask_id_number(customer_a.id_number) in page
    assert 'data-testid="call-connected"' in page and 'data-testid="transfer-form"' in page
    assert f"customer={customer_a.pk}" in page  # the ticket link carries the client and the call


def test_it_transfers_to_hq_with_a_note(floor, login):
    call = _answered_call(floor)
    response = login(floor["local"].staff).post(f"/cc/calls/{call.pk}/transfer/", {
        "target": "center", "center": floor["hq"].pk, "note": "港股通开通，请总部跟进"})
    assert response.status_code == 200
    call.refresh_from_db()
    assert call.status == CallStatus.RINGING and call.agent == floor["hq_agent"]
    assert call.transfer_note == "港股通开通，请总部跟进"
    assert b'data-testid="wrap-up-form"' in response.content
    hq_page = login(floor["hq_agent"]).get("/cc/desk/").content.decode()
    assert 'data-testid="transfer-context"' in hq_page and "港股通开通，请总部跟进" in hq_page


def test_it_says_what_is_missing_from_a_transfer(floor, login):
    call = _answered_call(floor)
    response = login(floor["local"].staff).post(f"/cc/calls/{call.pk}/transfer/", {"target": "center"})
    assert response.status_code == 422
    assert Call.objects.get(pk=call.pk).status == CallStatus.ANSWERED


def test_it_wraps_up_after_the_call_and_makes_the_agent_available(floor, login):
    call = _answered_call(floor)
    call_ended(call_ref=call.call_ref, at=TUESDAY_10.replace(minute=4))
    response = login(floor["local"].staff).post(f"/cc/calls/{call.pk}/wrap-up/",
                                                {"code": "permission", "note": "已解答"})
    assert response.status_code == 200
    call.refresh_from_db()
    assert call.wrap_up_code.code == "permission" and call.wrap_up_note == "已解答"
    assert AgentProfile.objects.get(pk=floor["local"].pk).state == AgentState.AVAILABLE
    assert call.interaction.disposition == "permission"


def test_it_hides_another_agents_call_from_wrap_up_and_transfer(floor, login):
    call = _answered_call(floor)
    call_ended(call_ref=call.call_ref, at=TUESDAY_10.replace(minute=4))
    other = login(floor["hq_agent"])
    assert other.post(f"/cc/calls/{call.pk}/wrap-up/", {"code": "permission"}).status_code == 404
    assert other.post(f"/cc/calls/{call.pk}/transfer/", {"target": "center",
                                                         "center": floor["hq"].pk}).status_code == 404
    assert other.post(f"/cc/calls/{call.pk}/note/", {"body": "x"}).status_code == 404
    assert Call.objects.get(pk=call.pk).wrap_up_code is None


def test_it_refuses_to_wrap_up_a_call_still_going_on(floor, login):
    call = _answered_call(floor)
    response = login(floor["local"].staff).post(f"/cc/calls/{call.pk}/wrap-up/", {"code": "permission"})
    assert response.status_code == 422
    assert Call.objects.get(pk=call.pk).wrap_up_code is None


def test_it_adds_a_note_to_the_callers_record_during_the_call(floor, customer_a, login):
    call = _answered_call(floor)
    response = login(floor["local"].staff).post(f"/cc/calls/{call.pk}/note/", {"body": "客户要求寄送对账单"})
    assert response.status_code == 200 and b'data-testid="note-saved"' in response.content
    assert CustomerNote.objects.filter(customer=customer_a, body="客户要求寄送对账单").exists()
