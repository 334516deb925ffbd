"""Scoping, end to end: every page and endpoint that takes an object id hides another branch's object.

ARCHITECTURE.md section 4, rule 3: "not yours" and "missing" give the same 404, and a test calls every
endpoint as an out-of-branch user. This is that test. It walks every URL pattern Django knows (pages,
included apps, the ninja API under /api/v1/, the admin) and requires each pattern that takes a
parameter to be either in COVERAGE (how to call it for a branch-A object) or in EXEMPT (with the reason
it cannot leak a branch-A object). A new pattern in neither table fails test_it_covers_every_url_pattern_
that_takes_an_id, naming the pattern: whoever adds a route adds its row here.

For each covered pattern, method and way of signing in:
- a branch-B user (who holds every permission the call needs) gets 404, with the same body as for an id
  that does not exist, and leaves no trace (no note, no unmask audit event);
- a branch-A user gets the normal answer, so the test can fail when scoping hides too much.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.db.models import Max
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

pytestmark = pytest.mark.django_db


# --- The URL patterns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str  # the full route as written in the urlconfs, e.g. "customers/<int:customer_id>/"
    name: str  # "namespace:name", or "" for unnamed patterns
    params: tuple[str, ...]


def _params_of(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    if isinstance(pattern, RegexPattern):
        names = list(pattern.regex.groupindex)
        unnamed = pattern.regex.groups - len(names)
        return names + [f"<positional {i}>" for i in range(unnamed)]
    return []


def url_patterns(
    resolver=None, prefix: str = "", params: tuple[str, ...] = (), namespace: str = ""
) -> Iterator[Pattern]:
    """Every URL pattern, recursively through include()s, with the parameters of its whole route."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        own = params + tuple(_params_of(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            yield from url_patterns(entry, route, own, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield Pattern(route=route, name=name, params=own)


