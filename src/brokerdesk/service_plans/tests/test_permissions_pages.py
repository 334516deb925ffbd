"""Trading-permission pages: the form with the disclosure and the preview, recording an application, the result
page, the client's applications; scoping (404) and permissions (403)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from brokerdesk.customers.models import TradingPermission
from brokerdesk.service_plans.models import PermissionApplication
from brokerdesk.service_plans.permission_rules import DISCLOSURES
from brokerdesk.service_plans.selectors.permissions import asset_window_days
from brokerdesk.service_plans.tests.test_permissions_helpers import (
    publish_snapshots,
    publish_trades,
    start_of_months,
)

pytestmark = pytest.mark.django_db

NEW = reverse("service_plans:permission_new")
CHECK = reverse("service_plans:permission_check")


@pytest.fixture(autouse=True)
def lake(settings, tmp_path):
    settings.LAKE_DIR = tmp_path / "lake"


def qualify(customer, daily="100000.00", months=24):
    today = timezone.localdate()
    publish_snapshots({day: [(customer.customer_no, daily)] for day in asset_window_days(today, 20)})
    publish_trades({start_of_months(today, months): [customer.customer_no]})


def form_data(customer, **overrides):
    data = {"customer": customer.pk, "kind": "chinext", "applied_on": timezone.localdate().isoformat(),
            "channel": "branch", "csdc_first_traded_on": "", "disclosure_version": DISCLOSURES["chinext"].version,
            "disclosure_signed": "on", "signer_name": customer.name}
    data.update(overrides)
    return data


def test_it_shows_the_form_with_the_disclosure_and_the_preview(users, customer_a, login):
    qualify(customer_a)
    response = login(users["branch_a"]).get(NEW, {"customer": customer_a.pk, "kind": "star"})
    assert response.status_code == 200
    html = response.content.decode()
    assert DISCLOSURES["star"].title in html and DISCLOSURES["star"].version in html
    assert f'name="disclosure_version" value="{DISCLOSURES["star"].version}"' in html
    # STAR needs 500,000: the preview says why not, with the figures.
    assert 'data-testid="eligibility-preview"' in html
    assert 'data-reason="assets_below_threshold"' in html
    assert "100,000.00" in html and "500,000.00" in html


def test_it_previews_eligibility_as_a_partial_and_stores_nothing(users, customer_a, login):
    qualify(customer_a)
    client = login(users["branch_a"])
    params = {"customer": customer_a.pk, "kind": "chinext", "applied_on": timezone.localdate().isoformat()}
    partial = client.get(CHECK, params, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    html = partial.content.decode()
    assert "<html" not in html and 'id="permission-panel"' in html
    assert 'data-eligible="no"' in html and 'data-reason="disclosure_not_signed"' in html
    assert 'data-reason="assets_below_threshold"' not in html
    assert DISCLOSURES["chinext"].title in html
    page = client.get(CHECK, params)
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert not PermissionApplication.objects.exists()
    assert not TradingPermission.objects.filter(customer=customer_a).exists()


def test_it_shows_a_preview_error_for_bad_dates(users, customer_a, login):
    client = login(users["branch_a"])
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    for applied_on in ("not-a-date", future):
        response = client.get(CHECK, {"customer": customer_a.pk, "kind": "chinext", "applied_on": applied_on},
                              HTTP_HX_REQUEST="true")
        assert 'data-testid="preview-error"' in response.content.decode()


def test_it_records_a_granted_application_and_shows_the_result(users, customer_a, login):
    qualify(customer_a)
    client = login(users["branch_a"])
    response = client.post(NEW, form_data(customer_a))
    application = PermissionApplication.objects.get(customer=customer_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("service_plans:permission_detail", args=[application.pk])
    assert TradingPermission.objects.filter(customer=customer_a, kind="chinext", revoked_on=None).exists()

    detail = client.get(response["Location"]).content.decode()
    assert 'data-status="granted"' in detail
    assert application.disclosure_signature_hash in detail and DISCLOSURES["chinext"].version in detail
    assert "100,000.00" in detail and "2,000,000.00" in detail  # the average, the required and the sum

    listing = client.get(reverse("service_plans:permission_customer", args=[customer_a.pk])).content.decode()
    assert f'data-application="{application.pk}"' in listing and 'data-status="granted"' in listing


def test_it_records_a_refusal_with_its_reasons(users, customer_a, login):
    qualify(customer_a, daily="99999.99", months=23)
    client = login(users["branch_a"])
    response = client.post(NEW, form_data(customer_a))
    application = PermissionApplication.objects.get(customer=customer_a)
    assert response.status_code == 302 and application.status == "refused"
    detail = client.get(response["Location"]).content.decode()
    assert 'data-status="refused"' in detail
    assert 'data-reason="assets_below_threshold"' in detail and 'data-reason="experience_too_short"' in detail
    assert "99,999.99" in detail
    assert not TradingPermission.objects.filter(customer=customer_a).exists()


def test_it_requires_the_signature_checkbox(users, customer_a, login):
    qualify(customer_a)
    data = form_data(customer_a)
    del data["disclosure_signed"]
    response = login(users["branch_a"]).post(NEW, data)
    assert response.status_code == 422
    assert not PermissionApplication.objects.exists()


def test_it_shows_service_errors_in_place(users, customer_a, login):
    qualify(customer_a)
    response = login(users["branch_a"]).post(NEW, form_data(customer_a, disclosure_version="CYB-1999.01",
                                                            signer_name="别人"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "CYB-1999.01" in html and 'data-testid="form-errors"' in html
    assert not PermissionApplication.objects.exists()


def test_it_hides_another_branchs_client_and_applications(users, customer_a, login):
    qualify(customer_a)
    login(users["branch_a"]).post(NEW, form_data(customer_a))
    application = PermissionApplication.objects.get()
    outsider = login(users["branch_b"])
    assert outsider.get(NEW, {"customer": customer_a.pk}).status_code == 404
    assert outsider.post(NEW, form_data(customer_a)).status_code == 404
    assert outsider.get(CHECK, {"customer": customer_a.pk, "kind": "chinext"}).status_code == 404
    assert outsider.get(reverse("service_plans:permission_detail", args=[application.pk])).status_code == 404
    assert outsider.get(reverse("service_plans:permission_customer", args=[customer_a.pk])).status_code == 404
    assert outsider.get(reverse("service_plans:permission_detail", args=[application.pk + 999])).status_code == 404
    assert PermissionApplication.objects.count() == 1


def test_it_refuses_staff_without_the_permission(users, customer_a, login):
    agent = login(users["agent"])
    assert agent.get(NEW, {"customer": customer_a.pk}).status_code == 403
    assert agent.get(CHECK, {"customer": customer_a.pk, "kind": "chinext"}).status_code == 403
    # Reading a client's applications is open to everyone who works with clients (view_permissionapplication).
    assert agent.get(reverse("service_plans:permission_customer", args=[customer_a.pk])).status_code == 200
