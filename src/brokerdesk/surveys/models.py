"""Surveys, campaigns, invitations with signed links, responses, and the closed loop (tickets, action items).

    Theme ─< Survey (code + version; a published version is frozen) ─< Question (kinds, conditional follow-ups)
    Campaign (one survey version; audience; sample; channels; schedule; reminders; expiry) ─< Invitation (one
      recipient: a client, or an experience officer; a signed token; one response) ─ Response ─< Answer
    Response → a ticket at the client's branch for a detractor or a reported issue (closed loop)
    ActionItem: a recurring theme handed to a department, with owner and status; closure and re-survey tracked
    ExperienceOfficer: staff enrolled as mystery clients; their responses are kept apart in every figure

Response carries, denormalised at submission, what the analytics group by (branch, theme, channel, the NPS score
and the comment), so NPS over millions of responses is one scan without joins (bench/nps).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brokerdesk.customers.models import Customer
from brokerdesk.org.models import Branch, Department
from brokerdesk.surveys.choices import (
    ActionStatus,
    Audience,
    CampaignStatus,
    InvitationStatus,
    NpsGroup,
    QuestionKind,
    SurveyChannel,
    SurveyStatus,
    TriggerEvent,
)

STAFF = settings.AUTH_USER_MODEL


class Theme(models.Model):
    """What a survey (or a question) is about: overall, products, research and information, staff service,
    trading system, account opening, contact center, …"""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("owning department"),
                                   help_text=_("Where recurring issues of this theme go as action items."))

    class Meta:
        ordering = ["code"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name


class Survey(models.Model):
    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=120)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("theme"))
    intro = models.TextField(_("introduction"), blank=True, max_length=2000)
    thanks = models.TextField(_("thank-you text"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    for_experience_panel = models.BooleanField(_("for experience officers"), default=False)
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="survey_code_version_unique"),
            models.UniqueConstraint(fields=["code"], condition=Q(status="draft"), name="survey_one_draft_per_code"),
        ]
        permissions = [
            ("design_survey", "Can design and publish surveys"),
            ("run_campaign", "Can run survey campaigns"),
            ("view_nps", "Can see NPS analytics and verbatims"),
            ("manage_action_items", "Can manage survey action items"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("theme"), help_text=_("When it differs from the survey's."))
    # A follow-up: shown only when the answer to the question at `show_if_position` is one of `show_if_values`
    # (for NPS and ratings, the scores, e.g. 0..6 for "what disappointed you?").
    show_if_position = models.PositiveSmallIntegerField(_("shown after question"), null=True, blank=True)
    show_if_values = models.JSONField(_("when its answer is one of"), default=list, blank=True)
    # The survey's NPS question (at most one): its score is the response's nps_score.
    is_primary_nps = models.BooleanField(_("the NPS question"), default=False)
    # The comment the analytics read as the verbatim (e.g. "why did you give this score?").
    is_verbatim = models.BooleanField(_("verbatim comment"), default=False)
    # An "issue" question (closed loop): when its answer is one of `ticket_values` ("yes, please contact me"),
    # the response becomes a ticket of this kind at the client's branch.
    ticket_kind = models.CharField(_("opens a ticket of kind"), max_length=20, blank=True,
                                   choices=[("complaint", _("complaint")), ("consultation", _("consultation"))])
    ticket_values = models.JSONField(_("when its answer is one of"), default=list, blank=True)

    class Meta:
        ordering = ["survey", "position"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [models.UniqueConstraint(fields=["survey", "position"], name="question_position_unique")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class ExperienceOfficer(models.Model):
    """服务体验官: staff enrolled to take themed surveys as mystery clients; their findings are kept apart."""

    staff = models.OneToOneField(STAFF, on_delete=models.CASCADE, primary_key=True, related_name="experience_officer")
    enrolled_on = models.DateField(_("enrolled on"))
    active = models.BooleanField(_("active"), default=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="+", verbose_name=_("themes"))

    class Meta:
        verbose_name = _("experience officer")
        verbose_name_plural = _("experience officers")

    def __str__(self) -> str:
        return str(self.staff)


class Campaign(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("survey"))
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices,
                              default=CampaignStatus.DRAFT)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    segment_code = models.CharField(_("segment"), max_length=64, blank=True)
    segment_dimension = models.CharField(_("segment dimension"), max_length=5, blank=True)
    branches = models.ManyToManyField(Branch, blank=True, related_name="+", verbose_name=_("branches"))
    event = models.CharField(_("event"), max_length=20, choices=TriggerEvent.choices, blank=True)
    sample_ratio = models.DecimalField(_("sample ratio"), max_digits=4, decimal_places=3, null=True, blank=True)
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    channels = models.JSONField(_("channels"), default=list, help_text=_("In order of preference."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("links expire at"))
    reminder_after_days = models.PositiveSmallIntegerField(_("remind after (days)"), null=True, blank=True)
    max_reminders = models.PositiveSmallIntegerField(_("reminders at most"), default=1)
    # Re-surveying the clients of an action item once it is done (closing the loop).
    follows_action_item = models.ForeignKey("ActionItem", on_delete=models.SET_NULL, null=True, blank=True,
                                            related_name="resurveys", verbose_name=_("re-survey of"))
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """One recipient of a campaign. The link carries a signed token naming this row and its nonce; the nonce is
    single-use (cleared when the response is stored), so a token answers once and a forged one never."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    officer = models.ForeignKey(ExperienceOfficer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("branch"), help_text=_("The client's branch when invited."))
    channel = models.CharField(_("channel"), max_length=10, choices=SurveyChannel.choices)
    nonce = models.CharField(max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=InvitationStatus.choices,
                              default=InvitationStatus.PENDING)
    source_ref = models.CharField(_("source"), max_length=60, blank=True)  # e.g. "ticket:42" for event campaigns
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_message_id = models.PositiveBigIntegerField(_("last message"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], condition=Q(customer__isnull=False),
                                    name="invitation_one_per_client"),
            models.UniqueConstraint(fields=["campaign", "officer"], condition=Q(officer__isnull=False),
                                    name="invitation_one_per_officer"),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="invitation_campaign_status_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.pk}"


