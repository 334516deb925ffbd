"""Binding a follower to a client: a staff member issues a one-time code, the client sends it in WeChat."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brokerdesk.core.errors import NotFound, PermissionDenied
from brokerdesk.core.models import AuditEvent
from brokerdesk.messaging.models import InboundMessage
from brokerdesk.messaging.wechat import services
from brokerdesk.messaging.wechat.models import WeChatBindAttempt, WeChatBindingCode, WeChatFollower
from brokerdesk.messaging.wechat.tests.conftest import event_xml, new_openid, text_xml, tickets

pytestmark = pytest.mark.django_db(transaction=True)


def _follower(platform) -> str:
    openid = new_openid()
    platform.post(event_xml(openid, "subscribe"))
    return openid


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_it_binds_a_follower_with_the_right_code_and_matches_their_messages(platform, binder, customer_a):
    openid = _follower(platform)
    issued = services.wechat_binding_code_issue(actor=binder, customer_id=customer_a.pk)
    assert len(issued.code) == 6 and issued.code.isdigit()
    assert issued.code not in issued.record.code_hash  # only a keyed hash is kept
    answer = platform.post(text_xml(openid, f"绑定 {issued.code}"))
    assert answer.status == 200 and answer.xml["Content"]
    follower = WeChatFollower.objects.get(openid=openid)
    assert follower.customer_id == customer_a.pk and follower.bound_at is not None
    assert not tickets().exists()  # a binding command is not a ticket
    asked = platform.post(text_xml(openid, "我想咨询融资融券业务"))
    ticket = tickets().get()
    assert ticket.customer_id == customer_a.pk and ticket.number in asked.xml["Content"]
    assert InboundMessage.objects.get(routed_to_type="ticket").customer_id == customer_a.pk
    # The code is used up: sending it again (from anyone) binds nothing.
    other = _follower(platform)
    platform.post(text_xml(other, f"绑定 {issued.code}"))
    assert WeChatFollower.objects.get(openid=other).customer_id is None
    assert AuditEvent.objects.filter(action="wechat.follower_bind", object_id=str(follower.pk)).exists()


def test_it_refuses_a_wrong_code(platform, binder, customer_a):
    openid = _follower(platform)
    issued = services.wechat_binding_code_issue(actor=binder, customer_id=customer_a.pk)
    answer = platform.post(text_xml(openid, f"绑定 {_wrong(issued.code)}"))
    assert answer.status == 200 and answer.xml["Content"]
    assert WeChatFollower.objects.get(openid=openid).customer_id is None
    assert WeChatBindAttempt.objects.filter(openid=openid, succeeded=False).count() == 1
    assert not tickets().exists()


def test_it_refuses_an_expired_code(platform, binder, customer_a):
    openid = _follower(platform)
    issued = services.wechat_binding_code_issue(actor=binder, customer_id=customer_a.pk)
    assert issued.expires_at - timezone.now() <= timedelta(minutes=10)
    WeChatBindingCode.objects.filter(pk=issued.record.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    platform.post(text_xml(openid, f"绑定 {issued.code}"))
    assert WeChatFollower.objects.get(openid=openid).customer_id is None


def test_it_refuses_a_code_revoked_by_a_newer_one(platform, binder, customer_a):
    openid = _follower(platform)
    first = services.wechat_binding_code_issue(actor=binder, customer_id=customer_a.pk)
    second = services.wechat_binding_code_issue(actor=binder, customer_id=customer_a.pk)
    platform.post(text_xml(openid, f"绑定 {first.code}"))
    assert WeChatFollower.objects.get(openid=openid).customer_id is None
    platform.post(text_xml(openid, f"绑定 {second.code}"))
    assert WeChatFollower.objects.get(openid=openid).customer_id == customer_a.pk


def test_it_limits_wrong_codes_per_follower_per_hour(platform, binder, customer_a):
    openid = _follower(platform)
    issued = services.wechat_binding_code_issue(actor=binder, customer_id=customer_a.pk)
    replies = {platform.post(text_xml(openid, f"绑定 {_wrong(issued.code)}")).xml["Content"]
               for _ in range(services.BIND_FAILURES_PER_HOUR)}
    blocked = platform.post(text_xml(openid, f"绑定 {issued.code}"))  # the right code, but too late
    assert blocked.xml["Content"] not in replies
    assert WeChatFollower.objects.get(openid=openid).customer_id is None
    # Another follower is not blocked by this one's guesses, and the code still works for the client.
    other = _follower(platform)
    platform.post(text_xml(other, f"绑定 {issued.code}"))
    assert WeChatFollower.objects.get(openid=other).customer_id == customer_a.pk
    # An hour later the follower may try again.
    WeChatBindAttempt.objects.filter(openid=openid).update(at=timezone.now() - timedelta(hours=1, seconds=1))
    again = services.wechat_binding_code_issue(actor=binder, customer_id=customer_a.pk)
    platform.post(text_xml(openid, f"绑定 {again.code}"))
    assert WeChatFollower.objects.get(openid=openid).customer_id == customer_a.pk


def test_it_issues_codes_only_to_permitted_staff_for_clients_they_see(binder, users, customer_a, customer_b):
    with pytest.raises(NotFound):
        services.wechat_binding_code_issue(actor=binder, customer_id=customer_b.pk)
    with pytest.raises(PermissionDenied):
        services.wechat_binding_code_issue(actor=users["admin"], customer_id=customer_a.pk)
    assert not WeChatBindingCode.objects.exists()


def test_it_shows_the_code_once_on_the_page_and_unlinks_followers(login, binder, users, customer_a, customer_b):
    client = login(binder)
    page = client.get(f"/wechat/bind/{customer_a.pk}/")
    assert page.status_code == 200 and 'data-testid="binding-code"' not in page.content.decode()
    issued = client.post(f"/wechat/bind/{customer_a.pk}/", {"action": "issue"})
    assert issued.status_code == 200 and 'data-testid="binding-code"' in issued.content.decode()
    assert WeChatBindingCode.objects.filter(customer=customer_a, issued_by=binder).count() == 1
    assert client.get(f"/wechat/bind/{customer_b.pk}/").status_code == 404
    assert client.post(f"/wechat/bind/{customer_b.pk}/", {"action": "issue"}).status_code == 404
    assert login(users["admin"]).get(f"/wechat/bind/{customer_a.pk}/").status_code == 403
    follower = WeChatFollower.objects.create(openid=new_openid(), customer=customer_a, bound_at=timezone.now())
    unlinked = client.post(f"/wechat/bind/{customer_a.pk}/", {"action": "unbind", "follower": follower.pk})
    assert unlinked.status_code == 200
    follower.refresh_from_db()
    assert follower.customer_id is None
    assert AuditEvent.objects.filter(action="wechat.follower_unbind", actor_id=binder.pk).exists()


def test_it_links_the_binding_page_from_the_customer_360(login, binder, users, customer_a):
    WeChatFollower.objects.create(openid=new_openid(), customer=customer_a, bound_at=timezone.now())
    page = login(binder).get(f"/customers/{customer_a.pk}/").content.decode()
    assert 'data-testid="customer-wechat-section"' in page and f"/wechat/bind/{customer_a.pk}/" in page
    other = login(users["compliance"]).get(f"/customers/{customer_a.pk}/").content.decode()
    assert 'data-testid="customer-wechat-section"' not in other  # without the permission, no section
