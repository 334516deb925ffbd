"""The ticket workflow as a table: which action moves a ticket from which status to which (no Django).

    new --accept--> accepted --dispatch--> dispatched --start--> in progress --propose--> resolution proposed
                        |  \\--start--> in progress --dispatch--> dispatched  (supervision ticket to a branch)
                        |                                         --reply--> resolution proposed (branch's reply)
                        \\--propose--> resolution proposed --return--> in progress / dispatched (HQ not satisfied)
                                                          --resolve--> resolved --callback--> satisfaction callback
                                                                                 --close (no callback needed)--> closed
    satisfaction callback --record satisfaction--> closed;     resolved / callback / closed --reopen--> in progress

Escalation, handover, pause and notes keep the status; they are allowed while the ticket is open.
The service looks an action up here before it changes anything, and moves the status compare-and-set.
"""

from brokerdesk.tickets.choices import OPEN_STATUSES, TicketKind, TicketStatus

S = TicketStatus


class TransitionNotAllowed(Exception):
    def __init__(self, action: str, status: str):
        self.action, self.status = action, status
        super().__init__(f"{action} is not allowed from {status}")


# action -> (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "accept": (frozenset({S.NEW}), S.ACCEPTED),
    "start": (frozenset({S.ACCEPTED, S.DISPATCHED}), S.IN_PROGRESS),
    "dispatch": (frozenset({S.ACCEPTED, S.IN_PROGRESS, S.RESOLUTION_PROPOSED}), S.DISPATCHED),
    "reply": (frozenset({S.DISPATCHED, S.IN_PROGRESS}), S.RESOLUTION_PROPOSED),
    "propose": (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.RESOLUTION_PROPOSED),
    "return": (frozenset({S.RESOLUTION_PROPOSED}), S.IN_PROGRESS),  # or DISPATCHED for a supervision reply
    "resolve": (frozenset({S.RESOLUTION_PROPOSED}), S.RESOLVED),
    "callback": (frozenset({S.RESOLVED}), S.SATISFACTION_CALLBACK),
    "record_satisfaction": (frozenset({S.SATISFACTION_CALLBACK}), S.CLOSED),
    "close": (frozenset({S.RESOLVED}), S.CLOSED),
    "reopen": (frozenset({S.RESOLVED, S.SATISFACTION_CALLBACK, S.CLOSED}), S.IN_PROGRESS),
    "escalate": (frozenset(OPEN_STATUSES) | {S.RESOLVED, S.SATISFACTION_CALLBACK}, None),
    "handover": (frozenset(OPEN_STATUSES), None),
    "pause": (frozenset(OPEN_STATUSES) - {S.NEW}, None),
    "resume": (frozenset(OPEN_STATUSES) - {S.NEW}, None),
    "note": (frozenset(OPEN_STATUSES) | {S.RESOLVED, S.SATISFACTION_CALLBACK}, None),
    "attach": (frozenset(OPEN_STATUSES) | {S.RESOLVED, S.SATISFACTION_CALLBACK}, None),
    "record_accountability": (frozenset(OPEN_STATUSES) | {S.RESOLVED, S.SATISFACTION_CALLBACK}, None),
}

# Kinds whose resolution the client is called back about before the ticket closes (DOMAIN.md "Complaints").
CALLBACK_KINDS = frozenset({TicketKind.COMPLAINT, TicketKind.REGULATOR_REFERRAL})


def next_status(action: str, status: str, *, kind: str = "", returned_to_branch: bool = False) -> str:
    """The status `action` leads to from `status`, or TransitionNotAllowed."""
    allowed_from, target = TRANSITIONS[action]
    if status not in allowed_from:
        raise TransitionNotAllowed(action, status)
    if action == "close" and kind in CALLBACK_KINDS:
        # A complaint is closed by recording the client's satisfaction, never straight from "resolved".
        raise TransitionNotAllowed(action, status)
    if action == "return" and returned_to_branch:
        return S.DISPATCHED
    return target or status


def actions_from(status: str, *, kind: str = "") -> list[str]:
    """The actions the table allows from status (the page offers these; the service still checks roles)."""
    allowed = []
    for action in TRANSITIONS:
        try:
            next_status(action, status, kind=kind)
        except TransitionNotAllowed:
            continue
        allowed.append(action)
    return allowed
