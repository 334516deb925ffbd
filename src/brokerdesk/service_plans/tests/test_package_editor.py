"""Configuring a package in the pages: validated in full, saved with its inlines, audited; others get 403."""

import pytest
from django.urls import reverse

from brokerdesk.core.models import AuditEvent
from brokerdesk.service_plans.models import ServicePackage

pytestmark = pytest.mark.django_db


def form_data(package, **changes):
    data = {"code": package.code, "name": package.name, "description": package.description, "rank": package.rank,
            "min_asset_tier": package.min_asset_tier, "min_risk_level": package.min_risk_level,
            "risk_level": package.risk_level, "effective_from": package.effective_from.isoformat(),
            "effective_to": "", "is_active": "on",
            "entitlements-TOTAL_FORMS": "0", "entitlements-INITIAL_FORMS": "0",
            "schedules-TOTAL_FORMS": str(package.schedules.count()),
            "schedules-INITIAL_FORMS": str(package.schedules.count())}
    for i, s in enumerate(package.schedules.order_by("id")):
        data.update({f"schedules-{i}-id": s.pk, f"schedules-{i}-asset_tier": s.asset_tier,
                     f"schedules-{i}-standard_rate": s.standard_rate, f"schedules-{i}-min_rate": s.min_rate,
                     f"schedules-{i}-max_rate": s.max_rate})
    data.update(changes)
    return data


def test_it_saves_a_package_and_its_schedules_audited(users, login):
    gold = ServicePackage.objects.get(code="gold")
    response = login(users["reviewer"]).post(reverse("service_plans:package_edit", args=[gold.pk]),
                                             form_data(gold, name="金牌服务Plus", **{"schedules-0-max_rate": "0.2300"}))
    assert response.status_code == 302
    gold.refresh_from_db()
    assert gold.name == "金牌服务Plus"
    assert str(gold.schedules.order_by("id").first().max_rate) == "0.2300"
    event = AuditEvent.objects.get(action="package.save")
    assert event.before["name"] == "金牌服务" and event.after["name"] == "金牌服务Plus"


def test_it_refuses_a_standard_rate_outside_its_band_and_changes_nothing(users, login):
    gold = ServicePackage.objects.get(code="gold")
    response = login(users["reviewer"]).post(reverse("service_plans:package_edit", args=[gold.pk]),
                                             form_data(gold, name="改名", **{"schedules-0-max_rate": "0.1000"}))
    assert response.status_code == 422
    gold.refresh_from_db()
    assert gold.name == "金牌服务"
    assert not AuditEvent.objects.filter(action="package.save").exists()


def test_it_keeps_the_editor_from_front_line_staff(users, login):
    gold = ServicePackage.objects.get(code="gold")
    assert login(users["agent"]).get(reverse("service_plans:package_edit", args=[gold.pk])).status_code == 403
