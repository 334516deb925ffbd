"""The two sockets of a chat session, both in the session's channel-layer group:

- ws/chat/<token>/ — the client's widget (no login: the random token is the key). Sends {"type": "message",
  "body"}, {"type": "handoff"} (talk to a person), {"type": "end"}.
- ws/chat/agent/<session id>/ — an agent's console (signed-in staff holding web_chat.answer_chat, for a session
  they may see). Sends {"type": "take"}, {"type": "message", "body"}, {"type": "end"}.

Both receive {"type": "history", "status", "messages"} on connecting, then {"type": "message", "message"} and
{"type": "status", "status", "text", "agent"} as they happen, and {"type": "error", "code", "message"} when a
step of theirs is refused. Every step goes through services (in a worker thread: database_sync_to_async), which
publish to the group after their commit.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.messaging.web_chat import selectors, services
from brokerdesk.messaging.web_chat.realtime import session_group

CLOSE_NOT_FOUND = 4404
CLOSE_FORBIDDEN = 4403


def _history(session) -> dict:
    return {"type": "history", "status": session.status,
            "messages": [services.message_out(m) for m in selectors.transcript(session)]}


class _ChatConsumer(AsyncJsonWebsocketConsumer):
    """What both sides share: joining the session's group, relaying its events, and errors as JSON. Each side
    defines handle(kind, content), run in a worker thread for every message it sends."""

    session_id: int | None = None

    async def _join(self, session_id: int, history: dict) -> None:
        self.session_id = session_id
        await self.channel_layer.group_add(session_group(session_id), self.channel_name)
        await self.accept()
        await self.send_json(history)

    async def disconnect(self, code):
        if self.session_id is not None:
            await self.channel_layer.group_discard(session_group(self.session_id), self.channel_name)

    async def chat_event(self, event):
        payload = event["event"]
        await self.send_json({"type": payload["kind"], **{k: v for k, v in payload.items() if k != "kind"}})

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "code": "bad_request", "message": "A JSON object is expected."})
            return
        try:
            await database_sync_to_async(self.handle)(content.get("type"), content)
        except ApplicationError as error:
            await self.send_json({"type": "error", "code": error.code, "message": error.message,
                                  "details": error.details})


class ClientChatConsumer(_ChatConsumer):
    async def connect(self):
        self.token = self.scope["url_route"]["kwargs"]["token"]
        try:
            session, history = await database_sync_to_async(self._load)()
        except NotFound:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self._join(session.pk, history)

    def _load(self):
        session = services.chat_session_for_token(self.token)
        return session, _history(session)

    def handle(self, kind, content) -> None:
        if kind == "message":
            services.chat_client_message(token=self.token, body=content.get("body"))
        elif kind == "handoff":
            services.chat_handoff_request(token=self.token)
        elif kind == "end":
            services.chat_session_close_by_client(token=self.token)
        else:
            raise ApplicationError("Unknown message type.", code="bad_request")


class AgentChatConsumer(_ChatConsumer):
    async def connect(self):
        self.user = self.scope.get("user")
        try:
            session, history = await database_sync_to_async(self._load)()
        except NotFound:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        except PermissionError:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self._join(session.pk, history)

    def _load(self):
        user = self.user
        if user is None or not user.is_authenticated or not user.is_active or not user.has_perm(
                "web_chat.answer_chat"):
            raise PermissionError
        session = selectors.session_get_for_actor(user, self.scope["url_route"]["kwargs"]["session_id"])
        return session, _history(session)

    def handle(self, kind, content) -> None:
        if kind == "take":
            services.chat_session_take(actor=self.user, session_id=self.session_id)
        elif kind == "message":
            services.chat_agent_reply(actor=self.user, session_id=self.session_id, body=content.get("body"))
        elif kind == "end":
            services.chat_session_close(actor=self.user, session_id=self.session_id)
        else:
            raise ApplicationError("Unknown message type.", code="bad_request")
