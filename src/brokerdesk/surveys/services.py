"""Survey writes: the builder (draft, questions, publish, new version, retire), experience officers, action items.

A published version is frozen: changing it means survey_new_version (a draft copy, version + 1), editing the
draft and publishing it, which retires the version it replaces. Every write checks its permission, writes an
audit event in the same transaction and changes status compare-and-set.
Campaigns and invitations: campaigns.py. Responses and the closed loop: responses.py.
"""

from dataclasses import asdict
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import chosen, database_id
from brokerdesk.org.models import Department, Staff
from brokerdesk.surveys import rules
from brokerdesk.surveys.choices import ActionStatus, SurveyStatus
from brokerdesk.surveys.models import ActionItem, ExperienceOfficer, Question, Survey, Theme

QuestionSpec = rules.QuestionSpec


def spec_of(question: Question) -> QuestionSpec:
    return QuestionSpec(position=question.position, kind=question.kind, text=question.text,
                        choices=list(question.choices or []), required=question.required,
                        show_if_position=question.show_if_position, show_if_values=list(question.show_if_values or []),
                        is_primary_nps=question.is_primary_nps, is_verbatim=question.is_verbatim,
                        ticket_kind=question.ticket_kind, ticket_values=list(question.ticket_values or []),
                        theme_id=question.theme_id)


def _survey_for_update(survey_id) -> Survey:
    survey = Survey.objects.select_for_update().filter(pk=database_id(survey_id)).first()
    if survey is None:
        raise NotFound()
    return survey


def _summary(survey: Survey) -> dict:
    return {"code": survey.code, "version": survey.version, "name": survey.name, "status": survey.status,
            "theme": survey.theme_id}


# --- the builder -------------------------------------------------------------------------------------------

def survey_create(*, actor, code: str, name: str, theme_id, intro: str = "", thanks: str = "",
                  for_experience_panel: bool = False) -> Survey:
    require_permission(actor, "surveys.design_survey", "surveys.survey_create")
    errors = FieldErrors()
    code = (code or "").strip().lower()
    name = (name or "").strip()
    from django.utils.text import slugify

    if not code or slugify(code) != code or len(code) > 40:
        errors.add("code", _("Letters, digits, hyphens or underscores; at most 40."))
    elif Survey.objects.filter(code=code).exists():
        errors.add("code", _("A survey with this code exists; make a new version of it instead."))
    if not name or len(name) > 120:
        errors.add("name", _("A name of 1 to 120 characters."))
    theme = chosen(Theme.objects.all(), theme_id)
    if theme is None:
        errors.add("theme", _("Choose a theme."))
    errors.raise_if_any()
    try:
        with transaction.atomic():
            survey = Survey.objects.create(code=code, name=name, theme=theme, intro=(intro or "")[:2000],
                                           thanks=(thanks or "")[:2000], for_experience_panel=for_experience_panel,
                                           created_by=actor)
            audit_record(actor=actor, action="surveys.survey_create", object_type="survey", object_id=survey.pk,
                         after=_summary(survey))
    except IntegrityError:
        raise ValidationFailed(details={"code": [_("A survey with this code exists.")]}) from None
    return survey


def survey_update(*, actor, survey_id, name: str, theme_id, intro: str = "", thanks: str = "",
                  for_experience_panel: bool = False) -> Survey:
    require_permission(actor, "surveys.design_survey", "surveys.survey_update")
    errors = FieldErrors()
    name = (name or "").strip()
    if not name or len(name) > 120:
        errors.add("name", _("A name of 1 to 120 characters."))
    theme = chosen(Theme.objects.all(), theme_id)
    if theme is None:
        errors.add("theme", _("Choose a theme."))
    errors.raise_if_any()
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_draft(survey)
        before = _summary(survey)
        survey.name, survey.theme = name, theme
        survey.intro, survey.thanks = (intro or "")[:2000], (thanks or "")[:2000]
        survey.for_experience_panel = for_experience_panel
        survey.save(update_fields=["name", "theme", "intro", "thanks", "for_experience_panel"])
        audit_record(actor=actor, action="surveys.survey_update", object_type="survey", object_id=survey.pk,
                     before=before, after=_summary(survey))
    return survey


