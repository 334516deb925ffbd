import pytest

from brokerdesk.surveys.tests.support import invitation_of, make_campaign, nps_survey

pytestmark = pytest.mark.django_db


def test_it_shows_campaign_progress_and_the_builder(users, org, customer_a, login):
    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]], channels=["web"])
    client = login(users["supervisor"])
    assert client.get("/surveys/").status_code == 200
    page = client.get(f"/surveys/campaigns/{campaign.pk}/")
    assert page.status_code == 200 and 'data-testid="campaign-progress"' in page.content.decode()
    assert client.get(f"/surveys/builder/{nps_survey().pk}/").status_code == 200
    assert client.get("/surveys/actions/").status_code == 200
    assert login(users["branch_a"]).get("/surveys/").status_code == 403


def test_it_shows_builder_errors_in_place(users, login):
    from brokerdesk.surveys import services

    draft = services.survey_new_version(actor=users["supervisor"], survey_id=nps_survey().pk)
    client = login(users["supervisor"])
    page = client.post(f"/surveys/builder/{draft.pk}/", {
        "q-0-position": "1", "q-0-kind": "nps", "q-0-text": "推荐?", "q-0-is_primary_nps": "1",
        "q-1-position": "2", "q-1-kind": "single", "q-1-text": "原因?", "q-1-choices": "a\nb",
        "q-1-show_if_position": "5", "q-1-show_if_values": "1"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 422 and 'data-testid="builder-error"' in page.content.decode()
    page = client.post(f"/surveys/builder/{draft.pk}/", {
        "q-0-position": "1", "q-0-kind": "nps", "q-0-text": "推荐?", "q-0-is_primary_nps": "1",
        "q-1-position": "2", "q-1-kind": "single", "q-1-text": "原因?", "q-1-choices": "a\nb",
        "q-1-show_if_position": "1", "q-1-show_if_values": "0,1,2"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert list(draft.questions.values_list("show_if_values", flat=True)) == [[], [0, 1, 2]]


def test_it_records_a_phone_survey_at_the_desk(users, org, customer_a, login):
    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]], channels=["phone"])
    invitation = invitation_of(campaign, customer_a)
    client = login(users["agent"])
    assert customer_a.customer_no in client.get("/surveys/phone/").content.decode()
    assert client.post(f"/surveys/phone/{invitation.pk}/", {"q1": "10"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "responded"
