"""Survey reads. Responses carry personal opinions of clients: they start from what the actor may see (branch
staff: their branch's; HQ: all); a single response the actor may not see is NotFound like a missing one."""

from django.db.models import QuerySet

from brokerdesk.core.errors import NotFound
from brokerdesk.core.scoping import database_id, visible_to
from brokerdesk.surveys.choices import CampaignStatus, InvitationStatus, SurveyChannel
from brokerdesk.surveys.models import ActionItem, Campaign, ExperienceOfficer, Invitation, Response, Survey


def responses_visible_to(actor) -> QuerySet[Response]:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_perm("surveys.view_response"):
        return Response.objects.none()
    return visible_to(actor, Response.objects.all(), branch_field="branch_id")


def response_get_for_actor(actor, response_id) -> Response:
    response = (responses_visible_to(actor).select_related("campaign", "survey", "theme", "customer", "branch")
                .filter(pk=database_id(response_id)).first())
    if response is None:
        raise NotFound()
    return response


def campaigns_list(actor) -> QuerySet[Campaign]:
    if actor is None or not actor.has_perm("surveys.run_campaign"):
        return Campaign.objects.none()
    return Campaign.objects.select_related("survey")


def campaign_get_for_actor(actor, campaign_id) -> Campaign:
    campaign = campaigns_list(actor).filter(pk=database_id(campaign_id)).first()
    if campaign is None:
        raise NotFound()
    return campaign


def phone_invitations(actor) -> QuerySet[Invitation]:
    """Phone invitations of running campaigns still to be answered, of the clients the actor may see."""
    from brokerdesk.customers.selectors import customers_visible_to

    if actor is None or not actor.has_perm("surveys.add_response"):
        return Invitation.objects.none()
    return (Invitation.objects.filter(campaign__status=CampaignStatus.RUNNING, channel=SurveyChannel.PHONE,
                                      status__in=(InvitationStatus.PENDING, InvitationStatus.OPENED),
                                      customer__in=customers_visible_to(actor))
            .select_related("campaign__survey", "customer").order_by("pk"))


def action_items_list(actor) -> QuerySet[ActionItem]:
    if actor is None or not actor.has_perm("surveys.manage_action_items"):
        return ActionItem.objects.none()
    return ActionItem.objects.select_related("theme", "department", "owner")


def action_item_get_for_actor(actor, item_id) -> ActionItem:
    item = action_items_list(actor).filter(pk=database_id(item_id)).first()
    if item is None:
        raise NotFound()
    return item


def survey_get_for_designer(actor, survey_id) -> Survey:
    """A survey (company-wide configuration) for those who design surveys; NotFound when missing."""
    survey = (Survey.objects.filter(pk=database_id(survey_id)).select_related("theme").first()
              if actor is not None and actor.has_perm("surveys.design_survey") else None)
    if survey is None:
        raise NotFound()
    return survey


def officer_open_invitations(actor) -> tuple[ExperienceOfficer | None, list[Invitation]]:
    """The actor's own enrolment as an experience officer and the invitations they can still answer."""
    officer = ExperienceOfficer.objects.filter(staff_id=getattr(actor, "pk", None), active=True).first()
    if officer is None:
        return None, []
    return officer, list(Invitation.objects.filter(officer=officer).exclude(nonce="")
                         .select_related("campaign__survey"))

