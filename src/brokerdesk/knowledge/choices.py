from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleStatus(models.TextChoices):
    """draft -> published -> archived; an archived article may be published again, a published one edited."""

    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    ARCHIVED = "archived", _("archived")


class TermField(models.TextChoices):
    TITLE = "title", _("title")
    KEYWORDS = "keywords", _("keywords")
    BODY = "body", _("body")
