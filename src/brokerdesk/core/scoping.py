"""Row-level scoping: every list starts from visible_to(actor) (ARCHITECTURE.md section 4, rule 3).

The actor is a staff user. Staff carry a scope: company-wide, a contact center, or one branch.
Company- and center-scoped staff see every client (center agents must identify any caller; their
view is masked). Branch-scoped staff see only the rows of their own branch.
"""

from django.db.models import QuerySet


def visible_to(actor, queryset: QuerySet, *, branch_field: str) -> QuerySet:
    """Restrict queryset to what actor may see; branch_field names the row's branch (e.g. "home_branch_id")."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return queryset.none()
    if actor.sees_all_branches:
        return queryset
    if actor.branch_id:
        return queryset.filter(**{branch_field: actor.branch_id})
    return queryset.none()
