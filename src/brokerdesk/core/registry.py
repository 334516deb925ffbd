"""Small registries through which apps extend the shell without editing it.

- Navigation: each app registers its menu entries (label, URL name, who may see them).
- Home panels: each app registers panels for the roles that work on them; the home page renders
  the panels of the user's roles in order. Later apps (tickets, visits, ...) add theirs here.
- Customer-360 sections: apps above customers (segments, tickets, visits, ...) add a section to the
  customer 360 page without the customers app importing them (the layering forbids it).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any  # lazy translation
    url_name: str
    order: int = 100
    roles: frozenset[str] = frozenset()  # empty: every signed-in staff member
    permission: str | None = None

    def visible_for(self, user) -> bool:
        if self.permission and not user.has_perm(self.permission):
            return False
        return not self.roles or bool(self.roles & user.role_names)


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: Any
    template: str
    context: Callable[[Any], dict] = field(default=lambda user: {})
    roles: frozenset[str] = frozenset()
    order: int = 100

    def visible_for(self, user) -> bool:
        return not self.roles or bool(self.roles & user.role_names)


@dataclass(frozen=True)
class CustomerSection:
    """A section of the customer 360. `context(actor, customer)` returns what `template` renders; it is only
    called for customers the actor may see (the 360 has already scoped the customer)."""

    key: str
    title: Any
    template: str
    context: Callable[[Any, Any], dict] = field(default=lambda actor, customer: {})
    order: int = 100
    permission: str | None = None
    column: str = "side"  # "main" (under the holdings and trades) or "side" (beside them)

    def visible_for(self, user) -> bool:
        return not self.permission or user.has_perm(self.permission)


_nav: dict[str, NavItem] = {}
_panels: dict[str, HomePanel] = {}
_customer_sections: dict[str, CustomerSection] = {}


def register_nav(item: NavItem) -> None:
    _nav[item.key] = item


def register_home_panel(panel: HomePanel) -> None:
    _panels[panel.key] = panel


def nav_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return sorted((i for i in _nav.values() if i.visible_for(user)), key=lambda i: (i.order, i.key))


def home_panels_for(user) -> list[HomePanel]:
    return sorted((p for p in _panels.values() if p.visible_for(user)), key=lambda p: (p.order, p.key))


def register_customer_section(section: CustomerSection) -> None:
    _customer_sections[section.key] = section


def customer_sections_for(user) -> list[CustomerSection]:
    return sorted((s for s in _customer_sections.values() if s.visible_for(user)), key=lambda s: (s.order, s.key))
