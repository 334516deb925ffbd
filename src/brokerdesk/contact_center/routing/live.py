"""The routing engine's LiveView over the database: who is logged in and free, per center and skill.

One query per routing decision (the agents of a network are hundreds of rows, grouped in the database), read
when the engine first asks and kept for that decision only.
"""

from django.db.models import Count, Q

from brokerdesk.contact_center.choices import AgentState
from brokerdesk.contact_center.models import AgentSkill

LOGGED_IN = (AgentState.AVAILABLE, AgentState.RINGING, AgentState.ON_CALL, AgentState.WRAP_UP)


class DatabaseLiveView:
    def __init__(self):
        self._counts: dict[tuple[int, str], tuple[int, int]] | None = None

    def _load(self) -> dict[tuple[int, str], tuple[int, int]]:
        if self._counts is None:
            rows = (AgentSkill.objects.filter(agent__state__in=LOGGED_IN, skill__is_active=True)
                    .values_list("agent__center_id", "skill__code")
                    .annotate(staffed=Count("pk"), idle=Count("pk", filter=Q(agent__state=AgentState.AVAILABLE))))
            self._counts = {(center, skill): (staffed, idle) for center, skill, staffed, idle in rows}
        return self._counts

    def staffed(self, center_id: int, skill: str) -> int:
        return self._load().get((center_id, skill), (0, 0))[0]

    def idle(self, center_id: int, skill: str) -> int:
        return self._load().get((center_id, skill), (0, 0))[1]
