from django.db import models
from django.utils.translation import gettext_lazy as _

from brokerdesk.analytics.engine.rules import Dimension


class DimensionChoice(models.TextChoices):
    TIER = Dimension.TIER.value, _("Asset tier")
    STYLE = Dimension.STYLE.value, _("Style")
    CLASS = Dimension.CLASS.value, _("Client class")
    GROUP = Dimension.GROUP.value, _("Group")
    TAG = Dimension.TAG.value, _("Tag")


class RuleSetStatus(models.TextChoices):
    """Maker-checker: a draft is edited by its author, submitted, and published by a second person."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")  # was published, replaced by a newer version
    WITHDRAWN = "withdrawn", _("Withdrawn")  # a draft given up before publishing


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class RunTrigger(models.TextChoices):
    NIGHTLY = "nightly", _("Nightly")
    ON_DEMAND = "on_demand", _("On demand")
    COMMAND = "command", _("Command line")
