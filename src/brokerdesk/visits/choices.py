"""The return-visit vocabulary (回访): what a programme targets, who works its tasks, the task's states and the
findings a visit can turn up."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """Why a programme visits (DOMAIN.md "Return visits"); figures are grouped by it."""

    NEW_ACCOUNT = "new_account", _("New account")
    ANNUAL_SAMPLE = "annual_sample", _("Annual sample of existing clients")
    ABNORMAL_ACTIVITY = "abnormal_activity", _("Abnormal trading or fund flows")
    DORMANT_REACTIVATION = "dormant_reactivation", _("Dormant client reactivation")
    CORE_CLIENT = "core_client", _("Core client care")
    COMPLAINT_CALLBACK = "complaint_callback", _("Complaint satisfaction callback")
    SPECIAL_BUSINESS = "special_business", _("Special business")
    ELDERLY_SAVINGS = "elderly_savings", _("Elderly and savings-dependent clients")
    CLIENT_REQUEST = "client_request", _("Requested during a contact")
    CUSTOM = "custom", _("Other")


class Audience(models.TextChoices):
    """How a programme finds its clients. Each kind has a cycle that keeps generation idempotent: a client gets
    one task per programme and cycle (see generate.py)."""

    OPENED_WITHIN = "opened_within", _("Accounts opened in the last N days")  # cycle: once per client
    ANNUAL_SAMPLE = "annual_sample", _("Stratified annual sample")  # cycle: the year
    SEGMENT_ENTERED = "segment_entered", _("Clients who entered a segment")  # cycle: the membership
    SEGMENT_MEMBERS = "segment_members", _("Members of a segment, every N months")  # cycle: the period
    FEATURE_RULE = "feature_rule", _("Clients matching a feature rule, every N months")  # cycle: the period
    TICKET_CALLBACK = "ticket_callback", _("Tickets awaiting a satisfaction callback")  # cycle: the ticket
    SERVICE_EVENT = "service_event", _("Service events (permissions, high-risk sales)")  # cycle: the event
    # Not generated: staff request one task at a time, e.g. an agent during a call (requests.py).
    ON_REQUEST = "on_request", _("On request, one client at a time")  # cycle: the request


class AssigneePolicy(models.TextChoices):
    CALL_CENTER = "call_center", _("Call center")
    BRANCH = "branch", _("Client's branch")


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CLAIMED = "claimed", _("Claimed")
    IN_CALL = "in_call", _("In call")
    COMPLETED = "completed", _("Completed")
    UNREACHABLE = "unreachable", _("Unreachable")
    REFUSED = "refused", _("Refused")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (TaskStatus.PENDING, TaskStatus.CLAIMED, TaskStatus.IN_CALL)
FINAL_STATUSES = tuple(s for s in TaskStatus.values if s not in OPEN_STATUSES)


class Outcome(models.TextChoices):
    """What one call attempt came to."""

    COMPLETED = "completed", _("Completed")
    UNREACHABLE = "unreachable", _("Unreachable (no answer, busy, switched off)")
    REFUSED = "refused", _("Client refused the visit")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class TaskAction(models.TextChoices):
    GENERATE = "generate", _("Generated")
    CLAIM = "claim", _("Claimed")
    RELEASE = "release", _("Released to the queue")
    START_CALL = "start_call", _("Call started")
    COMPLETE = "complete", _("Completed")
    RETRY = "retry", _("Unreachable, retry scheduled")
    UNREACHABLE = "unreachable", _("Unreachable, attempts used up")
    REFUSE = "refuse", _("Refused")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    REASSIGN = "reassign", _("Reassigned")
    CANCEL = "cancel", _("Cancelled")
    RECORDING = "recording", _("Recording attached")
    FINDING = "finding", _("Finding reported to compliance")
    REQUEST = "request", _("Requested")


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no")
    CHOICE = "choice", _("Single choice")
    RATING = "rating", _("Satisfaction 1-5")
    TEXT = "text", _("Free text")


class FindingKind(models.TextChoices):
    """What a visit can find that compliance must look into (DOMAIN.md: findings of staff misconduct)."""

    STAFF_TRADED = "staff_traded", _("Staff traded on the client's behalf")
    DISCRETIONARY_MANDATE = "discretionary_mandate", _("Discretionary mandate to staff")
    RISK_NOT_UNDERSTOOD = "risk_not_understood", _("Client did not understand the risks")
    NOT_OWN_ACCOUNT = "not_own_account", _("Account not opened or used by the client")
    PROMISED_RETURNS = "promised_returns", _("Staff promised returns or guaranteed against loss")
    OTHER_MISCONDUCT = "other_misconduct", _("Other staff misconduct")


class RecordingSource(models.TextChoices):
    TELEPHONY = "telephony", _("Telephony (call recording)")
    UPLOAD = "upload", _("Uploaded (offline call)")
