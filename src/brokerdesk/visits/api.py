"""/api/v1/visits: return-visit tasks for an agent desktop or a dialler (list, claim, call, outcome), scoped like
the pages, and the telephony's "recording ready" for a call."""

from ninja import Query, Router

from brokerdesk.core.api_types import ERROR_RESPONSES, Page
from brokerdesk.core.errors import ValidationFailed
from brokerdesk.core.masking import mask_name
from brokerdesk.org.api_auth import require_scope
from brokerdesk.visits import services
from brokerdesk.visits.choices import OPEN_STATUSES, TaskStatus
from brokerdesk.visits.models import VisitTask
from brokerdesk.visits.recordings import visit_recording_attach
from brokerdesk.visits.schemas import (
    CallOut,
    CallStartIn,
    OutcomeIn,
    RecordingIn,
    TaskDetailOut,
    TaskOut,
    TaskQuery,
)
from brokerdesk.visits.selectors import task_get_for_actor, tasks_visible_to

router = Router(tags=["return visits"])


def task_out(task: VisitTask) -> dict:
    programme, customer = task.programme, task.customer
    return {
        "id": task.pk, "programme": programme.code, "programme_name": programme.name, "purpose": programme.purpose,
        "customer_id": customer.pk, "customer_no": customer.customer_no,
        "customer_name": mask_name(customer.name, customer.kind), "branch_id": task.branch_id,
        "center_id": task.center_id, "assignee_id": task.assignee_id, "status": task.status,
        "priority": task.priority, "source_ref": task.source_ref, "business_date": task.business_date,
        "due_on": task.due_on, "not_before": task.not_before, "attempts": task.attempts,
        "max_attempts": programme.max_attempts, "outcome": task.outcome, "satisfaction": task.satisfaction,
        "claimed_at": task.claimed_at, "finished_at": task.finished_at, "created_at": task.created_at,
    }


def call_out(call) -> dict:
    return {"number": call.number, "agent_id": call.agent_id, "started_at": call.started_at,
            "ended_at": call.ended_at, "outcome": call.outcome, "answers": {str(k): str(v) for k, v in
                                                                           (call.answers or {}).items()},
            "note": call.note, "call_ref": call.call_ref, "recording_source": call.recording_source,
            "has_recording": bool(call.recording_ref)}


def _detail(request, task_id: int) -> dict:
    task = task_get_for_actor(request.user, task_id)
    return {
        **task_out(task), "script": task.programme.script,
        "questions": [{"id": q.pk, "position": q.position, "text": q.text, "kind": q.kind,
                       "choices": [str(c) for c in (q.choices or [])], "required": q.required}
                      for q in task.programme.questions.all()],
        "calls": [call_out(c) for c in task.calls.order_by("number")],
        "history": [{"at": e.at, "action": e.action, "from_status": e.from_status, "to_status": e.to_status,
                     "by": str(e.actor or ""), "note": e.note}
                    for e in task.events.select_related("actor").order_by("at", "id")],
    }


@router.get("/tasks", response={200: Page[TaskOut], **ERROR_RESPONSES},
            summary="Return-visit tasks the caller may see, most urgent first")
def visit_task_list(request, query: Query[TaskQuery]):
    require_scope(request, "visits:read")
    tasks = tasks_visible_to(request.user)
    if query.status == "open":
        tasks = tasks.filter(status__in=OPEN_STATUSES)
    elif query.status in TaskStatus.values:
        tasks = tasks.filter(status=query.status)
    elif query.status != "all":
        raise ValidationFailed(details={"status": [f"open, all or one of: {', '.join(TaskStatus.values)}"]})
    if query.programme:
        tasks = tasks.filter(programme__code=query.programme)
    if query.mine:
        tasks = tasks.filter(assignee=request.user)
    offset = (query.page - 1) * query.page_size
    # No total (as the ticket queue): one more row says whether another page follows.
    rows = list(tasks.select_related("programme", "customer").order_by("due_on", "priority", "id")
                [offset:offset + query.page_size + 1])
    items = [task_out(t) for t in rows[:query.page_size]]
    return {"items": items, "count": offset + len(items) + (len(rows) > query.page_size), "page": query.page,
            "page_size": query.page_size}


@router.get("/tasks/{int:task_id}", response={200: TaskDetailOut, **ERROR_RESPONSES},
            summary="A task with its script, calls and history")
def visit_task_detail(request, task_id: int):
    require_scope(request, "visits:read")
    return _detail(request, task_id)


@router.post("/tasks/claim-next", response={200: TaskOut, 204: None, **ERROR_RESPONSES},
             summary="Claim the most urgent task of the caller's queue (204: the queue is empty)")
def visit_task_claim_next(request):
    require_scope(request, "visits:write")
    task = services.visit_task_claim_next(actor=request.user)
    if task is None:
        return 204, None
    return 200, task_out(task)


@router.post("/tasks/{int:task_id}/claim", response={200: TaskOut, **ERROR_RESPONSES}, summary="Claim a task")
def visit_task_claim(request, task_id: int):
    require_scope(request, "visits:write")
    task = services.visit_task_claim(actor=request.user, task_id=task_id)
    return task_out(task_get_for_actor(request.user, task.pk))


@router.post("/tasks/{int:task_id}/start-call", response={201: CallOut, **ERROR_RESPONSES},
             summary="Dial the client: a new call attempt of a claimed task")
def visit_call_start(request, task_id: int, payload: CallStartIn):
    require_scope(request, "visits:write")
    attempt = services.visit_call_start(actor=request.user, task_id=task_id, call_ref=payload.call_ref)
    return 201, call_out(attempt)


@router.post("/tasks/{int:task_id}/outcome", response={200: TaskDetailOut, **ERROR_RESPONSES},
             summary="End the current call with its outcome and the client's answers")
def visit_outcome_record(request, task_id: int, payload: OutcomeIn):
    require_scope(request, "visits:write")
    services.visit_outcome_record(actor=request.user, task_id=task_id, data=services.OutcomeInput(
        outcome=payload.outcome, answers=dict(payload.answers), note=payload.note))
    return _detail(request, task_id)


@router.post("/recordings", response={200: CallOut, **ERROR_RESPONSES}, url_name="visit_recording_attach",
             summary="The telephony reports a call's recording (by the call id given at start-call)")
def recording_attach(request, payload: RecordingIn):
    """With a token holding visits:recordings (the PBX's) it acts as the system on any call; a signed-in staff
    member may attach one to their own call, a supervisor to any call they can see."""
    token = getattr(request, "api_token", None)
    if token is not None:
        require_scope(request, "visits:recordings")
        attempt = visit_recording_attach(actor=None, call_ref=payload.call_ref, recording_ref=payload.recording_ref,
                                         via=f"api token {token.prefix} ({request.user.get_username()})")
    else:
        attempt = visit_recording_attach(actor=request.user, call_ref=payload.call_ref,
                                         recording_ref=payload.recording_ref)
    return call_out(attempt)
