"""Agent state transitions: which moves are allowed, and which of them an agent may make by hand."""

from brokerdesk.contact_center.choices import AgentState as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.OFFLINE: frozenset({S.AVAILABLE, S.BREAK}),
    S.AVAILABLE: frozenset({S.OFFLINE, S.BREAK, S.RINGING}),
    S.RINGING: frozenset({S.ON_CALL, S.AVAILABLE, S.BREAK}),  # BREAK: no answer, the agent is parked
    S.ON_CALL: frozenset({S.WRAP_UP}),
    S.WRAP_UP: frozenset({S.AVAILABLE, S.BREAK, S.OFFLINE}),
    S.BREAK: frozenset({S.AVAILABLE, S.OFFLINE}),
}

# What the agent (or a supervisor) chooses at the desktop; the others follow calls.
MANUAL_STATES = frozenset({S.AVAILABLE, S.BREAK, S.OFFLINE})


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())
