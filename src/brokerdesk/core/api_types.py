"""Shared API building blocks: safe text, pagination, the error schema, errors -> one JSON shape."""

from typing import Annotated, Generic, TypeVar

from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import AfterValidator, Field

from brokerdesk.core.errors import ApplicationError

T = TypeVar("T")


def _clean_text(value: str) -> str:
    # NUL cannot be stored by PostgreSQL and lone surrogates cannot be encoded: refuse them as input
    # errors here instead of failing as a server error deep inside the database driver.
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return value


CleanStr = Annotated[str, AfterValidator(_clean_text)]


class ErrorBody(Schema):
    code: str
    message: str
    details: dict | list | str | None = None


class ErrorOut(Schema):
    error: ErrorBody


class Page(Schema, Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int


PageNumber = Annotated[int, Field(ge=1, le=100_000)]
PageSize = Annotated[int, Field(ge=1, le=100)]
ERROR_RESPONSES = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _error(api: NinjaAPI, request, status: int, code: str, message: str, details=None):
    return api.create_response(
        request, {"error": {"code": code, "message": message, "details": details or {}}}, status=status
    )


def _field_path(loc) -> str:
    # ninja locations look like ("body", "payload", "phones", 1): drop the transport parts.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "header", "cookie")]
    return ".".join(parts) or "request"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def application_error(request, exc: ApplicationError):
        return _error(api, request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        details: dict[str, list[str]] = {}
        for err in exc.errors:
            details.setdefault(_field_path(err.get("loc", ())), []).append(err.get("msg", "invalid"))
        return _error(api, request, 422, "validation_failed", "Some fields are invalid.", details)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return _error(api, request, 401, "unauthenticated", "A valid bearer token or session is required.")

    @api.exception_handler(AuthorizationError)
    def authorization_error(request, exc):
        return _error(api, request, 403, "permission_denied", "You do not have permission to do this.")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _error(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return _error(api, request, exc.status_code, "error", str(exc))
