"""The one-number contact-center network: configuration, agents, calls and every contact on every channel.

Configuration (administrators, in the admin): RoutingSettings (one row), CenterSettings per center (service
hours, overflow), Skill, AgentProfile + AgentSkill, IvrOption, WrapUpCode.
Operations (written by services.py only): AgentStateChange, Call + CallLeg + CallEvent, CallbackRequest,
Interaction, TelephonyNonce.
"""

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brokerdesk.contact_center.choices import (
    AgentState,
    BreakReason,
    CallbackKind,
    CallbackStatus,
    CallStatus,
    Direction,
    InteractionChannel,
    IvrAction,
    RouteReason,
)
from brokerdesk.customers.models import Customer
from brokerdesk.org.models import Branch, ContactCenter

# --- configuration ---------------------------------------------------------------------------------------------


class RoutingSettings(models.Model):
    """Network-wide routing rules (one row, SINGLETON). Per-center hours and overflow are in CenterSettings."""

    SINGLETON = 1
    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    vip_tier_codes = models.CharField(
        _("VIP asset tiers"), max_length=200, default="platinum,diamond",
        help_text=_("Codes of asset-tier segments whose clients are VIP callers, separated by commas."))
    vip_entitlement = models.CharField(
        _("VIP entitlement"), max_length=40, default="vip_hotline", blank=True,
        help_text=_("Clients whose service package carries this entitlement are VIP callers."))
    vip_priority = models.PositiveSmallIntegerField(_("VIP priority"), default=8)
    complaint_priority = models.PositiveSmallIntegerField(_("complaint priority"), default=6)
    default_priority = models.PositiveSmallIntegerField(_("default priority"), default=4)
    vip_skill = models.ForeignKey("Skill", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("VIP skill"))
    default_skill = models.ForeignKey("Skill", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("default skill"))
    complaint_skill = models.ForeignKey("Skill", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("complaint skill"))
    max_wait_seconds = models.PositiveIntegerField(
        _("longest wait before offering a callback"), default=180,
        help_text=_("After this long in the queue the caller is offered a callback instead of waiting on."))
    ring_timeout_seconds = models.PositiveSmallIntegerField(_("ring timeout (seconds)"), default=15)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("routing settings")
        verbose_name_plural = _("routing settings")

    def __str__(self) -> str:
        return str(_("routing settings"))

    @property
    def vip_tiers(self) -> frozenset[str]:
        return frozenset(code.strip() for code in self.vip_tier_codes.split(",") if code.strip())


class CenterSettings(models.Model):
    """A center's service hours and overflow behaviour (人工服务时间). Self-service runs 24/7 regardless."""

    center = models.OneToOneField(ContactCenter, on_delete=models.CASCADE, primary_key=True,
                                  related_name="settings", verbose_name=_("contact center"))
    weekday_opens = models.TimeField(_("working days: opens"), default=time(9, 0))
    weekday_closes = models.TimeField(_("working days: closes"), default=time(21, 0))
    saturday_opens = models.TimeField(_("Saturday: opens"), null=True, blank=True, default=time(9, 0))
    saturday_closes = models.TimeField(_("Saturday: closes"), null=True, blank=True, default=time(18, 0))
    sunday_opens = models.TimeField(_("Sunday: opens"), null=True, blank=True)
    sunday_closes = models.TimeField(_("Sunday: closes"), null=True, blank=True)
    open_on_holidays = models.BooleanField(_("open on public holidays"), default=False)
    overflow_after_seconds = models.PositiveIntegerField(
        _("overflow after (seconds)"), default=30,
        help_text=_("A call waiting this long here is offered to other centers too."))
    accepts_overflow = models.BooleanField(_("takes other centers' overflow"), default=True)
    overflow_rank = models.PositiveSmallIntegerField(
        _("overflow order"), default=100, help_text=_("Lower is asked first among centers taking overflow."))
    lines = models.PositiveIntegerField(_("trunk lines"), default=200)
    is_active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("center settings")
        verbose_name_plural = _("center settings")

    def __str__(self) -> str:
        return str(self.center)

    def clean(self) -> None:
        super().clean()
        pairs = [("weekday_opens", "weekday_closes"), ("saturday_opens", "saturday_closes"),
                 ("sunday_opens", "sunday_closes")]
        for opens_field, closes_field in pairs:
            opens, closes = getattr(self, opens_field), getattr(self, closes_field)
            if (opens is None) != (closes is None):
                raise ValidationError({closes_field: _("Give both the opening and the closing time, or neither.")})
            if opens is not None and not opens < closes:
                raise ValidationError({closes_field: _("The closing time must be after the opening time.")})


