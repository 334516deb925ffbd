"""The task workflow as a table (no Django):

    pending --claim--> claimed --start_call--> in call --complete--> completed
       ^                  |                      |--retry--> pending (unreachable; tried again from not_before)
       |----release-------|                      |--unreachable--> unreachable (attempts used up)
       |----reassign------|                      |--refuse--> refused
    pending / claimed --cancel--> cancelled      |--wrong_number--> wrong number

A supervisor's reassign moves a pending or claimed task to another queue (pending) or agent (claimed).
The service looks an action up here before it changes anything, and moves the status compare-and-set.
"""

from brokerdesk.visits.choices import TaskStatus

S = TaskStatus


class TransitionNotAllowed(Exception):
    def __init__(self, action: str, status: str):
        self.action, self.status = action, status
        super().__init__(f"{action} is not allowed from {status}")


# action -> (statuses it may start from, status it leads to; None: the service decides between pending/claimed)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "claim": (frozenset({S.PENDING}), S.CLAIMED),
    "release": (frozenset({S.CLAIMED}), S.PENDING),
    "start_call": (frozenset({S.CLAIMED}), S.IN_CALL),
    "complete": (frozenset({S.IN_CALL}), S.COMPLETED),
    "retry": (frozenset({S.IN_CALL}), S.PENDING),
    "unreachable": (frozenset({S.IN_CALL}), S.UNREACHABLE),
    "refuse": (frozenset({S.IN_CALL}), S.REFUSED),
    "wrong_number": (frozenset({S.IN_CALL}), S.WRONG_NUMBER),
    "reassign": (frozenset({S.PENDING, S.CLAIMED}), None),
    "cancel": (frozenset({S.PENDING, S.CLAIMED}), S.CANCELLED),
}


def next_status(action: str, status: str, *, to_agent: bool = False) -> str:
    """The status `action` leads to from `status`, or TransitionNotAllowed."""
    allowed_from, target = TRANSITIONS[action]
    if status not in allowed_from:
        raise TransitionNotAllowed(action, status)
    if target is None:  # reassign: to an agent it is theirs (claimed); to a queue it waits there (pending)
        return S.CLAIMED if to_agent else S.PENDING
    return target


def actions_from(status: str) -> list[str]:
    return [action for action, (allowed_from, _target) in TRANSITIONS.items() if status in allowed_from]
