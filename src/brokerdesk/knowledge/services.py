"""Knowledge-base writes: create, update (compare-and-set on the version), publish, archive. Each checks the
permission, rebuilds the article's search index when its text changes, and writes an audit event in the same
transaction."""

from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, FieldErrors, NotFound
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import database_id
from brokerdesk.knowledge.choices import ArticleStatus
from brokerdesk.knowledge.models import Article, Category
from brokerdesk.knowledge.search import article_index

TITLE_MAX = 120
BODY_MAX = 20000
KEYWORDS_MAX = 300

# action -> (statuses it starts from, status it leads to)
TRANSITIONS = {
    "publish": ((ArticleStatus.DRAFT, ArticleStatus.ARCHIVED), ArticleStatus.PUBLISHED),
    "archive": ((ArticleStatus.DRAFT, ArticleStatus.PUBLISHED), ArticleStatus.ARCHIVED),
}


@dataclass(frozen=True)
class ArticleInput:
    title: str
    body: str
    keywords: str = ""
    category_id: int | None = None


def _clean(data: ArticleInput) -> ArticleInput:
    errors = FieldErrors()
    title, body = (data.title or "").strip(), (data.body or "").strip()
    keywords = " ".join((data.keywords or "").split())
    if not title:
        errors.add("title", _("Please give the article a title."))
    elif len(title) > TITLE_MAX:
        errors.add("title", _("At most %(n)d characters.") % {"n": TITLE_MAX})
    if not body:
        errors.add("body", _("Please write the answer."))
    elif len(body) > BODY_MAX:
        errors.add("body", _("At most %(n)d characters.") % {"n": BODY_MAX})
    if len(keywords) > KEYWORDS_MAX:
        errors.add("keywords", _("At most %(n)d characters.") % {"n": KEYWORDS_MAX})
    category_id = data.category_id
    if category_id not in (None, ""):
        try:
            category_id = database_id(category_id)
        except NotFound:
            category_id = 0
        if not Category.objects.filter(pk=category_id).exists():
            errors.add("category", _("No such category."))
    else:
        category_id = None
    errors.raise_if_any()
    return ArticleInput(title=title, body=body, keywords=keywords, category_id=category_id)


def _snapshot(article: Article) -> dict:
    return {"title": article.title, "keywords": article.keywords, "category_id": article.category_id,
            "status": article.status, "version": article.version, "body_length": len(article.body)}


def article_create(*, actor, data: ArticleInput) -> Article:
    require_permission(actor, "knowledge.add_article", "knowledge.article_create")
    data = _clean(data)
    with transaction.atomic():
        now = timezone.now()
        article = Article.objects.create(**asdict(data), status=ArticleStatus.DRAFT, created_by=actor,
                                         updated_by=actor, updated_at=now)
        article_index(article)
        audit_record(actor=actor, action="knowledge.article_create", object_type="article", object_id=article.pk,
                     after=_snapshot(article))
    return article


def _locked(actor, article_id) -> Article:
    article = Article.objects.select_for_update().filter(pk=database_id(article_id)).first()
    if article is None:
        raise NotFound()
    return article


def article_update(*, actor, article_id, data: ArticleInput, version: int) -> Article:
    """Change the text; version is the one the editor started from: a newer one means someone else saved in
    between, and nothing is written (Conflict)."""
    require_permission(actor, "knowledge.change_article", "knowledge.article_update")
    data = _clean(data)
    with transaction.atomic():
        article = _locked(actor, article_id)
        before = _snapshot(article)
        now = timezone.now()
        changed = Article.objects.filter(pk=article.pk, version=version).update(
            **asdict(data), version=version + 1, updated_by=actor, updated_at=now)
        if not changed:
            raise Conflict(_("Someone else saved this article in the meantime; reload it and make your change "
                             "again."), details={"version": article.version})
        article.refresh_from_db()
        article_index(article)
        audit_record(actor=actor, action="knowledge.article_update", object_type="article", object_id=article.pk,
                     before=before, after=_snapshot(article))
    return article


def _move(actor, article_id, action: str) -> Article:
    require_permission(actor, "knowledge.publish_article", f"knowledge.article_{action}")
    sources, target = TRANSITIONS[action]
    with transaction.atomic():
        article = _locked(actor, article_id)
        if article.status not in sources:
            raise Conflict(_("The article is %(status)s already.") % {"status": article.get_status_display()})
        now = timezone.now()
        extra = {"published_at": now} if target == ArticleStatus.PUBLISHED else {}
        if not Article.objects.filter(pk=article.pk, status=article.status).update(
                status=target, updated_by=actor, updated_at=now, **extra):
            raise Conflict()
        old = article.status
        article.refresh_from_db()
        audit_record(actor=actor, action=f"knowledge.article_{action}", object_type="article",
                     object_id=article.pk, before={"status": old}, after={"status": article.status})
    return article


def article_publish(*, actor, article_id) -> Article:
    return _move(actor, article_id, "publish")


def article_archive(*, actor, article_id) -> Article:
    return _move(actor, article_id, "archive")
