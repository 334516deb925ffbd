from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyStatus(models.TextChoices):
    """draft -> published -> retired. A published version is never edited: a change is a new version."""

    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    RETIRED = "retired", _("retired")


class QuestionKind(models.TextChoices):
    NPS = "nps", _("NPS 0-10")
    RATING = "rating", _("rating 1-5")
    SINGLE = "single", _("single choice")
    MULTIPLE = "multiple", _("multiple choice")
    TEXT = "text", _("free text")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    RUNNING = "running", _("running")
    CLOSED = "closed", _("closed")


class Audience(models.TextChoices):
    SEGMENT = "segment", _("members of a segment")
    BRANCH = "branch", _("clients of branches")
    EVENT = "event", _("after an event")
    EXPERIENCE_PANEL = "experience_panel", _("experience officers (mystery clients)")


class TriggerEvent(models.TextChoices):
    COMPLAINT_CLOSED = "complaint_closed", _("a complaint was closed")
    ACCOUNT_OPENED = "account_opened", _("an account was opened")
    VISIT_COMPLETED = "visit_completed", _("a return visit was completed")


class SurveyChannel(models.TextChoices):
    SMS = "sms", _("SMS link")
    EMAIL = "email", _("email link")
    WEB = "web", _("web (portal)")
    PHONE = "phone", _("phone, by an agent")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("not sent yet")
    SENT = "sent", _("sent")
    OPENED = "opened", _("opened")
    RESPONDED = "responded", _("responded")
    EXPIRED = "expired", _("expired")
    SUPPRESSED = "suppressed", _("not sent (opt-out, cap, no address)")


class NpsGroup(models.TextChoices):
    PROMOTER = "promoter", _("promoter (9-10)")
    PASSIVE = "passive", _("passive (7-8)")
    DETRACTOR = "detractor", _("detractor (0-6)")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("open")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    DROPPED = "dropped", _("dropped")
