"""Segment pages: the catalogue (counts, trends, run history, "run now"), a segment's members, and rule sets
under maker-checker (the draft editor with errors in place, preview, submit, approve or return, withdraw)."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brokerdesk.analytics.engine.features import FEATURES
from brokerdesk.core.errors import ApplicationError, NotFound, ValidationFailed
from brokerdesk.customers.presenters import customer_card
from brokerdesk.segmentation import forms, selectors, services
from brokerdesk.segmentation.choices import DimensionChoice, RuleSetStatus
from brokerdesk.segmentation.preview import ruleset_preview
from brokerdesk.segmentation.tasks import segment_on_demand

MEMBERS_PAGE_SIZE = 50
RULE_SETS_PAGE_SIZE = 30
RUNS_SHOWN = 30
SAMPLES_SHOWN = 6

FEATURE_TYPES = {
    "number": gettext_lazy("number"), "integer": gettext_lazy("integer"), "date": gettext_lazy("date"),
    "text": gettext_lazy("text"), "bool": gettext_lazy("true / false"),
}
FEATURE_UNITS = {
    "CNY": gettext_lazy("CNY"), "%": "%", "ratio": gettext_lazy("ratio"), "count": gettext_lazy("count"),
    "count/month": gettext_lazy("count per month"), "days": gettext_lazy("days"),
    "months": gettext_lazy("months"), "years": gettext_lazy("years"), "date": gettext_lazy("date"),
    "level": gettext_lazy("level"),
}


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        return 1


# --- The catalogue ---------------------------------------------------------------------------------------


def _run_labels(dates: list[str]) -> list[str]:
    """One label per run: its business date, numbered when the date was segmented more than once
    ("2026-11-20", "2026-11-20 (2)"), so that a rerun after a rule change is not mistaken for a new day."""
    seen: dict[str, int] = {}
    labels = []
    for day in dates:
        seen[day] = seen.get(day, 0) + 1
        labels.append(day if seen[day] == 1 else f"{day} ({seen[day]})")
    return labels


def _by_dimension(entries) -> list[dict]:
    """The catalogue entries per dimension, each dimension with its chart data (one line per segment)."""
    dimensions = []
    for dimension in DimensionChoice:
        rows = [e for e in entries if e.segment.dimension == dimension]
        if not rows:
            continue
        dates = _run_labels([day for day, _members in rows[0].trend])
        dimensions.append({
            "code": dimension.value, "label": dimension.label, "entries": rows,
            "chart_id": f"trend-{dimension.value}",
            "trend": {"dates": dates, "series": [
                {"name": e.segment.label, "data": [members for _day, members in e.trend]} for e in rows]},
        })
    return dimensions


def _run_rows(runs) -> list[dict]:
    return [{"run": run, "entered": sum(run.entered.values()), "left": sum(run.left.values())} for run in runs]


@permission_required("customers.view_customer", raise_exception=True)
def catalogue(request):
    entries = selectors.segment_catalogue(request.user)
    runs = selectors.recent_runs(request.user, limit=RUNS_SHOWN)
    return render(request, "segmentation/catalogue.html", {
        "dimensions": _by_dimension(entries),
        "runs": _run_rows(runs),
        "latest": next((run for run in runs if run.status == "succeeded"), None),
    })


@require_POST
@permission_required(["customers.view_customer", "segmentation.run_segmentation"], raise_exception=True)
def run_now(request):
    segment_on_demand(request.user.pk)
    messages.success(request, _("The segmentation run has been queued. It appears in the run history when it "
                                "finishes, usually within a few minutes; reload this page to see it."))
    return redirect("segmentation:catalogue")


# --- Members ---------------------------------------------------------------------------------------------


@login_required
def members(request, segment_id: int):
    # No permission decorator: without access the segment looks missing (404), like any object not yours.
    try:
        segment = selectors.segment_get_for_actor(request.user, segment_id)
    except NotFound:
        raise Http404 from None
    page = selectors.segment_members_page(request.user, segment, page=_page_number(request),
                                          page_size=MEMBERS_PAGE_SIZE)
    return render(request, "segmentation/members.html", {
        "segment": segment, "page": page, "cards": [customer_card(c) for c in page],
    })


# --- Rule sets -------------------------------------------------------------------------------------------


@permission_required("customers.view_customer", raise_exception=True)
def rule_set_list(request):
    page = Paginator(selectors.rule_sets(request.user), RULE_SETS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "segmentation/rule_set_list.html", {
        "page": page, "default_name": _("Draft of %(date)s") % {"date": timezone.localdate().isoformat()},
    })


@require_POST
@permission_required(["customers.view_customer", "segmentation.draft_ruleset"], raise_exception=True)
def rule_set_new(request):
    name = forms.clean_text(request.POST.get("name", "")).strip()[: forms.NAME_MAX_LENGTH]
    name = name or _("Draft of %(date)s") % {"date": timezone.localdate().isoformat()}
    draft = services.ruleset_draft_create(actor=request.user, name=name,
                                          note=forms.clean_text(request.POST.get("note", "")).strip())
    messages.success(request, _("Draft v%(version)s created from the published rules.") % {"version": draft.version})
    return redirect("segmentation:rule_set", draft.pk)


def _get_rule_set(request, rule_set_id: int):
    try:
        return selectors.rule_set_get_for_actor(request.user, rule_set_id)
    except NotFound:
        raise Http404 from None


def _features() -> list[dict]:
    return [{"feature": f, "type": FEATURE_TYPES.get(f.type.value, f.type.value),
             "unit": FEATURE_UNITS.get(f.unit, f.unit)} for f in FEATURES]


def _render_rule_set(request, rule_set, *, rows=None, name=None, note=None, form_errors=(), action_error=None,
                     status=200):
    user = request.user
    editable = rule_set.status == RuleSetStatus.DRAFT and user.has_perm("segmentation.draft_ruleset")
    if rows is None:
        rows = forms.rows_from_rule_set(rule_set)
    return render(request, "segmentation/rule_set_detail.html", {
        "rule_set": rule_set,
        "editable": editable,
        "rows": rows,
        "name": rule_set.name if name is None else name,
        "note": rule_set.note if note is None else note,
        "form_errors": form_errors,
        "action_error": action_error,
        "dimensions": DimensionChoice.choices,
        "features": _features(),
        "may_draft": user.has_perm("segmentation.draft_ruleset"),
        "may_approve": user.has_perm("segmentation.approve_ruleset"),
        "previewable": rule_set.status in (RuleSetStatus.DRAFT, RuleSetStatus.SUBMITTED)
        and user.has_perm("segmentation.draft_ruleset"),
        "name_max_length": forms.NAME_MAX_LENGTH,
        "max_lengths": forms.MAX_LENGTHS,
    }, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def rule_set_detail(request, rule_set_id: int):
    """The rule set; for a draft, the editor, whose POST saves every rule at once (or none of them)."""
    rule_set = _get_rule_set(request, rule_set_id)
    if request.method == "GET":
        return _render_rule_set(request, rule_set)
    rows = forms.rows_from_post(request.POST)
    name = forms.clean_text(request.POST.get("name", "")).strip()
    note = forms.clean_text(request.POST.get("note", "")).strip()
    form_errors = []
    if not name:
        form_errors.append(_("A name is required."))
    elif len(name) > forms.NAME_MAX_LENGTH:
        form_errors.append(_("The name may have at most %(limit)d characters.") % {"limit": forms.NAME_MAX_LENGTH})
    problems = forms.length_problems(rows)
    if form_errors or problems:
        form_errors += [p["message"] for p in forms.attach_problems(rows, problems)]
        return _render_rule_set(request, rule_set, rows=rows, name=name, note=note, form_errors=form_errors,
                                status=422)
    try:
        services.ruleset_rules_save(actor=request.user, rule_set=rule_set,
                                    rules=[row.as_input() for row in forms.kept(rows)], name=name, note=note)
    except ValidationFailed as error:
        unplaced = forms.attach_problems(rows, error.details.get("rules", []) if isinstance(error.details, dict)
                                         else [])
        return _render_rule_set(request, rule_set, rows=rows, name=name, note=note, status=error.status,
                                form_errors=[error.message, *(p["message"] for p in unplaced)])
    except ApplicationError as error:  # no longer a draft, or not allowed to edit: show what is saved
        rule_set.refresh_from_db()
        editable = rule_set.status == RuleSetStatus.DRAFT and request.user.has_perm("segmentation.draft_ruleset")
        return _render_rule_set(request, rule_set, status=error.status, form_errors=[error.message],
                                **({"rows": rows, "name": name, "note": note} if editable else {}))
    messages.success(request, _("Rules saved."))
    return redirect("segmentation:rule_set", rule_set.pk)


@require_GET
@permission_required("segmentation.draft_ruleset", raise_exception=True)
def rule_row(request):
    """A blank editor row (htmx appends it to the editor)."""
    return render(request, "segmentation/_rule_row.html", {
        "row": forms.new_row(), "dimensions": DimensionChoice.choices, "max_lengths": forms.MAX_LENGTHS,
    })


@require_POST
@login_required
def rule_set_preview(request, rule_set_id: int):
    """The saved draft against the published rules, over the latest run's features (htmx fragment; errors are
    shown in place, so they come with 200: htmx does not swap error responses)."""
    rule_set = _get_rule_set(request, rule_set_id)
    try:
        preview = ruleset_preview(actor=request.user, rule_set=rule_set)
    except ApplicationError as error:
        return render(request, "segmentation/_preview.html", {"error": error.message})
    labels = dict(DimensionChoice.choices)
    rows = [{"row": row, "dimension_label": labels.get(row.dimension, row.dimension),
             # Name and client number only, as the search results show them (nothing there is masked).
             "samples": row.samples[:SAMPLES_SHOWN]} for row in preview.rows]
    return render(request, "segmentation/_preview.html", {"preview": preview, "rows": rows})


def _rule_set_action(request, rule_set_id: int, action: Callable, done: str):
    """Run a maker-checker step; its refusal (four eyes, a changed state, a rule gone bad) is shown in place."""
    rule_set = _get_rule_set(request, rule_set_id)
    try:
        action(rule_set)
    except ValidationFailed as error:
        rows = forms.rows_from_rule_set(rule_set)
        details = error.details.get("rules", []) if isinstance(error.details, dict) else []
        unplaced = forms.attach_problems(rows, details)
        return _render_rule_set(request, rule_set, rows=rows, status=error.status,
                                action_error=" ".join([error.message, *(p["message"] for p in unplaced)]))
    except ApplicationError as error:
        rule_set.refresh_from_db()
        return _render_rule_set(request, rule_set, action_error=error.message, status=error.status)
    messages.success(request, done)
    return redirect("segmentation:rule_set", rule_set.pk)


@require_POST
@login_required
def rule_set_submit(request, rule_set_id: int):
    return _rule_set_action(
        request, rule_set_id, lambda rs: services.ruleset_submit(actor=request.user, rule_set=rs),
        _("Submitted for approval. Another person with approval rights publishes it."))


@require_POST
@login_required
def rule_set_approve(request, rule_set_id: int):
    note = forms.clean_text(request.POST.get("decision_note", "")).strip()
    return _rule_set_action(
        request, rule_set_id, lambda rs: services.ruleset_approve(actor=request.user, rule_set=rs, note=note),
        _("Approved and published: the next segmentation run uses these rules."))


@require_POST
@login_required
def rule_set_return(request, rule_set_id: int):
    note = forms.clean_text(request.POST.get("decision_note", "")).strip()
    if not note and request.user.has_perm("segmentation.approve_ruleset"):  # without the right: the service refuses
        rule_set = _get_rule_set(request, rule_set_id)
        return _render_rule_set(request, rule_set, status=422,
                                action_error=_("Say in the note what the author should change."))
    return _rule_set_action(
        request, rule_set_id, lambda rs: services.ruleset_return(actor=request.user, rule_set=rs, note=note),
        _("Returned to the author as a draft."))


@require_POST
@login_required
def rule_set_withdraw(request, rule_set_id: int):
    return _rule_set_action(
        request, rule_set_id, lambda rs: services.ruleset_withdraw(actor=request.user, rule_set=rs),
        _("Withdrawn."))
