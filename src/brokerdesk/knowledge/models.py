"""Knowledge base (知识库): categories, articles, and the search index of each article's jieba terms."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from brokerdesk.knowledge.choices import ArticleStatus

STAFF = settings.AUTH_USER_MODEL


class Category(models.Model):
    """A category; a parent makes a tree (开户业务 > 转户)."""

    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("parent"))
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="knowledge_category_unique_name")]

    def __str__(self) -> str:
        return f"{self.parent} / {self.name}" if self.parent_id else self.name


class Article(models.Model):
    title = models.CharField(_("title"), max_length=120)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="articles",
                                 verbose_name=_("category"))
    body = models.TextField(_("body"))
    keywords = models.CharField(_("keywords"), max_length=300, blank=True,
                                help_text=_("Words clients use for this topic, separated by spaces or commas"))
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices,
                              default=ArticleStatus.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Weighted number of index terms (title and keywords count more): BM25's document length.
    term_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    updated_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("publish_article", "Can publish and archive knowledge-base articles")]
        indexes = [models.Index(fields=["status", "-updated_at"], name="knowledge_article_status_idx")]

    def __str__(self) -> str:
        return self.title


class ArticleTerm(models.Model):
    """One term of an article and its weight: occurrences in the title x3, in the keywords x2, in the body x1.
    Rebuilt by the services whenever the article's text changes; search ranks from this table alone."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=40)
    weight = models.PositiveIntegerField()
    in_title = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "article"], name="knowledge_term_unique")]
        indexes = [models.Index(fields=["article"], name="knowledge_term_article_idx")]

    def __str__(self) -> str:
        return f"{self.term} ({self.weight})"