class Response(models.Model):
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="response")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="responses")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=SurveyChannel.choices)
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    nps_score = models.PositiveSmallIntegerField(_("NPS score"), null=True, blank=True)
    nps_group = models.CharField(_("NPS group"), max_length=10, choices=NpsGroup.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    is_experience_officer = models.BooleanField(_("experience officer"), default=False)
    ticket_id = models.PositiveBigIntegerField(_("ticket"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [models.Index(fields=["branch", "submitted_at"], name="response_branch_time_idx"),
                   models.Index(fields=["theme", "submitted_at"], name="response_theme_time_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    score = models.SmallIntegerField(_("score"), null=True, blank=True)  # NPS and ratings
    choices = models.JSONField(_("choices"), default=list, blank=True)  # single / multiple
    text = models.TextField(_("text"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question")]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}"


class ActionItem(models.Model):
    """A recurring theme in the feedback, handed to a department to act on (整改事项)."""

    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="action_items", verbose_name=_("theme"))
    keyword = models.CharField(_("keyword"), max_length=40, blank=True,
                               help_text=_("The verbatim keyword that showed the theme (jieba)."))
    evidence_count = models.PositiveIntegerField(_("responses behind it"), default=0)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    owner = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.TextField(_("what was done"), blank=True, max_length=4000)

    class Meta:
        ordering = ["status", "due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.title


class NpsCounts(models.Model):
    """Scored responses counted per period × branch × theme × channel × officer flag, kept by the submission in
    the same transaction (surveys/nps_daily.py). NPS by branch, theme, channel and period reads these rows instead
    of every response. branch_key is the branch id, 0 for none (a unique key cannot hold NULLs portably)."""

    day = models.DateField(_("period start"))
    branch_key = models.PositiveBigIntegerField(_("branch"), default=0)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=SurveyChannel.choices)
    is_experience_officer = models.BooleanField(_("experience officer"), default=False)
    promoters = models.PositiveIntegerField(default=0)
    passives = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.branch_key}"


class NpsDaily(NpsCounts):
    """Per Shanghai day: for weeks, days and ranges that do not cover whole months."""

    class Meta:
        verbose_name = _("daily NPS counts")
        verbose_name_plural = _("daily NPS counts")
        constraints = [models.UniqueConstraint(fields=["day", "branch_key", "theme", "channel",
                                                       "is_experience_officer"], name="nps_daily_key_unique")]


class NpsMonthly(NpsCounts):
    """Per month (day = its first day, Shanghai time): months are what managers read, and a month's rows are a
    thirtieth of its days' when replies are sparse."""

    class Meta:
        verbose_name = _("monthly NPS counts")
        verbose_name_plural = _("monthly NPS counts")
        constraints = [models.UniqueConstraint(fields=["day", "branch_key", "theme", "channel",
                                                       "is_experience_officer"], name="nps_monthly_key_unique")]
