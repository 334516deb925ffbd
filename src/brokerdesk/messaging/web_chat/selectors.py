"""Web-chat reads for staff. Sessions of identified clients follow the client's branch (branch staff would see
only their branch's); center and HQ staff see all, anonymous visitors' sessions included."""

from django.db.models import Q, QuerySet

from brokerdesk.core.errors import NotFound
from brokerdesk.core.scoping import ALL_BRANCHES, database_id, visible_branch
from brokerdesk.messaging.web_chat.choices import SessionStatus
from brokerdesk.messaging.web_chat.models import ChatMessage, ChatSession

LIST_LIMIT = 50


def sessions_visible_to(actor) -> QuerySet[ChatSession]:
    if actor is None or not (actor.has_perm("web_chat.view_chatsession") or actor.has_perm("web_chat.answer_chat")):
        return ChatSession.objects.none()
    branch = visible_branch(actor)
    if branch is None:
        return ChatSession.objects.none()
    if branch == ALL_BRANCHES:
        return ChatSession.objects.all()
    return ChatSession.objects.filter(customer__home_branch_id=branch)


def session_get_for_actor(actor, session_id) -> ChatSession:
    session = (sessions_visible_to(actor).select_related("customer", "agent", "center")
               .filter(pk=database_id(session_id)).first())
    if session is None:
        raise NotFound()
    return session


def waiting_sessions(actor) -> QuerySet[ChatSession]:
    """Handed-off sessions nobody has taken, longest waiting first."""
    return (sessions_visible_to(actor).filter(status=SessionStatus.WAITING).select_related("customer", "center")
            .order_by("handed_off_at", "id"))


def my_sessions(actor) -> QuerySet[ChatSession]:
    return (sessions_visible_to(actor).filter(Q(agent=actor), status=SessionStatus.WITH_AGENT)
            .select_related("customer").order_by("taken_at", "id"))


def transcript(session: ChatSession) -> QuerySet[ChatMessage]:
    return session.messages.select_related("article", "agent").order_by("sent_at", "id")