class Skill(models.Model):
    """技能组: what an agent can answer (general, margin, options, VIP, complaints, English, …)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    """A staff member who takes calls: extension, skills and the live state."""

    staff = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                 related_name="agent_profile", verbose_name=_("staff member"))
    center = models.ForeignKey(ContactCenter, on_delete=models.PROTECT, related_name="agents",
                               verbose_name=_("contact center"))
    extension = models.CharField(_("extension"), max_length=20, unique=True,
                                 help_text=_("The PBX extension (SIP endpoint) calls are put through to."))
    skills = models.ManyToManyField(Skill, through="AgentSkill", related_name="agents", verbose_name=_("skills"))
    state = models.CharField(_("state"), max_length=10, choices=AgentState.choices, default=AgentState.OFFLINE)
    break_reason = models.CharField(_("break reason"), max_length=10, choices=BreakReason.choices, blank=True)
    state_since = models.DateTimeField(_("in this state since"), default=timezone.now)
    # The longest-idle available agent is offered the next call: idle since the last call ended or login.
    available_since = models.DateTimeField(_("available since"), null=True, blank=True)
    current_call = models.ForeignKey("Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("current call"))

    class Meta:
        ordering = ["center", "extension"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        indexes = [models.Index(fields=["center", "state"], name="cc_agent_center_state_idx")]

    def __str__(self) -> str:
        return f"{self.staff} ({self.extension})"


class AgentSkill(models.Model):
    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="skill_levels")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="agent_levels")
    level = models.PositiveSmallIntegerField(_("level"), default=3, help_text=_("1 (learning) to 5 (expert)."))

    class Meta:
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")
        constraints = [models.UniqueConstraint(fields=["agent", "skill"], name="cc_agent_skill_unique")]

    def __str__(self) -> str:
        return f"{self.agent_id}:{self.skill_id}"


class IvrOption(models.Model):
    """A key in the IVR main menu of the national number."""

    digit = models.CharField(_("key"), max_length=2, unique=True)
    label = models.CharField(_("label"), max_length=60)
    action = models.CharField(_("action"), max_length=15, choices=IvrAction.choices, default=IvrAction.AGENT)
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("skill"))
    is_complaint = models.BooleanField(_("complaint line"), default=False,
                                       help_text=_("Callers choosing this key are complaints: priority and skill."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["digit"]
        verbose_name = _("IVR option")
        verbose_name_plural = _("IVR options")

    def __str__(self) -> str:
        return f"{self.digit} {self.label}"

    def clean(self) -> None:
        super().clean()
        if self.action == IvrAction.AGENT and self.skill_id is None:
            raise ValidationError({"skill": _("A key that goes to an agent needs a skill.")})


class WrapUpCode(models.Model):
    """小结代码: what a call was about, chosen by the agent after it."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("wrap-up code")
        verbose_name_plural = _("wrap-up codes")

    def __str__(self) -> str:
        return self.name


# --- operations ------------------------------------------------------------------------------------------------


