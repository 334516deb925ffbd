"""Full-text search of the knowledge base: each article's jieba terms are stored with their weights
(ArticleTerm, rebuilt when the article's text changes) and a query is ranked by BM25 in one SQL statement that
runs the same on SQLite and PostgreSQL.

    score(article) = sum over query terms t of  idf(t) * w(t) * (k1 + 1) / (w(t) + k1 * (1 - b + b * len / avglen))

w(t) is the article's weighted frequency of t (title x3, keywords x2, body x1), len its weighted term count.
idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)) over the articles searched. The per-term idf values go into the
statement as a CASE expression; the database sums.

best_answer() is what the web-chat bot uses: the top published article, and only when it covers enough of the
question (the idf share of the question's terms it contains) to be a confident answer.
"""

import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Avg, Case, Count, F, FloatField, Sum, Value, When
from django.db.models.functions import Cast

from brokerdesk.knowledge.choices import ArticleStatus
from brokerdesk.knowledge.models import Article, ArticleTerm
from brokerdesk.knowledge.text import terms, weighted_terms

K1 = 1.2
B = 0.75
TITLE_BONUS = 1.5  # a query term in the title multiplies that term's contribution
MAX_QUERY_TERMS = 24
# The bot answers only when the best article contains terms carrying at least this share of the question's idf,
# and scores at least MIN_SCORE.
MIN_COVERAGE = 0.55
MIN_SCORE = 1.0


def article_index(article: Article) -> None:
    """Replace the article's index rows with those of its current text (call inside the writing transaction)."""
    weights, in_title = weighted_terms(article.title, article.keywords, article.body)
    with transaction.atomic():
        ArticleTerm.objects.filter(article=article).delete()
        ArticleTerm.objects.bulk_create(
            ArticleTerm(article=article, term=term, weight=weight, in_title=term in in_title)
            for term, weight in weights.items())
        article.term_count = sum(weights.values())
        Article.objects.filter(pk=article.pk).update(term_count=article.term_count)


@dataclass(frozen=True)
class Hit:
    article_id: int
    score: float
    coverage: float  # idf share of the query's terms found in the article (0..1)


def query_terms(query: str) -> list[str]:
    seen: dict[str, None] = {}
    for term in terms(query[:500]):
        seen.setdefault(term, None)
    return list(seen)[:MAX_QUERY_TERMS]


def rank(query: str, articles, limit: int = 10) -> list[Hit]:
    """The articles of the queryset `articles` that contain a term of query, best first."""
    qterms = query_terms(query)
    if not qterms:
        return []
    article_ids = articles.values("pk")
    stats = Article.objects.filter(pk__in=article_ids).aggregate(n=Count("pk"), avglen=Avg("term_count"))
    n, avglen = stats["n"] or 0, float(stats["avglen"] or 0) or 1.0
    if not n:
        return []
    postings = ArticleTerm.objects.filter(article__in=article_ids, term__in=qterms)
    df = dict(postings.values("term").annotate(df=Count("article_id")).values_list("term", "df"))
    idf = {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in qterms}
    total_idf = sum(idf.values())
    matched = [t for t in qterms if df.get(t)]
    if not matched:
        return []
    idf_of_term = Case(*[When(term=t, then=Value(idf[t])) for t in matched], default=Value(0.0),
                       output_field=FloatField())
    weight = Cast(F("weight"), FloatField())
    norm = Value(K1 * (1 - B)) + Value(K1 * B / avglen) * Cast(F("article__term_count"), FloatField())
    title_factor = Case(When(in_title=True, then=Value(TITLE_BONUS)), default=Value(1.0), output_field=FloatField())
    contribution = idf_of_term * title_factor * weight * Value(K1 + 1) / (weight + norm)
    rows = (postings.values("article_id")
            .annotate(score=Sum(contribution, output_field=FloatField()),
                      found_idf=Sum(idf_of_term, output_field=FloatField()))
            .order_by("-score", "article_id")[:limit])
    return [Hit(r["article_id"], float(r["score"]), float(r["found_idf"]) / total_idf if total_idf else 0.0)
            for r in rows]


def published_articles():
    return Article.objects.filter(status=ArticleStatus.PUBLISHED)


def best_answer(question: str) -> tuple[Article, float] | None:
    """The published article that answers question, with its score, or None when none is a confident match.

    Drafts and archived articles are never answers. Used by the web-chat bot (no actor: clients ask it)."""
    hits = rank(question, published_articles(), limit=1)
    if not hits or hits[0].coverage < MIN_COVERAGE or hits[0].score < MIN_SCORE:
        return None
    article = published_articles().select_related("category").filter(pk=hits[0].article_id).first()
    return (article, hits[0].score) if article else None