def _fill(route: str, kwargs: dict) -> str:
    """'customers/<int:customer_id>/' + {"customer_id": 7} -> '/customers/7/'."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    assert "<" not in path, f"route {route!r} has parameters this test cannot fill"
    return "/" + path


# --- What every pattern with an id means for scoping ----------------------------------------------------

SESSION = "session"  # the login fixture: a signed-in browser
TOKEN = "token"  # the token_client fixture: Authorization: Bearer <token> with every scope


@dataclass(frozen=True)
class Call:
    method: str  # "get" or "post"
    data: dict | None = None  # form fields for pages, a JSON body for the API
    ok_status: int = 200  # what the branch-A user gets


@dataclass(frozen=True)
class Covered:
    target: Callable[[dict], dict]  # ctx -> URL kwargs naming the branch-A object
    missing: Callable[[dict], dict]  # ctx -> URL kwargs naming an object that does not exist
    calls: tuple[Call, ...]
    auths: tuple[str, ...]
    api: bool = False  # JSON error bodies ({"error": {...}}) instead of the 404 page
    insider: str = "branch_a"  # the user (users fixture key) who may use the branch-A object
    outsider: str = "branch_b"  # same role and permissions, other branch
    ok_marker: Callable[[dict], str] | None = None  # ctx -> text the insider's answer contains


def _customer_a(ctx):
    return {"customer_id": ctx["customer_a"].pk}


def _no_customer(ctx):
    return {"customer_id": ctx["missing_customer_id"]}


def _batch(ctx):
    return {"batch_id": ctx["batch"].pk}


def _no_batch(ctx):
    return {"batch_id": ctx["missing_batch_id"]}


def _segment(ctx):
    return {"segment_id": ctx["segment"].pk}


def _no_segment(ctx):
    return {"segment_id": ctx["missing_segment_id"]}


def _draft(ctx):
    return {"rule_set_id": ctx["draft"].pk}


def _submitted(ctx):
    return {"rule_set_id": ctx["submitted"].pk}


def _no_rule_set(ctx):
    return {"rule_set_id": ctx["missing_rule_set_id"]}


def _ticket(ctx):
    return {"ticket_id": ctx["ticket"].pk}


def _no_ticket(ctx):
    return {"ticket_id": ctx["missing_ticket_id"]}


def _ticket_note(ctx):
    return {"ticket_id": ctx["ticket"].pk, "action": "note"}


def _no_ticket_note(ctx):
    return {"ticket_id": ctx["missing_ticket_id"], "action": "note"}


def _attachment(ctx):
    return {"ticket_id": ctx["ticket"].pk, "attachment_id": ctx["attachment"].pk}


def _no_attachment(ctx):
    return {"ticket_id": ctx["missing_ticket_id"], "attachment_id": ctx["attachment"].pk}


def _by(key: str, param: str):
    """URL kwargs naming ctx[key] (a branch-A object) as param."""
    return lambda ctx: {param: ctx[key].pk}


def _missing(key: str, param: str):
    return lambda ctx: {param: ctx[key].pk + 1000}


# A draft's editor as the browser posts it: one valid rule.
RULES_FORM = {"name": "matrix draft", "note": "", "rule-1-position": "10", "rule-1-dimension": "tag",
              "rule-1-code": "matrix", "rule-1-label_zh": "矩阵", "rule-1-label_en": "", "rule-1-expression": "true",
              "rule-1-description": ""}


COVERAGE: dict[str, Covered] = {
    # Pages (htmx fragments included): the session of a signed-in user.
    "customers/<int:customer_id>/": Covered(
        _customer_a, _no_customer, (Call("get"),), (SESSION,),
        ok_marker=lambda ctx: ctx["customer_a"].name,
    ),
    "customers/<int:customer_id>/unmask/": Covered(
        _customer_a, _no_customer, (Call("post", {"reason": "matrix"}),), (SESSION,),
        ok_marker=lambda ctx: ctx["customer_a"].id_number,
    ),
    "customers/<int:customer_id>/notes/": Covered(
        _customer_a, _no_customer, (Call("post", {"body": "matrix note"}),), (SESSION,),
        ok_marker=lambda ctx: "matrix note",
    ),
    # The API: a bearer token (integrations) and the session (the browser) both authenticate it.
    "api/v1/customers/<int:customer_id>": Covered(
        _customer_a, _no_customer, (Call("get"),), (TOKEN, SESSION), api=True,
        ok_marker=lambda ctx: ctx["customer_a"].customer_no,
    ),
    "api/v1/customers/<int:customer_id>/unmask": Covered(
        _customer_a, _no_customer, (Call("post", {"reason": "matrix"}),), (TOKEN, SESSION), api=True,
        ok_marker=lambda ctx: ctx["customer_a"].id_number,
    ),
    "api/v1/customers/<int:customer_id>/notes": Covered(
        _customer_a, _no_customer, (Call("post", {"body": "matrix note"}, ok_status=201),), (TOKEN, SESSION),
        api=True, ok_marker=lambda ctx: "matrix note",
    ),
    # Intake batches belong to no branch: operations reviewers see them, branch staff see nothing.
    "intake/<int:batch_id>/": Covered(
        _batch, _no_batch, (Call("get"),), (SESSION,), insider="reviewer",
        ok_marker=lambda ctx: "/batches/matrix",
    ),
    "api/v1/intake/batches/<int:batch_id>": Covered(
        _batch, _no_batch, (Call("get"),), (TOKEN, SESSION), api=True, insider="reviewer",
        ok_marker=lambda ctx: "/batches/matrix",
    ),
    # Segments and rule sets belong to no branch: whoever sees clients sees them (a segment's member list is
    # scoped to the viewer's branch: segmentation/tests check that). Staff who see no clients (the admin role)
    # get the 404 of a missing one.
    "segments/<int:segment_id>/members/": Covered(
        _segment, _no_segment, (Call("get"),), (SESSION,), insider="reviewer", outsider="admin",
        ok_marker=lambda ctx: ctx["customer_a"].customer_no,
    ),
    "api/v1/segments/<int:segment_id>/members": Covered(
        _segment, _no_segment, (Call("get"),), (TOKEN, SESSION), api=True, insider="reviewer", outsider="admin",
        ok_marker=lambda ctx: ctx["customer_a"].customer_no,
    ),
    "segments/rules/<int:rule_set_id>/": Covered(
        _draft, _no_rule_set, (Call("get"), Call("post", RULES_FORM, ok_status=302)), (SESSION,),
        insider="reviewer", outsider="admin",
    ),
    "segments/rules/<int:rule_set_id>/preview/": Covered(
        _draft, _no_rule_set, (Call("post"),), (SESSION,), insider="reviewer", outsider="admin",
        ok_marker=lambda ctx: 'data-testid="preview-error"',  # the test database has no lake to preview over
    ),
    "segments/rules/<int:rule_set_id>/submit/": Covered(
        _draft, _no_rule_set, (Call("post", ok_status=302),), (SESSION,), insider="reviewer", outsider="admin",
    ),
    "segments/rules/<int:rule_set_id>/withdraw/": Covered(
        _draft, _no_rule_set, (Call("post", ok_status=302),), (SESSION,), insider="reviewer", outsider="admin",
    ),
    "segments/rules/<int:rule_set_id>/approve/": Covered(
        _submitted, _no_rule_set, (Call("post", ok_status=302),), (SESSION,), insider="reviewer",
        outsider="admin",
    ),
    "segments/rules/<int:rule_set_id>/return/": Covered(
        _submitted, _no_rule_set, (Call("post", {"decision_note": "matrix"}, ok_status=302),), (SESSION,),
        insider="reviewer", outsider="admin",
    ),
    # Tickets belong to their responsible branch (the client's, or the one HQ dispatched them to).
    "tickets/<int:ticket_id>/": Covered(
        _ticket, _no_ticket, (Call("get"),), (SESSION,), ok_marker=lambda ctx: ctx["ticket"].number,
    ),
    "tickets/<int:ticket_id>/<slug:action>/": Covered(
        _ticket_note, _no_ticket_note, (Call("post", {"note": "matrix ticket note"}, ok_status=302),), (SESSION,),
    ),
    "tickets/<int:ticket_id>/attachments/<int:attachment_id>/": Covered(
        _attachment, _no_attachment, (Call("get"),), (SESSION,), ok_marker=lambda ctx: "matrix attachment",
    ),
    "api/v1/tickets/<int:ticket_id>": Covered(
        _ticket, _no_ticket, (Call("get"),), (TOKEN, SESSION), api=True, ok_marker=lambda ctx: ctx["ticket"].number,
    ),
    "api/v1/tickets/<int:ticket_id>/notes": Covered(
        _ticket, _no_ticket, (Call("post", {"note": "matrix ticket note"}, ok_status=201),), (TOKEN, SESSION),
        api=True, ok_marker=lambda ctx: "matrix ticket note",
    ),
    # Service packages and suitability: every record belongs to its client's branch. Decisions reserved to
    # reviewers are tried by a reviewer scoped to branch B.
    "plans/customer/<int:customer_id>/": Covered(
        _customer_a, _no_customer, (Call("get"),), (SESSION,), ok_marker=lambda ctx: ctx["customer_a"].name,
    ),
    "plans/customer/<int:customer_id>/request/": Covered(
        _customer_a, _no_customer, (Call("post", {"package": "gold", "channel": "branch"}, ok_status=422),),
        (SESSION,), ok_marker=lambda ctx: 'data-testid="request-error"',
    ),
    "plans/customer/<int:customer_id>/cancel/": Covered(
        _customer_a, _no_customer, (Call("post", {"channel": "branch"}, ok_status=302),), (SESSION,),
    ),
    "plans/customer/<int:customer_id>/product-check/": Covered(
        _customer_a, _no_customer, (Call("get"),), (SESSION,), ok_marker=lambda ctx: "PF0006",
    ),
    "plans/customer/<int:customer_id>/self-service-link/": Covered(
        _customer_a, _no_customer, (Call("post", ok_status=302),), (SESSION,),
    ),
    "plans/checks/<int:check_id>/": Covered(
        _by("check", "check_id"), _missing("check", "check_id"), (Call("get"),), (SESSION,),
        ok_marker=lambda ctx: ctx["check"].subject_name,
    ),
    "plans/checks/<int:check_id>/confirm/": Covered(
        _by("check", "check_id"), _missing("check", "check_id"),
        (Call("get"), Call("post", {"channel": "branch", "signer_name": "nobody"}, ok_status=422)), (SESSION,),
        ok_marker=lambda ctx: 'data-testid="risk-warning"',
    ),
    "plans/subscriptions/<int:subscription_id>/": Covered(
        _by("subscription", "subscription_id"), _missing("subscription", "subscription_id"), (Call("get"),),
        (SESSION,), ok_marker=lambda ctx: ctx["subscription"].package.name,
    ),
    "plans/subscriptions/<int:subscription_id>/<slug:action>/": Covered(
        lambda ctx: {"subscription_id": ctx["subscription"].pk, "action": "reject"},
        lambda ctx: {"subscription_id": ctx["subscription"].pk + 1000, "action": "reject"},
        (Call("post", {"note": "matrix rejection"}, ok_status=302),), (SESSION,), insider="reviewer",
        outsider="reviewer_b",
    ),
    "plans/assessments/<int:assessment_id>/": Covered(
        _by("assessment", "assessment_id"), _missing("assessment", "assessment_id"), (Call("get"),), (SESSION,),
    ),
    "plans/assessments/customer/<int:customer_id>/": Covered(
        _customer_a, _no_customer, (Call("get"),), (SESSION,), ok_marker=lambda ctx: ctx["customer_a"].name,
    ),
    "plans/permissions/<int:application_id>/": Covered(
        _by("permission_application", "application_id"), _missing("permission_application", "application_id"),
        (Call("get"),), (SESSION,),
    ),
    "plans/permissions/customer/<int:customer_id>/": Covered(
        _customer_a, _no_customer, (Call("get"),), (SESSION,), ok_marker=lambda ctx: ctx["customer_a"].name,
    ),
    "plans/professional/<int:application_id>/": Covered(
        _by("professional", "application_id"), _missing("professional", "application_id"), (Call("get"),),
        (SESSION,),
    ),
    "plans/professional/<int:application_id>/decide/": Covered(
        _by("professional", "application_id"), _missing("professional", "application_id"),
        (Call("post", {"decision": "reject", "note": "matrix rejection"}, ok_status=302),), (SESSION,),
        insider="reviewer", outsider="reviewer_b",
    ),
    "plans/professional/<int:application_id>/evidence/<int:evidence_id>/": Covered(
        lambda ctx: {"application_id": ctx["professional"].pk, "evidence_id": ctx["evidence"].pk},
        lambda ctx: {"application_id": ctx["professional"].pk + 1000, "evidence_id": ctx["evidence"].pk},
        (Call("get"),), (SESSION,), ok_marker=lambda ctx: "matrix evidence",
    ),
    "plans/fair-fee/branch/<int:branch_id>/": Covered(
        lambda ctx: {"branch_id": ctx["org"]["branch_a"].pk},
        lambda ctx: {"branch_id": ctx["org"]["branch_b"].pk + 1000}, (Call("get"),), (SESSION,),
    ),
    # Return visits belong to the client's branch (branch staff work their branch's queue).
    "visits/<int:task_id>/": Covered(
        _by("visit", "task_id"), _missing("visit", "task_id"), (Call("get"),), (SESSION,),
        ok_marker=lambda ctx: ctx["visit"].programme.name,
    ),
    "visits/<int:task_id>/<slug:action>/": Covered(
        lambda ctx: {"task_id": ctx["visit"].pk, "action": "claim"},
        lambda ctx: {"task_id": ctx["visit"].pk + 1000, "action": "claim"},
        (Call("post", ok_status=302),), (SESSION,),
    ),
    "visits/<int:task_id>/phone/": Covered(
        _by("visit_in_call", "task_id"), _missing("visit_in_call", "task_id"), (Call("post"),), (SESSION,),
        ok_marker=lambda ctx: ctx["customer_a"].phones.first().number,
    ),
    "visits/<int:task_id>/calls/<int:attempt_number>/recording/": Covered(
        lambda ctx: {"task_id": ctx["visit_in_call"].pk, "attempt_number": 1},
        lambda ctx: {"task_id": ctx["visit_in_call"].pk + 1000, "attempt_number": 1}, (Call("get"),), (SESSION,),
    ),
    "api/v1/visits/tasks/<int:task_id>": Covered(
        _by("visit", "task_id"), _missing("visit", "task_id"), (Call("get"),), (TOKEN, SESSION), api=True,
        ok_marker=lambda ctx: ctx["visit"].programme.code,
    ),
    "api/v1/visits/tasks/<int:task_id>/claim": Covered(
        _by("visit", "task_id"), _missing("visit", "task_id"), (Call("post"),), (TOKEN, SESSION), api=True,
        ok_marker=lambda ctx: '"claimed"',
    ),
    "api/v1/visits/tasks/<int:task_id>/start-call": Covered(
        _by("visit_claimed", "task_id"), _missing("visit_claimed", "task_id"), (Call("post", ok_status=201),),
        (TOKEN, SESSION), api=True,
    ),
    "api/v1/visits/tasks/<int:task_id>/outcome": Covered(
        _by("visit_in_call", "task_id"), _missing("visit_in_call", "task_id"),
        (Call("post", {"outcome": "unreachable", "answers": {}, "note": ""}),), (TOKEN, SESSION), api=True,
        ok_marker=lambda ctx: '"pending"',
    ),
    # Contact center. A call belongs to the agents who took part in it: another agent (same role, other center)
    # gets the 404 of a missing call. Wallboards belong to their center; interactions to the client's branch.
    "cc/calls/<int:call_id>/wrap-up/": Covered(
        _by("cc_call", "call_id"), _missing("cc_call", "call_id"),
        (Call("post", {"code": "permission"}, ok_status=422),), (SESSION,), insider="agent", outsider="agent_hq",
        ok_marker=lambda ctx: 'data-testid="desk-error"',  # the call is still going on: wrap up after it ends
    ),
    "cc/calls/<int:call_id>/transfer/": Covered(
        _by("cc_call", "call_id"), _missing("cc_call", "call_id"),
        (Call("post", {"target": "center"}, ok_status=422),), (SESSION,), insider="agent", outsider="agent_hq",
        ok_marker=lambda ctx: 'data-testid="desk-error"',  # no center chosen
    ),
    "cc/calls/<int:call_id>/note/": Covered(
        _by("cc_call", "call_id"), _missing("cc_call", "call_id"), (Call("post", {"body": "matrix cc note"}),),
        (SESSION,), insider="agent", outsider="agent_hq", ok_marker=lambda ctx: 'data-testid="note-saved"',
    ),
    "cc/calls/<int:call_id>/visit/": Covered(
        _by("cc_call", "call_id"), _missing("cc_call", "call_id"), (Call("post", {"note": "matrix visit"}),),
        (SESSION,), insider="agent", outsider="agent_hq", ok_marker=lambda ctx: 'data-testid="visit-booked"',
    ),
    "cc/callbacks/<int:callback_id>/done/": Covered(
        _by("cc_callback", "callback_id"), _missing("cc_callback", "callback_id"),
        (Call("post", {"status": "done", "note": "matrix"}, ok_status=302),), (SESSION,), insider="agent",
        outsider="agent_hq",
    ),
    "cc/wallboard/<int:center_id>/": Covered(
        lambda ctx: {"center_id": ctx["org"]["center"].pk}, lambda ctx: {"center_id": ctx["org"]["hq"].pk + 1000},
        (Call("get"),), (SESSION,), insider="agent", outsider="agent_hq",
        ok_marker=lambda ctx: 'data-testid="board-SC-GD"',
    ),
    "cc/wallboard/<int:center_id>/figures/": Covered(
        lambda ctx: {"center_id": ctx["org"]["center"].pk}, lambda ctx: {"center_id": ctx["org"]["hq"].pk + 1000},
        (Call("get"),), (SESSION,), insider="agent", outsider="agent_hq",
        ok_marker=lambda ctx: 'data-testid="board-SC-GD"',
    ),
    "cc/interactions/<int:interaction_id>/": Covered(
        _by("interaction", "interaction_id"), _missing("interaction", "interaction_id"), (Call("get"),), (SESSION,),
        ok_marker=lambda ctx: "matrix interaction",
    ),
    "api/v1/kb/articles/<int:article_id>": Covered(
        _by("kb_draft", "article_id"), _missing("kb_draft", "article_id"), (Call("get"),), (TOKEN, SESSION), api=True,
        insider="supervisor", outsider="agent", ok_marker=lambda ctx: '"status": "draft"',
    ),
    # The outbox: supervisors see the messages to the clients they may see (a branch-B supervisor: 404).
    "messages/outbox/<int:message_id>/": Covered(
        _by("outbound_message", "message_id"), _missing("outbound_message", "message_id"), (Call("get"),),
        (SESSION,), insider="supervisor", outsider="supervisor_b", ok_marker=lambda ctx: 'data-testid="attempts"',
    ),
    "messages/outbox/<int:message_id>/retry/": Covered(
        _by("failed_message", "message_id"), _missing("failed_message", "message_id"), (Call("post", ok_status=302),),
        (SESSION,), insider="supervisor", outsider="supervisor_b",
    ),
    # Issuing a WeChat binding code is an act on the client: branch B staff get the 404 of a missing client.
    "wechat/bind/<int:customer_id>/": Covered(
        _customer_a, _no_customer, (Call("get"), Call("post", {"action": "issue"})), (SESSION,),
        ok_marker=lambda ctx: ctx["customer_a"].customer_no,
    ),
    "surveys/responses/<int:response_id>/": Covered(
        _by("survey_response", "response_id"), _missing("survey_response", "response_id"), (Call("get"),), (SESSION,),
        ok_marker=lambda ctx: ctx["survey_response"].comment,
    ),
    "surveys/phone/<int:invitation_id>/": Covered(
        _by("phone_invitation", "invitation_id"), _missing("phone_invitation", "invitation_id"), (Call("get"),),
        (SESSION,), ok_marker=lambda ctx: ctx["customer_a"].customer_no,
    ),
    "api/v1/plans/entitlements/<int:customer_id>": Covered(
        _customer_a, _no_customer, (Call("get", {"kind": "research"}),), (TOKEN, SESSION), api=True,
        ok_marker=lambda ctx: '"package"',
    ),
}

# Route prefixes whose patterns take parameters but cannot show a branch's object to another branch.
EXEMPT: dict[str, str] = {
    "admin/": "Django admin is for administrators only (is_staff): every other user, whatever the branch, is "
    "redirected to the admin login before any object is looked up (test_it_keeps_the_admin_for_"
    "administrators checks it). It holds organisation and configuration, not clients.",
    "static/": "Static files (CSS, JS) are the same for everyone and are not branch data.",
    "plans/packages/": "Service packages are company-wide configuration with no client data; only holders of "
    "service_plans.manage_packages reach the editor (service_plans/tests/test_package_editor.py).",
    "kb/": "Knowledge-base articles are company-wide reference text, not client or branch data; drafts are hidden "
    "from non-editors with the 404 of a missing article (knowledge/tests/test_pages.py).",
    "chat/articles/": "The public web-chat widget shows published knowledge-base articles only; drafts and archived "
    "ones are 404.",
    "chat/console/": "Only holders of web_chat.answer_chat reach it (agents and supervisors, center- or "
    "company-scoped, who see every client as at the phone); everyone else gets 403 before any lookup "
    "(web_chat/tests/test_pages.py). No branch-scoped role holds the permission.",
    "surveys/r/": "The public survey page takes no login: the signed token names one invitation and shows only its "
    "questionnaire (a forged token is 404, a used or expired one 410, the same page; surveys/tests/"
    "test_public_page.py).",
    "surveys/campaigns/": "Survey campaigns are company-wide operations run by holders of surveys.run_campaign "
    "(supervisors, reviewers, administrators); the pages show the campaign's settings and aggregate counts, no "
    "client or branch data.",
    "surveys/builder/": "Survey definitions (questions, versions) are company-wide configuration with no client "
    "data; only holders of surveys.design_survey reach the builder.",
    "surveys/actions/": "Survey action items are department-level improvement tasks with no client data; only "
    "holders of surveys.manage_action_items (supervisors, reviewers) reach them.",
    "plans/self/": "The client's self-service page takes no login: the signed token names one client and shows "
    "only that client (a forged or expired token is 404; service_plans/tests/test_packages_pages.py).",
}


def _exemption(route: str) -> str | None:
    return next((prefix for prefix in EXEMPT if route.startswith(prefix)), None)


def test_it_covers_every_url_pattern_that_takes_an_id():
    patterns = list(url_patterns())
    assert any(p.route.startswith("api/v1/") for p in patterns), "the walk must reach the ninja API"
    uncovered = sorted(
        {f"{p.route} (name {p.name or '-'}, parameters {', '.join(p.params)})"
         for p in patterns if p.params and p.route not in COVERAGE and not _exemption(p.route)}
    )
    assert not uncovered, (
        "URL patterns that take an id but are not in the authorization matrix (add them to COVERAGE in "
        f"tests/test_authorization_matrix.py, or to EXEMPT with the reason): {uncovered}"
    )
    routes = {p.route for p in patterns}
    stale = sorted(set(COVERAGE) - routes)
    assert not stale, f"COVERAGE names patterns that no longer exist: {stale}"
    unused = sorted(prefix for prefix in EXEMPT if not any(r.startswith(prefix) for r in routes))
    # static/ only has URL patterns when DEBUG serves static files; the admin is always there.
    assert set(unused) <= {"static/"}, f"EXEMPT names prefixes with no patterns: {unused}"


def test_it_covers_every_api_method_on_paths_that_take_an_id():
    # One Django pattern serves every method of an API path: adding DELETE to /customers/{id} adds no
    # pattern, so the OpenAPI schema is the list of what must be covered.
    from brokerdesk.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    covered = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", "/" + route), call.method)
        for route, entry in COVERAGE.items() if entry.api
        for call in entry.calls
    }
    needed = {
        (path, method)
        for path, operations in schema["paths"].items() if "{" in path
        for method in operations
    }
    assert needed, "the schema must list the API's operations on ids"
    assert needed - covered == set(), f"API operations on ids missing from COVERAGE: {sorted(needed - covered)}"


def test_it_keeps_the_admin_for_administrators(users, org, login):
    # The reason EXEMPT gives for the admin, checked: a branch user never reaches an admin object page.
    for url in (f"/admin/org/branch/{org['branch_a'].pk}/change/", f"/admin/org/staff/{users['branch_a'].pk}/change/"):
        response = login(users["branch_b"]).get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    assert login(users["admin"]).get(f"/admin/org/branch/{org['branch_a'].pk}/change/").status_code == 200


# --- The calls ------------------------------------------------------------------------------------------


@pytest.fixture
def ctx(users, org, customer_a, customer_b):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from brokerdesk.customers.models import Customer
    from brokerdesk.intake.models import BatchStatus, IntakeBatch
    from brokerdesk.segmentation.models import RuleSet, Segment, SegmentMembership, SegmentRun
    from brokerdesk.segmentation.services import ruleset_draft_create, ruleset_submit
    from brokerdesk.tickets.attachments import attachment_add
    from brokerdesk.tickets.services import TicketInput, ticket_create

    top = Customer.objects.aggregate(top=Max("pk"))["top"] or 0
    batch = IntakeBatch.objects.create(source="/batches/matrix", status=BatchStatus.APPLIED, kind="daily",
                                       started_at=timezone.now(), message="matrix batch")
    # customer_a in a segment (the seed rules are published by a migration), and rule sets drafted by someone
    # other than the insider, so that the insider may also approve.
    published = RuleSet.objects.get(status="published")
    segment = Segment.objects.get(dimension="tier", code="silver")
    run = SegmentRun.objects.create(business_date=timezone.localdate(), rule_set=published, status="succeeded",
                                    trigger="command", started_at=timezone.now())
    SegmentMembership.objects.create(customer=customer_a, segment=segment, valid_from=run.business_date,
                                     rule_set=published, entered_run=run)
    draft = ruleset_draft_create(actor=users["supervisor"], name="matrix draft")
    submitted = ruleset_submit(actor=users["supervisor"],
                               rule_set=ruleset_draft_create(actor=users["supervisor"], name="matrix submitted"))
    ticket = ticket_create(actor=users["branch_a"], data=TicketInput(
        kind="complaint", channel="branch", subject="matrix ticket", description="matrix", customer_id=customer_a.pk),
        accept=True)
    attachment = attachment_add(actor=users["branch_a"], ticket_id=ticket.pk, upload=SimpleUploadedFile(
        "matrix.txt", b"matrix attachment", content_type="text/plain"))
    plans = _service_plans_records(users, org, customer_a)
    visits = _visit_records(users, customer_a)
    contact_center = _contact_center_records(users, org, customer_a)
    from brokerdesk.knowledge.services import ArticleInput, article_create

    kb_draft = article_create(actor=users["supervisor"], data=ArticleInput(title="矩阵草稿", body="matrix"))
    messages = _messaging_records(users, org, customer_a)
    surveys = _survey_records(users, org, customer_a)
    return {"users": users, "org": org, "customer_a": customer_a, "customer_b": customer_b, **plans, **visits,
            **contact_center, **messages, **surveys, "kb_draft": kb_draft,
            "ticket": ticket, "missing_ticket_id": ticket.pk + 1000, "attachment": attachment,
            "missing_customer_id": top + 1000, "batch": batch, "missing_batch_id": batch.pk + 1000,
            "segment": segment, "missing_segment_id": Segment.objects.aggregate(top=Max("pk"))["top"] + 1000,
            "draft": draft, "submitted": submitted, "missing_rule_set_id": submitted.pk + 1000}


def _service_plans_records(users, org, customer_a) -> dict:
    """One of each service_plans record on customer_a, and a reviewer scoped to branch B (users["reviewer_b"])."""
    from datetime import timedelta
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from brokerdesk.service_plans.models import PermissionApplication, ServicePackage, Subscription
    from brokerdesk.service_plans.selectors.assessments import questionnaire_current
    from brokerdesk.service_plans.services.assessments import risk_assessment_record
    from brokerdesk.service_plans.services.professional import professional_apply
    from brokerdesk.service_plans.services.suitability import product_suitability_check
    from tests.factories import make_staff

    users["reviewer_b"] = make_staff("t_reviewer_b", "reviewer", scope="branch", branch=org["branch_b"])
    now = timezone.now()
    questionnaire = questionnaire_current()
    answers = {q.position: [q.choices.order_by("position").last().position] for q in questionnaire.questions.all()}
    assessment = risk_assessment_record(actor=users["branch_a"], customer_id=customer_a.pk, answers=answers,
                                        lacks_civil_capacity=False, channel="branch", signer_name=customer_a.name)
    check = product_suitability_check(actor=users["branch_a"], customer_id=customer_a.pk, product_code="PF0006",
                                      channel="branch")
    subscription = Subscription.objects.create(
        customer=customer_a, package=ServicePackage.objects.get(code="platinum"), change="new",
        status="pending_approval", channel="branch", commission_rate=Decimal("0.16"), requested_by=users["branch_a"],
        requested_at=now)
    permission_application = PermissionApplication.objects.create(
        customer=customer_a, kind="chinext", applied_on=timezone.localdate(), channel="branch",
        average_assets=Decimal("1"), required_assets=Decimal("100000"), experience_months=1, required_months=24,
        disclosure_version="matrix", disclosure_signed_at=now, disclosure_signature_hash="0" * 64,
        status="refused", recorded_at=now - timedelta(minutes=1), recorded_by=users["branch_a"])
    professional = professional_apply(
        actor=users["branch_a"], customer_id=customer_a.pk, basis="person_assets",
        financial_assets=Decimal("6000000"), experience_years=Decimal("3"),
        evidence_files=[SimpleUploadedFile("matrix.txt", b"matrix evidence", content_type="text/plain")])
    return {"assessment": assessment, "check": check, "subscription": subscription,
            "permission_application": permission_application, "professional": professional,
            "evidence": professional.evidence.first()}


def _visit_records(users, customer_a) -> dict:
    """Visits of customer_a in branch A's queue: one pending, one claimed and one in call (with an uploaded
    recording of the call) by the branch-A user."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from brokerdesk.visits.recordings import visit_recording_upload
    from brokerdesk.visits.services import visit_call_start, visit_task_claim
    from brokerdesk.visits.tests.lifecycle_support import make_task

    pending = make_task("new_account", customer_a)
    claimed = visit_task_claim(actor=users["branch_a"], task_id=make_task("core_client", customer_a).pk)
    in_call = visit_task_claim(actor=users["branch_a"], task_id=make_task("abnormal_activity", customer_a).pk)
    visit_call_start(actor=users["branch_a"], task_id=in_call.pk)
    wav = b"RIFF" + (36).to_bytes(4, "little") + b"WAVE" + b"\0" * 32
    visit_recording_upload(actor=users["branch_a"], task_id=in_call.pk, attempt_number=1,
                           upload=SimpleUploadedFile("call.wav", wav, content_type="audio/wav"))
    return {"visit": pending, "visit_claimed": claimed, "visit_in_call": in_call}


