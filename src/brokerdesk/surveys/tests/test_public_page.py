import re

import pytest
from django.core import signing
from django.test import Client

from brokerdesk.surveys import tokens
from brokerdesk.surveys.models import Invitation, Response
from brokerdesk.surveys.tests.support import invitation_of, make_campaign
from brokerdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(users, org, customer_a):
    campaign = make_campaign(users["supervisor"], branches=[org["branch_a"]])
    invitation = invitation_of(campaign, customer_a)
    return invitation, f"/surveys/r/{tokens.token_for(invitation)}/"


def _client():
    client = Client(enforce_csrf_checks=True)
    client.defaults.update({"wsgi.url_scheme": "https", "SERVER_PORT": "443"})
    return client


def _csrf(client, url):
    page = client.get(url)
    return page, page.cookies["csrftoken"].value


def test_it_shows_the_questionnaire_without_login_and_without_inline_script(link):
    invitation, url = link
    client = _client()
    page, _token = _csrf(client, url)
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="survey-form"' in body
    assert "<script>" not in body and "surveys/respond.js" in body
    assert "<fieldset" in body and "<legend>" in body and 'name="q1" value="10"' in body
    assert page["Referrer-Policy"] == "same-origin" and "script-src 'self'" in page["Content-Security-Policy"]
    assert Invitation.objects.get(pk=invitation.pk).status == "opened"


def test_it_refuses_a_post_without_the_csrf_token(link):
    _invitation, url = link
    assert _client().post(url, {"q1": "9"}).status_code == 403
    assert not Response.objects.exists()


def test_it_takes_the_answers_once_and_then_says_the_link_is_not_valid(link, org):
    _invitation, url = link
    client = _client()
    _page, csrf = _csrf(client, url)
    answered = client.post(url, {"q1": "3", "q2": ["服务态度"], "q3": "排队太久", "csrfmiddlewaretoken": csrf})
    assert answered.status_code == 200 and 'data-testid="survey-thanks"' in answered.content.decode()
    response = Response.objects.get()
    assert Ticket.objects.get(pk=response.ticket_id).branch == org["branch_a"]
    again = client.get(url)
    assert again.status_code == 410 and 'data-testid="survey-link-invalid"' in again.content.decode()
    posted_again = client.post(url, {"q1": "10", "csrfmiddlewaretoken": csrf})
    assert posted_again.status_code == 410 and Response.objects.count() == 1


def test_it_shows_errors_in_place_and_keeps_the_answers(link):
    _invitation, url = link
    client = _client()
    _page, csrf = _csrf(client, url)
    page = client.post(url, {"q1": "2", "csrfmiddlewaretoken": csrf})
    body = page.content.decode()
    assert page.status_code == 422 and 'id="q2-error"' in body and re.search(r'name="q1" value="2"[^>]*checked', body)
    assert not Response.objects.exists()


def test_it_answers_forged_and_altered_tokens_with_the_same_page(link):
    invitation, url = link
    forged = signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt="another.salt")
    altered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    client = _client()
    pages = [client.get(f"/surveys/r/{forged}/"), client.get(altered), client.get("/surveys/r/nothing/")]
    assert [p.status_code for p in pages] == [404, 404, 404]
    bodies = {p.content.decode().split("<main")[1] for p in pages}
    assert len(bodies) == 1 and "survey-link-invalid" in bodies.pop()
