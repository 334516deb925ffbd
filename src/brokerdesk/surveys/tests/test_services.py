from datetime import timedelta

import pytest
from django.utils import timezone

from brokerdesk.core.errors import Conflict, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.customers.models import ChannelConsent
from brokerdesk.messaging.models import OutboundMessage
from brokerdesk.surveys import campaigns, services, tokens
from brokerdesk.surveys.models import ExperienceOfficer, Invitation, Response, Survey, Theme
from brokerdesk.surveys.responses import phone_response_record, response_submit
from brokerdesk.surveys.rules import QuestionSpec
from brokerdesk.surveys.tests.support import invitation_of, make_campaign, nps_survey
from brokerdesk.tickets.models import Ticket
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_it_seeds_the_themes_and_a_published_nps_survey():
    assert set(Theme.objects.values_list("code", flat=True)) >= {"overall", "products", "research", "staff_service",
                                                                 "trading_system", "account_opening",
                                                                 "contact_center"}
    survey = nps_survey()
    questions = list(survey.questions.all())
    assert questions[0].is_primary_nps and questions[1].show_if_position == 1
    assert questions[1].text == "您不满意的主要原因是？"
    assert any(q.is_verbatim for q in questions)


def test_it_versions_a_published_survey_instead_of_editing_it(users):
    designer = users["supervisor"]
    published = nps_survey()
    with pytest.raises(Conflict):
        services.survey_questions_set(actor=designer, survey_id=published.pk,
                                      questions=[QuestionSpec(position=1, kind="text", text="x")])
    draft = services.survey_new_version(actor=designer, survey_id=published.pk)
    assert draft.version == 2 and draft.questions.count() == published.questions.count()
    with pytest.raises(Conflict):
        services.survey_new_version(actor=designer, survey_id=published.pk)  # one draft per code
    with pytest.raises(ValidationFailed) as error:
        services.survey_questions_set(actor=designer, survey_id=draft.pk, questions=[
            QuestionSpec(position=1, kind="nps", text="a", is_primary_nps=True),
            QuestionSpec(position=2, kind="text", text="b", show_if_position=3, show_if_values=[1])])
    assert "q2.show_if_position" in error.value.details
    services.survey_questions_set(actor=designer, survey_id=draft.pk, questions=[
        QuestionSpec(position=1, kind="nps", text="推荐?", is_primary_nps=True)])
    services.survey_publish(actor=designer, survey_id=draft.pk)
    assert Survey.objects.get(pk=published.pk).status == "retired"
    assert Survey.objects.get(pk=draft.pk).status == "published"
    assert AuditEvent.objects.filter(action="surveys.survey_publish", object_id=str(draft.pk)).exists()


def test_it_lets_only_designers_build_surveys(users):
    from brokerdesk.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.survey_new_version(actor=users["branch_a"], survey_id=nps_survey().pk)


def test_it_invites_the_branch_and_sends_the_link_by_sms(users, org, customer_a, customer_b):
    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]])
    invitation = invitation_of(campaign, customer_a)
    assert not Invitation.objects.filter(campaign=campaign, customer=customer_b).exists()
    campaigns.invitations_send(campaign_id=campaign.pk)  # on-commit does not run inside the test's transaction
    invitation.refresh_from_db()
    assert invitation.status == "sent" and invitation.branch == org["branch_a"]
    message = OutboundMessage.objects.get(pk=invitation.last_message_id)
    assert message.purpose == "survey"
    token = message.body.split("/surveys/r/")[1].split("/")[0]
    assert tokens.token_check(token).invitation == invitation


def test_it_records_an_invitation_suppressed_by_an_opt_out(users, org, customer_a):
    ChannelConsent.objects.create(customer=customer_a, channel="sms", consented=False, changed_at=timezone.now())
    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]])
    campaigns.invitations_send(campaign_id=campaign.pk)
    invitation = invitation_of(campaign, customer_a)
    assert invitation.status == "suppressed"
    assert OutboundMessage.objects.get(pk=invitation.last_message_id).suppression_reason == "opted_out"
    assert campaigns.campaign_progress(campaign)["suppressed"] == 1


