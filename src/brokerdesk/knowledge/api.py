"""/api/v1/kb: search the knowledge base and read an article (an agent desktop, a portal's FAQ). Articles are
company-wide: holders of knowledge.view_article read published ones, editors every status."""

from datetime import datetime

from ninja import Field, Query, Router, Schema

from brokerdesk.core.api_types import ERROR_RESPONSES
from brokerdesk.core.errors import PermissionDenied
from brokerdesk.knowledge import selectors
from brokerdesk.org.api_auth import require_scope

router = Router(tags=["knowledge base"])


class SearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=200, description="The question or words to look for")
    limit: int = Field(10, ge=1, le=selectors.SEARCH_LIMIT_MAX)


class HitOut(Schema):
    id: int
    title: str
    category: str
    status: str
    score: float
    excerpt: str


class ArticleOut(Schema):
    id: int
    title: str
    category: str
    keywords: str
    body: str
    status: str
    version: int
    updated_at: datetime
    published_at: datetime | None


def _require_view(request) -> None:
    require_scope(request, "knowledge:read")
    if not request.user.has_perm("knowledge.view_article"):
        raise PermissionDenied()


@router.get("/search", response={200: list[HitOut], **ERROR_RESPONSES},
            summary="Articles matching a question, best first (Chinese word segmentation, BM25 ranking)")
def kb_search(request, query: Query[SearchQuery]):
    _require_view(request)
    return [{"id": a.pk, "title": a.title, "category": str(a.category or ""), "status": a.status,
             "score": round(score, 4), "excerpt": selectors.excerpt(a.body)}
            for a, score in selectors.knowledge_search(request.user, query.q, query.limit)]


@router.get("/articles/{int:article_id}", response={200: ArticleOut, **ERROR_RESPONSES}, summary="One article")
def kb_article(request, article_id: int):
    _require_view(request)
    a = selectors.article_get_for_actor(request.user, article_id)
    return {"id": a.pk, "title": a.title, "category": str(a.category or ""), "keywords": a.keywords,
            "body": a.body, "status": a.status, "version": a.version, "updated_at": a.updated_at,
            "published_at": a.published_at}
