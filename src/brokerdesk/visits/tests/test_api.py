"""/api/v1/visits: scoped reads, the work of a call (claim, start, outcome), token scopes, the telephony's
recordings, and errors in the one shape."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from brokerdesk.visits.models import VisitAttempt, VisitTask
from brokerdesk.visits.tests.lifecycle_support import clean_answers, make_task, question_at
from brokerdesk.wsgi import application

pytestmark = pytest.mark.django_db

READ_WRITE = ("visits:read", "visits:write")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def _post(client, url, payload=None):
    return client.post(url, payload or {}, content_type="application/json")


def test_it_lists_the_tasks_the_caller_may_see_with_filters_and_pages(users, org, customer_a, customer_b,
                                                                      token_client):
    a1 = make_task("new_account", customer_a, due_in_days=1)
    a2 = make_task("annual_sample", customer_a, center=org["center"], due_in_days=2)
    b1 = make_task("new_account", customer_b, due_in_days=1)
    make_task("core_client", customer_b, status="completed")

    agent = token_client(users["agent"], READ_WRITE)
    body = agent.get("/api/v1/visits/tasks").json()
    assert [t["id"] for t in body["items"]] == [a1.pk, b1.pk, a2.pk]  # open ones, most urgent first
    assert body["count"] == 3 and body["page"] == 1
    first = body["items"][0]
    assert first["programme"] == "new_account" and first["customer_name"] != customer_a.name
    assert first["customer_name"].startswith(customer_a.name[0]) and first["max_attempts"] == 3

    branch_a = token_client(users["branch_a"], ("visits:read",))
    assert [t["id"] for t in branch_a.get("/api/v1/visits/tasks").json()["items"]] == [a1.pk, a2.pk]
    assert [t["id"] for t in agent.get("/api/v1/visits/tasks?programme=annual_sample").json()["items"]] == [a2.pk]
    assert len(agent.get("/api/v1/visits/tasks?status=all").json()["items"]) == 4
    assert len(agent.get("/api/v1/visits/tasks?status=completed").json()["items"]) == 1
    page = agent.get("/api/v1/visits/tasks?page_size=2").json()
    assert len(page["items"]) == 2 and page["count"] == 3  # one more: another page follows
    assert [t["id"] for t in agent.get("/api/v1/visits/tasks?page=2&page_size=2").json()["items"]] == [a2.pk]
    _error(agent.get("/api/v1/visits/tasks?status=nonsense"), 422, "validation_failed")


def test_it_shows_a_task_with_its_script_calls_and_history_and_hides_another_branchs(users, customer_a,
                                                                                    token_client):
    task = make_task("new_account", customer_a)
    client = token_client(users["branch_a"], READ_WRITE)
    assert _post(client, f"/api/v1/visits/tasks/{task.pk}/claim").json()["status"] == "claimed"
    detail = client.get(f"/api/v1/visits/tasks/{task.pk}").json()
    assert [q["position"] for q in detail["questions"]] == [10, 20, 30, 40, 50, 60]
    assert detail["questions"][0]["kind"] == "yes_no" and detail["script"]
    assert [h["action"] for h in detail["history"]] == ["claim"] and detail["calls"] == []
    other = token_client(users["branch_b"], READ_WRITE)
    _error(other.get(f"/api/v1/visits/tasks/{task.pk}"), 404, "not_found")
    _error(other.get("/api/v1/visits/tasks/999999"), 404, "not_found")
    _error(_post(other, f"/api/v1/visits/tasks/{task.pk}/claim"), 404, "not_found")


def test_it_works_a_call_from_claim_to_outcome(users, org, customer_a, token_client):
    task = make_task("annual_sample", customer_a, center=org["center"])
    client = token_client(users["agent"], READ_WRITE)
    claimed = _post(client, "/api/v1/visits/tasks/claim-next")
    assert claimed.status_code == 200 and claimed.json()["id"] == task.pk
    assert _post(client, "/api/v1/visits/tasks/claim-next").status_code == 204  # the queue is empty now
    call = _post(client, f"/api/v1/visits/tasks/{task.pk}/start-call", {"call_ref": "PBX-42"})
    assert call.status_code == 201 and call.json()["number"] == 1 and call.json()["call_ref"] == "PBX-42"

    answers = clean_answers(task)
    wrong = _post(client, f"/api/v1/visits/tasks/{task.pk}/outcome",
                  {"outcome": "completed", "answers": {**answers, str(question_at(task, 60).pk): "9"}})
    assert f"q{question_at(task, 60).pk}" in _error(wrong, 422, "validation_failed")["details"]
    _error(_post(client, f"/api/v1/visits/tasks/{task.pk}/outcome", {"outcome": "refused", "note": ""}), 422,
           "validation_failed")
    done = _post(client, f"/api/v1/visits/tasks/{task.pk}/outcome",
                 {"outcome": "completed", "answers": answers, "note": "顺利"})
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["outcome"], body["satisfaction"]) == ("completed", "completed", 4)
    assert body["calls"][0]["answers"] == answers and body["calls"][0]["outcome"] == "completed"
    assert [h["action"] for h in body["history"]] == ["claim", "start_call", "complete"]
    _error(_post(client, f"/api/v1/visits/tasks/{task.pk}/start-call"), 409, "conflict")


def test_it_refuses_what_the_tokens_scopes_or_the_users_role_do_not_allow(users, org, customer_a, token_client):
    task = make_task("annual_sample", customer_a, center=org["center"])
    reader = token_client(users["agent"], ("visits:read",))
    _error(_post(reader, "/api/v1/visits/tasks/claim-next"), 403, "permission_denied")
    _error(_post(reader, f"/api/v1/visits/tasks/{task.pk}/claim"), 403, "permission_denied")
    _error(token_client(users["agent"], ("customers:read",)).get("/api/v1/visits/tasks"), 403, "permission_denied")
    reviewer = token_client(users["reviewer"], READ_WRITE)  # sees visits, does not work them
    assert reviewer.get(f"/api/v1/visits/tasks/{task.pk}").status_code == 200
    _error(_post(reviewer, f"/api/v1/visits/tasks/{task.pk}/claim"), 403, "permission_denied")
    admin = token_client(users["admin"], READ_WRITE)
    assert admin.get("/api/v1/visits/tasks").json()["items"] == []
    _error(admin.get(f"/api/v1/visits/tasks/{task.pk}"), 404, "not_found")
    assert VisitTask.objects.get(pk=task.pk).status == "pending"


def test_it_rejects_malformed_bodies(users, org, customer_a, token_client):
    task = make_task("annual_sample", customer_a, center=org["center"])
    client = token_client(users["agent"], READ_WRITE)
    _post(client, f"/api/v1/visits/tasks/{task.pk}/claim")
    _post(client, f"/api/v1/visits/tasks/{task.pk}/start-call")
    url = f"/api/v1/visits/tasks/{task.pk}/outcome"
    for payload in ({"outcome": "completed", "answers": {"1": 5}}, {"outcome": "completed", "answers": ["yes"]},
                    {"answers": {}}, {"outcome": "completed", "note": "x" * 5001}):
        _error(_post(client, url, payload), 422, "validation_failed")
    _error(client.post(url, "[]", content_type="application/json"), 422, "validation_failed")
    _error(_post(client, url, {"outcome": "completed", "answers": {"999999": "yes"}}), 422, "validation_failed")
    assert VisitTask.objects.get(pk=task.pk).status == "in_call"


def test_it_takes_recordings_from_the_pbx_token_on_any_call(users, org, customer_a, token_client):
    task = make_task("annual_sample", customer_a, center=org["center"])
    agent = token_client(users["agent"], READ_WRITE)
    _post(agent, f"/api/v1/visits/tasks/{task.pk}/claim")
    _post(agent, f"/api/v1/visits/tasks/{task.pk}/start-call", {"call_ref": "CALL-77"})
    payload = {"call_ref": "CALL-77", "recording_ref": "https://pbx.local/rec/77.wav"}

    from tests.factories import make_staff

    pbx_user = make_staff("t_pbx", "agent", scope="center", center=org["hq"])  # a service account elsewhere
    _error(_post(token_client(pbx_user, READ_WRITE), "/api/v1/visits/recordings", payload), 403,
           "permission_denied")
    pbx = token_client(pbx_user, ("visits:recordings",))
    attached = _post(pbx, "/api/v1/visits/recordings", payload)
    assert attached.status_code == 200 and attached.json()["has_recording"] is True
    attempt = VisitAttempt.objects.get(task=task)
    assert (attempt.recording_source, attempt.recording_ref) == ("telephony", payload["recording_ref"])
    event = task.events.get(action="recording")
    assert event.actor is None and "t_pbx" in event.details["via"]
    assert _post(pbx, "/api/v1/visits/recordings", payload).status_code == 200  # said again: harmless
    _error(_post(pbx, "/api/v1/visits/recordings", {**payload, "recording_ref": "other"}), 409, "conflict")
    _error(_post(pbx, "/api/v1/visits/recordings", {**payload, "call_ref": "CALL-00"}), 404, "not_found")
    _error(_post(pbx, "/api/v1/visits/recordings", {"call_ref": "CALL-77"}), 422, "validation_failed")


def test_it_lets_a_signed_in_agent_attach_a_recording_to_their_own_call_only(users, org, customer_a, login):
    task = make_task("annual_sample", customer_a, center=org["center"])
    client = login(users["agent"])
    _post(client, f"/api/v1/visits/tasks/{task.pk}/claim")
    _post(client, f"/api/v1/visits/tasks/{task.pk}/start-call", {"call_ref": "CALL-5"})
    from tests.factories import make_staff

    other = login(make_staff("t_agent2", "agent", scope="center", center=org["center"]))
    payload = {"call_ref": "CALL-5", "recording_ref": "rec-5"}
    _error(_post(other, "/api/v1/visits/recordings", payload), 403, "permission_denied")
    assert _post(client, "/api/v1/visits/recordings", payload).status_code == 200
    assert task.events.get(action="recording").actor == users["agent"]


# --- Schemathesis over these operations, as an agent whose token holds every visits scope -------------------------

visits_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(
    path_regex="^/api/v1/visits")


@pytest.fixture
def agent_api(db, users, org, customer_a, customer_b, token_client):
    """Requests run inside the test's transaction (see tests/test_api_schema.py); real tasks to steer ids to."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from brokerdesk.org.tokens import token_create

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    tasks = [make_task("annual_sample", customer_a, center=org["center"]),
             make_task("complaint_callback", customer_b, center=org["center"]), make_task("new_account", customer_a)]
    _, raw = token_create(actor=None, user=users["agent"], name="schemathesis",
                          scopes=["visits:read", "visits:write", "visits:recordings"])
    yield {"headers": {"Authorization": f"Bearer {raw}"}, "task_ids": [t.pk for t in tasks]}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@visits_schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_it_answers_every_visits_operation_as_documented(case, agent_api):
    task_id = (case.path_parameters or {}).get("task_id")
    if isinstance(task_id, int) and task_id % 2 == 0:  # half the time a real task, half whatever was generated
        case.path_parameters["task_id"] = agent_api["task_ids"][task_id % 3]
    case.call_and_validate(headers=agent_api["headers"], checks=[
        not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
        negative_data_rejection])
