"""Tickets: consultations, complaints, suggestions, service requests and regulator referrals.

A ticket is owned by its first handler (首问负责制) until an explicit handover; it belongs to a responsible
branch (the client's home branch, or where HQ dispatched it), which is what branch staff may see. Every step is
a TicketEvent row (the history on the page); every change is also in the audit chain. SLA clocks are SlaTimer
rows whose next firing time is indexed, so a sweep finds what is due without scanning open tickets.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from brokerdesk.customers.models import Customer
from brokerdesk.org.models import Branch, Department
from brokerdesk.tickets.choices import (
    OPEN_STATUSES,
    MajorRuleKind,
    Priority,
    RegulatorSource,
    ResolutionMode,
    Satisfaction,
    SupervisionStatus,
    TicketAction,
    TicketChannel,
    TicketKind,
    TicketStatus,
    TimerFiring,
    TimerKind,
    TimerState,
)

STAFF = settings.AUTH_USER_MODEL


class TicketCategory(models.Model):
    """A complaint or request category (service attitude, trading system failure, fees and commission, …)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    kinds = models.JSONField(_("applies to kinds"), default=list, blank=True,
                             help_text=_("Empty: every kind."))
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class Ticket(models.Model):
    number = models.CharField(pgettext_lazy("ticket", "number"), max_length=24, unique=True, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices)
    category = models.ForeignKey(TicketCategory, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="tickets", verbose_name=_("category"))
    channel = models.CharField(_("channel"), max_length=12, choices=TicketChannel.choices)
    status = models.CharField(_("status"), max_length=24, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets",
                                 verbose_name=_("client"))
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets",
                               verbose_name=_("responsible branch"), db_index=False)  # ticket_queue_branch
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="tickets", verbose_name=_("responsible department"))
    owner = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_tickets",
                              verbose_name=_("first-contact owner"))
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("recorded by"))
    interaction_ref = models.CharField(_("call or interaction reference"), max_length=64, blank=True)
    source_ref = models.CharField(_("source reference"), max_length=120, blank=True,
                                  help_text=_("e.g. the email's Message-ID or the chat session"))

    regulator_source = models.CharField(_("referred by"), max_length=12, choices=RegulatorSource.choices,
                                        blank=True)
    regulator_ref = models.CharField(_("regulator reference number"), max_length=60, blank=True)
    regulator_deadline = models.DateTimeField(_("regulator deadline"), null=True, blank=True)
    amount_involved = models.DecimalField(_("amount involved (CNY)"), max_digits=18, decimal_places=2, null=True,
                                          blank=True)
    clients_involved = models.PositiveIntegerField(_("clients involved"), default=1)

    is_major = models.BooleanField(_("major complaint"), default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    committed_resolution_at = models.DateTimeField(_("resolution time promised to the client"), null=True,
                                                   blank=True)
    waiting_on_client_since = models.DateTimeField(_("waiting on the client since"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), choices=Satisfaction.choices, null=True,
                                                    blank=True)
    satisfaction_note = models.TextField(_("client's comment"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        permissions = [
            ("work_ticket", "Can take, handle and resolve tickets"),
            ("dispatch_ticket", "Can dispatch supervision tickets and review replies"),
            ("escalate_ticket", "Can escalate and record accountability"),
            ("view_ticket_reports", "Can view complaint reports"),
        ]
        indexes = [
            # The queue, most urgent first: open tickets (the default view) read in order from partial indexes,
            # a LIMIT stops the scan at one page; "all" and single-status views have theirs. With status IN (…)
            # PostgreSQL cannot read (status, resolution_due, id) in due order, hence the partial ones.
            models.Index(fields=["resolution_due", "id"], condition=Q(status__in=OPEN_STATUSES),
                         name="ticket_queue_open"),
            models.Index(fields=["branch", "resolution_due", "id"], condition=Q(status__in=OPEN_STATUSES),
                         name="ticket_queue_open_branch"),
            models.Index(fields=["resolution_due", "id"], name="ticket_due"),
            models.Index(fields=["branch", "resolution_due", "id"], name="ticket_branch_due"),
            models.Index(fields=["branch", "status", "resolution_due", "id"], name="ticket_queue_branch"),
            models.Index(fields=["status", "resolution_due", "id"], name="ticket_queue_all"),
            models.Index(fields=["owner", "status"], name="ticket_owner_status"),
            models.Index(fields=["customer", "created_at"], name="ticket_customer_created"),
            models.Index(fields=["created_at"], name="ticket_created"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def is_read_only(self) -> bool:
        """Closed tickets are archived: nothing changes them except a reopen by a supervisor."""
        return self.status == TicketStatus.CLOSED


class TicketEvent(models.Model):
    """One step in a ticket's history, shown on the ticket. Written by the service with every change."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=40, choices=TicketAction.choices)
    from_status = models.CharField(max_length=24, blank=True, choices=TicketStatus.choices)
    to_status = models.CharField(max_length=24, blank=True, choices=TicketStatus.choices)
    note = models.TextField(_("note"), blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


class SupervisionOrder(models.Model):
    """投诉督办单: HQ sends a ticket to the responsible branch or department with a reply-by time."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="supervision_orders")
    target_branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("branch"))
    target_department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("department"))
    instructions = models.TextField(_("instructions"))
    reply_by = models.DateTimeField(_("reply by"))
    status = models.CharField(_("status"), max_length=10, choices=SupervisionStatus.choices,
                              default=SupervisionStatus.OPEN)
    dispatched_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("dispatched by"))  # NULL: the system (a return-visit finding)
    dispatched_at = models.DateTimeField(_("dispatched at"))
    findings = models.TextField(_("findings"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    replied_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("replied by"))
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-dispatched_at", "-id"]
        verbose_name = _("supervision ticket")
        verbose_name_plural = _("supervision tickets")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_branch__isnull=False, target_department__isnull=True)
                | Q(target_branch__isnull=True, target_department__isnull=False),
                name="supervision_one_target"),
        ]
        indexes = [models.Index(fields=["target_branch", "status"], name="supervision_branch_status")]

    def __str__(self) -> str:
        return f"{self.ticket} → {self.target_branch or self.target_department}"

    @property
    def target(self):
        return self.target_branch or self.target_department


