"""What an agent does for the caller besides the call itself: book a return visit, look up the knowledge base,
work the callbacks and voicemails of the center."""

import pytest

from brokerdesk.contact_center.choices import CallbackKind, CallbackStatus
from brokerdesk.contact_center.models import CallbackRequest
from brokerdesk.contact_center.services.calls import call_answered, call_offer, callback_request
from brokerdesk.contact_center.tests.support import TUESDAY_10, log_in
from brokerdesk.core.models import AuditEvent
from brokerdesk.visits.models import VisitTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(floor):
    log_in(floor["local"])
    call_offer(call_ref="c-1", caller_number=floor["phone"], dialled_number="95500", ivr=["2"], at=TUESDAY_10)
    return call_answered(call_ref="c-1", extension="8001", at=TUESDAY_10)


def test_it_books_a_return_visit_for_the_caller_once(answered, floor, customer_a, login):
    client = login(floor["local"].staff)
    url = f"/cc/calls/{answered.pk}/visit/"
    booked = client.post(url, {"note": "客户询问港股通开通进度，三个工作日内回访"})
    assert booked.status_code == 200 and 'data-testid="visit-booked"' in booked.content.decode()
    task = VisitTask.objects.get(customer=customer_a, programme__code="requested")
    assert task.status == "pending" and task.center == floor["center"] and task.source_ref == "call:c-1"
    assert task.events.get().note.startswith("客户询问港股通")
    again = client.post(url, {"note": "再约一次"})
    assert again.status_code == 422 and VisitTask.objects.filter(programme__code="requested").count() == 1
    empty = client.post(url, {"note": " "})
    assert empty.status_code == 422


def test_it_finds_knowledge_articles_at_the_desk(floor, login):
    client = login(floor["local"].staff)
    found = client.get("/cc/desk/knowledge/", {"q": "融资融券怎么开通"}).content.decode()
    assert "融资融券开通条件和流程" in found.split('data-testid="kb-hit"')[1]


def test_it_closes_a_callback_once_and_keeps_other_centers_out(answered, floor, login, users):
    call_offer(call_ref="night", caller_number=floor["phone"], dialled_number="95500", ivr=["7"],
               at=TUESDAY_10.replace(hour=23))
    request = callback_request(call_ref="night", kind=CallbackKind.CALLBACK, at=TUESDAY_10.replace(hour=23))
    assert request.center == floor["center"]
    outsider = login(floor["hq_agent"])
    assert outsider.post(f"/cc/callbacks/{request.pk}/done/", {"status": "done"}).status_code == 404
    assert str(request.number) not in outsider.get("/cc/callbacks/").content.decode()
    client = login(floor["local"].staff)
    assert str(request.number) in client.get("/cc/callbacks/").content.decode()
    refused = client.post(f"/cc/callbacks/{request.pk}/done/", {"status": "cancelled"})
    assert refused.status_code == 422  # a cancellation needs a reason
    assert client.post(f"/cc/callbacks/{request.pk}/done/", {"status": "done", "note": "已回电"}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.handled_by) == (CallbackStatus.DONE, floor["local"].staff)
    assert client.post(f"/cc/callbacks/{request.pk}/done/", {"status": "done"}).status_code == 422
    assert AuditEvent.objects.filter(action="contact_center.callback_closed", object_id=str(request.pk)).count() == 1
    assert CallbackRequest.objects.count() == 1
