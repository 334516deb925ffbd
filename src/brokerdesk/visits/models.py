"""Return visits (回访): programmes with their scripts, the tasks generated from them, the call attempts and what
they found, the yearly sample, and the generation runs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brokerdesk.customers.models import Customer
from brokerdesk.org.models import Branch, ContactCenter
from brokerdesk.visits.choices import (
    OPEN_STATUSES,
    AssigneePolicy,
    Audience,
    FindingKind,
    Outcome,
    Purpose,
    QuestionKind,
    RecordingSource,
    TaskAction,
    TaskStatus,
)

STAFF = settings.AUTH_USER_MODEL


def default_retry_hours() -> list[int]:
    return [2, 24, 48]


class Programme(models.Model):
    """A return-visit programme: whom it targets (audience and its parameters), who works the tasks, by when,
    how often an unreachable client is tried again, and the script (话术) with its questions."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    audience = models.CharField(_("targets"), max_length=20, choices=Audience.choices)
    opened_within_days = models.PositiveSmallIntegerField(_("opened within (days)"), null=True, blank=True)
    sample_ratio = models.DecimalField(_("sample ratio"), max_digits=4, decimal_places=3, null=True, blank=True,
                                       help_text=_("Share of last year-end clients to visit in the year, e.g. 0.100"))
    # A segment by its dimension and code (segments come and go with rule sets; the code is what people name).
    segment_dimension = models.CharField(_("segment dimension"), max_length=5, blank=True)
    segment_code = models.CharField(_("segment"), max_length=64, blank=True)
    rule_expression = models.TextField(_("feature rule"), blank=True,
                                       help_text=_("An expression over the feature catalogue, e.g. age >= 65"))
    event_kinds = models.JSONField(_("events"), default=list, blank=True)
    repeat_after_months = models.PositiveSmallIntegerField(
        _("visit again after (months)"), default=0, help_text=_("For segment members and feature rules; 0: once"))
    exclude_statuses = models.JSONField(_("excluded client statuses"), default=list, blank=True)

    assignee_policy = models.CharField(_("worked by"), max_length=12, choices=AssigneePolicy.choices)
    due_working_days = models.PositiveSmallIntegerField(_("due within (working days)"), default=10)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=3)
    retry_hours = models.JSONField(_("retry after (hours)"), default=default_retry_hours,
                                   help_text=_("Hours to wait after the 1st, 2nd, ... unreachable attempt"))
    priority = models.PositiveSmallIntegerField(_("priority"), default=5, help_text=_("1 is the most urgent"))
    script = models.TextField(_("script"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "code"]
        verbose_name = _("return-visit programme")
        verbose_name_plural = _("return-visit programmes")
        permissions = [
            ("work_visit", "Can claim and work return visits"),
            ("assign_visit", "Can reassign and cancel return visits"),
            ("generate_visits", "Can run return-visit generation"),
            ("view_visit_reports", "Can view return-visit figures"),
        ]

    def __str__(self) -> str:
        return self.name

    def retry_delay_hours(self, attempts_made: int) -> int:
        """Hours before the next try after `attempts_made` unreachable attempts (the last figure repeats)."""
        hours = self.retry_hours or default_retry_hours()
        return int(hours[min(attempts_made, len(hours)) - 1])


class ScriptQuestion(models.Model):
    """One question of a programme's script. An answer in `finding_answers` reports a finding of `finding_kind`
    to compliance (a ticket), e.g. "yes" to "did anyone from the firm trade on your behalf?"."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    finding_kind = models.CharField(_("finding"), max_length=24, choices=FindingKind.choices, blank=True)
    finding_answers = models.JSONField(_("answers that are findings"), default=list, blank=True)

    class Meta:
        ordering = ["programme", "position"]
        verbose_name = _("script question")
        verbose_name_plural = _("script questions")
        constraints = [models.UniqueConstraint(fields=["programme", "position"], name="visit_question_position")]

    def __str__(self) -> str:
        return self.text


class CenterCapacity(models.Model):
    """How many return-visit tasks a contact center takes a day; call-center tasks are shared out by it."""

    center = models.OneToOneField(ContactCenter, on_delete=models.CASCADE, primary_key=True,
                                  related_name="visit_capacity", verbose_name=_("contact center"))
    daily_tasks = models.PositiveIntegerField(_("tasks per day"))

    class Meta:
        verbose_name = _("center visit capacity")
        verbose_name_plural = _("center visit capacities")

    def __str__(self) -> str:
        return f"{self.center_id}: {self.daily_tasks}"


class VisitTask(models.Model):
    """One client to call for one programme and cycle. Lives in a queue: a contact center's (center set) or the
    client's branch's (center empty); `assignee` is whoever claimed it or was given it."""

    # No single-column indexes on programme, customer and assignee: the indexes below lead with them already
    # (one_visit_per_cycle, visit_customer, visit_assignee), and every index slows generation's bulk insert
    # (visits/generate.py).
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="tasks",
                                  verbose_name=_("programme"), db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="visit_tasks",
                                 verbose_name=_("client"), db_index=False)
    cycle = models.CharField(_("cycle"), max_length=40)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    center = models.ForeignKey(ContactCenter, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("contact center"), db_index=False)  # visit_center
    assignee = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("assigned to"), db_index=False)
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    priority = models.PositiveSmallIntegerField(_("priority"), default=5)
    source_ref = models.CharField(_("source"), max_length=60, blank=True,
                                  help_text=_("What caused the task: a ticket, an event, a segment membership"))
    business_date = models.DateField(_("generated for"))
    due_on = models.DateField(_("due on"))
    not_before = models.DateTimeField(_("next attempt from"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The generation run that created the task (its one audit event covers the whole batch). No index: a run's
    # tasks are found by programme and business date; an index would only slow the bulk insert down.
    generation_run = models.ForeignKey("GenerationRun", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="tasks", db_index=False, verbose_name=_("generated by"))

    class Meta:
        ordering = ["due_on", "priority", "id"]
        verbose_name = _("return-visit task")
        verbose_name_plural = _("return-visit tasks")
        constraints = [
            models.UniqueConstraint(fields=["programme", "customer", "cycle"], name="one_visit_per_cycle"),
            models.UniqueConstraint(fields=["programme", "customer"], condition=Q(status__in=OPEN_STATUSES),
                                    name="one_open_visit_per_programme"),
        ]
        indexes = [
            # The queues: open tasks in claiming order, per center and per branch.
            # Indexes on center and assignee leave out the rows without one (branch-queue tasks, unclaimed ones:
            # most rows); a query for a given center or assignee implies "not null" and uses them.
            models.Index(fields=["center", "due_on", "priority", "id"],
                         condition=Q(status=TaskStatus.PENDING, center__isnull=False), name="visit_center_queue"),
            models.Index(fields=["branch", "due_on", "priority", "id"], condition=Q(status=TaskStatus.PENDING),
                         name="visit_branch_queue"),
            models.Index(fields=["assignee", "status"], condition=Q(assignee__isnull=False), name="visit_assignee"),
            models.Index(fields=["center"], condition=Q(center__isnull=False), name="visit_center"),
            models.Index(fields=["customer", "created_at"], name="visit_customer"),
            models.Index(fields=["programme", "business_date"], name="visit_programme_date"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.customer_id}/{self.cycle}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class VisitTaskEvent(models.Model):
    """One step in a task's history, written by the service with every change."""

    task = models.ForeignKey(VisitTask, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=16, choices=TaskAction.choices)
    from_status = models.CharField(max_length=12, blank=True, choices=TaskStatus.choices)
    to_status = models.CharField(max_length=12, blank=True, choices=TaskStatus.choices)
    note = models.TextField(_("note"), blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["task", "at"], name="visit_event_task_at")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.action}"


