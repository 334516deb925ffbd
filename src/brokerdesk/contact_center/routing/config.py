"""The routing engine's configuration, read from the database once and kept until the configuration changes.

Every process (web, worker) keeps its own Router. Any save or delete of a configuration row bumps a version in
the cache (Redis in production, so every process sees it); a process compares the version on each call and
rebuilds its Router when it moved. Within one process, the local-memory cache does the same.
"""

from __future__ import annotations

import threading
from datetime import date

from django.core.cache import cache
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from brokerdesk.contact_center.choices import IvrAction
from brokerdesk.contact_center.models import (
    CenterSettings,
    IvrOption,
    RoutingSettings,
    Skill,
)
from brokerdesk.contact_center.routing.engine import (
    Action,
    CenterRule,
    DayKind,
    Hours,
    IvrRule,
    Router,
    RouterConfig,
)
from brokerdesk.core import calendar
from brokerdesk.org.choices import CenterKind
from brokerdesk.org.models import Branch, ContactCenter

VERSION_KEY = "contact_center:routing-config-version"
_lock = threading.Lock()
_state: dict = {"version": None, "router": None, "serving": None, "skills": None}


def day_kind(day: date) -> DayKind:
    """The business calendar's view of a day: make-up working days work, public holidays don't."""
    if calendar.is_working_day(day):
        return DayKind.WORKING
    if calendar.holiday_name(day):
        return DayKind.HOLIDAY
    return DayKind.SATURDAY if day.weekday() == 5 else DayKind.SUNDAY


def _span(opens, closes):
    return (opens, closes) if opens is not None and closes is not None else None


def routing_settings() -> RoutingSettings:
    settings_row, _ = RoutingSettings.objects.get_or_create(pk=RoutingSettings.SINGLETON)
    return settings_row


def build_config() -> RouterConfig:
    """Read the configuration rows into the engine's plain RouterConfig."""
    settings_row = routing_settings()
    centers = []
    for center in ContactCenter.objects.all():
        row = CenterSettings.objects.filter(center=center).first() or CenterSettings(center=center)
        centers.append(CenterRule(
            id=center.pk, code=center.code, is_hq=center.kind == CenterKind.HQ,
            hours=Hours(working=_span(row.weekday_opens, row.weekday_closes),
                        saturday=_span(row.saturday_opens, row.saturday_closes),
                        sunday=_span(row.sunday_opens, row.sunday_closes), holidays=row.open_on_holidays),
            overflow_after=float(row.overflow_after_seconds), accepts_overflow=row.accepts_overflow,
            overflow_rank=row.overflow_rank, active=row.is_active))
    skills = dict(Skill.objects.values_list("pk", "code"))
    ivr = {
        option.digit: IvrRule(option.digit, Action(option.action) if option.action != IvrAction.AGENT else Action.QUEUE,
                              skills.get(option.skill_id), option.is_complaint)
        for option in IvrOption.objects.filter(is_active=True)
    }
    default_skill = skills.get(settings_row.default_skill_id) or "general"
    return RouterConfig(
        centers=tuple(centers), ivr=ivr, default_skill=default_skill,
        vip_skill=skills.get(settings_row.vip_skill_id), complaint_skill=skills.get(settings_row.complaint_skill_id),
        default_priority=settings_row.default_priority, vip_priority=settings_row.vip_priority,
        complaint_priority=settings_row.complaint_priority, max_wait=float(settings_row.max_wait_seconds),
        day_kind=day_kind,
    )


def router() -> Router:
    """This process's Router for the current configuration."""
    version = cache.get(VERSION_KEY, 0)
    current = _state["router"]
    if current is not None and _state["version"] == version:
        return current
    with _lock:
        if _state["router"] is None or _state["version"] != version:
            _state["router"] = Router(build_config())
            _state["serving"] = dict(Branch.objects.values_list("pk", "serving_center_id"))
            _state["skills"] = dict(Skill.objects.values_list("code", "pk"))
            _state["version"] = version
        return _state["router"]


def serving_center_of(branch_id: int | None) -> int | None:
    """The sub-center serving a branch's clients (cached with the Router)."""
    router()
    if branch_id is None:
        return None
    serving = _state["serving"]
    if branch_id not in serving:  # a branch created since the Router was built
        serving[branch_id] = Branch.objects.filter(pk=branch_id).values_list("serving_center_id", flat=True).first()
    return serving[branch_id]


def skill_id_for(code: str) -> int | None:
    """The id of the skill with this code (cached with the Router)."""
    router()
    return _state["skills"].get(code)


def invalidate() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)
    with _lock:
        _state["router"] = None


# Agents are live state (routing/live.py), not configuration: their changes don't rebuild the Router.
CONFIG_MODELS = (RoutingSettings, CenterSettings, Skill, IvrOption, ContactCenter, Branch)


@receiver(post_save)
@receiver(post_delete)
def _configuration_changed(sender, **kwargs) -> None:
    if sender in CONFIG_MODELS:
        invalidate()


@receiver(post_migrate)
def _database_reset(sender, **kwargs) -> None:
    """A flush (tests) or a migration can renumber every row the Router holds ids of."""
    invalidate()
