"""The package pages through HTTP: the catalogue, a client's services, requesting with and without a signed
warning, approval, the self-service page, product checks; other branches see 404."""

import pytest
from django.urls import reverse

from brokerdesk.service_plans.models import Subscription, SuitabilityCheck
from brokerdesk.service_plans.tests.support import put_in_tier
from brokerdesk.service_plans.views.suitability import self_service_link

pytestmark = pytest.mark.django_db


def test_it_shows_the_catalogue_with_entitlements_and_rates(users, login):
    page = login(users["agent"]).get(reverse("service_plans:catalogue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "钻石尊享" in html and "0.1300" in html


def test_it_hides_a_client_of_another_branch(users, login, customer_a):
    client = login(users["branch_b"])
    assert client.get(reverse("service_plans:customer", args=[customer_a.pk])).status_code == 404
    assert client.post(reverse("service_plans:customer_request", args=[customer_a.pk]),
                       {"package": "gold", "channel": "branch"}).status_code == 404
    assert not Subscription.objects.exists()


def test_it_subscribes_from_the_client_page(users, login, customer_a):
    put_in_tier(customer_a, "gold")
    client = login(users["agent"])
    assert "金牌服务" in client.get(reverse("service_plans:customer", args=[customer_a.pk])).content.decode()
    response = client.post(reverse("service_plans:customer_request", args=[customer_a.pk]),
                           {"package": "gold", "channel": "phone", "commission_rate": "", "reason": "来电"})
    subscription = Subscription.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/subscriptions/{subscription.pk}/")
    assert subscription.status == "active"


def test_it_shows_eligibility_problems_in_place(users, login, customer_a):
    put_in_tier(customer_a, "silver")
    response = login(users["agent"]).post(reverse("service_plans:customer_request", args=[customer_a.pk]),
                                          {"package": "diamond", "channel": "phone"})
    assert response.status_code == 422
    assert 'data-testid="request-error"' in response.content.decode()


def test_it_takes_the_client_through_the_warning_on_a_mismatch(users, login, customer_a):
    customer_a.risk_level = "C1"
    customer_a.save()
    put_in_tier(customer_a, "gold")
    client = login(users["agent"])
    response = client.post(reverse("service_plans:customer_request", args=[customer_a.pk]),
                           {"package": "gold", "channel": "phone"})
    check = SuitabilityCheck.objects.get()
    assert reverse("service_plans:check_confirm", args=[check.pk]) in response["Location"]
    page = client.get(response["Location"])
    assert 'data-testid="risk-warning"' in page.content.decode()
    refused = client.post(response["Location"], {"package": "gold", "channel": "phone", "signer_name": "x"})
    assert refused.status_code == 422 and not Subscription.objects.exists()
    done = client.post(response["Location"], {"package": "gold", "channel": "phone", "signer_name": customer_a.name,
                                              "declared": "on"})
    assert done.status_code == 302
    assert Subscription.objects.get().suitability_id == check.pk


def test_it_lets_a_reviewer_approve_from_the_queue(users, login, customer_a):
    put_in_tier(customer_a, "platinum")
    login(users["branch_a"]).post(reverse("service_plans:customer_request", args=[customer_a.pk]),
                                  {"package": "platinum", "channel": "branch"})
    subscription = Subscription.objects.get()
    reviewer = login(users["reviewer"])
    assert customer_a.name in reviewer.get(reverse("service_plans:approvals")).content.decode()
    reviewer.post(reverse("service_plans:subscription_act", args=[subscription.pk, "approve"]), {"note": "同意"})
    subscription.refresh_from_db()
    assert subscription.status == "active"
    outsider = login(users["branch_b"])
    assert outsider.get(reverse("service_plans:subscription", args=[subscription.pk])).status_code == 404


def test_it_serves_the_self_service_page_by_signed_link_only(client, customer_a):
    put_in_tier(customer_a, "gold")
    link = self_service_link(customer_a)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "金牌服务" in page.content.decode()
    assert client.post("/" + path, {"action": "request", "package": "gold"}).status_code == 302
    assert Subscription.objects.get().channel == "self_service"
    assert client.get("/" + path[:-3] + "abc/").status_code == 404


def test_it_records_a_product_check_and_routes_a_mismatch_to_the_warning(users, login, customer_a):
    client = login(users["agent"])
    response = client.post(reverse("service_plans:product_check", args=[customer_a.pk]),
                           {"product": "PF0006", "channel": "phone"})  # R5 for a C3 client
    check = SuitabilityCheck.objects.get()
    assert response["Location"] == reverse("service_plans:check_confirm", args=[check.pk])
    assert login(users["branch_b"]).get(reverse("service_plans:check", args=[check.pk])).status_code == 404
    assert client.get(reverse("service_plans:check", args=[check.pk])).status_code == 200
