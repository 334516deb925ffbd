"""The contact center's sockets. Both only listen: every action goes through the pages (htmx posts to services).

- ws/cc/desktop/ — the signed-in agent's desktop (contact_center.use_agent_desktop and an agent profile). Joins
  the agent's group; receives {"kind": "presented", "call_id", "html"} (the screen-pop, rendered on the server),
  {"kind": "connected"|"finished", "call_id"} and {"kind": "state", "state", "label"}.
- ws/cc/wallboard/<center id>/ — a center's wallboard (contact_center.view_wallboard and the center in the
  watcher's scope); center id 0 is every center the watcher may see (company scope). Receives
  {"kind": "changed", "center_id"} when queues or agents change; the page then fetches the figures.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from brokerdesk.contact_center import selectors
from brokerdesk.contact_center.models import AgentProfile
from brokerdesk.contact_center.realtime import WALLBOARD_ALL, agent_group, wallboard_group
from brokerdesk.core.errors import NotFound
from brokerdesk.org.choices import Scope

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


class _ListeningConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    async def _join(self, groups: list[str]) -> None:
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def cc_event(self, message):
        await self.send_json(message["event"])

    async def receive_json(self, content, **kwargs):
        await self.send_json({"kind": "error", "code": "bad_request",
                              "message": "This socket only listens; act through the page."})


class DesktopConsumer(_ListeningConsumer):
    async def connect(self):
        user = self.scope.get("user")
        allowed = await database_sync_to_async(self._allowed)(user)
        if allowed is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self._join([agent_group(user.pk)])
        await self.send_json({"kind": "hello", "state": allowed})

    @staticmethod
    def _allowed(user) -> str | None:
        if not _signed_in(user) or not user.has_perm("contact_center.use_agent_desktop"):
            return None
        return AgentProfile.objects.filter(staff_id=user.pk).values_list("state", flat=True).first()


class WallboardConsumer(_ListeningConsumer):
    async def connect(self):
        user = self.scope.get("user")
        center_id = self.scope["url_route"]["kwargs"]["center_id"]
        group = await database_sync_to_async(self._group)(user, center_id)
        if group is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self._join([group])
        await self.send_json({"kind": "hello", "center_id": center_id})

    @staticmethod
    def _group(user, center_id: int) -> str | None:
        if not _signed_in(user) or not user.has_perm("contact_center.view_wallboard"):
            return None
        if center_id == 0:
            return WALLBOARD_ALL if user.scope == Scope.COMPANY else None
        try:
            center = selectors.wallboard_center_get_for_actor(user, center_id)
        except NotFound:
            return None
        return wallboard_group(center.pk)