def test_it_samples_reproducibly(users, org):
    for _ in range(30):
        make_customer(org["branch_a"])
    first = make_campaign(users["supervisor"], code="s1", branches=[org["branch_a"]], sample_size=10, start=False)
    picked = campaigns.sample(first, list(range(1, 101)))
    assert picked == campaigns.sample(first, list(reversed(range(1, 101)))) and len(picked) == 10
    ratio = make_campaign(users["supervisor"], code="s2", branches=[org["branch_a"]], sample_ratio="0.5",
                          start=False)
    kept = campaigns.sample(ratio, list(range(1, 1001)))
    assert kept == campaigns.sample(ratio, list(range(1000, 0, -1))) and 400 < len(kept) < 600
    started = campaigns.campaign_start(actor=users["supervisor"], campaign_id=first.pk)
    assert Invitation.objects.filter(campaign=started).count() == 10
    assert campaigns.invitations_generate(started) == 0  # idempotent: the sample is full


def test_it_reminds_once_and_expires_the_campaign(users, org, customer_a):
    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]], reminder_after_days=2,
                             max_reminders=1)
    campaigns.invitations_send(campaign_id=campaign.pk)
    token = tokens.token_for(invitation_of(campaign, customer_a))
    assert campaigns.reminders_send() == 0  # not yet due
    later = timezone.now() + timedelta(days=3)
    assert campaigns.reminders_send(now=later) == 1
    assert campaigns.reminders_send(now=later) == 0
    assert invitation_of(campaign, customer_a).reminders_sent == 1
    assert campaigns.campaigns_expire(now=timezone.now() + timedelta(days=8)) == [campaign.pk]
    invitation = invitation_of(campaign, customer_a)
    assert invitation.status == "expired"
    assert tokens.token_check(token).problem == "used" and tokens.token_check(token).status == 410


def test_it_stores_a_response_once_with_its_denormalised_figures(users, org, customer_a):
    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]])
    invitation = invitation_of(campaign, customer_a)
    nonce = invitation.nonce
    response = response_submit(invitation=invitation, nonce=nonce,
                               raw_answers={1: ["9"], 2: ["服务态度"], 3: ["很好"]})
    assert (response.nps_score, response.nps_group, response.comment) == (9, "promoter", "很好")
    assert response.branch == org["branch_a"] and response.theme.code == "overall" and response.channel == "sms"
    assert response.answers.count() == 2  # the follow-up for 0-6 was not shown: not stored
    assert response.ticket_id is None
    invitation.refresh_from_db()
    assert invitation.nonce == "" and invitation.status == "responded"
    with pytest.raises(Conflict):
        response_submit(invitation=invitation, nonce=nonce, raw_answers={1: ["3"]})
    assert Response.objects.count() == 1


def test_it_refuses_missing_required_answers_and_writes_nothing(users, org, customer_a):
    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]])
    invitation = invitation_of(campaign, customer_a)
    with pytest.raises(ValidationFailed) as error:
        response_submit(invitation=invitation, nonce=invitation.nonce, raw_answers={1: ["2"]})
    assert "q2" in error.value.details  # the follow-up for a detractor is required
    assert not Response.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).nonce == invitation.nonce


def test_it_turns_a_detractor_into_a_complaint_at_the_clients_branch(users, org, customer_a):
    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]])
    invitation = invitation_of(campaign, customer_a)
    response = response_submit(invitation=invitation, nonce=invitation.nonce,
                               raw_answers={1: ["3"], 2: ["服务态度"], 3: ["等了很久没人接电话"]})
    ticket = Ticket.objects.get(pk=response.ticket_id)
    assert ticket.kind == "complaint" and ticket.branch == org["branch_a"] and ticket.customer == customer_a
    assert "等了很久没人接电话" in ticket.description and ticket.source_ref == f"survey_response:{response.pk}"
    assert ticket.timers.exists()  # the SLA clocks run


def test_it_turns_a_request_to_be_contacted_into_a_consultation(users, org, customer_a):
    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]])
    invitation = invitation_of(campaign, customer_a)
    response = response_submit(invitation=invitation, nonce=invitation.nonce,
                               raw_answers={1: ["8"], 4: ["需要，请尽快联系我"]})
    assert Ticket.objects.get(pk=response.ticket_id).kind == "consultation"


