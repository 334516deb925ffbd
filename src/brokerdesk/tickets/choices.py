from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    SERVICE_REQUEST = "service_request", _("Service request")
    REGULATOR_REFERRAL = "regulator_referral", _("Regulator referral")
    VISIT_FINDING = "visit_finding", _("Return-visit finding")  # opened by the visits app, sent to compliance


class TicketChannel(models.TextChoices):
    PHONE = "phone", _("Hotline call")
    BRANCH = "branch", _("Branch (in person or branch phone)")
    WEB = "web", _("Web form")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    WEB_CHAT = "web_chat", _("Web chat")
    API = "api", _("Other system (API)")
    REGULATOR = "regulator", _("Regulator")
    RETURN_VISIT = "return_visit", _("Return visit")


class RegulatorSource(models.TextChoices):
    PLATFORM_12386 = "12386", _("12386 platform (CSRC hotline)")
    CSRC_OFFICE = "csrc_office", _("Local CSRC office")
    SSE = "sse", _("Shanghai Stock Exchange")
    SZSE = "szse", _("Shenzhen Stock Exchange")
    BSE = "bse", _("Beijing Stock Exchange")
    SAC = "sac", _("Securities Association of China")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLUTION_PROPOSED = "resolution_proposed", _("Resolution proposed")
    RESOLVED = "resolved", _("Resolved")
    SATISFACTION_CALLBACK = "satisfaction_callback", _("Satisfaction callback")
    CLOSED = "closed", pgettext_lazy("ticket", "Closed")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.ACCEPTED, TicketStatus.DISPATCHED, TicketStatus.IN_PROGRESS,
                 TicketStatus.RESOLUTION_PROPOSED)


class TicketAction(models.TextChoices):
    """What a step in a ticket's history did (TicketEvent.action): the workflow's actions and the system's."""

    CREATE = "create", _("Recorded")
    ACCEPT = "accept", _("Taken (first-contact owner)")
    START = "start", _("Work started")
    DISPATCH = "dispatch", _("Supervision ticket dispatched")
    REPLY = "reply", _("Branch replied")
    PROPOSE = "propose", _("Resolution proposed")
    RETURN = "return", _("Returned for rework")
    RESOLVE = "resolve", _("Resolved")
    CALLBACK = "callback", _("Satisfaction callback begun")
    RECORD_SATISFACTION = "record_satisfaction", _("Satisfaction recorded")
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened")
    ESCALATE = "escalate", _("Escalated as major")
    HANDOVER = "handover", _("Handed over")
    PAUSE = "pause", _("Waiting on the client")
    RESUME = "resume", _("Client answered")
    NOTE = "note", _("Note")
    ATTACH = "attach", _("Attachment added")
    RECORD_ACCOUNTABILITY = "record_accountability", _("Accountability recorded")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class SupervisionStatus(models.TextChoices):
    """投诉督办单: HQ dispatches, the branch or department replies, HQ reviews."""

    OPEN = "open", _("Awaiting reply")
    REPLIED = "replied", _("Replied")
    ACCEPTED = "accepted", _("Reply accepted")
    RETURNED = "returned", _("Returned for rework")
    CANCELLED = "cancelled", _("Cancelled")


class TimerKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    REGULATOR = "regulator", _("Regulator deadline")
    SUPERVISION_REPLY = "supervision_reply", _("Supervision reply")


class TimerState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused (waiting on the client)")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class TimerFiring(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class ResolutionMode(models.TextChoices):
    SAME_DAY = "same_day", _("By the close of the business day")
    BUSINESS_HOURS = "business_hours", _("Within business hours")
    WORKING_DAYS = "working_days", _("Within working days")


class MajorRuleKind(models.TextChoices):
    """What makes a complaint major (重大投诉); each escalates at once to operations, risk control and compliance."""

    REGULATOR_REFERRAL = "regulator_referral", _("Regulator referral")
    KEYWORDS = "keywords", _("Keywords in the complaint")
    AMOUNT = "amount", _("Amount involved over a threshold")
    GROUP = "group", _("Group complaint (several clients)")
    FLAG = "flag", _("Marked by the handler")


class Satisfaction(models.IntegerChoices):
    VERY_DISSATISFIED = 1, _("Very dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    NEUTRAL = 3, _("Neutral")
    SATISFIED = 4, _("Satisfied")
    VERY_SATISFIED = 5, _("Very satisfied")
