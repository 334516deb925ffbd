"""The contact timeline on the customer 360: one small interface that every app contributes to.

An app registers a source: a function (customer, actor, limit) -> list[TimelineEntry]. The 360 merges
all sources newest first. Interactions, tickets, visits and surveys register theirs as they land.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # e.g. "note", "interaction", "ticket", "visit", "survey"
    title: Any
    body: str = ""
    actor: str = ""
    url: str = ""


TimelineSource = Callable[[Any, Any, int], list[TimelineEntry]]
_sources: dict[str, TimelineSource] = {}


def register_timeline_source(key: str, source: TimelineSource) -> None:
    _sources[key] = source


def timeline_for(customer, actor, limit: int = 50) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for source in _sources.values():
        entries.extend(source(customer, actor, limit))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
