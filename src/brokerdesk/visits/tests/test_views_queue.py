"""The return-visit queue page: what an agent holds and may claim (masked, their team's only), claiming, paging
without counting, the supervisors' view of every task, the home panel, the 360 section and the timeline."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from brokerdesk.core.masking import mask_name
from brokerdesk.visits import services
from brokerdesk.visits.choices import TaskStatus
from brokerdesk.visits.models import VisitTask
from brokerdesk.visits.tests.views_support import make_task, programme
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

QUEUE = "/visits/"


def test_it_shows_branch_staff_their_branch_queue_with_masked_names(users, customer_a, customer_b, login):
    mine, theirs = make_task(customer_a), make_task(customer_b)
    response = login(users["branch_a"]).get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-task="{mine.pk}"' in html and f'data-task="{theirs.pk}"' not in html
    assert mask_name(customer_a.name) in html and customer_a.customer_no in html
    assert customer_a.name not in html
    assert customer_b.customer_no not in html
    assert f'action="/visits/{mine.pk}/claim/"' in html


def test_it_keeps_center_tasks_out_of_the_branch_queue_and_branch_tasks_out_of_the_centers(
        users, org, customer_a, login):
    center_task = make_task(customer_a, "annual_sample", center=org["center"])
    branch_task = make_task(customer_a)
    branch_page = login(users["branch_a"]).get(QUEUE).content.decode()
    agent_page = login(users["agent"]).get(QUEUE).content.decode()
    assert f'data-task="{branch_task.pk}"' in branch_page and f'data-task="{center_task.pk}"' not in branch_page
    assert f'data-task="{center_task.pk}"' in agent_page and f'data-task="{branch_task.pk}"' not in agent_page


def test_it_claims_a_row_and_opens_the_work_screen(users, customer_a, login):
    task = make_task(customer_a)
    client = login(users["branch_a"])
    response = client.post(f"/visits/{task.pk}/claim/")
    assert response.status_code == 302 and response["Location"] == f"/visits/{task.pk}/"
    task.refresh_from_db()
    assert (task.status, task.assignee_id) == (TaskStatus.CLAIMED, users["branch_a"].pk)
    page = client.get(QUEUE).content.decode()
    in_hand = page.split('data-testid="in-hand"')[1].split("</section>")[0]
    assert f'data-task="{task.pk}"' in in_hand


def test_it_claims_the_most_urgent_task_next(users, org, customer_a, login):
    later = make_task(customer_a, due_in_days=9)
    sooner = make_task(make_customer(org["branch_a"]), due_in_days=2)
    client = login(users["branch_a"])
    response = client.post("/visits/claim-next/")
    assert response.status_code == 302 and response["Location"] == f"/visits/{sooner.pk}/"
    assert VisitTask.objects.get(pk=sooner.pk).assignee_id == users["branch_a"].pk
    assert VisitTask.objects.get(pk=later.pk).status == TaskStatus.PENDING


def test_it_says_so_when_there_is_nothing_to_claim(users, login):
    client = login(users["branch_a"])
    response = client.post("/visits/claim-next/", follow=True)
    assert response.redirect_chain == [("/visits/", 302)]
    assert 'class="messages"' in response.content.decode()


def test_it_filters_the_queue_by_programme_and_overdue(users, org, customer_a, login):
    overdue = make_task(customer_a, due_in_days=-2)
    other = make_task(make_customer(org["branch_a"]), "elderly_clients")
    client = login(users["branch_a"])
    page = client.get(QUEUE, {"overdue": "1"}).content.decode()
    assert f'data-task="{overdue.pk}"' in page and f'data-task="{other.pk}"' not in page
    assert 'data-overdue="1"' in page
    page = client.get(QUEUE, {"programme": programme("elderly_clients").pk}).content.decode()
    assert f'data-task="{other.pk}"' in page and f'data-task="{overdue.pk}"' not in page


def test_it_pages_the_queue_without_counting_it(users, org, login, django_assert_max_num_queries):
    tasks = [make_task(make_customer(org["branch_a"]), due_in_days=n) for n in range(27)]
    client = login(users["branch_a"])
    first = client.get(QUEUE).content.decode()
    assert "page=2" in first and f'data-task="{tasks[0].pk}"' in first and f'data-task="{tasks[25].pk}"' not in first
    second = client.get(QUEUE, {"page": 2}).content.decode()
    assert f'data-task="{tasks[25].pk}"' in second and f'data-task="{tasks[26].pk}"' in second
    assert "page=3" not in second
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(QUEUE)
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()
                and "visits_visittask" in q["sql"]]


def test_it_lists_retries_waiting_for_their_time_apart_from_what_can_be_claimed(users, customer_a, login):
    at = timezone.now() + timedelta(hours=2)
    task = make_task(customer_a, attempts=1, not_before=at)
    page = login(users["branch_a"]).get(QUEUE).content.decode()
    claimable = page.split('data-testid="claimable-queue"')[1].split("</table>")[0]
    waiting = page.split('data-testid="waiting-retries"')[1].split("</section>")[0]
    assert f'data-task="{task.pk}"' not in claimable
    assert f'data-task="{task.pk}"' in waiting
    assert timezone.localtime(at).strftime("%Y-%m-%d %H:%M") in waiting


def test_it_shows_supervisors_every_task_in_scope_with_filters(users, org, customer_a, customer_b, login):
    a = make_task(customer_a)
    b = make_task(customer_b, "annual_sample", center=org["hq"])
    services.visit_task_claim(actor=users["branch_a"], task_id=a.pk)
    client = login(users["supervisor"])
    page = client.get(QUEUE, {"view": "all"}).content.decode()
    assert 'data-testid="all-tasks"' in page
    assert f'data-task="{a.pk}"' in page and f'data-task="{b.pk}"' in page
    assert customer_a.name not in page
    by_branch = client.get(QUEUE, {"view": "all", "branch": org["branch_b"].pk}).content.decode()
    assert f'data-task="{b.pk}"' in by_branch and f'data-task="{a.pk}"' not in by_branch
    by_center = client.get(QUEUE, {"view": "all", "center": org["hq"].pk}).content.decode()
    assert f'data-task="{b.pk}"' in by_center and f'data-task="{a.pk}"' not in by_center
    by_assignee = client.get(QUEUE, {"view": "all", "assignee": users["branch_a"].pk}).content.decode()
    assert f'data-task="{a.pk}"' in by_assignee and f'data-task="{b.pk}"' not in by_assignee
    nobody = client.get(QUEUE, {"view": "all", "assignee": "none"}).content.decode()
    assert f'data-task="{b.pk}"' in nobody and f'data-task="{a.pk}"' not in nobody
    claimed = client.get(QUEUE, {"view": "all", "status": "claimed"}).content.decode()
    assert f'data-task="{a.pk}"' in claimed and f'data-task="{b.pk}"' not in claimed
    by_programme = client.get(QUEUE, {"view": "all", "programme": programme("annual_sample").pk}).content.decode()
    assert f'data-task="{b.pk}"' in by_programme and f'data-task="{a.pk}"' not in by_programme


def test_it_keeps_the_all_tasks_view_from_agents_and_shows_it_to_compliance(users, customer_a, customer_b, login):
    a = make_task(customer_a)
    agent_page = login(users["branch_a"]).get(QUEUE, {"view": "all"}).content.decode()
    assert 'data-testid="all-tasks"' not in agent_page and 'data-testid="claimable-queue"' in agent_page
    compliance_page = login(users["compliance"]).get(QUEUE).content.decode()
    assert 'data-testid="all-tasks"' in compliance_page and f'data-task="{a.pk}"' in compliance_page
    assert "claim-next" not in compliance_page


def test_it_refuses_the_queue_to_staff_without_visits_and_to_strangers(users, login):
    assert login(users["admin"]).get(QUEUE).status_code == 403
    assert login(users["admin"]).post("/visits/claim-next/").status_code == 403
    response = Client().get(QUEUE, secure=True)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_refuses_a_post_without_the_csrf_token(users, customer_a):
    task = make_task(customer_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["branch_a"])
    assert client.post(f"/visits/{task.pk}/claim/", secure=True).status_code == 403
    assert client.post("/visits/claim-next/", secure=True).status_code == 403
    assert VisitTask.objects.get(pk=task.pk).status == TaskStatus.PENDING


def test_it_shows_my_return_visits_on_the_home_page(users, customer_a, login):
    held, waiting = make_task(customer_a), make_task(customer_a, "elderly_clients")
    services.visit_task_claim(actor=users["branch_a"], task_id=held.pk)
    page = login(users["branch_a"]).get("/").content.decode()
    panel = page.split('data-testid="panel-my-visits"')[1].split("</section>")[0]
    assert f"/visits/{held.pk}/" in panel and f"/visits/{waiting.pk}/" in panel
    assert 'data-panel="visits.mine"' not in login(users["reviewer"]).get("/").content.decode()


def test_it_lists_the_clients_visits_on_the_360_and_in_the_timeline(users, customer_a, login, settings, tmp_path):
    settings.LAKE_DIR = tmp_path / "lake"
    task = make_task(customer_a)
    page = login(users["branch_a"]).get(f"/customers/{customer_a.pk}/").content.decode()
    section = page.split('data-testid="customer-visits-section"')[1].split("</section>")[0]
    assert f'data-task="{task.pk}"' in section and programme().name in section
    timeline = page.split('id="timeline"')[1]
    assert 'class="kind-visit"' in timeline and f"/visits/{task.pk}/" in timeline
    other = login(users["branch_b"]).get(f"/customers/{customer_a.pk}/")
    assert other.status_code == 404
