import pytest

from brokerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.knowledge import services
from brokerdesk.knowledge.choices import ArticleStatus
from brokerdesk.knowledge.models import Article

pytestmark = pytest.mark.django_db

DATA = services.ArticleInput(title="期权开户条件", body="个人投资者参与股票期权交易需满足资产和经验要求。",
                             keywords="期权 开户")


def test_it_lets_an_editor_write_a_draft_and_audits_it(users):
    article = services.article_create(actor=users["supervisor"], data=DATA)
    assert article.status == ArticleStatus.DRAFT and article.version == 1
    event = AuditEvent.objects.get(action="knowledge.article_create", object_id=str(article.pk))
    assert event.actor_id == users["supervisor"].pk


def test_it_refuses_writers_without_the_permission_and_records_the_refusal(users):
    with pytest.raises(PermissionDenied):
        services.article_create(actor=users["agent"], data=DATA)
    assert not Article.objects.filter(title=DATA.title).exists()
    assert AuditEvent.objects.filter(action="access.denied", actor_id=users["agent"].pk,
                                     details__attempted="knowledge.article_create").exists()
    article = services.article_create(actor=users["supervisor"], data=DATA)
    with pytest.raises(PermissionDenied):
        services.article_publish(actor=users["agent"], article_id=article.pk)
    with pytest.raises(PermissionDenied):
        services.article_update(actor=users["branch_a"], article_id=article.pk, data=DATA, version=1)


def test_it_names_each_invalid_field_and_writes_nothing(users):
    with pytest.raises(ValidationFailed) as caught:
        services.article_create(actor=users["supervisor"], data=services.ArticleInput(
            title=" ", body="", category_id=999999))
    assert set(caught.value.details) == {"title", "body", "category"}
    assert not Article.objects.filter(created_by=users["supervisor"]).exists()


def test_it_refuses_a_save_over_someone_elses_newer_version(users):
    editor = users["supervisor"]
    article = services.article_create(actor=editor, data=DATA)
    services.article_update(actor=editor, article_id=article.pk, version=1,
                            data=services.ArticleInput(title="期权开户条件（修订）", body=DATA.body))
    with pytest.raises(Conflict):
        services.article_update(actor=users["admin"], article_id=article.pk, version=1,
                                data=services.ArticleInput(title="旧版本覆盖", body=DATA.body))
    article.refresh_from_db()
    assert (article.title, article.version, article.updated_by_id) == ("期权开户条件（修订）", 2, editor.pk)


def test_it_publishes_and_archives_by_the_transition_table(users):
    editor = users["supervisor"]
    article = services.article_create(actor=editor, data=DATA)
    article = services.article_publish(actor=editor, article_id=article.pk)
    assert article.status == ArticleStatus.PUBLISHED and article.published_at
    with pytest.raises(Conflict):
        services.article_publish(actor=editor, article_id=article.pk)
    assert services.article_archive(actor=editor, article_id=article.pk).status == ArticleStatus.ARCHIVED
    assert list(AuditEvent.objects.filter(object_type="article", object_id=str(article.pk))
                .order_by("seq").values_list("action", flat=True)) == [
        "knowledge.article_create", "knowledge.article_publish", "knowledge.article_archive"]


def test_it_seeds_a_published_knowledge_base():
    assert Article.objects.filter(status=ArticleStatus.PUBLISHED).count() >= 20
    assert Article.objects.filter(title__contains="融资融券").exists()
