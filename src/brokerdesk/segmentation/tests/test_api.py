"""/api/v1/segments: the catalogue with counts, a segment's members (paged, scoped, masked), the run history."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from brokerdesk.core.masking import mask_id_number
from brokerdesk.customers.models import Customer
from brokerdesk.org.models import Staff
from brokerdesk.segmentation.choices import RunStatus
from brokerdesk.segmentation.models import Segment, SegmentMembership, SegmentRun

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo brokerage (300 clients, 25 trading days), segmented by the demo; shared by this module's tests in
    a transaction rolled back after the last one (each test runs in a savepoint inside it)."""
    root = tmp_path_factory.mktemp("segment-api")
    with (override_settings(LAKE_DIR=root / "lake", INTAKE_DIR=root / "intake"), django_db_blocker.unblock(),
          transaction.atomic()):
        call_command("demo", clients=300, days=25, seed=3, stdout=io.StringIO())
        yield {"run": SegmentRun.objects.get(status=RunStatus.SUCCEEDED)}
        transaction.set_rollback(True)


@pytest.fixture
def api(token_client):
    """api(username, scopes=("customers:read",)) -> a client with that demo user's bearer token."""
    return lambda username, scopes=("customers:read",): token_client(Staff.objects.get(username=username), scopes)


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def members_of(segment, username: str | None = None):
    current = SegmentMembership.objects.filter(segment=segment, valid_to__isnull=True).values("customer_id")
    clients = Customer.objects.filter(pk__in=current).order_by("customer_no")
    if username:
        clients = clients.filter(home_branch=Staff.objects.get(username=username).branch)
    return clients


def largest_segment(run) -> Segment:
    return max(Segment.objects.filter(active=True), key=lambda s: run.members.get(str(s.pk), 0))


def test_it_lists_the_catalogue_with_counts_and_trends(demo, api):
    response = api("agent").get("/api/v1/segments")

    assert response.status_code == 200
    run = demo["run"]
    found = {item["id"]: item for item in response.json()}
    assert set(found) == set(Segment.objects.filter(active=True).values_list("pk", flat=True))
    for segment in Segment.objects.filter(active=True):
        item = found[segment.pk]
        assert (item["dimension"], item["code"], item["label"]) == (segment.dimension, segment.code, segment.label_zh)
        assert item["members"] == run.members.get(str(segment.pk), 0) == members_of(segment).count()
        assert item["entered"] == run.entered.get(str(segment.pk), 0)
        assert item["trend"] == [{"business_date": run.business_date.isoformat(), "members": item["members"]}]


def test_it_pages_a_segments_members_within_the_callers_branch_masked(demo, api):
    segment = largest_segment(demo["run"])
    own = list(members_of(segment, "branch_a"))
    other = members_of(segment, "branch_b").first()
    assert len(own) > 3 and other is not None

    first = api("branch_a").get(f"/api/v1/segments/{segment.pk}/members", {"page": 1, "page_size": 3}).json()
    second = api("branch_a").get(f"/api/v1/segments/{segment.pk}/members", {"page": 2, "page_size": 3}).json()

    assert first["segment"] == {"id": segment.pk, "dimension": segment.dimension, "code": segment.code,
                                "label": segment.label_zh, "active": True}
    assert (first["count"], first["page"], first["page_size"], first["pages"]) == (len(own), 1, 3, -(-len(own) // 3))
    assert [c["customer_no"] for c in first["items"] + second["items"]] == [c.customer_no for c in own[:6]]
    card = first["items"][0]
    assert card["masked"] is True and card["id_number"] == mask_id_number(own[0].id_number) != own[0].id_number
    everyone = api("branch_a").get(f"/api/v1/segments/{segment.pk}/members", {"page_size": 500}).json()
    assert other.customer_no not in {c["customer_no"] for c in everyone["items"]}
    assert len(everyone["items"]) == len(own)
    assert api("branch_a").get(f"/api/v1/segments/{segment.pk}/members", {"page": 999}).json()["items"] == []


def test_it_caps_the_page_size_at_500(demo, api):
    segment = largest_segment(demo["run"])
    details = error(api("reviewer").get(f"/api/v1/segments/{segment.pk}/members", {"page_size": 501}), 422,
                    "validation_failed")["details"]
    assert "page_size" in details


def test_it_answers_404_for_a_missing_segment_or_to_staff_who_see_no_clients(demo, api):
    segment = largest_segment(demo["run"])
    missing = Segment.objects.order_by("-pk").first().pk + 1000

    hidden = error(api("admin").get(f"/api/v1/segments/{segment.pk}/members"), 404, "not_found")
    absent = error(api("branch_b").get(f"/api/v1/segments/{missing}/members"), 404, "not_found")
    assert hidden == absent
    error(api("branch_b").get(f"/api/v1/segments/{2**63}/members"), 404, "not_found")


def test_it_lists_the_runs_newest_first(demo, api):
    run = demo["run"]

    runs = api("branch_b").get("/api/v1/segments/runs").json()

    assert runs[0]["id"] == run.pk
    assert runs[0] | {"started_at": None, "finished_at": None} == {
        "id": run.pk, "business_date": run.business_date.isoformat(), "rule_set_version": 1,
        "status": "succeeded", "trigger": run.trigger, "started_by": "", "started_at": None, "finished_at": None,
        "duration_seconds": run.duration_seconds, "clients": run.clients, "entered": sum(run.entered.values()),
        "left": 0, "message": "features: computed in full",
    }


def test_it_requires_the_customers_read_scope(demo, api):
    segment = largest_segment(demo["run"])
    for path in ("/api/v1/segments", "/api/v1/segments/runs", f"/api/v1/segments/{segment.pk}/members"):
        error(api("reviewer", scopes=("customers:write",)).get(path), 403, "permission_denied")
    error(api("admin").get("/api/v1/segments"), 403, "permission_denied")  # sees no clients, so no segments
