"""Web-chat pages: the client widget (public, no login) with its session start and the answers' articles, and
the agents' console (waiting and own sessions; take, reply, end). The live traffic runs over the sockets
(consumers.py); the console's buttons also work as plain posts."""

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.core.masking import mask_name
from brokerdesk.core.request_context import current_ip
from brokerdesk.knowledge.search import published_articles
from brokerdesk.messaging.web_chat import selectors, services
from brokerdesk.messaging.web_chat.identity import MAX_LENGTH

STARTS_PER_HOUR = 30


@require_GET
def widget(request):
    """The portal's chat widget. ?identity=<signed client id> (from the portal) binds the session to the client;
    it is only passed on here and checked when the session starts."""
    identity = request.GET.get("identity", "")[:MAX_LENGTH]
    return render(request, "web_chat/widget.html", {"identity": identity})


def _too_many_starts(request) -> bool:
    key = f"web_chat.starts.{current_ip() or 'unknown'}"
    count = cache.get(key, 0)
    if count >= getattr(settings, "WEB_CHAT_STARTS_PER_HOUR", STARTS_PER_HOUR):
        return True
    cache.set(key, count + 1, 3600)
    return False


@require_POST
def start(request):
    """A new session for the widget: its socket's token. An identity that does not verify is ignored."""
    if _too_many_starts(request):
        return JsonResponse({"error": {"code": "rate_limited", "message": _(
            "Too many conversations from your network. Please try again later or call our service number."),
            "details": {}}}, status=429)
    session = services.chat_session_start(identity=request.POST.get("identity", "")[:MAX_LENGTH])
    return JsonResponse({"token": session.token, "socket": f"/ws/chat/{session.token}/"}, status=201)


@require_GET
def article(request, article_id: int):
    """A published article the bot answered with, for the client (no login)."""
    found = published_articles().filter(pk=article_id).first()
    if found is None:
        raise Http404
    return render(request, "web_chat/article.html", {"article": found})


def _session_row(session) -> dict:
    customer = session.customer
    return {"session": session,
            "client": mask_name(customer.name, customer.kind) if customer else _("Visitor (not signed in)")}


def _console_context(request) -> dict:
    user = request.user
    return {"waiting": [_session_row(s) for s in selectors.waiting_sessions(user)[:selectors.LIST_LIMIT]],
            "mine": [_session_row(s) for s in selectors.my_sessions(user)[:selectors.LIST_LIMIT]]}


@login_required
@permission_required("web_chat.answer_chat", raise_exception=True)
@require_GET
def console(request):
    if request.htmx and request.htmx.target == "chat-queues":
        return render(request, "web_chat/_queues.html", _console_context(request))
    return render(request, "web_chat/console.html", _console_context(request))


def _session_or_404(user, session_id):
    try:
        return selectors.session_get_for_actor(user, session_id)
    except NotFound:
        raise Http404 from None


@login_required
@permission_required("web_chat.answer_chat", raise_exception=True)
@require_GET
def console_session(request, session_id: int):
    """One conversation in the console (an htmx fragment): the transcript and what the agent may do."""
    session = _session_or_404(request.user, session_id)
    return render(request, "web_chat/_session.html", _session_context(request, session))


def _session_context(request, session, error: str = "") -> dict:
    return {**_session_row(session), "messages": list(selectors.transcript(session)), "error": error,
            "mine": session.agent_id == request.user.pk}


ACTIONS = {
    "take": lambda request, pk: services.chat_session_take(actor=request.user, session_id=pk),
    "reply": lambda request, pk: services.chat_agent_reply(actor=request.user, session_id=pk,
                                                           body=request.POST.get("body", "")),
    "end": lambda request, pk: services.chat_session_close(actor=request.user, session_id=pk),
}


@login_required
@permission_required("web_chat.answer_chat", raise_exception=True)
@require_http_methods(["POST"])
def console_act(request, session_id: int, action: str):
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    session = _session_or_404(request.user, session_id)
    error = ""
    try:
        handler(request, session.pk)
    except NotFound:
        raise Http404 from None
    except ApplicationError as failure:
        error = " ".join([failure.message, *failure.problems])
    if not request.htmx:
        return redirect("web_chat:console")
    # The panel again, fresh, with a refusal in place (422: the page's htmx swaps it in).
    session = _session_or_404(request.user, session.pk)
    return render(request, "web_chat/_session.html", _session_context(request, session, error),
                  status=422 if error else 200)
