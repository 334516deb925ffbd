"""Ticket pages and the API: recording, the queue, attachments, the public form's defences."""

import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from brokerdesk.tickets import services
from brokerdesk.tickets.attachments import attachment_add
from brokerdesk.tickets.models import Ticket
from brokerdesk.tickets.views import PUBLIC_FORM_SALT

pytestmark = pytest.mark.django_db


def _ticket(actor, customer, **overrides):
    data = {"kind": "complaint", "channel": "phone", "subject": "页面测试", "description": "内容",
            "customer_id": customer.pk} | overrides
    return services.ticket_create(actor=actor, data=services.TicketInput(**data), accept=True)


def test_it_records_a_ticket_from_a_call_with_the_client_and_the_call(users, customer_a, login):
    client = login(users["agent"])
    response = client.post(f"/tickets/new/?customer={customer_a.pk}", {
        "kind": "complaint", "channel": "phone", "priority": "normal", "subject": "手续费多收",
        "description": "客户称佣金高于约定", "customer": customer_a.pk, "interaction_ref": "CALL-7",
        "clients_involved": 1})
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get(subject="手续费多收")
    assert ticket.customer == customer_a and ticket.interaction_ref == "CALL-7" and ticket.owner == users["agent"]
    page = client.get(response["Location"]).content.decode()
    assert ticket.number in page and "CALL-7" in page


def test_it_shows_the_service_errors_in_place(users, login):
    response = login(users["agent"]).post("/tickets/new/", {
        "kind": "regulator_referral", "channel": "regulator", "priority": "normal", "subject": "12386",
        "description": "转办", "clients_involved": 1})
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_it_lists_only_the_branchs_own_tickets(users, customer_a, customer_b, login):
    mine, other = _ticket(users["agent"], customer_a), _ticket(users["agent"], customer_b)
    page = login(users["branch_a"]).get("/tickets/").content.decode()
    assert mine.number in page and other.number not in page
    assert login(users["branch_b"]).get(f"/tickets/{mine.pk}/").status_code == 404


def test_it_serves_html_attachments_as_sandboxed_downloads(users, customer_a, login):
    ticket = _ticket(users["agent"], customer_a)
    evil = attachment_add(actor=users["agent"], ticket_id=ticket.pk, upload=SimpleUploadedFile(
        "x.html", b"<script>alert(1)</script>", content_type="text/html"))
    response = login(users["branch_a"]).get(f"/tickets/{ticket.pk}/attachments/{evil.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"] and response["X-Content-Type-Options"] == "nosniff"
    assert len(evil.sha256) == 64


def test_it_stores_equal_files_once(users, customer_a, settings):
    ticket = _ticket(users["agent"], customer_a)
    first = attachment_add(actor=users["agent"], ticket_id=ticket.pk,
                           upload=SimpleUploadedFile("a.txt", b"same", content_type="text/plain"))
    second = attachment_add(actor=users["agent"], ticket_id=ticket.pk,
                            upload=SimpleUploadedFile("b.txt", b"same", content_type="text/plain"))
    assert first.sha256 == second.sha256
    assert len([p for p in settings.ATTACHMENT_DIR.rglob("*") if p.is_file()]) >= 1


def _public_post(client, **overrides):
    stamp = signing.dumps(str(time.time() - 60), salt=PUBLIC_FORM_SALT)
    data = {"kind": "complaint", "name": "张三", "phone": "13800138000", "subject": "网上营业厅无法登录",
            "description": "登录时提示错误", "website": "", "started": stamp} | overrides
    return client.post("/feedback/", data, REMOTE_ADDR="203.0.113.9")


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_it_takes_a_complaint_from_the_public_form(client, fresh_cache, org):
    response = _public_post(client)
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == "web" and ticket.owner is None and ticket.number in response.content.decode()


def test_it_silently_drops_a_filled_honeypot_or_a_forged_stamp(client, fresh_cache, org):
    assert _public_post(client, website="http://spam.example").status_code == 200
    assert _public_post(client, started="forged").status_code == 200
    assert not Ticket.objects.exists()


def test_it_rate_limits_the_public_form(client, fresh_cache, org, settings):
    settings.PUBLIC_FORM_LIMIT_PER_HOUR = 2
    statuses = [_public_post(client, subject=f"第{n}次").status_code for n in range(4)]
    assert statuses == [200, 200, 429, 429]
    assert Ticket.objects.count() == 2


def test_it_creates_tickets_from_the_api_for_wechat(users, customer_a, token_client):
    client = token_client(users["agent"], scopes=["tickets:read", "tickets:write"])
    response = client.post("/api/v1/tickets", {
        "kind": "consultation", "channel": "wechat", "subject": "如何修改手机号", "description": "微信咨询",
        "customer_no": customer_a.customer_no, "source_ref": "wx-session-1"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer_id"] == customer_a.pk and body["channel"] == "wechat" and body["status"] == "new"
    listed = client.get("/api/v1/tickets").json()
    assert [t["number"] for t in listed["items"]] == [body["number"]]


def test_it_refuses_an_api_ticket_with_a_bad_channel_or_an_unknown_client(users, token_client):
    client = token_client(users["agent"], scopes=["tickets:write"])
    response = client.post("/api/v1/tickets", {
        "kind": "regulator_referral", "channel": "phone", "subject": "x", "description": "y", "customer_no": "nope"},
        content_type="application/json")
    assert response.status_code == 422
    assert set(response.json()["error"]["details"]) == {"kind", "channel", "customer_no"}
    assert not Ticket.objects.exists()


def test_it_needs_the_tickets_scope(users, token_client):
    client = token_client(users["agent"], scopes=["customers:read"])
    assert client.get("/api/v1/tickets").status_code == 403
