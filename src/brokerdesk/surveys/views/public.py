"""The public response page /surveys/r/<token>/: no login, mobile-first, works without JavaScript.

A valid token shows the questionnaire (and marks the invitation opened); the answers come back to the same
address (CSRF-protected) and are stored once. Every refusal (forged, used, expired, answered meanwhile) shows the
same "this link is not valid" page: 404 for a token that never was, 410 for one used or expired.
"""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from brokerdesk.core.errors import Conflict, ValidationFailed
from brokerdesk.surveys import tokens
from brokerdesk.surveys.responses import invitation_opened, questions_of, response_submit


def _private(response):
    # The token is in the address: it never leaves the site (no-referrer would make the browser send
    # "Origin: null" with the form, which the CSRF check rightly refuses).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _invalid(request, status: int):
    return _private(render(request, "surveys/link_invalid.html", status=status))


def _form_context(invitation, questions, values=None, errors=None) -> dict:
    values = values or {}
    errors = errors or {}
    rows = []
    for q in questions:
        given = values.get(q.position, [])
        rows.append({"q": q, "name": f"q{q.position}", "given": [str(v) for v in given],
                     "errors": errors.get(f"q{q.position}", []),
                     "scale": {"nps": list(range(0, 11)), "rating": list(range(1, 6))}.get(q.kind, []),
                     "show_if_values": [str(v) for v in (q.show_if_values or [])]})
    return {"survey": invitation.campaign.survey, "rows": rows, "has_errors": bool(errors)}


@never_cache
@require_http_methods(["GET", "POST"])
def respond(request, token: str):
    check = tokens.token_check(token)
    if check.problem:
        return _invalid(request, check.status)
    invitation = check.invitation
    questions = questions_of(invitation)
    if request.method == "GET":
        invitation_opened(invitation)
        return _private(render(request, "surveys/respond.html", _form_context(invitation, questions)))
    raw = {q.position: request.POST.getlist(f"q{q.position}") for q in questions}
    try:
        response_submit(invitation=invitation, nonce=invitation.nonce, raw_answers=raw)
    except ValidationFailed as error:
        context = _form_context(invitation, questions, raw, error.details)
        return _private(render(request, "surveys/respond.html", context, status=422))
    except Conflict:
        return _invalid(request, 410)
    return _private(render(request, "surveys/thanks.html", {"survey": invitation.campaign.survey}))
