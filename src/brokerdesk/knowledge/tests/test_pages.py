import pytest

from brokerdesk.knowledge import services
from brokerdesk.knowledge.models import Article

pytestmark = pytest.mark.django_db


def test_it_searches_from_the_list_page_and_refreshes_results_with_htmx(users, login):
    client = login(users["agent"])
    page = client.get("/kb/", {"q": "融资融券怎么开通"})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("融资融券开通条件和流程") < html.index("</table>")
    fragment = client.get("/kb/", {"q": "科创板"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="kb-results")
    assert fragment.status_code == 200 and b"<html" not in fragment.content
    assert "科创板交易权限开通条件" in fragment.content.decode()


def test_it_shows_an_article_and_hides_drafts_from_readers(users, login):
    draft = services.article_create(actor=users["supervisor"], data=services.ArticleInput(
        title="内部草稿", body="尚未发布的内容"))
    published = Article.objects.get(title="港股通开通条件")
    agent = login(users["agent"])
    assert "港股通交易以港币报价" in agent.get(f"/kb/{published.pk}/").content.decode()
    assert agent.get(f"/kb/{draft.pk}/").status_code == 404
    assert agent.get(f"/kb/{draft.pk + 1000}/").status_code == 404
    assert login(users["supervisor"]).get(f"/kb/{draft.pk}/").status_code == 200
    assert login(users["admin"]).get("/kb/").status_code == 403


def test_it_shows_editor_errors_in_place_and_saves_a_valid_article(users, login):
    client = login(users["supervisor"])
    bad = client.post("/kb/new/", {"title": "", "body": "答案"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and 'id="kb-editor"' in bad.content.decode()
    good = client.post("/kb/new/", {"title": "期货开户", "body": "期货开户请到期货公司办理。", "keywords": "期货"},
                       HTTP_HX_REQUEST="true")
    article = Article.objects.get(title="期货开户")
    assert good.status_code == 204 and good["HX-Redirect"] == f"/kb/{article.pk}/"
    edit = client.post(f"/kb/{article.pk}/edit/", {"title": "期货开户说明", "body": "改过的内容", "version": 1})
    assert edit.status_code == 302
    stale = client.post(f"/kb/{article.pk}/edit/", {"title": "覆盖", "body": "旧的", "version": 1})
    assert stale.status_code == 409 and "error-box" in stale.content.decode()
    assert client.post(f"/kb/{article.pk}/publish/").status_code == 302
    assert Article.objects.get(pk=article.pk).status == "published"
    assert login(users["agent"]).post(f"/kb/{article.pk}/archive/").status_code == 403


def test_it_serves_search_and_articles_over_the_api(users, token_client):
    without_scope = token_client(users["agent"], scopes=["customers:read"])
    assert without_scope.get("/api/v1/kb/search", {"q": "开户"}).status_code == 403
    client = token_client(users["agent"], scopes=["knowledge:read"])
    hits = client.get("/api/v1/kb/search", {"q": "融资融券怎么开通"}).json()
    assert hits[0]["title"] == "融资融券开通条件和流程"
    article = client.get(f"/api/v1/kb/articles/{hits[0]['id']}").json()
    assert "维持担保比例" in article["body"]
    draft = services.article_create(actor=users["supervisor"],
                                    data=services.ArticleInput(title="草稿", body="草稿内容"))
    missing = client.get(f"/api/v1/kb/articles/{draft.pk}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/kb/search", {"q": ""}).status_code == 422


def test_it_lets_administrators_edit_categories_in_the_admin_with_audit(users, login):
    from brokerdesk.core.models import AuditEvent
    from brokerdesk.knowledge.models import Category

    client = login(users["admin"])
    assert "权限开通" in client.get("/admin/knowledge/category/").content.decode()
    added = client.post("/admin/knowledge/category/add/", {"name": "期权业务", "position": 70})
    assert added.status_code == 302
    category = Category.objects.get(name="期权业务")
    assert AuditEvent.objects.filter(action="admin.category.create", object_id=str(category.pk)).exists()