def _messaging_records(users, org, customer_a) -> dict:
    """Two SMS to customer_a (one failed) and a supervisor scoped to branch B (users["supervisor_b"])."""
    from brokerdesk.messaging.models import OutboundMessage
    from brokerdesk.messaging.outbound.services import message_send
    from tests.factories import make_staff

    users["supervisor_b"] = make_staff("t_supervisor_b", "supervisor", scope="branch", branch=org["branch_b"])
    outbound = message_send(actor=None, customer=customer_a, channel="sms", body="matrix", purpose="service")
    failed = message_send(actor=None, customer=customer_a, channel="sms", body="matrix 2", purpose="service")
    OutboundMessage.objects.filter(pk=failed.pk).update(status="failed")
    return {"outbound_message": outbound, "failed_message": failed}


def _survey_records(users, org, customer_a) -> dict:
    """A survey response of customer_a (a promoter's, so no ticket) and a phone-survey invitation waiting."""
    from brokerdesk.surveys.responses import response_submit
    from brokerdesk.surveys.tests.support import invitation_of, make_campaign

    web = make_campaign(users["supervisor"], code="matrix-web", branches=[org["branch_a"]], channels=["web"])
    invitation = invitation_of(web, customer_a)
    response = response_submit(invitation=invitation, nonce=invitation.nonce,
                               raw_answers={1: ["10"], 3: ["matrix survey comment"]})
    phone = make_campaign(users["supervisor"], code="matrix-phone", branches=[org["branch_a"]], channels=["phone"])
    return {"survey_response": response, "phone_invitation": invitation_of(phone, customer_a)}


