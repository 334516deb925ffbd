"""Knowledge-base reads. Articles are company-wide (no branch scoping): holders of knowledge.view_article read
published ones; editors (knowledge.change_article) also see drafts and archived ones. What an actor may not see
is NotFound, like a missing article."""

from django.db.models import QuerySet

from brokerdesk.core.errors import NotFound
from brokerdesk.core.scoping import database_id
from brokerdesk.knowledge import search
from brokerdesk.knowledge.choices import ArticleStatus
from brokerdesk.knowledge.models import Article, Category

SEARCH_LIMIT_MAX = 50


def articles_visible_to(actor) -> QuerySet[Article]:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Article.objects.none()
    if actor.has_perm("knowledge.change_article"):
        return Article.objects.all()
    if actor.has_perm("knowledge.view_article"):
        return Article.objects.filter(status=ArticleStatus.PUBLISHED)
    return Article.objects.none()


def article_get_for_actor(actor, article_id) -> Article:
    article = (articles_visible_to(actor).select_related("category", "category__parent", "updated_by")
               .filter(pk=database_id(article_id)).first())
    if article is None:
        raise NotFound()
    return article


def knowledge_search(actor, query: str, limit: int = 10, *, status: str = "") -> list[tuple[Article, float]]:
    """The articles the actor may see that match query, best first, with their scores. status narrows to one
    status (editors looking for drafts); viewers only ever get published articles."""
    articles = articles_visible_to(actor)
    if status in ArticleStatus.values:
        articles = articles.filter(status=status)
    limit = max(1, min(int(limit), SEARCH_LIMIT_MAX))
    hits = search.rank(query, articles, limit=limit)
    by_id = Article.objects.select_related("category").in_bulk([h.article_id for h in hits])
    return [(by_id[h.article_id], h.score) for h in hits if h.article_id in by_id]


def article_list(actor, *, status: str = "", category_id=None) -> QuerySet[Article]:
    articles = articles_visible_to(actor).select_related("category", "updated_by")
    if status in ArticleStatus.values:
        articles = articles.filter(status=status)
    if category_id:
        articles = articles.filter(category_id=category_id)
    return articles.order_by("category__position", "category__name", "title", "id")


def categories() -> QuerySet[Category]:
    return Category.objects.select_related("parent").order_by("parent__position", "position", "name")


def excerpt(body: str, length: int = 120) -> str:
    text = " ".join((body or "").split())
    return text if len(text) <= length else text[:length] + "…"
