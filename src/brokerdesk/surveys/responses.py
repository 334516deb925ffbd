"""Responses: the client's answers through the signed link, or an agent's record of a phone survey; and the closed
loop (a detractor or a reported issue becomes a ticket at the client's branch).

response_submit checks every answer (rules.answers_check: values in range, follow-ups only when their condition
holds, the required ones present), then in one transaction: clears the invitation's nonce compare-and-set (two
submits at the same moment: one wins, the other gets Conflict and nothing is written), stores the Response with
what the analytics group by (branch, theme, channel, NPS score and group, the verbatim comment) and its Answers,
and opens the ticket when the loop says so. Experience officers' responses never open tickets: they are
findings, kept apart (is_experience_officer).
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, NotFound, ValidationFailed
from brokerdesk.core.masking import mask_name
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import database_id
from brokerdesk.customers.selectors import customers_visible_to
from brokerdesk.surveys import rules
from brokerdesk.surveys.choices import CampaignStatus, InvitationStatus, SurveyChannel
from brokerdesk.surveys.models import Answer, Invitation, Question, Response
from brokerdesk.surveys.nps_daily import nps_daily_add
from brokerdesk.surveys.services import spec_of

log = logging.getLogger(__name__)


def invitation_opened(invitation: Invitation) -> None:
    """The link was opened (sent or pending -> opened, once)."""
    if Invitation.objects.filter(pk=invitation.pk, status__in=(InvitationStatus.PENDING, InvitationStatus.SENT),
                                 ).exclude(nonce="").update(status=InvitationStatus.OPENED,
                                                            opened_at=timezone.now()):
        invitation.status = InvitationStatus.OPENED


def questions_of(invitation: Invitation) -> list[Question]:
    return list(invitation.campaign.survey.questions.order_by("position"))


def response_submit(*, invitation: Invitation, nonce: str, raw_answers: dict, actor=None,
                    channel: str | None = None) -> Response:
    """Store the answers to an invitation once. raw_answers maps question positions to what the form sent (a str
    or a list of str). actor None: the client through the link (the token was checked by the caller); a staff
    actor: an agent recording a phone survey (checked by phone_response_record)."""
    if not nonce or not Invitation.objects.filter(pk=invitation.pk, nonce=nonce).exists():
        raise Conflict(_("This survey has already been answered."))
    questions = questions_of(invitation)
    specs = [spec_of(q) for q in questions]
    answers, problems = rules.answers_check(specs, raw_answers)
    if problems:
        raise ValidationFailed(_("Some answers need your attention."), details=problems)
    now = timezone.now()
    survey = invitation.campaign.survey
    primary = next((q for q in questions if q.is_primary_nps), None)
    score = answers.get(primary.position) if primary else None
    verbatim = next((q for q in questions if q.is_verbatim and q.position in answers), None)
    comment = answers[verbatim.position] if verbatim else ""
    officer = invitation.officer_id is not None
    with transaction.atomic():
        if not nonce or not Invitation.objects.filter(pk=invitation.pk, nonce=nonce).exclude(
                status__in=(InvitationStatus.RESPONDED, InvitationStatus.EXPIRED)).update(
                nonce="", status=InvitationStatus.RESPONDED, responded_at=now):
            raise Conflict(_("This survey has already been answered."))
        response = Response.objects.create(
            invitation=invitation, campaign=invitation.campaign, survey=survey, theme=survey.theme,
            customer=invitation.customer, branch=invitation.branch, channel=channel or invitation.channel,
            submitted_at=now, nps_score=score, nps_group=rules.nps_group(score), comment=comment[:2000],
            is_experience_officer=officer)
        nps_daily_add(response)
        by_position = {q.position: q for q in questions}
        Answer.objects.bulk_create(_answer(response, by_position[p], value) for p, value in answers.items())
        kind = "" if officer or invitation.customer_id is None else rules.ticket_kind_for(specs, answers,
                                                                                          nps_score=score)
        if kind:
            ticket = _ticket_open(response, kind, questions, answers, actor)
            Response.objects.filter(pk=response.pk).update(ticket_id=ticket.pk)
            response.ticket_id = ticket.pk
        audit_record(actor=actor, action="surveys.response_submit", object_type="response", object_id=response.pk,
                     after={"invitation": invitation.pk, "campaign": invitation.campaign_id,
                            "channel": response.channel, "nps_score": score, "nps_group": response.nps_group,
                            "ticket": response.ticket_id, "experience_officer": officer})
    return response


def _answer(response: Response, question: Question, value) -> Answer:
    if question.kind in rules.SCORED:
        return Answer(response=response, question=question, score=value)
    if question.kind in rules.CHOICE:
        return Answer(response=response, question=question, choices=value if isinstance(value, list) else [value])
    return Answer(response=response, question=question, text=value)


def _ticket_open(response: Response, kind: str, questions: list[Question], answers: dict, actor):
    """The closed loop: a ticket at the client's branch (ticket_create puts it at the client's home branch, on
    the SLA policy of its kind), waiting in the branch's queue."""
    from brokerdesk.tickets.choices import Priority, TicketChannel
    from brokerdesk.tickets.services import LIMITS, TicketInput, ticket_create

    customer = response.customer
    with translation.override(settings.LANGUAGE_CODE):
        if response.nps_group == "detractor":
            subject = _("Survey detractor (%(score)d/10): %(survey)s, client %(name)s") % {
                "score": response.nps_score, "survey": response.survey.name,
                "name": mask_name(customer.name, customer.kind)}
        else:
            subject = _("Survey: the client asks to be contacted (%(survey)s), client %(name)s") % {
                "survey": response.survey.name, "name": mask_name(customer.name, customer.kind)}
        lines = [_("Survey response %(id)d, campaign “%(campaign)s”, submitted %(at)s by %(channel)s.") % {
            "id": response.pk, "campaign": response.campaign.name,
            "at": timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M"),
            "channel": SurveyChannel(response.channel).label}, ""]
        for question in questions:
            if question.position in answers:
                value = answers[question.position]
                shown = "、".join(value) if isinstance(value, list) else str(value)
                lines += [f"{question.position}. {question.text}", f"   {shown}"]
    data = TicketInput(kind=kind, channel=TicketChannel.WEB if response.channel != SurveyChannel.PHONE
                       else TicketChannel.PHONE, subject=subject[:LIMITS["subject"]],
                       description="\n".join(lines)[:LIMITS["description"]], customer_id=customer.pk,
                       source_ref=f"survey_response:{response.pk}",
                       priority=Priority.HIGH if (response.nps_score is not None and response.nps_score <= 3)
                       else Priority.NORMAL)
    # The system opens it (actor None): the client, or an agent who may not hold tickets.add_ticket for the branch.
    return ticket_create(actor=None, data=data, accept=False)


