"""Agent states: what the agent chooses at the desktop (available, break, offline) and what calls do to them.

Every move is compare-and-set on the agent's row, closes the open AgentStateChange span and opens the next one,
and is audited. Realtime pushes (desktop, wallboard) go out after the commit.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.contact_center import signals
from brokerdesk.contact_center.choices import AgentState, BreakReason
from brokerdesk.contact_center.models import AgentProfile, AgentStateChange
from brokerdesk.contact_center.workflow import MANUAL_STATES, can_move
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, NotFound, ValidationFailed
from brokerdesk.core.permissions import require_permission
from brokerdesk.org.choices import Scope


def agent_may_be_managed_by(actor, agent: AgentProfile) -> bool:
    """A supervisor manages the agents of their own center; company-scoped supervisors, every center's."""
    if actor.scope == Scope.COMPANY:
        return True
    return actor.scope == Scope.CENTER and actor.center_id == agent.center_id


def agent_state_set(*, actor, agent: AgentProfile, state: str, break_reason: str = "",
                    at: datetime | None = None) -> AgentProfile:
    """The agent (or their supervisor) logs in, takes a break or logs out."""
    if agent.staff_id == getattr(actor, "pk", None):
        require_permission(actor, "contact_center.use_agent_desktop", "agent_state_set")
    else:
        require_permission(actor, "contact_center.manage_agents", "agent_state_set")
        if not agent_may_be_managed_by(actor, agent):
            raise NotFound()
    if state not in MANUAL_STATES:
        raise ValidationFailed(_("An agent can only choose available, break or offline."),
                               details={"state": [_("Choose available, break or offline.")]})
    if state == AgentState.BREAK:
        if break_reason not in BreakReason.values or break_reason == BreakReason.MISSED:
            raise ValidationFailed(_("Say why the agent takes a break."),
                                   details={"break_reason": [_("Choose a break reason.")]})
    else:
        break_reason = ""
    with transaction.atomic():
        return agent_move(agent.pk, state, actor=actor, break_reason=break_reason, at=at)


def agent_move(agent_id, state: str, *, actor=None, break_reason: str = "", at: datetime | None = None,
               expected: tuple[str, ...] | None = None, current_call=None) -> AgentProfile:
    """Move an agent to `state` (inside the caller's transaction). Conflict when the move is not allowed from the
    agent's current state, or when `expected` is given and the agent is in none of those states."""
    at = at or timezone.now()
    agent = AgentProfile.objects.select_for_update().filter(pk=agent_id).first()
    if agent is None:
        raise NotFound()
    old = agent.state
    if (expected is not None and old not in expected) or (old != state and not can_move(old, state)):
        raise Conflict(_("The agent is %(state)s and cannot move to %(new)s now.")
                       % {"state": AgentState(old).label, "new": AgentState(state).label})
    fields = {"state": state, "break_reason": break_reason, "state_since": at}
    if state == AgentState.AVAILABLE:
        fields["available_since"] = at
    if state in (AgentState.RINGING, AgentState.ON_CALL):
        fields["current_call"] = current_call if current_call is not None else agent.current_call
    elif state != AgentState.WRAP_UP:
        fields["current_call"] = None
    moved = AgentProfile.objects.filter(pk=agent.pk, state=old).update(**fields)
    if not moved:  # unreachable under the row lock; kept as the compare-and-set guard
        raise Conflict(_("The agent's state changed meanwhile; try again."))
    AgentStateChange.objects.filter(agent_id=agent.pk, ended_at__isnull=True).update(ended_at=at)
    AgentStateChange.objects.create(agent_id=agent.pk, state=state, break_reason=break_reason, started_at=at,
                                    changed_by=actor)
    audit_record(actor=actor, action="contact_center.agent_state", object_type="agent", object_id=agent.pk,
                 before={"state": old}, after={"state": state, "break_reason": break_reason})
    for name, value in fields.items():
        setattr(agent, name, value)
    center_id = agent.center_id
    transaction.on_commit(lambda: signals.agent_state_changed.send(
        sender=AgentProfile, agent_id=agent_id, state=state, center_id=center_id))
    return agent
