"""Application errors: a stable code, a human message and details, mapped to one HTTP shape.

The API returns them as {"error": {"code", "message", "details"}}; pages show the message in place.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message: str | None = None, *, details: Any = None, code: str | None = None):
        self.message = str(message or self.default_message)
        self.details = details if details is not None else {}
        if code:
            self.code = code
        super().__init__(self.message)

    @property
    def problems(self) -> list[str]:
        """The detail messages to show under the message (details that are not messages, such as ids, are left
        out)."""
        details = self.details if isinstance(self.details, dict) else {}
        return [str(p) for value in details.values() for p in (value if isinstance(value, list) else [value])
                if isinstance(p, str)]

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class NotFound(ApplicationError):
    """Also what "not yours" looks like: callers cannot tell a hidden object from a missing one."""

    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class ValidationFailed(ApplicationError):
    """details maps each offending field to a list of messages."""

    code = "validation_failed"
    status = 422
    default_message = _("Some fields are invalid.")


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    default_message = _("The object was changed by someone else; reload and try again.")


class FieldErrors:
    """Collects field errors so a service can report every problem at once, before writing anything."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(details=self.errors)
