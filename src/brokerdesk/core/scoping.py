"""Row-level scoping: every list starts from visible_to(actor) (ARCHITECTURE.md section 4, rule 3).

The actor is a staff user. Staff carry a scope: company-wide, a contact center, or one branch.
Company- and center-scoped staff see every client (center agents must identify any caller; their
view is masked). Branch-scoped staff see only the rows of their own branch.
"""

from django.db.models import QuerySet

from brokerdesk.core.errors import NotFound

ALL_BRANCHES = "all"


def database_id(value) -> int:
    """A primary key from a URL or a request, or NotFound: text, zero, negatives and numbers no database column
    holds (SQLite fails on them rather than finding nothing) name no object."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk < 2**63:
        raise NotFound()
    return pk


def chosen(queryset: QuerySet, value):
    """The row a form field chose by id, or None when it chose none (empty, not a number, out of range, or no
    such row in queryset): the caller reports it on its own field."""
    try:
        pk = database_id(value)
    except NotFound:
        return None
    return queryset.filter(pk=pk).first()


def visible_branch(actor) -> str | int | None:
    """The rows actor may see, as a value a hand-written query can use.

    ALL_BRANCHES, the id of the actor's one branch, or None (nothing). visible_to() applies the same rule
    to a queryset; hot paths that run their own SQL (the screen-pop) use this so the rule stays in one place.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    if actor.sees_all_branches:
        return ALL_BRANCHES
    return actor.branch_id or None


def visible_to(actor, queryset: QuerySet, *, branch_field: str) -> QuerySet:
    """Restrict queryset to what actor may see; branch_field names the row's branch (e.g. "home_branch_id")."""
    branch = visible_branch(actor)
    if branch is None:
        return queryset.none()
    if branch == ALL_BRANCHES:
        return queryset
    return queryset.filter(**{branch_field: branch})
