"""Pushes to the browsers: the agent's desktop (screen-pop, pick-up, hang-up, state) and the wallboards.

The receivers run after the service's commit (signals.py), so they read committed data. The screen-pop fragment
is rendered here, once per presentation, for the agent it rings (masked as that agent's role requires), and sent
as HTML: the desktop only inserts it.

Groups: "cc.agent.<staff id>" (that agent's desktop sockets), "cc.wallboard.<center id>" and "cc.wallboard.all".
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.context_processors import PermWrapper
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone, translation

from brokerdesk.contact_center import signals
from brokerdesk.contact_center.choices import AgentState
from brokerdesk.contact_center.models import Call
from brokerdesk.core.errors import NotFound

log = logging.getLogger(__name__)

WALLBOARD_ALL = "cc.wallboard.all"


def agent_group(staff_id) -> str:
    return f"cc.agent.{int(staff_id)}"


def wallboard_group(center_id) -> str:
    return f"cc.wallboard.{int(center_id)}"


def _send(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "cc.event", "event": event})
    except Exception:  # a push that fails must never fail the call flow that committed
        log.exception("contact_center: push to %s failed", group)


# --- the screen-pop -----------------------------------------------------------------------------------------


def screen_pop_context(call: Call, agent) -> dict:
    """What the screen-pop shows to `agent` about `call`: the client (masked), or the matches, or "unknown";
    the contact history at every center; the transfer note and the legs before this one."""
    from brokerdesk.contact_center import selectors
    from brokerdesk.core.masking import mask_name
    from brokerdesk.customers.presenters import customer_card
    from brokerdesk.customers.selectors import customer_get_for_actor, customers_by_phone

    context: dict = {"call": call, "agent": agent, "customer": None, "card": None, "matches": [],
                     "history": [], "permissions": [], "tier": None}
    if call.customer_id:
        try:
            customer = customer_get_for_actor(agent, call.customer_id)
        except NotFound:
            customer = None
        if customer is not None:
            context["customer"] = customer
            context["card"] = customer_card(customer)
            context["masked_name"] = mask_name(customer.name, customer.kind)
            context["permissions"] = [p.get_kind_display() for p in customer.permissions.filter(
                revoked_on__isnull=True).order_by("granted_on")]
            context["tags"] = list(customer.tags.order_by("name").values_list("name", flat=True)[:8])
            context["tier"] = _tier_of(customer.pk)
            context["history"] = selectors.customer_interactions(customer.pk, limit=8, exclude_call_id=call.pk)
    elif call.customers_matched > 1:
        context["matches"] = [{"card": customer_card(c), "masked_name": mask_name(c.name, c.kind)}
                              for c in customers_by_phone(agent, call.caller_number)]
    legs = selectors.call_legs(call)
    context["legs"] = legs[:-1]
    current = legs[-1] if legs else None
    context["current_leg"] = current
    if current is not None and current.transferred_by_id:
        previous = legs[-2] if len(legs) > 1 else None
        context["transferred_from"] = {"agent": current.transferred_by, "center": previous.center if previous
                                       else None}
    context["masked_number"] = _masked(call.caller_number)
    context["today"] = timezone.localdate()
    return context


def _tier_of(customer_id: int):
    from brokerdesk.segmentation.selectors import current_tier

    try:
        return current_tier(customer_id)
    except Exception:  # segmentation not run yet on this installation
        return None


def _masked(number: str) -> str:
    from brokerdesk.core.masking import mask_phone

    try:
        return mask_phone(number)
    except Exception:
        return number


def render_screen_pop(call: Call, agent) -> str:
    context = screen_pop_context(call, agent)
    context["perms"] = PermWrapper(agent)
    context["user"] = agent
    return render_to_string("contact_center/_screen_pop.html", context)


def _call_for_pop(call_id) -> Call | None:
    return (Call.objects.filter(pk=call_id)
            .select_related("customer", "customer__home_branch", "skill", "center").first())


@receiver(signals.call_presented, dispatch_uid="contact_center.realtime.presented")
def push_screen_pop(sender, *, call_id, agent_id, **kwargs) -> None:
    call = _call_for_pop(call_id)
    agent = get_user_model().objects.filter(pk=agent_id).first()
    if call is None or agent is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        html = render_screen_pop(call, agent)
    _send(agent_group(agent_id), {"kind": "presented", "call_id": call_id, "html": html})


@receiver(signals.call_connected, dispatch_uid="contact_center.realtime.connected")
def push_connected(sender, *, call_id, agent_id, **kwargs) -> None:
    _send(agent_group(agent_id), {"kind": "connected", "call_id": call_id})


@receiver(signals.call_finished, dispatch_uid="contact_center.realtime.finished")
def push_finished(sender, *, call_id, agent_id, **kwargs) -> None:
    if agent_id is not None:
        _send(agent_group(agent_id), {"kind": "finished", "call_id": call_id})


@receiver(signals.agent_state_changed, dispatch_uid="contact_center.realtime.agent_state")
def push_agent_state(sender, *, agent_id, state, center_id, **kwargs) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        label = str(AgentState(state).label) if state in AgentState.values else state
    _send(agent_group(agent_id), {"kind": "state", "state": state, "label": label})
    _send(wallboard_group(center_id), {"kind": "changed", "center_id": center_id})
    _send(WALLBOARD_ALL, {"kind": "changed", "center_id": center_id})


@receiver(signals.queue_changed, dispatch_uid="contact_center.realtime.queue")
def push_queue_changed(sender, *, center_id, **kwargs) -> None:
    if center_id is None:
        return
    _send(wallboard_group(center_id), {"kind": "changed", "center_id": center_id})
    _send(WALLBOARD_ALL, {"kind": "changed", "center_id": center_id})