class SlaPolicy(models.Model):
    """How fast a kind of ticket must be answered and resolved, on working days within service hours.

    The first active policy (by position) whose kind, regulator source and major flag match applies; blank
    fields match anything. Every figure is configuration (DOMAIN.md "Complaints"), seeded by migration.
    """

    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices, blank=True)
    regulator_source = models.CharField(_("referred by"), max_length=12, choices=RegulatorSource.choices,
                                        blank=True)
    major_only = models.BooleanField(_("major complaints only"), default=False)
    first_response_minutes = models.PositiveIntegerField(_("first response within (business minutes)"))
    resolution_mode = models.CharField(_("resolution"), max_length=16, choices=ResolutionMode.choices)
    resolution_amount = models.PositiveIntegerField(
        _("resolution within (hours or working days)"), default=0,
        help_text=_("Business hours or working days, by the resolution mode; unused for the same day."))
    warn_before_minutes = models.PositiveIntegerField(_("warn before the deadline (business minutes)"), default=60)
    opens = models.TimeField(_("service opens"))
    closes = models.TimeField(_("service closes"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class SlaTimer(models.Model):
    """One running clock of a ticket. next_fire_at is when the sweep must next act (warning, then breach);
    NULL once nothing is left to fire. A paused clock keeps its remaining business time."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="timers")
    supervision = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="timers")
    kind = models.CharField(_("clock"), max_length=20, choices=TimerKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=TimerState.choices, default=TimerState.RUNNING)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"))
    next_fire_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.FloatField(null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["next_fire_at"], condition=Q(next_fire_at__isnull=False), name="sla_timer_due"),
            models.Index(fields=["ticket", "kind"], name="sla_timer_ticket_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} due {self.due_at:%Y-%m-%d %H:%M}"


class SlaFiring(models.Model):
    """A warning or breach that fired. Unique per timer and kind: the database refuses a second firing even if
    two sweepers both believed they had claimed the timer."""

    timer = models.ForeignKey(SlaTimer, on_delete=models.CASCADE, related_name="firings")
    firing = models.CharField(max_length=10, choices=TimerFiring.choices)
    fired_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["timer", "firing"], name="sla_firing_once")]

    def __str__(self) -> str:
        return f"{self.timer_id} {self.firing}"


class MajorComplaintRule(models.Model):
    """A rule that makes a complaint major (重大投诉). Keywords are matched on jieba's segmentation of the
    subject and description, so "律师" matches a word, not every string that happens to contain its characters."""

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=MajorRuleKind.choices)
    keywords = models.TextField(_("keywords"), blank=True, help_text=_("One per line or separated by commas."))
    amount_threshold = models.DecimalField(_("amount threshold (CNY)"), max_digits=18, decimal_places=2, null=True,
                                           blank=True)
    min_clients = models.PositiveIntegerField(_("clients involved at least"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("major complaint rule")
        verbose_name_plural = _("major complaint rules")

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """The record of a major complaint's escalation: why, when, who was told."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    at = models.DateTimeField(_("escalated at"))
    by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                           verbose_name=_("escalated by"))
    reasons = models.JSONField(_("reasons"), default=list)
    departments = models.ManyToManyField(Department, related_name="+", verbose_name=_("departments notified"))
    notified = models.PositiveIntegerField(_("staff notified"), default=0)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.ticket} escalated {self.at:%Y-%m-%d}"


class Accountability(models.Model):
    """责任追究: the staff member found responsible, the finding and the measure taken."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="accountabilities")
    staff = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("staff member"))
    staff_name = models.CharField(_("staff name"), max_length=60)
    finding = models.TextField(_("finding"))
    measure = models.TextField(_("measure"))
    recorded_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")

    def __str__(self) -> str:
        return f"{self.ticket} {self.staff_name}"


class Attachment(models.Model):
    """A recording or document. The bytes live in a content-addressed file (by SHA-256) outside the web root
    and are served only through the ticket's access check."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename
