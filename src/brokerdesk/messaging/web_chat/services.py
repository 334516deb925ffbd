"""Web-chat writes: start a session, a client's message (answered by the knowledge-base bot or handed to an
agent), an agent taking a waiting session (compare-and-set: one agent wins), an agent's reply, and closing.

Clients are not staff: their steps and the bot's run as the system (actor None, system_allowed) and say so in
the audit details. Each step changes state, writes its audit event in the same transaction, and publishes to the
session's sockets only after the commit. Closing tells the layers above (contact_logged) once committed.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import database_id
from brokerdesk.customers.models import Customer
from brokerdesk.knowledge.search import best_answer
from brokerdesk.knowledge.selectors import excerpt
from brokerdesk.messaging.signals import contact_logged
from brokerdesk.messaging.web_chat.choices import OPEN_STATUSES, ClosedBy, SenderKind, SessionStatus
from brokerdesk.messaging.web_chat.identity import verified_customer_id
from brokerdesk.messaging.web_chat.models import ChatMessage, ChatSession
from brokerdesk.messaging.web_chat.realtime import publish
from brokerdesk.messaging.web_chat.selectors import sessions_visible_to

BODY_MAX = 2000
HANDOFF_WORDS = ("人工", "转人工", "真人", "客服人员", "agent", "human")
ANSWER_EXCERPT = 300


def _message_out(message: ChatMessage) -> dict:
    article = None
    if message.article_id:
        article = {"id": message.article_id, "title": message.article.title,
                   "url": reverse("web_chat:article", args=[message.article_id])}
    return {"id": message.pk, "sender": message.sender, "body": message.body,
            "sent_at": message.sent_at.isoformat(), "article": article,
            "agent": (message.agent.display_name or message.agent.username) if message.agent_id else ""}


def message_out(message: ChatMessage) -> dict:
    return _message_out(message)


def _post(session: ChatSession, sender: str, body: str, *, agent=None, article=None) -> ChatMessage:
    message = ChatMessage.objects.create(session=session, sender=sender, body=body, agent=agent, article=article,
                                         sent_at=timezone.now())
    publish(session.pk, {"kind": "message", "message": _message_out(message)})
    return message


def _status_event(session: ChatSession, text: str = "") -> None:
    publish(session.pk, {"kind": "status", "status": session.status, "text": text,
                         "agent": (session.agent.display_name or session.agent.username) if session.agent_id else ""})


def _audit(actor, action: str, session: ChatSession, *, before=None, after=None, **details) -> None:
    audit_record(actor=actor, action=f"web_chat.{action}", object_type="chat_session", object_id=session.pk,
                 before={"status": before} if before else None, after={"status": after} if after else None,
                 details=details or None)


def _clean_body(body) -> str:
    body = (body if isinstance(body, str) else "").strip().replace("\x00", "")
    errors = FieldErrors()
    if not body:
        errors.add("body", _("Please write a message."))
    elif len(body) > BODY_MAX:
        errors.add("body", _("At most %(n)d characters.") % {"n": BODY_MAX})
    errors.raise_if_any()
    return body


def chat_session_start(*, identity: str | None = None) -> ChatSession:
    """A new session for a portal visitor; bound to a client when identity verifies, else anonymous."""
    customer_id = verified_customer_id(identity)
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    with transaction.atomic():
        session = ChatSession.objects.create(token=secrets.token_urlsafe(32), customer=customer,
                                             started_at=timezone.now())
        _audit(None, "session_start", session, after=session.status, by="client",
               customer_id=customer.pk if customer else None, identity_given=bool(identity))
    return session


def _open_by_token(token: str) -> ChatSession:
    session = (ChatSession.objects.select_for_update(of=("self",)).select_related("customer__home_branch")
               .filter(token=str(token)[:64]).first())
    if session is None:
        raise NotFound()
    return session


def chat_session_for_token(token) -> ChatSession:
    session = ChatSession.objects.select_related("agent").filter(token=str(token)[:64]).first()
    if session is None:
        raise NotFound()
    return session


def _move(session: ChatSession, old: str, new: str, **changes) -> None:
    if not ChatSession.objects.filter(pk=session.pk, status=old).update(status=new, **changes):
        raise Conflict()
    session.status = new
    for name, value in changes.items():
        setattr(session, name, value)


def _hand_off(session: ChatSession, reason: str) -> None:
    center = None
    if session.customer_id and session.customer.home_branch_id:
        center = session.customer.home_branch.serving_center
    _move(session, SessionStatus.BOT, SessionStatus.WAITING, handed_off_at=timezone.now(), center=center)
    _audit(None, "handoff", session, before=SessionStatus.BOT, after=SessionStatus.WAITING, by="bot", reason=reason)
    _post(session, SenderKind.SYSTEM, _("Connecting you to an agent; please wait a moment."))
    _status_event(session)


def _wants_person(body: str) -> bool:
    lowered = body.lower()
    return any(word in lowered for word in HANDOFF_WORDS)


def chat_client_message(*, token, body) -> ChatSession:
    """A client's message. With the bot, it is answered from the knowledge base (published articles only) or,
    when nothing answers with confidence or the client asks for a person, handed to the agents' queue."""
    body = _clean_body(body)
    with transaction.atomic():
        session = _open_by_token(token)
        if session.status == SessionStatus.CLOSED:
            raise Conflict(_("This conversation has ended."))
        _post(session, SenderKind.CLIENT, body)
        _audit(None, "client_message", session, by="client", length=len(body))
        if session.status != SessionStatus.BOT:
            return session
        if _wants_person(body):
            _hand_off(session, "client_asked")
            return session
        found = best_answer(body)
        if found is None:
            _post(session, SenderKind.BOT, _("Sorry, I could not find an answer to that."))
            _hand_off(session, "no_answer")
            return session
        article, score = found
        _post(session, SenderKind.BOT, f"{article.title}\n{excerpt(article.body, ANSWER_EXCERPT)}", article=article)
        _audit(None, "bot_answer", session, by="bot", article_id=article.pk, score=round(score, 3))
    return session


def chat_handoff_request(*, token) -> ChatSession:
    """The client pressed "talk to a person"."""
    with transaction.atomic():
        session = _open_by_token(token)
        if session.status != SessionStatus.BOT:
            return session  # already waiting or with an agent: nothing to do
        _hand_off(session, "client_asked")
    return session


def _session_for_agent(actor, session_id, attempted: str) -> ChatSession:
    require_permission(actor, "web_chat.answer_chat", attempted)
    session = (sessions_visible_to(actor).select_for_update(of=("self",)).select_related("agent")
               .filter(pk=database_id(session_id)).first())
    if session is None:
        raise NotFound()
    return session


def chat_session_take(*, actor, session_id) -> ChatSession:
    """An agent takes a waiting session. Two agents pressing at once: the first wins, the other gets Conflict."""
    with transaction.atomic():
        session = _session_for_agent(actor, session_id, "web_chat.chat_session_take")
        if session.status != SessionStatus.WAITING:
            raise Conflict(_("Another agent has already taken this conversation.")
                           if session.status == SessionStatus.WITH_AGENT
                           else _("This conversation is not waiting for an agent."))
        _move(session, SessionStatus.WAITING, SessionStatus.WITH_AGENT, agent=actor, taken_at=timezone.now(),
              center=session.center or actor.center)
        _audit(actor, "take", session, before=SessionStatus.WAITING, after=SessionStatus.WITH_AGENT)
        name = actor.display_name or actor.username
        _post(session, SenderKind.SYSTEM, _("%(agent)s is now helping you.") % {"agent": name})
        _status_event(session)
    return session


def chat_agent_reply(*, actor, session_id, body) -> ChatMessage:
    body = _clean_body(body)
    with transaction.atomic():
        session = _session_for_agent(actor, session_id, "web_chat.chat_agent_reply")
        if session.status != SessionStatus.WITH_AGENT:
            raise Conflict(_("Take the conversation before replying.") if session.status == SessionStatus.WAITING
                           else _("This conversation has ended."))
        if session.agent_id != actor.pk:
            audit_record(actor=actor, action="access.denied", object_type="chat_session", object_id=session.pk,
                         details={"attempted": "web_chat.chat_agent_reply", "why": "not the session's agent"})
            raise PermissionDenied(_("Another agent is handling this conversation."))
        message = _post(session, SenderKind.AGENT, body, agent=actor)
        _audit(actor, "agent_reply", session, length=len(body))
    return message


def _close(actor, session: ChatSession, by: str, *, why: str = "", note: str = "") -> ChatSession:
    old = session.status
    if old not in OPEN_STATUSES:
        return session  # closing twice is harmless
    now = timezone.now()
    _move(session, old, SessionStatus.CLOSED, ended_at=now, closed_by=by)
    _audit(actor, "close", session, before=old, after=SessionStatus.CLOSED, by=by, **({"why": why} if why else {}))
    if note:
        _post(session, SenderKind.SYSTEM, note)
    _post(session, SenderKind.SYSTEM, _("The conversation has ended."))
    _status_event(session)
    counts = {kind: 0 for kind in SenderKind.values}
    for kind in session.messages.values_list("sender", flat=True):
        counts[kind] += 1
    if session.agent_id:
        disposition = "answered_by_agent"
    elif session.handed_off_at:
        disposition = "handed_off"  # the client left before an agent took it
    elif counts[SenderKind.BOT]:
        disposition = "answered_by_kb"
    else:
        disposition = "no_question"
    summary = _("Web chat: %(client)d messages from the client, %(bot)d bot answers, %(agent)d agent replies") % {
        "client": counts[SenderKind.CLIENT], "bot": counts[SenderKind.BOT], "agent": counts[SenderKind.AGENT]}
    facts = {"direction": "inbound", "customer_id": session.customer_id, "started_at": session.started_at,
             "ended_at": now, "summary": summary, "source_type": "chat_session", "source_id": session.pk,
             "agent_id": session.agent_id, "disposition": disposition}
    transaction.on_commit(lambda: contact_logged.send(sender="web_chat", **facts))
    return session


def chat_session_close_by_client(*, token) -> ChatSession:
    with transaction.atomic():
        return _close(None, _open_by_token(token), ClosedBy.CLIENT)


def chat_session_close(*, actor, session_id) -> ChatSession:
    """An agent ends a session: the one they hold, or (a supervisor clearing the queue) a waiting one."""
    with transaction.atomic():
        session = _session_for_agent(actor, session_id, "web_chat.chat_session_close")
        if session.status == SessionStatus.WITH_AGENT and session.agent_id != actor.pk:
            audit_record(actor=actor, action="access.denied", object_type="chat_session", object_id=session.pk,
                         details={"attempted": "web_chat.chat_session_close", "why": "not the session's agent"})
            raise PermissionDenied(_("Another agent is handling this conversation."))
        return _close(actor, session, ClosedBy.AGENT)


def _last_activity():
    """When anyone last wrote in the session (its start when nobody has)."""
    newest = ChatMessage.objects.filter(session=OuterRef("pk")).order_by("-sent_at").values("sent_at")[:1]
    return Coalesce(Subquery(newest), "started_at")


def chat_sessions_close_idle(*, now=None) -> dict:
    """Close the conversations nobody writes in any more: a client who closes the browser tab never says so.

    With the bot or with an agent, a session closes after settings.WEB_CHAT_IDLE_MINUTES without a message
    from anyone. One waiting for an agent closes after WEB_CHAT_QUEUE_MINUTES without a message (a client
    still there can write to stay in the queue) and tells the client why. Each closes as an ended session
    does, closed by the system: audited, logged as a contact with its disposition.
    Safe to run beside the live sessions: each is re-read under its lock and left alone if someone wrote or
    closed it meanwhile.
    """
    now = now or timezone.now()
    idle_since = now - timedelta(minutes=settings.WEB_CHAT_IDLE_MINUTES)
    queue_since = now - timedelta(minutes=settings.WEB_CHAT_QUEUE_MINUTES)
    stale = (Q(status=SessionStatus.WAITING, last_activity__lt=queue_since)
             | Q(status__in=(SessionStatus.BOT, SessionStatus.WITH_AGENT), last_activity__lt=idle_since))
    candidates = list(ChatSession.objects.filter(status__in=OPEN_STATUSES).annotate(last_activity=_last_activity())
                      .filter(stale).order_by("pk").values_list("pk", flat=True))
    closed = 0
    for session_id in candidates:
        with transaction.atomic():
            session = (ChatSession.objects.select_for_update(of=("self",)).select_related("agent")
                       .annotate(last_activity=_last_activity()).filter(stale, pk=session_id).first())
            if session is None:
                continue  # written in or closed since the list was read
            waited = session.status == SessionStatus.WAITING
            note = (_("No agent was free to take this conversation. Please call us or start a new chat.")
                    if waited else _("This conversation was closed because no one wrote in it for a while."))
            _close(None, session, ClosedBy.SYSTEM, why="queue_timeout" if waited else "idle", note=note)
            closed += 1
    return {"closed": closed}