def test_it_never_opens_tickets_for_experience_officers(users):
    officer = services.officer_enrol(actor=users["supervisor"], staff_id=users["agent"].pk)
    survey = services.survey_new_version(actor=users["supervisor"], survey_id=nps_survey().pk)
    Survey.objects.filter(pk=survey.pk).update(for_experience_panel=True)
    services.survey_publish(actor=users["supervisor"], survey_id=survey.pk)
    campaign = make_campaign(users["supervisor"], code="panel", audience="experience_panel", channels=["web"])
    invitation = Invitation.objects.get(campaign=campaign, officer=officer)
    response = response_submit(invitation=invitation, nonce=invitation.nonce,
                               raw_answers={1: ["0"], 2: ["其他"], 3: ["柜台服务差"]})
    assert response.is_experience_officer and response.ticket_id is None
    assert not Ticket.objects.exists()
    assert ExperienceOfficer.objects.get(pk=officer.pk).active


def test_it_records_a_phone_survey_for_a_visible_client_only(users, org, customer_a, customer_b):
    from brokerdesk.core.errors import NotFound

    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"], org["branch_b"]], channels=["phone"])
    with pytest.raises(NotFound):
        phone_response_record(actor=users["branch_a"], invitation_id=invitation_of(campaign, customer_b).pk,
                              raw_answers={1: ["10"]})
    response = phone_response_record(actor=users["branch_a"], invitation_id=invitation_of(campaign, customer_a).pk,
                                     raw_answers={1: ["10"]})
    assert response.channel == "phone" and response.nps_group == "promoter"


def test_it_invites_after_a_closed_complaint(users, org, customer_a):
    from brokerdesk.tickets.services import TicketInput, ticket_create

    campaign = make_campaign(users["supervisor"], code="ev", audience="event", event="complaint_closed",
                             branch_ids=[])
    assert campaign.invitations.count() == 0
    ticket = ticket_create(actor=users["branch_a"], data=TicketInput(
        kind="complaint", channel="branch", subject="s", description="d", customer_id=customer_a.pk), accept=True)
    Ticket.objects.filter(pk=ticket.pk).update(status="closed", closed_at=timezone.now())
    assert campaigns.event_invitations_sweep() == 1
    assert invitation_of(campaign, customer_a).source_ref == f"ticket:{ticket.pk}"
    assert campaigns.event_invitations_sweep() == 0


def test_it_tracks_an_action_item_to_done_and_resurveys_its_clients(users, org, customer_a):
    from brokerdesk.org.models import Department

    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]])
    invitation = invitation_of(campaign, customer_a)
    response_submit(invitation=invitation, nonce=invitation.nonce,
                    raw_answers={1: ["4"], 2: ["交易系统不稳定"], 3: ["交易系统经常卡顿"]})
    department = Department.objects.create(company=org["company"], code="IT", name="信息技术部", kind="operations")
    item = services.action_item_create(actor=users["reviewer"], title="交易系统卡顿",
                                       theme_id=Theme.objects.get(code="overall").pk, department_id=department.pk,
                                       owner_id=users["supervisor"].pk, keyword="卡顿")
    with pytest.raises(ValidationFailed):
        services.action_item_status_set(actor=users["reviewer"], item_id=item.pk, status="done")
    services.action_item_status_set(actor=users["reviewer"], item_id=item.pk, status="in_progress")
    item = services.action_item_status_set(actor=users["reviewer"], item_id=item.pk, status="done",
                                           resolution="扩容行情服务器")
    assert item.closed_at is not None
    resurvey = campaigns.resurvey_create(actor=users["supervisor"], item_id=item.pk, survey_id=nps_survey().pk,
                                         ends_at=timezone.now() + timedelta(days=7))
    campaigns.campaign_start(actor=users["supervisor"], campaign_id=resurvey.pk)
    assert list(resurvey.invitations.values_list("customer_id", flat=True)) == [customer_a.pk]
    assert resurvey.follows_action_item_id == item.pk