class AgentStateChange(models.Model):
    """One span of an agent in one state (ended_at empty while it lasts): agents-by-state and occupancy."""

    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="state_changes")
    state = models.CharField(_("state"), max_length=10, choices=AgentState.choices)
    break_reason = models.CharField(_("break reason"), max_length=10, choices=BreakReason.choices, blank=True)
    started_at = models.DateTimeField(_("started at"), db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"))

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("agent state change")
        verbose_name_plural = _("agent state changes")

    def __str__(self) -> str:
        return f"{self.agent_id} {self.state} {self.started_at:%Y-%m-%d %H:%M:%S}"


class Call(models.Model):
    """One inbound call to the national number, from the PBX's offer to its end (legs: one per queue it sat in)."""

    call_ref = models.CharField(_("call reference"), max_length=64, unique=True,
                                help_text=_("The PBX's unique id for the call (Asterisk UNIQUEID / linkedid)."))
    caller_number = models.CharField(_("caller number"), max_length=32)
    dialled_number = models.CharField(_("dialled number"), max_length=32)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls",
                                 verbose_name=_("client"))
    customers_matched = models.PositiveSmallIntegerField(_("clients with this number"), default=0)
    ivr_choices = models.JSONField(_("IVR choices"), default=list, blank=True)
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("skill"))
    priority = models.PositiveSmallIntegerField(_("priority"), default=0)
    is_vip = models.BooleanField(_("VIP"), default=False)
    is_complaint = models.BooleanField(_("complaint"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.OFFERED)
    route_reason = models.CharField(_("routing"), max_length=15, choices=RouteReason.choices, blank=True)
    # Where the call is (or ended): the current leg's center and agent.
    center = models.ForeignKey(ContactCenter, on_delete=models.PROTECT, null=True, blank=True, related_name="calls",
                               verbose_name=_("center"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="calls", verbose_name=_("agent"))
    offered_at = models.DateTimeField(_("offered at"))
    # When it entered its current queue: with priority, the order in which waiting calls get agents.
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(_("wait (seconds)"), null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(_("talk (seconds)"), null=True, blank=True)
    wrap_up_code = models.ForeignKey(WrapUpCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("wrap-up code"))
    wrap_up_note = models.TextField(_("wrap-up note"), blank=True, max_length=2000)
    wrap_up_at = models.DateTimeField(_("wrapped up at"), null=True, blank=True)
    recording_ref = models.CharField(_("recording"), max_length=300, blank=True)
    # The context an agent hands on with a transfer ("escort"): shown to the next agent with the screen-pop.
    transfer_note = models.TextField(_("transfer note"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-offered_at", "-pk"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["offered_at"], name="cc_call_offered_idx"),
            models.Index(fields=["status", "center", "skill", "priority", "queued_at"], name="cc_call_queue_idx"),
            models.Index(fields=["customer", "offered_at"], name="cc_call_customer_idx"),
        ]

    def __str__(self) -> str:
        return self.call_ref


class CallLeg(models.Model):
    """One stretch of a call in one center's queue: the unit of service level, ASA and abandonment per center."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="legs")
    sequence = models.PositiveSmallIntegerField(_("leg"), default=1)
    center = models.ForeignKey(ContactCenter, on_delete=models.PROTECT, related_name="call_legs",
                               verbose_name=_("center"))
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("skill"))
    route_reason = models.CharField(_("routing"), max_length=15, choices=RouteReason.choices)
    queued_at = models.DateTimeField(_("queued at"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("agent"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # answered | abandoned | overflowed (left for another center's queue) | transferred | self_service …
    outcome = models.CharField(_("outcome"), max_length=15, blank=True)
    transferred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name=_("transferred by"))

    class Meta:
        ordering = ["call", "sequence"]
        verbose_name = _("call leg")
        verbose_name_plural = _("call legs")
        constraints = [models.UniqueConstraint(fields=["call", "sequence"], name="cc_leg_call_seq_unique")]
        indexes = [models.Index(fields=["center", "queued_at"], name="cc_leg_center_queued_idx")]

    def __str__(self) -> str:
        return f"{self.call_id}#{self.sequence}"


class CallEvent(models.Model):
    """Every event the PBX reported, once: event_id makes a replayed or retried event a no-op."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events", null=True, blank=True)
    event_id = models.CharField(_("event id"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20)
    at = models.DateTimeField(_("at"))
    payload = models.JSONField(_("payload"), default=dict)
    response = models.JSONField(_("answer given"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("call event")
        verbose_name_plural = _("call events")

    def __str__(self) -> str:
        return self.event_id


class TelephonyNonce(models.Model):
    """Nonces of signed telephony requests seen within the replay window (older ones are purged)."""

    nonce = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(db_index=True, default=timezone.now)

    class Meta:
        verbose_name = _("telephony nonce")
        verbose_name_plural = _("telephony nonces")

    def __str__(self) -> str:
        return self.nonce


class CallbackRequest(models.Model):
    """A caller's request to be called back, or a voicemail, left outside hours or instead of waiting."""

    kind = models.CharField(_("kind"), max_length=10, choices=CallbackKind.choices)
    call = models.ForeignKey(Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="callbacks")
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="callback_requests", verbose_name=_("client"))
    number = models.CharField(_("number to call"), max_length=32)
    center = models.ForeignKey(ContactCenter, on_delete=models.PROTECT, related_name="callback_requests",
                               verbose_name=_("center"))
    requested_at = models.DateTimeField(_("requested at"))
    recording_ref = models.CharField(_("recording"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CallbackStatus.choices,
                              default=CallbackStatus.OPEN)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("handled by"))
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        ordering = ["requested_at", "pk"]
        verbose_name = _("callback request")
        verbose_name_plural = _("callback requests")
        indexes = [models.Index(fields=["center", "status", "requested_at"], name="cc_callback_queue_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.requested_at:%Y-%m-%d %H:%M}"


class Interaction(models.Model):
    """One contact with a client on any channel, in either direction: the client's contact history."""

    channel = models.CharField(_("channel"), max_length=10, choices=InteractionChannel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="interactions", verbose_name=_("client"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="interactions", verbose_name=_("agent"))
    center = models.ForeignKey(ContactCenter, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="interactions", verbose_name=_("center"))
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("branch"), help_text=_("Where a branch transfer or visit took it."))
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    disposition = models.CharField(_("disposition"), max_length=40, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    recording_ref = models.CharField(_("recording"), max_length=300, blank=True)
    call = models.OneToOneField(Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="interaction")
    # Who recorded it in the channel's own tables, e.g. ("outbound_message", 42): unique, so receivers are idempotent.
    source_type = models.CharField(_("source"), max_length=30, blank=True)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [models.Index(fields=["customer", "started_at"], name="cc_interaction_customer_idx")]
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"], condition=~Q(source_type=""),
                                    name="cc_interaction_source_unique"),
        ]
        permissions = [
            ("use_agent_desktop", "Can work calls and chats at the agent desktop"),
            ("view_wallboard", "Can see the wallboard"),
            ("manage_agents", "Can set other agents' states"),
            ("view_contact_reports", "Can see contact-center reports"),
            ("plan_staffing", "Can plan staffing"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d %H:%M}"


class TelephonyCommand(models.Model):
    """What brokerdesk asks the PBX to do, e.g. move a call an agent transferred at the desktop. The PBX connector
    fetches pending commands (telephony API) and reports the result as an ordinary call event.

    Delivery is at least once: a fetched command is leased to the poller; if the PBX has not reported it carried
    out (done_at) when the lease ends, the command is handed out again, up to TELEPHONY_COMMAND_MAX_DELIVERIES
    times and while the call lasts. The connector ignores a command id it has already carried out.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="commands")
    kind = models.CharField(_("kind"), max_length=20)  # "transfer"
    # {"type": "agent", "extension": "8001"} | {"type": "queue", "center": "HQ", "skill": "general"}
    # | {"type": "number", "number": "02166668888"} (a branch's desk line)
    target = models.JSONField(_("target"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)  # the latest hand-out
    deliveries = models.PositiveSmallIntegerField(_("deliveries"), default=0)
    done_at = models.DateTimeField(_("carried out at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("telephony command")
        verbose_name_plural = _("telephony commands")
        indexes = [models.Index(fields=["done_at", "delivered_at"], name="cc_command_pending_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.call_id}"
