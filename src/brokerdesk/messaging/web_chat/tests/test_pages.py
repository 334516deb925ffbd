import pytest

from brokerdesk.core.models import AuditEvent
from brokerdesk.messaging.web_chat import services
from brokerdesk.messaging.web_chat.identity import portal_identity, verified_customer_id
from brokerdesk.messaging.web_chat.models import ChatSession

pytestmark = pytest.mark.django_db


def test_it_serves_the_widget_without_login_and_without_inline_script(client):
    page = client.get("/chat/", {"identity": "<script>alert(1)</script>"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="chat-widget"' in html
    assert "<script>alert" not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "<script src=" in html and "<script>" not in html


def test_it_binds_a_session_to_the_client_only_when_the_identity_verifies(client, customer_a):
    good = client.post("/chat/start/", {"identity": portal_identity(customer_a.pk)})
    assert good.status_code == 201
    assert ChatSession.objects.get(token=good.json()["token"]).customer_id == customer_a.pk
    forged = [f"{customer_a.pk}.{'0' * 64}", f"{customer_a.pk + 1}.{portal_identity(customer_a.pk).split('.')[1]}",
              "abc", f"{customer_a.pk}", "", "１２.ab", "9" * 90]
    for identity in forged:
        response = client.post("/chat/start/", {"identity": identity})
        assert response.status_code == 201, identity
        assert ChatSession.objects.get(token=response.json()["token"]).customer_id is None
        assert verified_customer_id(identity) is None


def test_it_shows_a_published_article_to_clients_and_hides_drafts(client, users):
    from brokerdesk.knowledge import services as kb

    draft = kb.article_create(actor=users["supervisor"], data=kb.ArticleInput(title="内部草稿", body="内部"))
    published = kb.article_publish(actor=users["supervisor"], article_id=kb.article_create(
        actor=users["supervisor"], data=kb.ArticleInput(title="公开文章", body="公开内容")).pk)
    assert "公开内容" in client.get(f"/chat/articles/{published.pk}/").content.decode()
    assert client.get(f"/chat/articles/{draft.pk}/").status_code == 404


def test_it_lets_agents_take_reply_and_end_from_the_console(users, login):
    session = services.chat_session_start()
    services.chat_handoff_request(token=session.token)
    agent = login(users["agent"])
    console = agent.get("/chat/console/")
    assert console.status_code == 200 and f"#{session.pk}" in console.content.decode()
    panel = agent.get(f"/chat/console/{session.pk}/", HTTP_HX_REQUEST="true")
    assert 'data-testid="chat-take"' in panel.content.decode()
    taken = agent.post(f"/chat/console/{session.pk}/take/", HTTP_HX_REQUEST="true")
    assert taken.status_code == 200 and 'id="chat-reply"' in taken.content.decode()
    second = login(users["supervisor"]).post(f"/chat/console/{session.pk}/take/", HTTP_HX_REQUEST="true")
    assert second.status_code == 422 and "chat-error" in second.content.decode()
    empty = agent.post(f"/chat/console/{session.pk}/reply/", {"body": "  "}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 422
    agent.post(f"/chat/console/{session.pk}/reply/", {"body": "您好"}, HTTP_HX_REQUEST="true")
    assert agent.post(f"/chat/console/{session.pk}/end/").status_code == 302
    session.refresh_from_db()
    assert session.status == "closed" and session.messages.filter(sender="agent", body="您好").exists()
    assert set(AuditEvent.objects.filter(object_type="chat_session", object_id=str(session.pk))
               .values_list("action", flat=True)) >= {"web_chat.session_start", "web_chat.handoff", "web_chat.take",
                                                      "web_chat.agent_reply", "web_chat.close"}


def test_it_keeps_the_console_from_staff_without_the_permission(users, login):
    session = services.chat_session_start()
    branch = login(users["branch_a"])
    assert branch.get("/chat/console/").status_code == 403
    assert branch.post(f"/chat/console/{session.pk}/take/").status_code == 403
    assert login(users["agent"]).get(f"/chat/console/{session.pk + 1000}/").status_code == 404


def test_it_limits_how_many_sessions_one_network_starts(client, settings, org):
    settings.WEB_CHAT_STARTS_PER_HOUR = 2
    assert [client.post("/chat/start/").status_code for _ in range(3)] == [201, 201, 429]
    assert ChatSession.objects.count() == 2
