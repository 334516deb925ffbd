"""The work screen of one return visit: the client (masked), the script, the questions and the outcome form, the
buttons the task's state allows, its calls, history and findings; reassignment and cancellation for supervisors;
an offline call's recording; the number to dial on request (audited).

Every form posts to /visits/<id>/<action>/ and maps to one service; a problem is shown in place (next to the
question or field it concerns, and above the forms), with the page as it was sent.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.core.forms import put_errors
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.visits import contact, forms, selectors, services
from brokerdesk.visits.choices import TaskStatus
from brokerdesk.visits.selectors import contact_centers, visit_workers
from brokerdesk.visits.views import screen
from brokerdesk.visits.views.common import task_or_404


class FormProblem(Exception):
    """A form of the page that could not be sent on (invalid, or the service refused it): the page is shown
    again with that form as it was sent, its problems in place."""

    def __init__(self, name: str, form, error: ApplicationError | None = None):
        self.name, self.form, self.error = name, form, error
        super().__init__(name)


def _customer(user, task):
    try:
        return customer_get_for_actor(user, task.customer_id)
    except NotFound:
        raise Http404 from None


def _questions(task) -> list:
    return list(task.programme.questions.order_by("position"))


def _outcome_form(task, questions, texts, data=None) -> forms.OutcomeForm:
    return forms.OutcomeForm(data, questions=questions, question_texts=texts)


def _reassign_form(user, task, data=None) -> forms.ReassignForm:
    return forms.ReassignForm(data, agents=visit_workers(user, branch_id=task.branch_id),
                              centers=contact_centers() if user.sees_all_branches else [])


def _recording_form(task, data=None, files=None) -> forms.RecordingForm:
    return forms.RecordingForm(data, files, attempts=list(
        task.calls.filter(recording_ref="", ended_at__isnull=False).order_by("number")))


def _context(request, task, **bound) -> dict:
    user = request.user
    customer = _customer(user, task)
    now = timezone.now()
    questions = _questions(task)
    values = screen.placeholders(user, task, customer)
    texts = {q.pk: screen.fill(q.text, values) for q in questions}
    holder = task.assignee_id == user.pk
    can_work = user.has_perm("visits.work_visit")
    can_assign = user.has_perm("visits.assign_visit")
    waiting = task.status == TaskStatus.PENDING and task.not_before is not None and task.not_before > now
    calls = screen.call_rows(task, questions, texts)
    context = {
        "task": task, "customer": customer, "client": screen.client_summary(user, customer),
        "script": screen.fill(task.programme.script, values), "question_texts": [texts[q.pk] for q in questions],
        "calls": calls, "history": screen.history_rows(task),
        "findings": task.findings.select_related("ticket", "question").order_by("created_at", "id"),
        "retry_notice": screen.retry_notice(task), "waiting": waiting, "holder": holder,
        "overdue": task.is_open and task.due_on < timezone.localdate(),
        "max_attempts": task.programme.max_attempts,
        "can_claim": can_work and task.status == TaskStatus.PENDING and not waiting and selectors.may_work(user, task),
        "can_start": can_work and holder and task.status == TaskStatus.CLAIMED
        and task.attempts < task.programme.max_attempts,
        "can_release": can_work and task.status == TaskStatus.CLAIMED and (holder or can_assign),
        "in_call": can_work and holder and task.status == TaskStatus.IN_CALL,
        "can_assign": can_assign and task.status in (TaskStatus.PENDING, TaskStatus.CLAIMED),
        "can_upload": can_work and any(c["attempt"].ended_at and not c["attempt"].recording_ref and (
            can_assign or holder or c["attempt"].agent_id == user.pk) for c in calls),
        # The number is for dialling: offered while the visit is open (the customer 360 unmasks at any time).
        "can_reveal": task.is_open and (user.has_perm("customers.unmask_customer") or (
            can_work and holder and task.status in contact.DIALLING_STATUSES)),
        "action_error": None,
    }
    if context["in_call"]:
        context["outcome_form"] = bound.get("outcome_form") or _outcome_form(task, questions, texts)
    if context["can_assign"]:
        context["reassign_form"] = bound.get("reassign_form") or _reassign_form(user, task)
        context["cancel_form"] = bound.get("cancel_form") or forms.CancelForm()
    if context["can_release"]:
        context["release_form"] = bound.get("release_form") or forms.ReleaseForm()
    if context["can_upload"]:
        context["recording_form"] = bound.get("recording_form") or _recording_form(task)
    return context


@login_required
@permission_required("visits.view_visittask", raise_exception=True)
@require_GET
def detail(request, task_id: int):
    task = task_or_404(request.user, task_id)
    return render(request, "visits/detail.html", _context(request, task))


# --- The actions ---------------------------------------------------------------------------------------------


def _claim(request, task):
    services.visit_task_claim(actor=request.user, task_id=task.pk)


def _start_call(request, task):
    services.visit_call_start(actor=request.user, task_id=task.pk, call_ref=request.POST.get("call_ref", ""))


def _release(request, task):
    form = forms.ReleaseForm(request.POST)
    if not form.is_valid():
        raise FormProblem("release_form", form)
    _send(form, "release_form", lambda: services.visit_task_release(
        actor=request.user, task_id=task.pk, note=form.cleaned_data["note"]))


def _outcome(request, task):
    questions = _questions(task)
    values = screen.placeholders(request.user, task, _customer(request.user, task))
    form = _outcome_form(task, questions, {q.pk: screen.fill(q.text, values) for q in questions}, request.POST)
    if not form.is_valid():
        raise FormProblem("outcome_form", form)
    data = services.OutcomeInput(outcome=form.cleaned_data["outcome"], answers=form.answers(),
                                 note=form.cleaned_data["note"])
    # An unreachable client's retry time is shown by the task page itself.
    _send(form, "outcome_form", lambda: services.visit_outcome_record(actor=request.user, task_id=task.pk, data=data))


def _reassign(request, task):
    form = _reassign_form(request.user, task, request.POST)
    if not form.is_valid():
        raise FormProblem("reassign_form", form)
    target, data = form.cleaned_data["target"], form.cleaned_data
    if target == "agent" and data["agent"] is None:
        form.add_error("agent", _("Choose the agent."))
        raise FormProblem("reassign_form", form)
    if target == "center" and data["center"] is None:
        form.add_error("center", _("Choose the contact center."))
        raise FormProblem("reassign_form", form)
    reassign = services.ReassignInput(agent_id=data["agent"] if target == "agent" else None,
                                      center_id=data["center"] if target == "center" else None,
                                      to_branch=target == "branch", note=data["note"])
    _send(form, "reassign_form", lambda: services.visit_task_reassign(
        actor=request.user, task_id=task.pk, data=reassign))


def _cancel(request, task):
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        raise FormProblem("cancel_form", form)
    _send(form, "cancel_form", lambda: services.visit_task_cancel(
        actor=request.user, task_id=task.pk, note=form.cleaned_data["note"]))


def _recording(request, task):
    from brokerdesk.visits import recordings

    form = _recording_form(task, request.POST, request.FILES)
    if not form.is_valid():
        raise FormProblem("recording_form", form)
    _send(form, "recording_form", lambda: recordings.visit_recording_upload(
        actor=request.user, task_id=task.pk, attempt_number=form.cleaned_data["attempt_number"],
        upload=form.cleaned_data["file"]))
    messages.success(request, _("The recording is attached to the call."))


def _send(form, name: str, call):
    """Call the service; its problems go onto the form that sent the request."""
    try:
        return call()
    except NotFound:
        raise
    except ApplicationError as error:
        put_errors(form, error)
        raise FormProblem(name, form, error) from None


ACTIONS = {
    "claim": _claim, "start_call": _start_call, "release": _release, "outcome": _outcome,
    "reassign": _reassign, "cancel": _cancel, "recording": _recording,
}


@login_required
@permission_required("visits.view_visittask", raise_exception=True)
@require_POST
def act(request, task_id: int, action: str):
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    task = task_or_404(request.user, task_id)
    try:
        handler(request, task)
    except NotFound:
        raise Http404 from None
    except FormProblem as problem:
        error = problem.error
        return _again(request, task_id, {problem.name: problem.form},
                      error.message if error else _("Some fields are invalid."), error.status if error else 422)
    except ApplicationError as error:
        return _again(request, task_id, {}, error.message, error.status, error.problems)
    return redirect("visits:detail", task_id)


def _again(request, task_id, bound: dict, message: str, status: int, problems=()):
    """The page again, fresh from the database, with the error above the forms and the sent form in place."""
    task = task_or_404(request.user, task_id)
    context = _context(request, task, **bound) | {"action_error": message, "action_problems": list(problems)}
    return render(request, "visits/detail.html", context, status=status)


@login_required
@permission_required("visits.view_visittask", raise_exception=True)
@require_GET
def recording(request, task_id: int, attempt_number: int):
    """An uploaded recording of a call (the telephony's stay with the PBX), audited as a read."""
    from brokerdesk.visits import recordings

    try:
        return recordings.visit_recording_response(actor=request.user, task_id=task_id,
                                                   attempt_number=attempt_number)
    except NotFound:
        raise Http404 from None


# --- The number to dial --------------------------------------------------------------------------------------


@login_required
@permission_required("visits.view_visittask", raise_exception=True)
@require_POST
def phone(request, task_id: int):
    """The client's full phone numbers for the agent working the visit (an htmx partial replacing the masked
    numbers; the whole page without htmx). Each such read is audited."""
    try:
        phones, error = contact.visit_phone_reveal(actor=request.user, task_id=task_id), None
    except NotFound:
        raise Http404 from None
    except ApplicationError as problem:
        phones, error = None, problem
    if request.htmx:
        return render(request, "visits/_phone.html", {"phones": phones, "error": error and error.message,
                                                      "task_id": task_id}, status=error.status if error else 200)
    task = task_or_404(request.user, task_id)
    context = _context(request, task) | {"phones_revealed": phones}
    if error:
        context["action_error"] = error.message
    return render(request, "visits/detail.html", context, status=error.status if error else 200)