def _contact_center_records(users, org, customer_a) -> dict:
    """A call from customer_a answered by users["agent"] (Guangdong sub-center, serving branch A), an agent at HQ
    (users["agent_hq"]), and an interaction of customer_a."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from brokerdesk.contact_center.models import AgentProfile, AgentSkill, CallbackRequest, Interaction, Skill
    from brokerdesk.contact_center.routing import config
    from brokerdesk.contact_center.services.agents import agent_state_set
    from brokerdesk.contact_center.services.calls import call_answered, call_offer
    from tests.factories import make_staff

    config.invalidate()
    users["agent_hq"] = make_staff("t_agent_hq", "agent", scope="center", center=org["hq"])
    at = datetime(2026, 11, 17, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday, in service hours
    general = Skill.objects.get(code="general")
    for staff, center, extension in ((users["agent"], org["center"], "8001"), (users["agent_hq"], org["hq"], "9001")):
        profile = AgentProfile.objects.create(staff=staff, center=center, extension=extension)
        AgentSkill.objects.create(agent=profile, skill=general)
        agent_state_set(actor=staff, agent=profile, state="available", at=at)
    call_offer(call_ref="matrix-call", caller_number=customer_a.phones.first().number, dialled_number="95500",
               ivr=["2"], at=at)
    call = call_answered(call_ref="matrix-call", extension="8001", at=at)
    interaction = Interaction.objects.create(channel="sms", direction="outbound", customer=customer_a,
                                             started_at=at, summary="matrix interaction")
    callback = CallbackRequest.objects.create(kind="callback", customer=customer_a, number="13800000000",
                                              center=org["center"], requested_at=at)
    config.invalidate()
    return {"cc_call": call, "interaction": interaction, "cc_callback": callback}


@pytest.fixture
def client_for(login, token_client):
    from brokerdesk.org.tokens import TOKEN_SCOPES

    def _client(user, auth):
        return token_client(user, scopes=list(TOKEN_SCOPES)) if auth == TOKEN else login(user)

    return _client


def _send(client, method: str, url: str, data: dict | None, *, api: bool):
    if method == "get":
        return client.get(url, data or {})
    if api:
        return client.post(url, data or {}, content_type="application/json")
    return client.post(url, data or {})


_CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def _page_shape(response, url: str) -> str:
    # The 404 page echoes the path (language form) and a fresh CSRF token: take both out, keep the rest.
    return _CSRF_TOKEN.sub("<csrf>", response.content.decode().replace(url, "<path>"))


def _traces(ctx) -> dict:
    from brokerdesk.contact_center.models import Call as Call_
    from brokerdesk.contact_center.models import TelephonyCommand
    from brokerdesk.core.models import AuditEvent
    from brokerdesk.customers.models import CustomerNote
    from brokerdesk.segmentation.models import RuleSet, SegmentRule
    from brokerdesk.service_plans.models import ProfessionalApplication, Subscription, SuitabilityCheck
    from brokerdesk.tickets.models import TicketEvent
    from brokerdesk.visits.models import VisitAttempt, VisitTaskEvent

    customer = ctx["customer_a"]
    return {
        "notes": CustomerNote.objects.filter(customer=customer).count(),
        "audit_events_on_the_customer": AuditEvent.objects.filter(
            object_type="customer", object_id=str(customer.pk)
        ).count(),
        "rule_sets": list(RuleSet.objects.order_by("pk").values_list("pk", "status", "name", "decision_note")),
        "rules": list(SegmentRule.objects.order_by("pk").values_list("pk", "code", "expression")),
        "ticket_events": list(TicketEvent.objects.order_by("pk").values_list("pk", "action", "note")),
        "audit_events_on_tickets": AuditEvent.objects.filter(object_type="ticket").count(),
        "subscriptions": list(Subscription.objects.order_by("pk").values_list("pk", "status", "decision_note")),
        "suitability_checks": list(SuitabilityCheck.objects.order_by("pk").values_list("pk", "confirmed_at")),
        "professional": list(ProfessionalApplication.objects.order_by("pk").values_list("pk", "status")),
        "visit_events": list(VisitTaskEvent.objects.order_by("pk").values_list("pk", "action")),
        "visit_calls": list(VisitAttempt.objects.order_by("pk").values_list("pk", "outcome", "recording_ref")),
        "audit_events_on_visits": AuditEvent.objects.filter(object_type="visit_task").count(),
        "calls": list(Call_.objects.order_by("pk").values_list("pk", "status", "agent_id", "wrap_up_code_id",
                                                              "transfer_note")),
        "telephony_commands": TelephonyCommand.objects.count(),
    }


MATRIX = [
    pytest.param(route, call, auth, id=f"{call.method.upper()} {route} [{auth}]")
    for route, entry in COVERAGE.items()
    for call in entry.calls
    for auth in entry.auths
]


@pytest.mark.parametrize(("route", "call", "auth"), MATRIX)
def test_it_answers_404_to_another_branch_like_a_missing_id(route, call, auth, ctx, client_for):
    entry = COVERAGE[route]
    outsider = client_for(ctx["users"][entry.outsider], auth)
    target_url = _fill(route, entry.target(ctx))
    missing_url = _fill(route, entry.missing(ctx))
    before = _traces(ctx)

    hidden = _send(outsider, call.method, target_url, call.data, api=entry.api)
    missing = _send(outsider, call.method, missing_url, call.data, api=entry.api)

    assert missing.status_code == 404, f"{call.method.upper()} {missing_url}: a missing id must be 404"
    assert hidden.status_code == 404, (
        f"{call.method.upper()} {target_url} as {entry.outsider} ({auth}) answered {hidden.status_code}: "
        "another branch's object must look missing"
    )
    if entry.api:
        assert hidden.json() == missing.json()
        assert hidden.json()["error"]["code"] == "not_found"
    else:
        assert _page_shape(hidden, target_url) == _page_shape(missing, missing_url)
    assert ctx["customer_a"].name not in hidden.content.decode()
    assert _traces(ctx) == before, "a hidden object must not be read (audited) or changed"


@pytest.mark.parametrize(("route", "call", "auth"), MATRIX)
def test_it_serves_the_same_call_to_the_objects_own_branch(route, call, auth, ctx, client_for):
    entry = COVERAGE[route]
    insider = client_for(ctx["users"][entry.insider], auth)
    url = _fill(route, entry.target(ctx))

    response = _send(insider, call.method, url, call.data, api=entry.api)

    assert response.status_code == call.ok_status, (
        f"{call.method.upper()} {url} as {entry.insider} ({auth}) answered {response.status_code}"
    )
    if entry.ok_marker is not None:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert entry.ok_marker(ctx) in body.decode()