class VisitAttempt(models.Model):
    """One call to the client: who called, when, what came of it, the answers given and the recording."""

    task = models.ForeignKey(VisitTask, on_delete=models.CASCADE, related_name="calls")
    agent = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("agent"))
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    call_ref = models.CharField(_("call reference"), max_length=64, blank=True)
    recording_source = models.CharField(_("recording from"), max_length=10, choices=RecordingSource.choices,
                                        blank=True)
    recording_ref = models.CharField(_("recording"), max_length=200, blank=True)
    recording_name = models.CharField(_("recording file"), max_length=200, blank=True)

    class Meta:
        ordering = ["task", "number"]
        verbose_name = _("return-visit call")
        verbose_name_plural = _("return-visit calls")
        constraints = [models.UniqueConstraint(fields=["task", "number"], name="one_attempt_per_number")]
        indexes = [models.Index(fields=["call_ref"], condition=~Q(call_ref=""), name="visit_attempt_call_ref")]

    def __str__(self) -> str:
        return f"{self.task_id}#{self.number}"


class VisitFinding(models.Model):
    """A finding of a visit (staff misconduct, risks not understood), sent to compliance as a ticket."""

    task = models.ForeignKey(VisitTask, on_delete=models.CASCADE, related_name="findings")
    attempt = models.ForeignKey(VisitAttempt, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("finding"), max_length=24, choices=FindingKind.choices)
    question = models.ForeignKey(ScriptQuestion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answer = models.CharField(_("answer"), max_length=300, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("compliance ticket"))
    created_at = models.DateTimeField(_("found at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("return-visit finding")
        verbose_name_plural = _("return-visit findings")

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"


class AnnualSampleStratum(models.Model):
    """One branch's share of a year's sample: its eligible clients at the last year-end (not dormant, not
    suspended) and how many of them must be visited (the ratio, rounded up)."""

    year = models.PositiveSmallIntegerField(_("year"))
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    eligible = models.PositiveIntegerField(_("eligible clients"))
    required = models.PositiveIntegerField(_("visits required"))
    drawn_at = models.DateTimeField(_("drawn at"))

    class Meta:
        ordering = ["year", "branch"]
        constraints = [models.UniqueConstraint(fields=["programme", "year", "branch"], name="one_stratum_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.branch_id}: {self.required}/{self.eligible}"


class AnnualSampleMember(models.Model):
    """A client drawn into a year's sample, with the month its task is released (the sample is spread over the
    year so that the visits are too)."""

    year = models.PositiveSmallIntegerField(_("year"))
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    release_month = models.PositiveSmallIntegerField(_("released in month"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "year", "customer"], name="one_draw_per_year")]
        indexes = [models.Index(fields=["programme", "year", "release_month"], name="visit_sample_release")]

    def __str__(self) -> str:
        return f"{self.year} {self.customer_id}"


class GenerationRun(models.Model):
    """One `brokerdesk visits generate`: the date, who ran it, the tasks created per programme and how long."""

    business_date = models.DateField(_("business date"))
    actor = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("run by"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created = models.JSONField(_("tasks created"), default=dict)
    total_created = models.PositiveIntegerField(_("total created"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    # Programme code -> why it generated nothing or less than it might (no segmentation run yet, a bad rule).
    messages = models.JSONField(_("messages"), default=dict, blank=True)
    # False for runs limited to some programmes (the receivers'): the daily job looks for a full run.
    all_programmes = models.BooleanField(_("all programmes"), default=True)
    timings = models.JSONField(_("step durations (s)"), default=dict, blank=True)  # per programme, and the rest

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("return-visit generation run")
        verbose_name_plural = _("return-visit generation runs")

    def __str__(self) -> str:
        return f"{self.business_date}: {self.total_created}"