# --- phone surveys by an agent -----------------------------------------------------------------------------

def invitation_get_for_actor(actor, invitation_id) -> Invitation:
    """An invitation of a client the actor may see (officers' invitations are nobody's at the desk)."""
    invitation = (Invitation.objects.select_related("campaign__survey__theme", "customer", "branch")
                  .filter(pk=database_id(invitation_id), customer__in=customers_visible_to(actor)).first())
    if invitation is None:
        raise NotFound()
    return invitation


def phone_response_record(*, actor, invitation_id, raw_answers: dict, now: datetime | None = None) -> Response:
    """An agent records the answers a client gave on the phone to an invitation of a running campaign."""
    require_permission(actor, "surveys.add_response", "surveys.phone_response_record")
    invitation = invitation_get_for_actor(actor, invitation_id)
    now = now or timezone.now()
    campaign = invitation.campaign
    if campaign.status != CampaignStatus.RUNNING or campaign.ends_at <= now:
        raise Conflict(_("The campaign is not running: its invitations can no longer be answered."))
    if invitation.status in (InvitationStatus.RESPONDED, InvitationStatus.EXPIRED) or not invitation.nonce:
        raise Conflict(_("This survey has already been answered."))
    return response_submit(invitation=invitation, nonce=invitation.nonce, raw_answers=raw_answers, actor=actor,
                           channel=SurveyChannel.PHONE)