def _require_draft(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict(_("Version %(v)d is %(status)s and frozen: make a new version to change it.")
                       % {"v": survey.version, "status": survey.get_status_display()})


def survey_questions_set(*, actor, survey_id, questions: list[QuestionSpec]) -> Survey:
    """Replace the draft's questions with these, all checked first (rules.questionnaire_problems)."""
    require_permission(actor, "surveys.design_survey", "surveys.survey_questions_set")
    themes = set(Theme.objects.values_list("pk", flat=True))
    problems = rules.questionnaire_problems(questions)
    for q in questions:
        if q.theme_id is not None and q.theme_id not in themes:
            problems.setdefault(f"q{q.position}.theme", []).append(_("Unknown theme."))
    if problems:
        raise ValidationFailed(details=problems)
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_draft(survey)
        survey.questions.all().delete()
        Question.objects.bulk_create(
            Question(survey=survey, position=q.position, kind=q.kind, text=q.text.strip(),
                     choices=[str(c).strip() for c in q.choices], required=q.required,
                     show_if_position=q.show_if_position, show_if_values=list(q.show_if_values),
                     is_primary_nps=q.is_primary_nps, is_verbatim=q.is_verbatim, ticket_kind=q.ticket_kind,
                     ticket_values=list(q.ticket_values), theme_id=q.theme_id)
            for q in sorted(questions, key=lambda q: q.position))
        audit_record(actor=actor, action="surveys.survey_questions_set", object_type="survey", object_id=survey.pk,
                     after={"questions": [asdict(q) for q in questions]})
    return survey


def survey_publish(*, actor, survey_id) -> Survey:
    """The draft becomes the published version; the version it replaces (same code) is retired."""
    require_permission(actor, "surveys.design_survey", "surveys.survey_publish")
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_draft(survey)
        problems = rules.questionnaire_problems([spec_of(q) for q in survey.questions.all()])
        if problems:
            raise ValidationFailed(_("The survey cannot be published as it is."), details=problems)
        now = timezone.now()
        retired = list(Survey.objects.filter(code=survey.code, status=SurveyStatus.PUBLISHED)
                       .values_list("pk", flat=True))
        Survey.objects.filter(pk__in=retired, status=SurveyStatus.PUBLISHED).update(status=SurveyStatus.RETIRED)
        if not Survey.objects.filter(pk=survey.pk, status=SurveyStatus.DRAFT).update(
                status=SurveyStatus.PUBLISHED, published_at=now):
            raise Conflict()
        survey.status, survey.published_at = SurveyStatus.PUBLISHED, now
        audit_record(actor=actor, action="surveys.survey_publish", object_type="survey", object_id=survey.pk,
                     before={"status": SurveyStatus.DRAFT}, after={**_summary(survey), "retired": retired})
    return survey


def survey_new_version(*, actor, survey_id) -> Survey:
    """A draft copy of a published or retired version (version = highest + 1) to edit; one draft per code."""
    require_permission(actor, "surveys.design_survey", "surveys.survey_new_version")
    with transaction.atomic():
        source = _survey_for_update(survey_id)
        if source.status == SurveyStatus.DRAFT:
            raise Conflict(_("This version is a draft: edit it directly."))
        if Survey.objects.filter(code=source.code, status=SurveyStatus.DRAFT).exists():
            raise Conflict(_("A draft of this survey already exists."))
        top = Survey.objects.filter(code=source.code).aggregate(top=Max("version"))["top"] or source.version
        draft = Survey.objects.create(code=source.code, version=top + 1, name=source.name, theme=source.theme,
                                      intro=source.intro, thanks=source.thanks,
                                      for_experience_panel=source.for_experience_panel, created_by=actor)
        Question.objects.bulk_create(
            Question(survey=draft, **{f: getattr(q, f) for f in (
                "position", "kind", "text", "choices", "required", "theme_id", "show_if_position", "show_if_values",
                "is_primary_nps", "is_verbatim", "ticket_kind", "ticket_values")})
            for q in source.questions.all())
        audit_record(actor=actor, action="surveys.survey_new_version", object_type="survey", object_id=draft.pk,
                     after={**_summary(draft), "from": source.pk})
    return draft


def survey_retire(*, actor, survey_id) -> Survey:
    require_permission(actor, "surveys.design_survey", "surveys.survey_retire")
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        if survey.status != SurveyStatus.PUBLISHED:
            raise Conflict(_("Only a published version can be retired."))
        if not Survey.objects.filter(pk=survey.pk, status=SurveyStatus.PUBLISHED).update(status=SurveyStatus.RETIRED):
            raise Conflict()
        survey.status = SurveyStatus.RETIRED
        audit_record(actor=actor, action="surveys.survey_retire", object_type="survey", object_id=survey.pk,
                     before={"status": SurveyStatus.PUBLISHED}, after={"status": SurveyStatus.RETIRED})
    return survey


# --- experience officers -----------------------------------------------------------------------------------

def officer_enrol(*, actor, staff_id, theme_ids=(), enrolled_on: date | None = None) -> ExperienceOfficer:
    """Enrol a staff member in the experience panel (or re-activate them), for these themes (none: all)."""
    require_permission(actor, "surveys.add_experienceofficer", "surveys.officer_enrol")
    staff = Staff.objects.filter(pk=database_id(staff_id), is_active=True).first()
    if staff is None:
        raise ValidationFailed(details={"staff": [_("Unknown staff member.")]})
    themes = list(Theme.objects.filter(pk__in=[t for t in theme_ids if str(t).isdigit()]))
    with transaction.atomic():
        officer, created = ExperienceOfficer.objects.update_or_create(
            staff=staff, defaults={"active": True, "enrolled_on": enrolled_on or timezone.localdate()})
        officer.themes.set(themes)
        audit_record(actor=actor, action="surveys.officer_enrol", object_type="experience_officer",
                     object_id=staff.pk, after={"themes": [t.code for t in themes], "new": created})
    return officer


def officer_withdraw(*, actor, staff_id) -> ExperienceOfficer:
    require_permission(actor, "surveys.change_experienceofficer", "surveys.officer_withdraw")
    with transaction.atomic():
        officer = ExperienceOfficer.objects.select_for_update().filter(staff_id=database_id(staff_id)).first()
        if officer is None:
            raise NotFound()
        ExperienceOfficer.objects.filter(pk=officer.pk).update(active=False)
        officer.active = False
        audit_record(actor=actor, action="surveys.officer_withdraw", object_type="experience_officer",
                     object_id=officer.pk, before={"active": True}, after={"active": False})
    return officer


# --- action items ------------------------------------------------------------------------------------------

ACTION_TRANSITIONS = {
    (ActionStatus.OPEN, ActionStatus.IN_PROGRESS), (ActionStatus.OPEN, ActionStatus.DONE),
    (ActionStatus.OPEN, ActionStatus.DROPPED), (ActionStatus.IN_PROGRESS, ActionStatus.DONE),
    (ActionStatus.IN_PROGRESS, ActionStatus.DROPPED), (ActionStatus.DONE, ActionStatus.IN_PROGRESS),
}


def action_item_create(*, actor, title: str, theme_id, department_id, owner_id, due_on: date | None = None,
                       keyword: str = "", description: str = "", evidence_count: int = 0) -> ActionItem:
    """A recurring theme (or a verbatim keyword) handed to a department, with an owner and a due date."""
    require_permission(actor, "surveys.manage_action_items", "surveys.action_item_create")
    errors = FieldErrors()
    title = (title or "").strip()
    if not title or len(title) > 160:
        errors.add("title", _("A title of 1 to 160 characters."))
    theme = chosen(Theme.objects.all(), theme_id)
    if theme is None:
        errors.add("theme", _("Choose a theme."))
    department = chosen(Department.objects.all(), department_id)
    if department is None:
        errors.add("department", _("Choose a department."))
    owner = chosen(Staff.objects.filter(is_active=True), owner_id)
    if owner is None:
        errors.add("owner", _("Choose the owner."))
    if due_on is not None and due_on < timezone.localdate():
        errors.add("due_on", _("The due date has passed."))
    if len(keyword or "") > 40:
        errors.add("keyword", _("At most %(n)d characters.") % {"n": 40})
    errors.raise_if_any()
    with transaction.atomic():
        item = ActionItem.objects.create(title=title, description=(description or "")[:4000], theme=theme,
                                         keyword=(keyword or "").strip(), evidence_count=max(0, evidence_count),
                                         department=department, owner=owner, due_on=due_on, created_by=actor)
        audit_record(actor=actor, action="surveys.action_item_create", object_type="action_item", object_id=item.pk,
                     after={"title": title, "theme": theme.code, "department": department.pk, "owner": owner.pk,
                            "due_on": due_on, "keyword": item.keyword})
    return item


def action_item_status_set(*, actor, item_id, status: str, resolution: str = "") -> ActionItem:
    """Move an action item (compare-and-set); done needs what was done, and stamps the closing time."""
    require_permission(actor, "surveys.manage_action_items", "surveys.action_item_status_set")
    resolution = (resolution or "").strip()
    with transaction.atomic():
        item = ActionItem.objects.select_for_update().filter(pk=database_id(item_id)).first()
        if item is None:
            raise NotFound()
        old = item.status
        if (old, status) not in ACTION_TRANSITIONS:
            raise Conflict(_("An action item cannot go from %(old)s to %(new)s.")
                           % {"old": ActionStatus(old).label, "new": status})
        if status == ActionStatus.DONE and not resolution:
            raise ValidationFailed(details={"resolution": [_("Say what was done.")]})
        changes = {"status": status, "closed_at": timezone.now() if status in (ActionStatus.DONE,
                                                                              ActionStatus.DROPPED) else None}
        if resolution:
            changes["resolution"] = resolution[:4000]
        if not ActionItem.objects.filter(pk=item.pk, status=old).update(**changes):
            raise Conflict()
        for name, value in changes.items():
            setattr(item, name, value)
        audit_record(actor=actor, action="surveys.action_item_status", object_type="action_item", object_id=item.pk,
                     before={"status": old}, after={"status": status, "resolution": resolution})
    return item
