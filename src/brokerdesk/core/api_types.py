"""Shared API building blocks: safe text, pagination, the error schema, errors -> one JSON shape."""

from typing import Annotated, Generic, TypeVar

from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, Field, model_validator

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


class InputSchema(Schema):
    """A request body: a JSON object and nothing else.

    ninja's Schema reads fields as attributes of whatever it is given (it also builds output from model
    instances), so without this a list, a number or a string would pass as a body whose fields all
    took their defaults.
    """

    @model_validator(mode="before")
    @classmethod
    def _require_object(cls, values):
        # ninja's own (outer) validator hands this one its attribute reader wrapped around the value.
        raw = values._obj if isinstance(values, DjangoGetter) else values
        if not isinstance(raw, dict):
            raise ValueError("the request body must be a JSON object")
        return values


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


_TRANSPORTS = ("body", "query", "path", "header", "cookie", "form", "file")


def _field_path(loc) -> str:
    """Name a field the way services do (FieldErrors): "phones[1]", "shareholder_accounts[0].market".

    ninja locations look like ("body", "payload", "phones", 1): the transport, then for a body the view's
    parameter name, then the field. Only those leading parts are dropped, by position: a field may
    itself be called "body" (a note's text).
    """
    parts = list(loc)
    if parts and parts[0] in _TRANSPORTS:
        transport = parts.pop(0)
        if transport == "body" and parts:
            parts.pop(0)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "request"


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
