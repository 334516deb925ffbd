"""The closed loop's staff pages (action items, experience officers) and one response per link under
concurrent submits."""

import threading

import pytest
from django.db import connection

from brokerdesk.org.models import Department
from brokerdesk.surveys.choices import ActionStatus
from brokerdesk.surveys.models import ActionItem, ExperienceOfficer, Response, Theme
from brokerdesk.surveys.responses import response_submit
from brokerdesk.surveys.tests.support import invitation_of, make_campaign


@pytest.mark.django_db
def test_it_hands_a_theme_to_a_department_and_tracks_it_to_done(users, org, login):
    department = Department.objects.create(company=org["company"], code="D-IT9", name="信息技术部", kind="it")
    theme = Theme.objects.get(code="trading_system")
    client = login(users["reviewer"])
    created = client.post("/surveys/actions/", {
        "title": "交易系统高峰时段卡顿", "theme": theme.pk, "department": department.pk,
        "owner": users["reviewer"].pk, "keyword": "卡顿", "evidence_count": "37"})
    assert created.status_code == 302
    item = ActionItem.objects.get()
    assert "交易系统高峰时段卡顿" in client.get("/surveys/actions/").content.decode()
    assert client.get(created["Location"]).status_code == 200
    assert client.post(created["Location"], {"status": ActionStatus.DONE}).status_code == 422  # say what was done
    done = client.post(created["Location"], {"status": ActionStatus.DONE, "resolution": "扩容行情服务"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE and item.closed_at is not None and item.resolution == "扩容行情服务"
    assert login(users["branch_a"]).get("/surveys/actions/").status_code == 403


@pytest.mark.django_db
def test_it_enrols_and_withdraws_experience_officers(users, login):
    theme = Theme.objects.get(code="contact_center")
    client = login(users["supervisor"])
    assert client.post("/surveys/officers/", {"staff": users["agent"].pk, "themes": [theme.pk]}).status_code == 302
    officer = ExperienceOfficer.objects.get(staff=users["agent"])
    assert officer.active and list(officer.themes.all()) == [theme]
    assert str(users["agent"]) in client.get("/surveys/officers/").content.decode()
    assert client.post("/surveys/officers/", {"withdraw": users["agent"].pk}).status_code == 302
    officer.refresh_from_db()
    assert not officer.active


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_stores_one_response_when_the_same_link_is_submitted_twice_at_once(users, org, customer_a):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests run on PostgreSQL (SQLite serialises writers anyway)")
    invitation = invitation_of(make_campaign(users["supervisor"], branches=[org["branch_a"]]), customer_a)
    start, outcomes = threading.Barrier(2), []

    def submit():
        start.wait()
        try:
            response_submit(invitation=invitation, nonce=invitation.nonce,
                            raw_answers={1: ["3"], 2: ["业务办理效率"], 3: ["太慢了"]})
            outcomes.append("stored")
        except Exception as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Conflict", "stored"]
    assert Response.objects.filter(invitation=invitation).count() == 1
