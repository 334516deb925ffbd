"""The demo brokerage `make run` loads: synth batches through intake, plus one login per role."""

import pytest
from django.test import Client

from brokerdesk.customers.models import Customer
from brokerdesk.intake.models import BatchStatus, IntakeBatch
from brokerdesk.org.models import Staff
from brokerdesk.synth.demo import DEMO_PASSWORD, STAFF, demo_loaded, load_demo
from brokerdesk.visits.models import VisitTask

pytestmark = pytest.mark.django_db


def test_it_builds_the_demo_from_synth_and_intake_with_a_login_per_role(settings, tmp_path):
    settings.LAKE_DIR = tmp_path / "lake"
    settings.INTAKE_DIR = tmp_path / "intake"
    result = load_demo(clients=300, days=25, seed=3)

    assert demo_loaded()
    assert Customer.objects.count() >= 300
    assert sorted(IntakeBatch.objects.values_list("kind", "status")) == [
        ("backfill", BatchStatus.APPLIED), ("daily", BatchStatus.APPLIED)]
    branch_a = Staff.objects.get(username="branch_a").branch
    branch_b = Staff.objects.get(username="branch_b").branch
    assert branch_a != branch_b and branch_a.serving_center != branch_b.serving_center
    assert str(branch_a) == result.branch_a
    assert Customer.objects.filter(home_branch=branch_a, client_manager__username="manager").exists()
    # The day's return visits are generated, some of them in branch A's queue.
    assert VisitTask.objects.filter(branch=branch_a, center__isnull=True).exists()
    for username, *_ in STAFF:
        client = Client()
        assert client.post("/login/", {"username": username, "password": DEMO_PASSWORD}, secure=True).status_code == 302
    # A branch user sees the clients of their branch only.
    client = Client()
    client.post("/login/", {"username": "branch_b", "password": DEMO_PASSWORD}, secure=True)
    outsider = Customer.objects.filter(home_branch=branch_a).first()
    assert client.get(f"/customers/{outsider.pk}/", secure=True).status_code == 404
