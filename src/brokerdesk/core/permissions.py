"""The one permission check services make before they change anything."""

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import PermissionDenied


def require_permission(actor, permission: str, attempted: str, *, system_allowed: bool = False) -> None:
    """Raise PermissionDenied, recorded in the audit trail as access.denied, unless actor holds permission.

    actor None is the system (a nightly job, an operator's command); it passes only where system_allowed.
    """
    if actor is None and system_allowed:
        return
    if actor is None or not actor.has_perm(permission):
        audit_record(actor=actor, action="access.denied", details={"permission": permission, "attempted": attempted})
        raise PermissionDenied()
